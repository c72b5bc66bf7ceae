package shellquote

import "testing"

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"it's", `'it'\''s'`},
		{"", "''"},
		{"-data", "-data"},
		{"a b", "'a b'"},
		{"dir/x_1.csv", "dir/x_1.csv"},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := Join([]string{"tag", "run", "-targets", "a b"}); got != "tag run -targets 'a b'" {
		t.Errorf("Join: %s", got)
	}
}
