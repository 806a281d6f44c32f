package migrate

import "strconv"

// LoginIndexOf is the index of the login IDs of n users, as a read of n users builds it, for the
// memory test to tell what the index holds from what a reader holds.
func LoginIndexOf(n int) any {
	x := newLoginIndex()
	for i := range n {
		x.add([]string{"user" + strconv.Itoa(i) + "@example.com"}, i, i+2)
	}
	return x
}
