package apitest

import (
	"math/bits"
	"slices"
	"sort"
)

// maxBlock is the most positions a block of a posSet holds.
const maxBlock = 512

// posSet is an ordered set of positions in the store's insertion order (indexes into
// store.slots) that answers what a page needs without going through the set: the k-th position
// (from), and how many positions are below a given one (rank). The positions are kept sorted in
// blocks of at most maxBlock, and a Fenwick tree over the blocks' lengths finds the block of a
// rank. Adding or removing a position moves at most maxBlock positions and updates the tree in
// O(log blocks); adding, splitting, merging or dropping a block rebuilds the tree in O(blocks),
// which blocks of hundreds of positions make rare, and a few microseconds at a million positions.
// A set of n positions has fewer than 8n/maxBlock+1 blocks: a block shorter than maxBlock/4 is
// merged into a neighbour that has room.
// The zero posSet is empty and ready to use.
type posSet struct {
	blocks [][]int32 // non-empty and sorted; every position of a block is below those of the next
	tree   []int     // Fenwick tree over len(blocks[j]), 1-based: tree[0] is unused
	n      int
}

func (s *posSet) len() int { return s.n }

// block returns the index of the block that holds p, or would: the first whose last position is
// at least p, or the last block. The set is not empty.
func (s *posSet) block(p int32) int {
	j := sort.Search(len(s.blocks), func(j int) bool { b := s.blocks[j]; return b[len(b)-1] >= p })
	return min(j, len(s.blocks)-1)
}

// add adds p and reports whether it was not there.
func (s *posSet) add(p int32) bool {
	if s.n == 0 {
		s.blocks = append(s.blocks[:0], []int32{p})
		s.n = 1
		s.rebuild()
		return true
	}
	j := s.block(p)
	b := s.blocks[j]
	i, found := slices.BinarySearch(b, p)
	if found {
		return false
	}
	s.n++
	if i == len(b) && j == len(s.blocks)-1 && len(b) == maxBlock {
		// Past the end of a full last block (the common case: a new user): a new block.
		s.blocks = append(s.blocks, []int32{p})
		s.rebuild()
		return true
	}
	b = slices.Insert(b, i, p)
	s.blocks[j] = b
	if len(b) > maxBlock {
		half := len(b) / 2
		s.blocks[j] = slices.Clone(b[:half])
		s.blocks = slices.Insert(s.blocks, j+1, slices.Clone(b[half:]))
		s.rebuild()
		return true
	}
	s.bump(j, 1)
	return true
}

// remove removes p and reports whether it was there.
func (s *posSet) remove(p int32) bool {
	if s.n == 0 {
		return false
	}
	j := s.block(p)
	b := s.blocks[j]
	i, found := slices.BinarySearch(b, p)
	if !found {
		return false
	}
	s.n--
	b = slices.Delete(b, i, i+1)
	s.blocks[j] = b
	switch {
	case len(b) == 0:
		s.blocks = slices.Delete(s.blocks, j, j+1)
		s.rebuild()
	case len(b) < maxBlock/4 && j > 0 && len(s.blocks[j-1])+len(b) <= maxBlock:
		s.blocks[j-1] = append(s.blocks[j-1], b...)
		s.blocks = slices.Delete(s.blocks, j, j+1)
		s.rebuild()
	case len(b) < maxBlock/4 && j+1 < len(s.blocks) && len(b)+len(s.blocks[j+1]) <= maxBlock:
		s.blocks[j] = append(b, s.blocks[j+1]...)
		s.blocks = slices.Delete(s.blocks, j+1, j+2)
		s.rebuild()
	default:
		s.bump(j, -1)
	}
	return true
}

// rebuild makes the tree anew from the blocks' lengths.
func (s *posSet) rebuild() {
	n := len(s.blocks)
	s.tree = slices.Grow(s.tree[:0], n+1)[:n+1]
	s.tree[0] = 0
	for j, b := range s.blocks {
		s.tree[j+1] = len(b)
	}
	for i := 1; i <= n; i++ {
		if up := i + i&-i; up <= n {
			s.tree[up] += s.tree[i]
		}
	}
}

// bump adds d to the length of block j in the tree.
func (s *posSet) bump(j, d int) {
	for i := j + 1; i < len(s.tree); i += i & -i {
		s.tree[i] += d
	}
}

// before returns how many positions the blocks before block j hold.
func (s *posSet) before(j int) int {
	sum := 0
	for i := j; i > 0; i -= i & -i {
		sum += s.tree[i]
	}
	return sum
}

// rank returns how many positions of the set are below p.
func (s *posSet) rank(p int32) int {
	if s.n == 0 {
		return 0
	}
	j := s.block(p)
	i, _ := slices.BinarySearch(s.blocks[j], p)
	return s.before(j) + i
}

// from returns a cursor at the k-th position of the set (from 0), or past the end when k >= n.
func (s *posSet) from(k int) cursor {
	if k < 0 {
		k = 0
	}
	if k >= s.n {
		return cursor{s: s, j: len(s.blocks)}
	}
	// Walk down the tree: j is the last block whose blocks before it hold at most k positions.
	j := 0
	for step := 1 << (bits.Len(uint(len(s.blocks))) - 1); step > 0; step >>= 1 {
		if j+step <= len(s.blocks) && s.tree[j+step] <= k {
			j += step
			k -= s.tree[j]
		}
	}
	return cursor{s: s, j: j, i: k}
}

// renumber replaces every position p by to[p]; to keeps the order.
func (s *posSet) renumber(to []int32) {
	for _, b := range s.blocks {
		for i, p := range b {
			b[i] = to[p]
		}
	}
}

// cursor goes through a posSet in order. It is valid until the set changes.
type cursor struct {
	s    *posSet
	j, i int // block, index in block
}

func (c *cursor) done() bool { return c.j >= len(c.s.blocks) }

func (c *cursor) pos() int32 { return c.s.blocks[c.j][c.i] }

func (c *cursor) next() {
	if c.i++; c.i == len(c.s.blocks[c.j]) {
		c.j, c.i = c.j+1, 0
	}
}

// seek moves the cursor to the first position from p on, which is not before where it is.
func (c *cursor) seek(p int32) {
	blocks := c.s.blocks
	for c.j < len(blocks) && blocks[c.j][len(blocks[c.j])-1] < p {
		c.j, c.i = c.j+1, 0
	}
	if c.j < len(blocks) {
		b := blocks[c.j]
		c.i += sort.Search(len(b)-c.i, func(k int) bool { return b[c.i+k] >= p })
	}
}

// merge goes through the positions of the cursors' sets from where each cursor is, in order,
// each position once, and calls fn with each until fn returns false.
func merge(cs []cursor, fn func(p int32) bool) {
	for {
		next := int32(-1)
		for i := range cs {
			if !cs[i].done() && (next < 0 || cs[i].pos() < next) {
				next = cs[i].pos()
			}
		}
		if next < 0 {
			return
		}
		for i := range cs {
			if !cs[i].done() && cs[i].pos() == next {
				cs[i].next()
			}
		}
		if !fn(next) {
			return
		}
	}
}

// disjointFrom returns cursors on sets that have no position in common, at the k-th position of
// their union (from 0); end is above every position. merge then goes through the union from
// there.
func disjointFrom(sets []*posSet, k int, end int32) []cursor {
	cs := make([]cursor, len(sets))
	if len(sets) == 1 {
		cs[0] = sets[0].from(k)
		return cs
	}
	// The k-th position of the union is the smallest p with more than k positions up to p.
	p := sort.Search(int(end), func(p int) bool {
		n := 0
		for _, s := range sets {
			n += s.rank(int32(p) + 1)
		}
		return n > k
	})
	for i, s := range sets {
		cs[i] = s.from(s.rank(int32(p)))
	}
	return cs
}
