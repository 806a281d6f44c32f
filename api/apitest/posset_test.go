package apitest

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// checkPosSet fails the test unless s holds exactly want (sorted) and keeps its own rules: blocks
// sorted, non-empty, in order and at most maxBlock long, no two neighbours that could be one and
// are both short, the tree and n agreeing with the blocks; and unless rank, from and a walk with
// a cursor answer as they would over want.
func checkPosSet(t *testing.T, s *posSet, want []int32) {
	t.Helper()
	var all []int32
	for j, b := range s.blocks {
		if len(b) == 0 || len(b) > maxBlock || !slices.IsSorted(b) {
			t.Fatalf("block %d of %d: %d positions, sorted %v", j, len(s.blocks), len(b), slices.IsSorted(b))
		}
		if j > 0 && s.blocks[j-1][len(s.blocks[j-1])-1] >= b[0] {
			t.Fatalf("block %d starts at %d, not after block %d's last, %d", j, b[0], j-1, s.blocks[j-1][len(s.blocks[j-1])-1])
		}
		if j > 0 && len(b) < maxBlock/4 && len(s.blocks[j-1]) < maxBlock/4 {
			t.Fatalf("blocks %d and %d are both short (%d, %d): they should be one", j-1, j, len(s.blocks[j-1]), len(b))
		}
		if got := s.before(j); got != len(all) {
			t.Fatalf("before(%d) = %d, want %d", j, got, len(all))
		}
		all = append(all, b...)
	}
	if !slices.Equal(all, want) || s.len() != len(want) {
		t.Fatalf("set holds %d positions (len %d), want %d", len(all), s.len(), len(want))
	}
	c := s.from(0)
	for i, p := range want {
		if c.done() || c.pos() != p {
			t.Fatalf("walk: position %d is not %d", i, p)
		}
		c.next()
	}
	if !c.done() {
		t.Fatal("walk goes past the end")
	}
	// seek, to positions that do not go down.
	c = s.from(0)
	for p := int32(0); len(want) > 0 && p <= want[len(want)-1]+1; p += int32(1 + rand.IntN(2*maxBlock)) {
		c.seek(p)
		i := rankOf(want, p)
		if i < len(want) && (c.done() || c.pos() != want[i]) || i == len(want) && !c.done() {
			t.Fatalf("seek(%d) is wrong", p)
		}
	}
	for range 20 {
		k := rand.IntN(len(want) + 2)
		if c := s.from(k); k < len(want) && (c.done() || c.pos() != want[k]) || k >= len(want) && !c.done() {
			t.Fatalf("from(%d) is wrong", k)
		}
		p := int32(rand.IntN(int(slices.Max(append(want, 1))) + 2))
		if got, wantRank := s.rank(p), rankOf(want, p); got != wantRank {
			t.Fatalf("rank(%d) = %d, want %d", p, got, wantRank)
		}
	}
}

func rankOf(sorted []int32, p int32) int {
	i, _ := slices.BinarySearch(sorted, p)
	return i
}

// TestPosSetAgainstASortedSlice adds and removes positions at random, in runs that grow the set
// past many blocks and shrink it to nothing, and checks the set against a sorted slice throughout.
func TestPosSetAgainstASortedSlice(t *testing.T) {
	for _, space := range []int{10, 3 * maxBlock, 20 * maxBlock} {
		var s posSet
		var want []int32
		for step := range 6000 {
			// Grow during the first half, shrink during the second.
			adding := rand.IntN(100) < 70
			if step >= 3000 {
				adding = !adding
			}
			if step%500 == 0 || step > 5900 {
				checkPosSet(t, &s, want)
			}
			switch {
			case adding && rand.IntN(4) == 0: // a new last position, as a new user's
				p := int32(space)
				if len(want) > 0 {
					p = max(p, want[len(want)-1]+1)
				}
				if !s.add(p) {
					t.Fatalf("add(%d) of a new position reports it was there", p)
				}
				want = append(want, p)
			case adding:
				p := int32(rand.IntN(space))
				i, found := slices.BinarySearch(want, p)
				if s.add(p) == found {
					t.Fatalf("add(%d) reports %v, want %v", p, found, !found)
				}
				if !found {
					want = slices.Insert(want, i, p)
				}
			default:
				p := int32(rand.IntN(space))
				if len(want) > 0 && rand.IntN(2) == 0 {
					p = want[rand.IntN(len(want))]
				}
				i, found := slices.BinarySearch(want, p)
				if s.remove(p) != found {
					t.Fatalf("remove(%d) reports %v, want %v", p, !found, found)
				}
				if found {
					want = slices.Delete(want, i, i+1)
				}
			}
		}
		checkPosSet(t, &s, want)
		for len(want) > 0 {
			i := rand.IntN(len(want))
			s.remove(want[i])
			want = slices.Delete(want, i, i+1)
		}
		checkPosSet(t, &s, want)
	}
}

// TestDisjointFrom pages the union of sets that share no position, from every rank.
func TestDisjointFrom(t *testing.T) {
	sets := make([]*posSet, 3)
	for i := range sets {
		sets[i] = &posSet{}
	}
	var union []int32
	for p := range int32(5000) {
		if rand.IntN(5) == 0 {
			continue // in none
		}
		sets[rand.IntN(len(sets))].add(p)
		union = append(union, p)
	}
	for k := 0; k <= len(union)+1; k += 1 + rand.IntN(37) {
		var got []int32
		merge(disjointFrom(sets, k, 5000), func(p int32) bool {
			got = append(got, p)
			return len(got) < 50
		})
		want := union[min(k, len(union)):min(k+50, len(union))]
		if !slices.Equal(got, want) {
			t.Fatalf("from %d: %v, want %v", k, got, want)
		}
	}
}
