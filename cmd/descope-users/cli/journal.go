package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
)

// The journal of a patch run sits beside its failed file (FAILED.journal). Its first line says
// which input the run is about; every later line records that a group of input patches has a
// known outcome, and how long the failed file was once the group's unfinished patches were in
// it. Both files are written, and synced to disk, before the run takes the next step that
// depends on them, so that a run killed at any moment (SIGKILL, a crash, a power cut) leaves
// what it knew: `patch --resume` then sends only the patches without a recorded outcome, and
// cuts the failed file back to the length of the last record, dropping the half of a group that
// was being written.
//
// A patch's place in the input (its ordinal, from 0) names it in the journal. A run that ends
// with every patch accounted for, a Ctrl-C included, removes its journal.

// journalVersion is written in the header; a journal of another version is refused.
const journalVersion = 1

// journalHeader is the journal's first line.
type journalHeader struct {
	Journal string `json:"journal"` // always "descope-users patch"
	Version int    `json:"version"`
	Input   string `json:"input"`   // the input's path as given ("-" for standard input)
	Format  string `json:"format"`  // jsonl or csv
	SHA256  string `json:"sha256"`  // of the input's bytes
	Patches int    `json:"patches"` // patches in the input
}

const journalMagic = "descope-users patch"

// journalRecord is one later line.
type journalRecord struct {
	Done        [][2]int `json:"done"`        // inclusive ranges of ordinals with an outcome
	FailedBytes int64    `json:"failedBytes"` // the failed file's length after this group
}

// journalPath is where the journal of a failed file lives.
func journalPath(failedPath string) string { return failedPath + ".journal" }

// resumeState is what an interrupted run's journal says.
type resumeState struct {
	header      journalHeader
	done        [][2]int // sorted, merged
	failedBytes int64
	validBytes  int64 // the journal's length up to the end of its last complete record
}

// readJournal reads a journal. A last line without its newline is a record the run was killed
// while writing: it is ignored. Anything else that does not describe a run of patches (a line
// that does not parse, a range outside the input or backwards, an ordinal recorded twice, a
// failed file that shrinks) means the journal is not what a run wrote: it is refused, since
// resuming from it would send patches twice or never.
func readJournal(f *os.File) (*resumeState, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(data) == 0 || !bytes.HasSuffix(lines[0], []byte("\n")) {
		return nil, errors.New("it has no complete header line: the run that created it was killed before it sent anything; remove it and its failed file to start over")
	}
	st := &resumeState{validBytes: int64(len(lines[0]))}
	if err := json.Unmarshal(lines[0], &st.header); err != nil || st.header.Journal != journalMagic {
		return nil, errors.New("it is not the journal of a descope-users patch run")
	}
	if st.header.Version != journalVersion {
		return nil, fmt.Errorf("it is of version %d; this descope-users reads version %d", st.header.Version, journalVersion)
	}
	if st.header.Patches < 0 {
		return nil, fmt.Errorf("its header records %d patches", st.header.Patches)
	}
	for i, line := range lines[1:] {
		if len(line) == 0 {
			break
		}
		if !bytes.HasSuffix(line, []byte("\n")) {
			break // the record the run was writing when it was killed
		}
		var rec journalRecord
		if err := strictUnmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("line %d is not a record of a patch run: %v", i+2, err)
		}
		if rec.FailedBytes < st.failedBytes {
			return nil, fmt.Errorf("line %d records a failed file of %d bytes, shorter than line %d before it (%d)", i+2, rec.FailedBytes, i+1, st.failedBytes)
		}
		for _, r := range rec.Done {
			if r[0] < 0 || r[1] < r[0] || r[1] >= st.header.Patches {
				return nil, fmt.Errorf("line %d records patches [%d,%d], which are not a range of the input's %d patches (0 to %d)", i+2, r[0], r[1], st.header.Patches, st.header.Patches-1)
			}
		}
		st.done = append(st.done, rec.Done...)
		st.failedBytes = rec.FailedBytes
		st.validBytes += int64(len(line))
	}
	merged := mergeRanges(st.done)
	if n, m := count(st.done), count(merged); n != m {
		return nil, fmt.Errorf("it records %d outcomes for %d patches: some patch twice", n, m)
	}
	st.done = merged
	return st, nil
}

// resumable reads the journal of a killed run and checks that it is about this input.
func (in *patchInput) resumable(journal *os.File) (*resumeState, error) {
	st, err := readJournal(journal)
	if err != nil {
		return nil, fmt.Errorf("cannot resume from %s: %v", journal.Name(), pathErr(err))
	}
	h := st.header
	switch {
	case h.SHA256 != in.sha256 || h.Patches != in.patches:
		return nil, fmt.Errorf("cannot resume: %s is not the input of the run that %s records (%s, %d patches; its SHA-256 differs): --resume needs the same file",
			in.name(), journal.Name(), h.Input, h.Patches)
	case h.Format != in.format:
		return nil, fmt.Errorf("cannot resume: the run that %s records read its input as %s, not %s", journal.Name(), h.Format, in.format)
	}
	return st, nil
}

// count returns how many ordinals the ranges hold.
func count(ranges [][2]int) int {
	n := 0
	for _, r := range ranges {
		n += r[1] - r[0] + 1
	}
	return n
}

// mergeRanges sorts inclusive ranges and merges those that touch or overlap.
func mergeRanges(rs [][2]int) [][2]int {
	if len(rs) == 0 {
		return nil
	}
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b [2]int) int { return a[0] - b[0] })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r[0] <= last[1]+1 {
			last[1] = max(last[1], r[1])
		} else {
			out = append(out, r)
		}
	}
	return out
}

// remaining maps the patches a run sends, numbered from 0 in the order it sends them, to their
// ordinals in the input: the ordinals of 0..total-1 outside the done ranges.
type remaining struct {
	gaps   [][2]int // inclusive ranges of ordinals still to send, in order
	starts []int    // starts[i]: how many ordinals the gaps before gaps[i] hold
}

func newRemaining(total int, done [][2]int) remaining {
	var r remaining
	next := 0
	add := func(lo, hi int) {
		if lo <= hi {
			r.starts = append(r.starts, count(r.gaps))
			r.gaps = append(r.gaps, [2]int{lo, hi})
		}
	}
	for _, d := range done {
		add(next, min(d[0], total)-1)
		next = d[1] + 1
	}
	add(next, total-1)
	return r
}

// len is how many patches remain.
func (r remaining) len() int { return count(r.gaps) }

// ordinal returns the ordinal of the k-th patch sent.
func (r remaining) ordinal(k int) int {
	i := sort.Search(len(r.starts), func(i int) bool { return r.starts[i] > k }) - 1
	return r.gaps[i][0] + k - r.starts[i]
}

// contains reports whether ordinal o is still to send.
func (r remaining) contains(o int) bool {
	i := sort.Search(len(r.gaps), func(i int) bool { return r.gaps[i][1] >= o })
	return i < len(r.gaps) && r.gaps[i][0] <= o
}
