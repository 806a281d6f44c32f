package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

// The journal of a bulk run (patch's, and any bulk command's: see bulkCommand) sits beside its
// failed file (FAILED.journal). Its first line says which command's run wrote it and which
// input the run is about; every later line records that a group of inputs has a known outcome,
// and how long the failed file was once the group's unfinished inputs were in it. Both files
// are written, and synced to disk, before the run takes the next step that depends on them, so
// that a run killed at any moment (SIGKILL, a crash, a power cut) leaves what it knew: `patch
// --resume` (the same command with --resume) then sends only the inputs without a recorded
// outcome, and cuts the failed file back to the length of the last record, dropping the half of
// a group that was being written. A command resumes only its own journals.
//
// An input's place in the input file (its ordinal, from 0) names it in the journal. A run that
// ends with every input accounted for, a Ctrl-C included, removes its journal.

// journalVersion is the version of the journals this tool writes. It also reads version 1,
// which only patch wrote, with the same lines but for the header's count of the input's records,
// named patches there; a journal of any other version is refused.
const journalVersion = 2

// journalHeader is the journal's first line.
type journalHeader struct {
	Journal string `json:"journal"` // "descope-users COMMAND": the command whose run wrote it
	Version int    `json:"version"`
	Input   string `json:"input"`  // the input's path as given ("-" for standard input)
	Format  string `json:"format"` // jsonl or csv
	SHA256  string `json:"sha256"` // of the input's bytes
	Inputs  int    `json:"inputs"` // records in the input
}

// journalOf is the header's journal field for a run of cmd.
func journalOf(cmd string) string { return progName + " " + cmd }

// journalRecord is one later line.
type journalRecord struct {
	Done        [][2]int `json:"done"`        // inclusive ranges of ordinals with an outcome
	FailedBytes int64    `json:"failedBytes"` // the failed file's length after this group
}

// journalPath is where the journal of a failed file lives.
func journalPath(failedPath string) string { return failedPath + ".journal" }

// writeJournalHeader starts a new run's journal, j, with h, synced to disk.
func writeJournalHeader(j *os.File, h journalHeader) error {
	head, err := json.Marshal(h)
	if err == nil {
		_, err = j.Write(append(head, '\n'))
	}
	if err == nil {
		err = j.Sync()
	}
	if err != nil {
		return fmt.Errorf("cannot write the journal %s: %w", j.Name(), err)
	}
	return nil
}

// resumeState is what an interrupted run's journal says.
type resumeState struct {
	header      journalHeader
	done        [][2]int // sorted, merged
	failedBytes int64
	validBytes  int64 // the journal's length up to the end of its last complete record
}

// readHeader reads a journal's header line: its header, or an error saying why it is none that
// this tool wrote. Version 1 is read as version 2.
func readHeader(line []byte) (journalHeader, error) {
	var h journalHeader
	if err := json.Unmarshal(line, &h); err != nil || !strings.HasPrefix(h.Journal, progName+" ") {
		return h, fmt.Errorf("it is not the journal of a %s run", progName)
	}
	switch h.Version {
	case 1:
		var v1 struct {
			Patches int `json:"patches"`
		}
		_ = json.Unmarshal(line, &v1) // it parsed above
		h.Inputs = v1.Patches
	case journalVersion:
	default:
		return h, fmt.Errorf("it is of version %d; this %s reads versions 1 to %d", h.Version, progName, journalVersion)
	}
	return h, nil
}

// journalCommand is the command whose run wrote the journal at path, or "" when that cannot be
// read.
func journalCommand(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }()
	line, _ := bufio.NewReaderSize(f, 4096).ReadBytes('\n')
	h, err := readHeader(line)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(h.Journal, progName+" ")
}

// errNothingSent is readJournal's error for a journal without a complete header line: the run
// that created it was killed before it sent anything (the header is written before the first
// call), so a resumed run starts over.
var errNothingSent = errors.New("it has no complete header line: the run that created it was killed before it sent anything")

// readJournal reads the journal of a run of cmd, whose inputs are called n. A last line without
// its newline is a record the run was killed while writing: it is ignored. Anything else that
// does not describe a run of cmd (another command's journal, a line that does not parse, a
// range outside the input or backwards, an ordinal recorded twice, a failed file that shrinks)
// means the journal is not what such a run wrote: it is refused, since resuming from it would
// send inputs twice or never.
func readJournal(f *os.File, cmd string, n noun) (*resumeState, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(data) == 0 || !bytes.HasSuffix(lines[0], []byte("\n")) {
		return nil, errNothingSent
	}
	st := &resumeState{validBytes: int64(len(lines[0]))}
	if st.header, err = readHeader(lines[0]); err != nil {
		return nil, err
	}
	if h := st.header; h.Journal != journalOf(cmd) {
		other := strings.TrimPrefix(h.Journal, progName+" ")
		return nil, fmt.Errorf("it is the journal of %s run, not of %s run: continue that run with '%s --resume', or remove it and its failed file to start over",
			article(other), article(cmd), other)
	}
	total := st.header.Inputs
	if total < 0 {
		return nil, fmt.Errorf("its header records %d %s", total, n.many)
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
			return nil, fmt.Errorf("line %d is not a record of a %s run: %v", i+2, cmd, err)
		}
		if rec.FailedBytes < st.failedBytes {
			return nil, fmt.Errorf("line %d records a failed file of %d bytes, shorter than line %d before it (%d)", i+2, rec.FailedBytes, i+1, st.failedBytes)
		}
		for _, r := range rec.Done {
			if r[0] < 0 || r[1] < r[0] || r[1] >= total {
				return nil, fmt.Errorf("line %d records %s [%d,%d], which are not a range of the input's %d %s (0 to %d)", i+2, n.many, r[0], r[1], total, n.many, total-1)
			}
		}
		st.done = append(st.done, rec.Done...)
		st.failedBytes = rec.FailedBytes
		st.validBytes += int64(len(line))
	}
	merged := mergeRanges(st.done)
	if k, m := count(st.done), count(merged); k != m {
		return nil, fmt.Errorf("it records %d outcomes for %d %s: some %s twice", k, m, n.many, n.one)
	}
	st.done = merged
	return st, nil
}

// resumable reads the journal of a killed run and checks that it is about the input this run
// checked, whose header would be want: the same command, the same bytes read the same way.
// inputName names that input in messages.
func resumable(journal *os.File, want journalHeader, inputName string, n noun) (*resumeState, error) {
	st, err := readJournal(journal, strings.TrimPrefix(want.Journal, progName+" "), n)
	if err != nil {
		return nil, fmt.Errorf("cannot resume from %s: %w", journal.Name(), pathErr(err))
	}
	h := st.header
	switch {
	case h.SHA256 != want.SHA256 || h.Inputs != want.Inputs:
		return nil, fmt.Errorf("cannot resume: %s is not the input of the run that %s records (%s, %d %s; its SHA-256 differs): --resume needs the same file",
			inputName, journal.Name(), h.Input, h.Inputs, n.many)
	case h.Format != want.Format:
		return nil, fmt.Errorf("cannot resume: the run that %s records read its input as %s, not %s", journal.Name(), h.Format, want.Format)
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
