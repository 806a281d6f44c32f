package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// outcomeWriter records the outcomes of a bulk run as they arrive (api.WithResultFunc): every
// input that was not applied goes to the run's held failed file, as the line line makes of it,
// and, when the run keeps a journal (keepJournal), a record of which inputs have an outcome goes
// to the journal; both are synced to disk before the run takes the next step that depends on
// them. After a write fails it writes nothing more and cancels the run: the inputs it could not
// record keep no outcome, so --resume sends them again once the problem is fixed.
type outcomeWriter[T any] struct {
	failed *heldFile
	buf    *bufio.Writer
	bytes  int64                   // the failed file's length
	line   func(api.Result[T]) any // what the failed file gets for an input not applied
	cancel func()                  // cancels the run

	journal *os.File  // nil: the run keeps no journal
	sent    remaining // with a journal: the ordinals, in the input, of the inputs the run sends

	// existing, when set, is given the input of every result that is api.Existing.
	existing func(T)

	err        error
	unfinished int         // lines this run wrote to the failed file
	reasons    reasonTally // why they were not applied, for the summary
}

func newOutcomeWriter[T any](failed *heldFile, line func(api.Result[T]) any) *outcomeWriter[T] {
	return &outcomeWriter[T]{failed: failed, buf: bufio.NewWriterSize(failed.f, 64<<10), line: line, cancel: func() {}}
}

// keepJournal makes w record every outcome in the journal j too: a new run's journal gets its
// header h; the files of the killed run being resumed are cut back to its last complete record,
// and the inputs it recorded are left out of sent.
func (w *outcomeWriter[T]) keepJournal(j *os.File, h journalHeader, resumed *resumeState) error {
	w.journal = j
	if resumed == nil {
		w.sent = newRemaining(h.Inputs, nil)
		return writeJournalHeader(j, h)
	}
	w.sent = newRemaining(h.Inputs, resumed.done)
	w.bytes = resumed.failedBytes
	if err := cutTo(w.failed.f, resumed.failedBytes, w.failed.path); err != nil {
		return err
	}
	return cutTo(j, resumed.validBytes, j.Name())
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

// record is the run's result func.
func (w *outcomeWriter[T]) record(results []api.Result[T]) {
	if w.err != nil {
		return
	}
	if err := w.write(results); err != nil {
		w.err = err
		w.cancel()
	}
}

func (w *outcomeWriter[T]) write(results []api.Result[T]) error {
	failedErr := func(err error) error { return fmt.Errorf("writing the failed file %s: %w", w.failed.path, err) }
	before := w.bytes
	for _, r := range results {
		if r.Status == api.Existing && w.existing != nil {
			w.existing(*r.Item)
		}
		if !r.Status.Unfinished() {
			continue
		}
		line, err := encodeLine(w.line(r))
		if err != nil {
			return failedErr(fmt.Errorf("encoding the line for %q: %w", r.Key, err))
		}
		n, err := w.buf.Write(line)
		w.bytes += int64(n)
		if err != nil {
			return failedErr(err)
		}
		w.unfinished++
		w.reasons.add(r.Reason, r.Status)
	}
	if w.bytes != before {
		if err := w.buf.Flush(); err != nil {
			return failedErr(err)
		}
		if err := w.failed.f.Sync(); err != nil {
			return failedErr(err)
		}
	}
	if w.journal == nil {
		return nil
	}
	ords := make([][2]int, 0, 1)
	for _, r := range results {
		ords = append(ords, [2]int{w.sent.ordinal(r.Index), w.sent.ordinal(r.Index)})
	}
	rec, err := json.Marshal(journalRecord{Done: mergeRanges(ords), FailedBytes: w.bytes})
	if err == nil {
		_, err = w.journal.Write(append(rec, '\n'))
	}
	if err == nil {
		err = w.journal.Sync()
	}
	if err != nil {
		return fmt.Errorf("writing the journal %s: %w", w.journal.Name(), err)
	}
	return nil
}

// flush writes out what is buffered for the failed file. The files themselves are the run's
// (heldFile, runFiles), which close them.
func (w *outcomeWriter[T]) flush() error {
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("writing the failed file %s: %w", w.failed.path, err)
	}
	return nil
}
