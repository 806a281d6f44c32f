package apitest

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestContainsLowerIsContainsOfToLower: containsLower answers strings.Contains(strings.ToLower(s),
// lower), for ASCII and other text alike.
func TestContainsLowerIsContainsOfToLower(t *testing.T) {
	pieces := []string{"a", "B", "z", "Z", "@", " ", "1", "İ", "ß", "ẞ", "é", "É", "K", "\xff", ""}
	texts := []string{"", "a", "b", "ab", "z@", "i̇", "ß", "é", "k", "\xff", "a b"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		lower := strings.ToLower(texts[r.IntN(len(texts))])
		if got, want := containsLower(s, lower), strings.Contains(strings.ToLower(s), lower); got != want {
			t.Fatalf("containsLower(%q, %q) = %v, want %v", s, lower, got, want)
		}
	}
}
