package cli

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// spooledInput is the input file of a bulk run, read in the format records describes. check
// reads it once, checking every record, counting and hashing them, and copies the bytes it read
// to a private spool (a temporary file, unlinked at once where the system allows, so that nothing
// is left behind however the process ends); each reads the spool to send. So the run sends
// exactly what was checked, even when the input is rewritten while the run reads it (a generator
// writing it again, say): every record check counted gets an outcome. Neither pass holds the
// input in memory.
type spooledInput[T any] struct {
	inputFile
	records records[T]
	// source, when set, reads the input instead of records' format: another platform's export
	// (import --from). check spools its records as records' JSON Lines (lineOf), which each
	// reads back.
	source recordSource[T]
	// unique, when set, is a key no two records may share (import's login IDs): check reports a
	// second record with a key at its line, naming the first's. It keeps every key until it ends.
	unique func(rec *T) string
	// listAll keeps every problem check finds, and every record a source skipped, for a plan
	// that lists them all; else the first maxReportedProblems of each, with a count.
	listAll bool

	spool   *os.File // the bytes check read, or the records a source gave; closed by cleanup
	skipped skippedRecords
	count   int         // how many records check read
	sha256  string      // of the bytes check read
	stat    os.FileInfo // the input file as check saw it (nil for standard input)
}

// check reads the whole input, checks every record, counting and hashing, and spools it. It stops
// when ctx ends. Malformed lines come back as an *inputError.
func (in *spooledInput[T]) check(ctx context.Context, stdin io.Reader) error {
	spool, err := os.CreateTemp("", "descope-users-input-*.spool")
	if err != nil {
		return fmt.Errorf("copying the input to a temporary file: %w", err)
	}
	in.spool = spool
	// Unlinked while open: the copy lives as long as the process holds it, and no longer. (Where
	// an open file cannot be removed, cleanup removes it.)
	_ = os.Remove(spool.Name())
	h := sha256.New()
	var src io.Reader
	if in.path == "-" {
		src = readerUntil(ctx, stdin)
	} else {
		f, err := openInput(in.path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		if in.stat, err = f.Stat(); err != nil {
			return err
		}
		src = f
	}
	w := bufio.NewWriterSize(spool, 64<<10)
	counted := func() error {
		in.count++
		if in.count%1024 == 0 {
			return ctx.Err()
		}
		return nil
	}
	var r io.Reader
	dups := &inputError{name: in.name(), all: in.listAll}
	in.skipped.all = in.listAll
	if in.source != nil {
		r = io.TeeReader(src, h)
		err = in.readSource(r, w, counted)
	} else {
		r = io.TeeReader(src, io.MultiWriter(h, w))
		first := map[string]int{}
		err = scanRecordsInto(&inputError{name: in.name(), all: in.listAll}, r, in.format, in.records, func(line int, rec T) error {
			if in.unique != nil {
				key := in.unique(&rec)
				if at, ok := first[key]; ok {
					dups.add(line, "%q is also on line %d: a %s may appear once", key, at, in.records.one)
				} else {
					first[key] = line
				}
			}
			return counted()
		})
	}
	// The reading may stop before the end (a CSV quoting error): read the rest, so that the
	// hash is always the whole input's.
	if err == nil || isInputError(err) {
		if _, cerr := io.Copy(io.Discard, r); cerr != nil && err == nil {
			err = cerr
		}
	}
	if dups.total > 0 {
		var ie *inputError
		switch {
		case err == nil:
			err = dups
		case errors.As(err, &ie):
			ie.merge(dups)
		}
	}
	if ferr := w.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("copying the input to a temporary file: %w", ferr)
	}
	in.sha256 = hex.EncodeToString(h.Sum(nil))
	return err
}

// readerUntil returns a reader of r whose reads end with ctx's error once ctx is done, even when
// a read of r blocks (standard input that nobody closes): r is read by a goroutine of its own,
// which is abandoned then.
func readerUntil(ctx context.Context, r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	go func() {
		_, err := io.Copy(pw, r)
		stop()
		pw.CloseWithError(err)
	}()
	return pr
}

// each reads the spooled input and calls fn with each record, in order, until fn returns false.
func (in *spooledInput[T]) each(fn func(T) bool) error {
	return in.eachAt(func(_ int, rec T) bool { return fn(rec) })
}

// eachAt is each with the line of the spool each record is on: FILE's line, unless a source read
// FILE (then the record's ordinal, from 1).
func (in *spooledInput[T]) eachAt(fn func(line int, rec T) bool) error {
	if _, err := in.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading the copy of %s: %w", in.name(), err)
	}
	stop := errors.New("stop")
	format := in.format
	if in.source != nil {
		format = formatJSONL // the records the source gave, as check spooled them
	}
	err := scanRecords(in.name(), in.spool, format, in.records, func(line int, rec T) error {
		if !fn(line, rec) {
			return stop
		}
		return nil
	})
	if err == stop {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the copy of %s: %w", in.name(), err)
	}
	return nil
}

// changedSinceCheck says how the input file differs from what check read ("" when it does not,
// or for standard input and pipes): its size or modification time, or the file at its path.
func (in *spooledInput[T]) changedSinceCheck() string {
	if in.stat == nil || !in.stat.Mode().IsRegular() {
		return "" // a pipe's bytes were read once and are in the spool
	}
	st, err := os.Stat(in.path)
	switch {
	case err != nil:
		return "it is gone: " + pathErr(err).Error()
	case !os.SameFile(st, in.stat):
		return "another file now has its name"
	case st.Size() != in.stat.Size():
		return fmt.Sprintf("%d bytes when checked, %d now", in.stat.Size(), st.Size())
	case !st.ModTime().Equal(in.stat.ModTime()):
		return "it was written since it was checked"
	}
	return ""
}

// cleanup drops the spooled copy of the input.
func (in *spooledInput[T]) cleanup() {
	if in.spool != nil {
		_ = in.spool.Close()
		_ = os.Remove(in.spool.Name()) // where it could not be unlinked while open
		in.spool = nil
	}
}

// recordSource reads the records of an input in a format of its own (another platform's
// export) named name: emit for each record, with its place (FILE:LINE, and more where a line holds many);
// problem for one that cannot be used, skip for one left out by design (a user without a login
// ID); reading goes on after both. An error, or emit's, stops it.
type recordSource[T any] func(r io.Reader, name string, emit func(place string, rec T) error, problem, skip func(place, why string)) error

// readSource reads the input with in.source, checks each record as records would, and spools it
// to w as the line lineOf makes of it. Problems come back as an *inputError.
func (in *spooledInput[T]) readSource(r io.Reader, w io.Writer, counted func() error) error {
	problems := &inputError{name: in.name(), all: in.listAll, what: "users that cannot be carried over"}
	err := in.source(r, in.name(), func(place string, rec T) error {
		if in.records.check != nil {
			if err := in.records.check(&rec); err != nil {
				problems.addAt(place, "%v", err)
				return nil
			}
		}
		line, err := encodeLine(in.records.lineOf(&rec))
		if err != nil {
			problems.addAt(place, "as a line of JSON: %v", err)
			return nil
		}
		if _, err := w.Write(line); err != nil {
			return fmt.Errorf("copying the input to a temporary file: %w", err)
		}
		return counted()
	}, func(place, why string) { problems.addAt(place, "%s", why) }, in.skipped.add)
	if err != nil {
		return err
	}
	return problems.err()
}

// skippedRecords counts the records a source left out, and keeps where the first few are.
type skippedRecords struct {
	count  int
	places []string // "FILE:LINE: why", up to maxReportedProblems unless all
	all    bool
}

func (s *skippedRecords) add(place, why string) {
	s.count++
	if s.all || len(s.places) < maxReportedProblems {
		s.places = append(s.places, place+": "+why)
	}
}

// describe says which records were skipped, for a summary or a plan; "" when none.
func (s *skippedRecords) describe(n noun) string {
	if s.count == 0 {
		return ""
	}
	var b strings.Builder
	what := n.many
	if s.count == 1 {
		what = n.one
	}
	fmt.Fprintf(&b, "Skipped %d %s that cannot be carried over (not sent, not in the failed file):\n", s.count, what)
	for _, p := range s.places {
		b.WriteString("  " + p + "\n")
	}
	if s.count > len(s.places) {
		fmt.Fprintf(&b, "  ... and %d more\n", s.count-len(s.places))
	}
	return b.String()
}
