package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// outcomeFiles writes a run's failed file and journal as results arrive (api.WithResultFunc).
// After a write fails it writes nothing more and cancels the run: the patches it could not
// record keep no outcome, so --resume sends them again once the problem is fixed.
type outcomeFiles struct {
	failed, journal *os.File
	failedBuf       *bufio.Writer
	failedBytes     int64
	sent            remaining
	cancel          func()

	err        error
	unfinished int            // lines in the failed file, this run
	reasons    map[string]int // unfinished patches by reason, for the summary
	order      []string       // reasons in order of first appearance
	otherCount int            // unfinished patches whose reason did not fit in reasons
}

// maxDistinctReasons bounds the summary's memory: reasons beyond it are counted together.
const maxDistinctReasons = 1000

// openOutcomeFiles starts writing the held failed file and journal: a new run's journal gets
// its header; the files of the run being resumed are cut back to its last complete record.
func openOutcomeFiles(in *patchInput, files *patchFiles, resumed *resumeState, cancel func()) (*outcomeFiles, error) {
	o := &outcomeFiles{reasons: map[string]int{}, cancel: cancel, failed: files.failed.f, journal: files.journal}
	var err error
	if resumed == nil {
		o.sent = newRemaining(in.patches, nil)
		head, _ := json.Marshal(journalHeader{Journal: journalMagic, Version: journalVersion, Input: in.path, Format: in.format, SHA256: in.sha256, Patches: in.patches})
		if _, err = o.journal.Write(append(head, '\n')); err == nil {
			err = o.journal.Sync()
		}
		if err != nil {
			err = fmt.Errorf("cannot write the journal: %w", err)
		}
	} else {
		o.sent = newRemaining(in.patches, resumed.done)
		o.failedBytes = resumed.failedBytes
		err = cutTo(o.failed, resumed.failedBytes, files.failed.path)
		if err == nil {
			err = cutTo(o.journal, resumed.validBytes, o.journal.Name())
		}
	}
	if err != nil {
		return nil, err
	}
	o.failedBuf = bufio.NewWriterSize(o.failed, 64<<10)
	return o, nil
}

// cutTo truncates f to n bytes, dropping what a killed run wrote after its last record, and
// moves to its end. f shorter than n was changed since: that is refused.
func cutTo(f *os.File, n int64, path string) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < n {
		return fmt.Errorf("%s is shorter (%d bytes) than its journal records (%d): it was changed since the run was killed", path, st.Size(), n)
	}
	if err := f.Truncate(n); err != nil {
		return err
	}
	_, err = f.Seek(n, io.SeekStart)
	return err
}

func (o *outcomeFiles) record(results []api.PatchResult) {
	if o.err != nil {
		return
	}
	if err := o.write(results); err != nil {
		o.err = err
		o.cancel()
	}
}

func (o *outcomeFiles) write(results []api.PatchResult) error {
	before := o.failedBytes
	for _, r := range results {
		if r.Status == api.Patched {
			continue
		}
		line, err := encodeLine(r.Item)
		if err != nil {
			return fmt.Errorf("encoding the patch for %q: %w", r.Key, err)
		}
		n, err := o.failedBuf.Write(line)
		o.failedBytes += int64(n)
		if err != nil {
			return err
		}
		o.countReason(r)
	}
	if o.failedBytes != before {
		if err := o.failedBuf.Flush(); err != nil {
			return err
		}
		if err := o.failed.Sync(); err != nil {
			return err
		}
	}
	ords := make([][2]int, 0, 1)
	for _, r := range results {
		ords = append(ords, [2]int{o.sent.ordinal(r.Index), o.sent.ordinal(r.Index)})
	}
	rec, err := json.Marshal(journalRecord{Done: mergeRanges(ords), FailedBytes: o.failedBytes})
	if err != nil {
		return err
	}
	if _, err := o.journal.Write(append(rec, '\n')); err != nil {
		return err
	}
	return o.journal.Sync()
}

func (o *outcomeFiles) countReason(r api.PatchResult) {
	o.unfinished++
	reason := oneLine(r.Reason)
	if reason == "" {
		reason = r.Status.String()
	}
	// The api has hidden the key in r.Reason before anything else (api.PatchResult), so this cut
	// can leave no part of it.
	reason = truncate(reason, 200)
	if _, ok := o.reasons[reason]; !ok {
		if len(o.reasons) >= maxDistinctReasons {
			o.otherCount++
			return
		}
		o.order = append(o.order, reason)
	}
	o.reasons[reason]++
}

// flush writes out what is buffered for the failed file. The files themselves are the run's
// patchFiles, which close them.
func (o *outcomeFiles) flush() error { return o.failedBuf.Flush() }
