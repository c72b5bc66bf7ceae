package experiment

import "testing"

func TestDirName(t *testing.T) {
	for in, want := range map[string]string{
		"glyphs(seed=1)":             "glyphs-seed-1",
		"/a/b/my data.csv":           "my-data",
		"???":                        "data",
		"planted(noise=0.5,seed=1)":  "planted-noise-0.5-seed-1",
		"planted(noise=0.25,seed=1)": "planted-noise-0.25-seed-1",
		"/data/v1.2/train.csv":       "train",
	} {
		if got := dirName(in); got != want {
			t.Errorf("dirName(%q) = %q, want %q", in, got, want)
		}
	}
}
