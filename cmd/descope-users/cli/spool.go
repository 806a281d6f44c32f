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

	spool  *os.File    // the bytes check read; closed by cleanup
	count  int         // how many records check read
	sha256 string      // of the bytes check read
	stat   os.FileInfo // the input file as check saw it (nil for standard input)
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
	r := io.TeeReader(src, io.MultiWriter(h, w))
	err = scanRecords(in.name(), r, in.format, in.records, func(int, T) error {
		in.count++
		if in.count%1024 == 0 {
			return ctx.Err()
		}
		return nil
	})
	// scanRecords may stop before the end (a CSV quoting error): read the rest, so that the
	// hash is always the whole input's.
	if err == nil || isInputError(err) {
		if _, cerr := io.Copy(io.Discard, r); cerr != nil && err == nil {
			err = cerr
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
	if _, err := in.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading the copy of %s: %w", in.name(), err)
	}
	stop := errors.New("stop")
	err := scanRecords(in.name(), in.spool, in.format, in.records, func(_ int, rec T) error {
		if !fn(rec) {
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
