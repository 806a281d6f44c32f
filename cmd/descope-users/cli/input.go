package cli

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// The formats of a patch file.
const (
	formatJSONL = "jsonl"
	formatCSV   = "csv"
)

// maxReportedProblems caps how many malformed lines one error lists.
const maxReportedProblems = 10

// formatOf picks the format from --format, or else from the file's extension.
func formatOf(path, flagValue string) (string, error) {
	switch strings.ToLower(flagValue) {
	case "jsonl", "ndjson", "json":
		return formatJSONL, nil
	case "csv":
		return formatCSV, nil
	case "":
	default:
		return "", fmt.Errorf("--format %q: want jsonl or csv", flagValue)
	}
	if path == "-" {
		return "", errors.New("reading standard input: give --format jsonl or --format csv")
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".jsonl", ".ndjson", ".json":
		return formatJSONL, nil
	case ".csv":
		return formatCSV, nil
	default:
		if ext == "" {
			ext = "no extension"
		} else {
			ext = "extension " + ext
		}
		return "", fmt.Errorf("%s: cannot tell the format from its %s: name it .jsonl or .csv, or give --format jsonl or --format csv", path, ext)
	}
}

// inputFile is the input a command reads: a path ("-" for standard input) and its format.
type inputFile struct{ path, format string }

// name is how messages call the input.
func (in inputFile) name() string {
	if in.path == "-" {
		return "stdin"
	}
	return in.path
}

// label is how the summary calls the input.
func (in inputFile) label() string {
	if in.path == "-" {
		return "standard input"
	}
	return in.path
}

// openInput opens a patch file.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", path, pathErr(err))
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("cannot read %s: it is a directory", path)
	}
	return f, nil
}

// pathErr is the reason of a *os.PathError without the path, which the message already names.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// inputError lists what is wrong with a patch file: the problems found (up to
// maxReportedProblems) and how many there were in all.
type inputError struct {
	name     string
	problems []string // each "FILE:LINE: what is wrong"
	total    int
}

func (e *inputError) add(line int, format string, a ...any) {
	e.total++
	if len(e.problems) < maxReportedProblems {
		e.problems = append(e.problems, fmt.Sprintf("%s:%d: %s", e.name, line, fmt.Sprintf(format, a...)))
	}
}

func (e *inputError) Error() string { return e.describe("") }

// describe is the error's text with note after its first line.
func (e *inputError) describe(note string) string {
	if e.total == 1 {
		return e.problems[0] + note
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d malformed lines%s", e.name, e.total, note)
	for _, p := range e.problems {
		b.WriteString("\n  " + p)
	}
	if e.total > len(e.problems) {
		fmt.Fprintf(&b, "\n  ... and %d more", e.total-len(e.problems))
	}
	return b.String()
}

func (e *inputError) err() error {
	if e.total == 0 {
		return nil
	}
	return e
}

func isInputError(err error) bool {
	var ie *inputError
	return errors.As(err, &ie)
}

// maxLineBytes caps one line of a patch file: a longer one is a problem at its line. It is the
// one limit for the lines the tool reads and those it writes for reading back (export, failed
// files): a patch read from any line (or CSV row) must also encode, as encodeLine writes it, in
// at most this many bytes, so that whatever the tool writes, patch and sync read.
const maxLineBytes = 1 << 20

// errLineTooLong is encodeLine's error for a value whose line would pass maxLineBytes.
var errLineTooLong = fmt.Errorf("longer than %d bytes, the longest line patch and sync read", maxLineBytes)

// encodeLine is v as one line of JSON Lines, newline included, as the tool writes every line that
// patch or sync may read back: without HTML escaping (encoding/json's default writes &, < and >
// as six-byte escapes, which would make a line read within the limit too long to read back), and
// refused (errLineTooLong) when the line would pass maxLineBytes.
func encodeLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if n := b.Len() - 1; n > maxLineBytes {
		return nil, fmt.Errorf("%w (%d bytes)", errLineTooLong, n)
	}
	return b.Bytes(), nil
}

// scanPatches reads a patch file once, in order, and calls fn with each well-formed patch and
// the line it starts on. It holds one line at a time, never the file. Malformed lines do not
// stop it: they are collected, up to maxReportedProblems with a count of all, into the
// *inputError it returns at the end (fn is not called for them). A read error, an error from fn,
// or a line it cannot get past stops it at once.
func scanPatches(name string, r io.Reader, format string, fn func(line int, p api.UserPatch) error) error {
	r = skipBOM(r)
	problems := &inputError{name: name}
	var err error
	if format == formatCSV {
		err = scanCSV(name, r, problems, fn)
	} else {
		err = scanJSONL(name, r, problems, fn)
	}
	if err != nil {
		return err
	}
	return problems.err()
}

// skipBOM drops a UTF-8 byte-order mark at the start of r, as spreadsheet exports write one.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	return br
}

// scanJSONL reads one patch per line, skipping blank lines.
func scanJSONL(name string, r io.Reader, problems *inputError, fn func(int, api.UserPatch) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		p, err := decodeLine(line, lineNo)
		if err != nil {
			problems.add(lineNo, "%v", err)
			continue
		}
		if err := fn(lineNo, p); err != nil {
			return err
		}
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		problems.add(lineNo+1, "the line is longer than %d bytes: one patch per line, please", maxLineBytes)
	case err != nil:
		return fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	return nil
}

// decodeLine decodes and checks one JSON Lines patch.
func decodeLine(line []byte, lineNo int) (api.UserPatch, error) {
	if !utf8.Valid(line) {
		return api.UserPatch{}, fmt.Errorf("invalid UTF-8 at byte %d: the file must be UTF-8", invalidUTF8At(line)+1)
	}
	p, err := decodePatch(line, false)
	if err != nil {
		if lineNo == 1 && line[0] == '[' {
			err = errors.New("a JSON array: write one patch object per line (JSON Lines), not an array")
		}
		return p, err
	}
	return p, checkPatch(&p)
}

// invalidUTF8At returns the offset of the first byte of b that is not valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// scanCSV reads a header row and one patch per row. Rows whose cells are all blank (a line of
// spaces, or of commas, as spreadsheets leave at the end) are skipped like blank JSON Lines.
func scanCSV(name string, r io.Reader, problems *inputError, fn func(int, api.UserPatch) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, so that a blank line of any width can be skipped
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: the CSV file is empty: it needs a header row naming its columns (%s)", name, csvColumnNames())
	}
	if err != nil {
		return csvError(name, err)
	}
	header = slices.Clone(header)
	setters := make([]csvSetter, len(header))
	seen := map[string]int{}
	hasLoginID := false
	for i, col := range header {
		if !utf8.ValidString(col) {
			return fmt.Errorf("%s:1: column %d: invalid UTF-8 in the header row: the file must be UTF-8", name, i+1)
		}
		col = strings.TrimSpace(col)
		header[i] = col
		if col == "" {
			return fmt.Errorf("%s:1: column %d has no name in the header row", name, i+1)
		}
		if j, dup := seen[col]; dup {
			return fmt.Errorf("%s:1: column %d %q repeats column %d", name, i+1, col, j+1)
		}
		seen[col] = i
		set, err := csvSetterFor(col)
		if err != nil {
			return fmt.Errorf("%s:1: column %d %q %v", name, i+1, col, err)
		}
		setters[i] = set
		hasLoginID = hasLoginID || col == "loginId"
	}
	if !hasLoginID {
		return fmt.Errorf("%s:1: the header row has no loginId column: every row needs the login ID (or user ID) of the user to patch", name)
	}

	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// A quoting error leaves the reader unsure where rows start: stop here.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems.add(pe.Line, "%v", pe.Err)
				return nil
			}
			return csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if blankRow(rec) {
			continue
		}
		if len(rec) != len(header) {
			problems.add(line, "the row has %d cells, the header row has %d columns", len(rec), len(header))
			continue
		}
		var p api.UserPatch
		bad := false
		for i, cell := range rec {
			cell = strings.TrimSpace(cell)
			switch {
			case cell == "":
				continue // an empty cell leaves the field unchanged
			case !utf8.ValidString(cell):
				problems.add(line, "column %d %q: invalid UTF-8 at byte %d: the file must be UTF-8", i+1, header[i], invalidUTF8At([]byte(cell))+1)
				bad = true
			default:
				if err := setters[i](&p, cell); err != nil {
					problems.add(line, "column %d %q: %v", i+1, header[i], err)
					bad = true
				}
			}
		}
		if bad {
			continue
		}
		if err := checkPatch(&p); err != nil {
			problems.add(line, "%v", err)
			continue
		}
		if err := fn(line, p); err != nil {
			return err
		}
	}
}

func blankRow(rec []string) bool {
	for _, cell := range rec {
		if strings.TrimSpace(cell) != "" {
			return false
		}
	}
	return true
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %v", name, err)
}
