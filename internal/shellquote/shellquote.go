// Package shellquote quotes words for a POSIX shell, for the command lines
// that tag prints or writes into job scripts.
package shellquote

import "strings"

// Quote returns w as a POSIX shell reads it back as one word: w itself
// when it holds only letters, digits and -_./=:,+@%, and otherwise w in
// single quotes (a single quote inside closes them, is escaped with a
// backslash and reopens them).
func Quote(w string) string {
	if w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// Join quotes every word of words (Quote) and joins them with spaces.
func Join(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = Quote(w)
	}
	return strings.Join(out, " ")
}
