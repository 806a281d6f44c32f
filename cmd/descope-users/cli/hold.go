package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A bulk run's failed file (and, for a command that keeps one, the journal beside it) is held
// by that run from before it reads its input until it ends, so that no two runs ever write one
// record:
//
//   - the failed file is created exclusively, or, when it exists and is empty, taken over; a file
//     that holds anything is never truncated, replaced or removed;
//   - the run holds an exclusive lock on it (flock, or LockFileEx on Windows) for its whole
//     length, so that a second run is refused, naming the files, while the first one lives; the
//     lock dies with the process, so a killed run's files can be resumed;
//   - writes append, so they never land on what another process wrote;
//   - a run removes only what it created: its journal once every input has a recorded outcome,
//     and its failed file when it stayed empty.

// heldFile is a failed file held by this run.
type heldFile struct {
	path    string
	f       *os.File
	created bool // by this run, which may therefore remove it
}

// holder is the command whose run holds files: its name, what its inputs are called, whether it
// keeps a journal, and the flags a run of it needs besides the file (delete-batch's --confirm),
// which the advice to retry names.
type holder struct {
	cmd string
	noun
	journaled bool
	needs     string
}

// retry is the command (without the tool's name) that retries the lines of the file at path.
func (by holder) retry(path string) string {
	line := by.cmd
	if by.needs != "" {
		line += " " + by.needs
	}
	return line + " " + fileArg(path)
}

// holdFailed holds the failed file at path for a new run of by: created exclusively, or an
// existing empty one that no other run holds and no journal sits beside.
func holdFailed(path string, by holder) (*heldFile, error) {
	h := &heldFile{path: path}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	switch {
	case err == nil:
		h.f, h.created = f, true
	case errors.Is(err, fs.ErrExist):
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
			return nil, fmt.Errorf("cannot write the failed file %s: %v", path, pathErr(err))
		}
		h.f = f
	default:
		return nil, fmt.Errorf("cannot write the failed file %s: %v", path, pathErr(err))
	}
	if err := h.lock(); err != nil {
		return nil, err
	}
	if jp := journalPath(path); exists(jp) {
		h.release()
		return nil, killedRunLeft(jp, path, by)
	}
	if h.created {
		return h, nil
	}
	st, err := h.f.Stat()
	if err != nil {
		h.release()
		return nil, err
	}
	if st.Size() > 0 {
		h.release()
		lines := countLines(path, st.Size())
		if by.journaled {
			return nil, fmt.Errorf("%s holds unfinished %s of an earlier run (%d lines); retry them with '%s', or remove it (or give --failed another path) to run this file again",
				path, by.many, lines, by.retry(path))
		}
		return nil, fmt.Errorf("%s already holds %d lines (an earlier run's users that did not apply?), and a run never replaces what another wrote: retry them with '%s', or remove it, or give --failed another path",
			path, lines, by.retry(path))
	}
	if err := h.private(); err != nil {
		h.release()
		return nil, err
	}
	return h, nil
}

// private makes a file that this run did not create the owner's alone (mode 0600), as the files
// it creates are: a failed file holds what did not apply, passwords and hashes too (create-batch),
// and an empty one someone made readable by all must not show them.
func (h *heldFile) private() error {
	if err := h.f.Chmod(0o600); err != nil {
		return fmt.Errorf("cannot make the failed file %s readable by its owner alone (mode 0600): %v; remove it, or give --failed another path", h.path, pathErr(err))
	}
	return nil
}

// exists reports whether there is a file, of any kind, at path.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// killedRunLeft is the error of a run of by that finds the journal jp a killed run left beside
// its failed file: a journaled command continues its own runs with --resume; any other run
// leaves the files to the command that wrote them.
func killedRunLeft(jp, failedPath string, by holder) error {
	wrote := journalCommand(jp)
	switch {
	case by.journaled && (wrote == by.cmd || wrote == ""):
		return fmt.Errorf("a run that was killed left %s: continue it with --resume, or remove it and %s to start over", jp, failedPath)
	case wrote == "":
		return fmt.Errorf("a run that was killed left %s beside %s: finish it with --resume (or remove both) before %s run writes there, or give --failed another path", jp, failedPath, article(by.cmd))
	}
	return fmt.Errorf("%s run that was killed left %s beside %s: finish it with '%s --resume' (or remove both) before %s run writes there, or give --failed another path",
		article(wrote), jp, failedPath, wrote, article(by.cmd))
}

// holdForResume holds the failed file of the killed run that --resume continues (creating it if
// that run had not yet), refusing it while another run holds it.
func holdForResume(path string) (*heldFile, error) {
	h := &heldFile{path: path}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot write the failed file %s: %v", path, pathErr(err))
	}
	h.f = f
	if err := h.lock(); err != nil {
		return nil, err
	}
	if err := h.private(); err != nil {
		h.release()
		return nil, err
	}
	return h, nil
}

// lock takes the run's lock on the file, or releases it and says which run holds it.
func (h *heldFile) lock() error {
	ok, err := tryLock(h.f)
	if err == nil && ok {
		return nil
	}
	created := h.created
	h.created = false // another run holds it: whatever happens, it is not ours to remove
	h.release()
	if err != nil {
		return fmt.Errorf("cannot lock the failed file %s: %v", h.path, err)
	}
	if created {
		return fmt.Errorf("another run took %s as this one created it; give --failed another path", h.path)
	}
	return fmt.Errorf("another run is writing %s (and its journal %s, if its command keeps one): wait for it to end, or give --failed another path", h.path, journalPath(h.path))
}

// release ends the run's hold: the file is closed, which ends the lock, and removed first if
// this run created it and it is still empty (before the lock ends, so that no run that takes it
// meanwhile loses it).
func (h *heldFile) release() {
	if h == nil || h.f == nil {
		return
	}
	remove := false
	if st, err := h.f.Stat(); err == nil && st.Size() == 0 && h.created {
		remove = true
	}
	removed := remove && os.Remove(h.path) == nil
	_ = h.f.Close()
	h.f = nil
	if remove && !removed {
		_ = os.Remove(h.path) // Windows removes no open file
	}
}

// runFiles are what a run holds: its failed file and, for a command that keeps one, its journal.
type runFiles struct {
	failed     *heldFile
	journal    *os.File // nil: the command keeps none
	newJournal bool     // created by this run (not a killed run's, which --resume continues)
}

// startOver empties the journal of a killed run that sent nothing, for a run that starts it
// over. Its failed file must be empty: nothing has an outcome before the journal's header.
func (rf *runFiles) startOver() error {
	st, err := rf.failed.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() > 0 {
		return fmt.Errorf("cannot resume: %s has no header, yet its failed file %s holds %d bytes: it was changed since; remove both to start over", rf.journal.Name(), rf.failed.path, st.Size())
	}
	if err := rf.journal.Truncate(0); err != nil {
		return err
	}
	_, err = rf.journal.Seek(0, io.SeekStart)
	return err
}

// holdRunFiles holds the files of a run of by over input: the failed file at failedPath, and
// for a journaled command the journal beside it (created exclusively, empty: its header is
// written once the input is checked), or those of the killed run that --resume continues. It
// first checks that the failed file can be written there (checkOutcomePaths).
func holdRunFiles(input, failedPath string, by holder, resume bool) (*runFiles, error) {
	if err := checkOutcomePaths(input, failedPath); err != nil {
		return nil, err
	}
	if !by.journaled {
		h, err := holdFailed(failedPath, by)
		if err != nil {
			return nil, err
		}
		return &runFiles{failed: h}, nil
	}
	jp := journalPath(failedPath)
	if resume {
		h, err := holdForResume(failedPath)
		if err != nil {
			return nil, err
		}
		// The killed run created it; this run finishes that run, and removes it when it ends
		// empty as that run would have.
		h.created = true
		j, err := os.OpenFile(jp, os.O_RDWR, 0)
		if err != nil {
			h.release()
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("nothing to resume: there is no journal %s (a run leaves one only when it is killed before it ends)", jp)
			}
			return nil, fmt.Errorf("cannot resume from %s: %v", jp, pathErr(err))
		}
		return &runFiles{failed: h, journal: j}, nil
	}
	h, err := holdFailed(failedPath, by)
	if err != nil {
		return nil, err
	}
	j, err := os.OpenFile(jp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		h.release()
		if errors.Is(err, fs.ErrExist) {
			return nil, killedRunLeft(jp, failedPath, by)
		}
		return nil, fmt.Errorf("cannot write the journal %s: %v", jp, pathErr(err))
	}
	return &runFiles{failed: h, journal: j, newJournal: true}, nil
}

// release ends the hold. The journal is removed when every input has a recorded outcome (done),
// or when this run created it and the run never started (nothing was recorded in it); the failed
// file is removed when this run created it and it is empty.
func (p *runFiles) release(done bool) {
	if p == nil {
		return
	}
	defer p.failed.release()
	if p.journal == nil {
		return
	}
	removeJournal := done
	if !done && p.newJournal {
		if st, err := p.journal.Stat(); err == nil && st.Size() == 0 {
			removeJournal = true
		}
	}
	if removeJournal {
		_ = os.Remove(p.journal.Name())
	}
	_ = p.journal.Close()
}

// failedPathFor is where a run of input writes its failed file: --failed (flagValue) when given,
// else the default.
func failedPathFor(flagValue, input string) string {
	if flagValue != "" {
		return flagValue
	}
	return defaultFailedPath(input)
}

// defaultFailedPath is FILE.failed.jsonl, beside FILE: every input has its own, so users.jsonl
// and users.csv never share one.
func defaultFailedPath(path string) string {
	if path == "-" {
		return "stdin.failed.jsonl"
	}
	return path + ".failed.jsonl"
}

// checkOutcomePaths checks, before anything is read or sent, that the failed file can be
// written where it is asked for: not over the input, in a directory that exists and is writable,
// not over a directory. Whether it (and its journal) may be used is holdRunFiles' to decide.
func checkOutcomePaths(input, failedPath string) error {
	if input != "-" && sameFile(failedPath, input) {
		return fmt.Errorf("--failed %s is the input file: the failed file is written while the input is read; name another", failedPath)
	}
	dir := filepath.Dir(failedPath)
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("cannot write the failed file %s: its directory %s: %v", failedPath, dir, pathErr(err))
	} else if !st.IsDir() {
		return fmt.Errorf("cannot write the failed file %s: %s is not a directory", failedPath, dir)
	}
	for _, p := range []string{failedPath, journalPath(failedPath)} {
		if st, err := os.Lstat(p); err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("cannot write %s: it is not a regular file (a directory?)", p)
		}
	}
	probe, err := os.CreateTemp(dir, ".descope-users-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write the failed file %s: %s is not writable: %v", failedPath, dir, pathErr(err))
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	return nil
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(sa, sb)
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// countLines counts the lines in the first n bytes of path (0 when it cannot be read).
func countLines(path string, n int64) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	lines := 0
	buf := make([]byte, 32<<10)
	r := io.LimitReader(f, n)
	for {
		k, err := r.Read(buf)
		lines += bytes.Count(buf[:k], []byte("\n"))
		if err != nil {
			return lines
		}
	}
}
