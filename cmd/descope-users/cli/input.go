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
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

// records is a format of input files: how each JSON Lines line, or each CSV row, becomes one
// input of type T, checked, and what an input is called in messages. The patch format
// (patchRecords) is one.
type records[T any] struct {
	noun
	// decode decodes and checks one JSON Lines line: not blank, valid UTF-8.
	decode func(line []byte) (T, error)
	// columns are the columns a CSV file may have.
	columns csvColumns[T]
	// check checks a record made from a CSV row, as decode checks a line's.
	check func(rec *T) error
	// help describes the format, for the help of the commands that read it.
	help string
	// line, when set, is what a bulk run's failed file holds for a record that was not applied
	// (as encodeLine writes it), which decode reads back; nil: the record itself.
	line func(rec T) any
}

// lineOf is what a failed file holds for rec.
func (rs records[T]) lineOf(rec *T) any {
	if rs.line == nil {
		return rec
	}
	return rs.line(*rec)
}

// noun is what a command's inputs are called: "patch", "patches".
type noun struct{ one, many string }

// The formats of an input file.
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

// openInput opens an input file.
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

// inputError lists what is wrong with an input file: the problems found, each at its FILE:LINE
// (up to maxReportedProblems), and how many there were in all.
type inputError struct {
	name     string
	problems []string // each "FILE:LINE: what is wrong"
	total    int
	all      bool   // keep every problem, not maxReportedProblems (a plan lists them all)
	what     string // what the problems are called: "" is "malformed lines"
}

func (e *inputError) add(line int, format string, a ...any) {
	e.addAt(fmt.Sprintf("%s:%d", e.name, line), format, a...)
}

// addAt is add for a problem at place, which names the file ("FILE:LINE (users[3])").
func (e *inputError) addAt(place string, format string, a ...any) {
	e.total++
	if e.all || len(e.problems) < maxReportedProblems {
		e.problems = append(e.problems, place+": "+fmt.Sprintf(format, a...))
	}
}

// merge adds the problems of o after e's.
func (e *inputError) merge(o *inputError) {
	for _, p := range o.problems {
		if e.all || len(e.problems) < maxReportedProblems {
			e.problems = append(e.problems, p)
		}
	}
	e.total += o.total
}

func (e *inputError) Error() string { return e.describe("") }

// describe is the error's text with note after its first line.
func (e *inputError) describe(note string) string {
	if e.total == 1 {
		return e.problems[0] + note
	}
	var b strings.Builder
	what := e.what
	if what == "" {
		what = "malformed lines"
	}
	fmt.Fprintf(&b, "%s: %d %s%s", e.name, e.total, what, note)
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

// maxLineBytes caps one line of an input file: a longer one is a problem at its line. It is the
// one limit for the lines the tool reads and those it writes for reading back (export, failed
// files): a record read from any line (or CSV row) must also encode, as encodeLine writes it, in
// at most this many bytes (the record format's check says so), so that whatever the tool
// writes, it reads.
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

// scanRecords reads an input file once, in order, and calls fn with each well-formed record and
// the line it starts on. It holds one line at a time, never the file. Malformed lines do not
// stop it: they are collected, up to maxReportedProblems with a count of all, into the
// *inputError it returns at the end (fn is not called for them). A read error, an error from fn,
// or a line it cannot get past stops it at once.
func scanRecords[T any](name string, r io.Reader, format string, rs records[T], fn func(line int, rec T) error) error {
	return scanRecordsInto(&inputError{name: name}, r, format, rs, fn)
}

// scanRecordsInto is scanRecords collecting the malformed lines into problems, which names the
// input.
func scanRecordsInto[T any](problems *inputError, r io.Reader, format string, rs records[T], fn func(line int, rec T) error) error {
	name := problems.name
	r = skipBOM(r)
	var err error
	if format == formatCSV {
		err = scanCSV(name, r, rs, problems, fn)
	} else {
		err = scanJSONL(name, r, rs, problems, fn)
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

// scanJSONL reads one record per line, skipping blank lines.
func scanJSONL[T any](name string, r io.Reader, rs records[T], problems *inputError, fn func(int, T) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		rec, err := decodeLine(line, lineNo, rs)
		if err != nil {
			problems.add(lineNo, "%v", err)
			continue
		}
		if err := fn(lineNo, rec); err != nil {
			return err
		}
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		problems.add(lineNo+1, "the line is longer than %d bytes: one %s per line, please", maxLineBytes, rs.one)
	case err != nil:
		return fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	return nil
}

// decodeLine decodes and checks one JSON Lines record.
func decodeLine[T any](line []byte, lineNo int, rs records[T]) (T, error) {
	if !utf8.Valid(line) {
		var zero T
		return zero, fmt.Errorf("invalid UTF-8 at byte %d: the file must be UTF-8", invalidUTF8At(line)+1)
	}
	rec, err := rs.decode(line)
	if err != nil && lineNo == 1 && line[0] == '[' {
		err = fmt.Errorf("a JSON array: write one %s object per line (JSON Lines), not an array", rs.one)
	}
	return rec, err
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

// csvColumn is a column of a CSV input: its name in the header row, and what a cell of it sets
// on the row's record (the cell is trimmed, and not empty: an empty cell sets nothing).
type csvColumn[T any] struct {
	name string
	set  func(rec *T, cell string) error
}

// csvColumns are the columns a CSV input may have.
type csvColumns[T any] struct {
	named []csvColumn[T] // in the order messages list them
	// attributes, when set, allows the columns customAttributes.<key>: it returns the record's
	// custom attributes, making them when it has none. A cell is read as parseValue reads it.
	attributes func(rec *T) map[string]any
	// key is the column every row needs; keyWhy says why ("the login ID ... of the user to patch").
	key, keyWhy string
}

const customAttributesPrefix = "customAttributes."

// names lists the columns, for messages.
func (cs csvColumns[T]) names() string {
	names := make([]string, 0, len(cs.named)+1)
	for _, c := range cs.named {
		names = append(names, c.name)
	}
	if cs.attributes != nil {
		names = append(names, customAttributesPrefix+"<key>")
	}
	return strings.Join(names, ", ")
}

// setter returns what a cell of the column named in a header cell sets, or an error saying why
// the column is not known.
func (cs csvColumns[T]) setter(column string) (func(*T, string) error, error) {
	if key, ok := strings.CutPrefix(column, customAttributesPrefix); ok && cs.attributes != nil {
		if key == "" {
			return nil, errors.New("has no attribute key: name it customAttributes.<key>")
		}
		return func(rec *T, cell string) error {
			cs.attributes(rec)[key] = parseValue(cell)
			return nil
		}, nil
	}
	for _, c := range cs.named {
		if c.name == column {
			return c.set, nil
		}
	}
	hint := ""
	for _, c := range cs.named {
		if strings.EqualFold(c.name, column) {
			hint = fmt.Sprintf(" (did you mean %q? names are case-sensitive)", c.name)
		}
	}
	if hint == "" && cs.attributes != nil && strings.HasPrefix(strings.ToLower(column), strings.ToLower(customAttributesPrefix)) {
		hint = fmt.Sprintf(" (did you mean %q?)", customAttributesPrefix+column[len(customAttributesPrefix):])
	}
	return nil, fmt.Errorf("is not a known column%s; the known columns are %s", hint, cs.names())
}

// cellColumn is a column whose cells parse reads into a value, which set puts on the record.
func cellColumn[T, V any](name string, parse func(cell string) (V, error), set func(rec *T, v V)) csvColumn[T] {
	return csvColumn[T]{name, func(rec *T, cell string) error {
		v, err := parse(cell)
		if err == nil {
			set(rec, v)
		}
		return err
	}}
}

// stringColumn is a column that sets a string field a record may leave out (a pointer).
func stringColumn[T any](name string, field func(*T) **string) csvColumn[T] {
	return cellColumn(name, textCell, func(rec *T, v string) { *field(rec) = &v })
}

// boolColumn is a column that sets a boolean field a record may leave out (a pointer): true or
// false, in any case.
func boolColumn[T any](name string, field func(*T) **bool) csvColumn[T] {
	return cellColumn(name, boolCell, func(rec *T, v bool) { *field(rec) = &v })
}

// listColumn is a column that sets a list of strings a record may leave out (a pointer):
// values separated by ";".
func listColumn[T any](name string, field func(*T) **[]string) csvColumn[T] {
	return cellColumn(name, listCell, func(rec *T, v []string) { *field(rec) = &v })
}

// textColumn, flagColumn and itemsColumn are stringColumn, boolColumn and listColumn for fields
// that are not pointers.
func textColumn[T any](name string, field func(*T) *string) csvColumn[T] {
	return cellColumn(name, textCell, func(rec *T, v string) { *field(rec) = v })
}

func flagColumn[T any](name string, field func(*T) *bool) csvColumn[T] {
	return cellColumn(name, boolCell, func(rec *T, v bool) { *field(rec) = v })
}

func itemsColumn[T any](name string, field func(*T) *[]string) csvColumn[T] {
	return cellColumn(name, listCell, func(rec *T, v []string) { *field(rec) = v })
}

// textCell is a cell as it is.
func textCell(cell string) (string, error) { return cell, nil }

// boolCell is a cell of true or false, in any case.
func boolCell(cell string) (bool, error) {
	switch strings.ToLower(cell) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", cell)
}

// listCell is a cell of values separated by ";".
func listCell(cell string) ([]string, error) {
	var items []string
	for item := range strings.SplitSeq(cell, ";") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%q has no values (a CSV cell cannot clear a list: use JSON Lines with [])", cell)
	}
	return items, nil
}

// keyColumns are the columns of cs read for one of them alone, key, whose cell is the record
// (its column keeps its name and setter's place, its reason keyWhy): a cell of any other column
// is read as cs reads it, so that a bad one is refused at its line, and then left out.
func keyColumns[T any](cs csvColumns[T], key, keyWhy string) csvColumns[string] {
	out := csvColumns[string]{key: key, keyWhy: keyWhy}
	for _, c := range cs.named {
		if c.name == key {
			out.named = append(out.named, textColumn(key, func(rec *string) *string { return rec }))
			continue
		}
		out.named = append(out.named, csvColumn[string]{c.name, func(_ *string, cell string) error {
			var ignored T
			return c.set(&ignored, cell)
		}})
	}
	if cs.attributes != nil {
		out.attributes = func(*string) map[string]any { return map[string]any{} }
	}
	return out
}

// scanCSV reads a header row and one record per row. Rows whose cells are all blank (a line of
// spaces, or of commas, as spreadsheets leave at the end) are skipped like blank JSON Lines.
func scanCSV[T any](name string, r io.Reader, rs records[T], problems *inputError, fn func(int, T) error) error {
	cols := rs.columns
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, so that a blank line of any width can be skipped
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: the CSV file is empty: it needs a header row naming its columns (%s)", name, cols.names())
	}
	if err != nil {
		return csvError(name, err)
	}
	header = slices.Clone(header)
	setters := make([]func(*T, string) error, len(header))
	seen := map[string]int{}
	hasKey := false
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
		set, err := cols.setter(col)
		if err != nil {
			return fmt.Errorf("%s:1: column %d %q %v", name, i+1, col, err)
		}
		setters[i] = set
		hasKey = hasKey || col == cols.key
	}
	if !hasKey {
		return fmt.Errorf("%s:1: the header row has no %s column: every row needs %s", name, cols.key, cols.keyWhy)
	}

	cr.ReuseRecord = true
	for {
		row, err := cr.Read()
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
		if blankRow(row) {
			continue
		}
		if len(row) != len(header) {
			problems.add(line, "the row has %d cells, the header row has %d columns", len(row), len(header))
			continue
		}
		var rec T
		bad := false
		for i, cell := range row {
			cell = strings.TrimSpace(cell)
			switch {
			case cell == "":
				continue // an empty cell leaves the field unchanged
			case !utf8.ValidString(cell):
				problems.add(line, "column %d %q: invalid UTF-8 at byte %d: the file must be UTF-8", i+1, header[i], invalidUTF8At([]byte(cell))+1)
				bad = true
			default:
				if err := setters[i](&rec, cell); err != nil {
					problems.add(line, "column %d %q: %v", i+1, header[i], err)
					bad = true
				}
			}
		}
		if bad {
			continue
		}
		if err := rs.check(&rec); err != nil {
			problems.add(line, "%v", err)
			continue
		}
		if err := fn(line, rec); err != nil {
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

// problem is what an error of the api package says is wrong with the input (an
// *api.ArgumentError's Problem), in the words of a file's line, without the package's prefix.
func problem(err error) string {
	var ae *api.ArgumentError
	if errors.As(err, &ae) {
		return ae.Problem
	}
	return err.Error()
}

// checkNewPassword checks the password and the hashed password of a user to create, as a line of
// a file or USER gives them: at most one, and a hash of one variant that looks like one of it.
// Its errors show neither.
func checkNewPassword(password wire.Secret, hashed *api.PasswordImport) error {
	switch {
	case password != "" && hashed != nil:
		return errors.New("both a password and a hashedPassword: give one")
	case hashed != nil:
		if err := api.CheckPasswordImport(*hashed); err != nil {
			return fmt.Errorf("hashedPassword: %s", problem(err))
		}
	}
	return nil
}
