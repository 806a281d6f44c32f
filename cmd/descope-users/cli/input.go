package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
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

// decodePatch decodes one patch object. Unknown fields are errors; custom attribute numbers
// keep their digits; null for a list field means the empty list, as in the API. With
// allowEmptyLoginID (patch-user, whose --login-id may supply it), a patch without loginId is not
// an error here.
func decodePatch(data []byte, allowEmptyLoginID bool) (api.UserPatch, error) {
	var p api.UserPatch
	if err := decodeObject(data, &p, "a patch", true); err != nil {
		return p, err
	}
	if err := api.NormalizeNullLists(&p, data); err != nil {
		return p, describeJSONError(err, "a patch")
	}
	// The second names of three fields (identifier, displayName, additionalIdentifiers) are read
	// as the first, as the API reads them; the patch is written back under the first.
	if err := api.NormalizePatch(&p); err != nil {
		return p, errors.New(problem(err))
	}
	if !allowEmptyLoginID && p.LoginID == "" {
		return p, errors.New(`loginId is missing or empty`)
	}
	return p, nil
}

// decodeObject decodes data, one JSON object and nothing after it, into v; what names the object
// in errors ("a patch"). Unknown fields are errors, and so are fields named twice or in another
// case, and, in a patch, a null that would leave its field unchanged (see checkStrict); numbers
// keep their digits, and null, which would decode as an object with every field empty, is
// refused.
func decodeObject(data []byte, v any, what string, patch bool) error {
	if err := checkStrict(data, reflect.TypeOf(v), patch); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err, what)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON object (one object: %s)", what)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return fmt.Errorf("expected a JSON object (%s), got null", what)
	}
	return nil
}

// describeJSONError turns encoding/json's errors into messages about what was decoded (a patch,
// a user).
func describeJSONError(err error, what string) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf("expected a JSON object (%s), got a JSON %s", what, typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("field %q: expected %s, got a JSON %s", typ.Field, describeType(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: the object is not closed")
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "a list of strings"
		}
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// checkPatch catches what the API would refuse in a patch, as the client does before sending
// (api.CheckPatch), in the words of a file's line: without the package's error prefix.
// It also refuses a patch that the tool could not write back as a line within maxLineBytes (a
// CSV row with a huge cell, say), so that every patch it accepts fits the failed file.
func checkPatch(p *api.UserPatch) error {
	if err := api.CheckPatch(*p); err != nil {
		return errors.New(problem(err))
	}
	if _, err := encodeLine(p); err != nil {
		return fmt.Errorf("the patch, written as one line, would be %v", err)
	}
	return nil
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

// csvSetter sets one field of a patch from a non-empty, trimmed cell.
type csvSetter func(p *api.UserPatch, cell string) error

func stringColumn(field func(*api.UserPatch) **string) csvSetter {
	return func(p *api.UserPatch, cell string) error {
		*field(p) = &cell
		return nil
	}
}

func boolColumn(field func(*api.UserPatch) **bool) csvSetter {
	return func(p *api.UserPatch, cell string) error {
		switch strings.ToLower(cell) {
		case "true":
			*field(p) = api.Ptr(true)
		case "false":
			*field(p) = api.Ptr(false)
		default:
			return fmt.Errorf("%q is not true or false", cell)
		}
		return nil
	}
}

func listColumn(field func(*api.UserPatch) **[]string) csvSetter {
	return func(p *api.UserPatch, cell string) error {
		var items []string
		for item := range strings.SplitSeq(cell, ";") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		if len(items) == 0 {
			return fmt.Errorf("%q has no values (a CSV cell cannot clear a list: use JSON Lines with [])", cell)
		}
		*field(p) = &items
		return nil
	}
}

// csvColumns are the columns a CSV patch file may have, besides customAttributes.<key>, in the
// order error messages list them.
var csvColumns = []struct {
	name string
	set  csvSetter
}{
	{"loginId", func(p *api.UserPatch, cell string) error { p.LoginID = cell; return nil }},
	{"userId", stringColumn(func(p *api.UserPatch) **string { return &p.UserID })},
	{"email", stringColumn(func(p *api.UserPatch) **string { return &p.Email })},
	{"phone", stringColumn(func(p *api.UserPatch) **string { return &p.Phone })},
	{"name", stringColumn(func(p *api.UserPatch) **string { return &p.Name })},
	{"givenName", stringColumn(func(p *api.UserPatch) **string { return &p.GivenName })},
	{"middleName", stringColumn(func(p *api.UserPatch) **string { return &p.MiddleName })},
	{"familyName", stringColumn(func(p *api.UserPatch) **string { return &p.FamilyName })},
	{"picture", stringColumn(func(p *api.UserPatch) **string { return &p.Picture })},
	{"status", func(p *api.UserPatch, cell string) error {
		s := api.UserStatus(strings.ToLower(cell)) // spreadsheets capitalise; checkPatch checks
		p.Status = &s
		return nil
	}},
	{"verifiedEmail", boolColumn(func(p *api.UserPatch) **bool { return &p.VerifiedEmail })},
	{"verifiedPhone", boolColumn(func(p *api.UserPatch) **bool { return &p.VerifiedPhone })},
	{"recoveryEmail", stringColumn(func(p *api.UserPatch) **string { return &p.RecoveryEmail })},
	{"verifiedRecoveryEmail", boolColumn(func(p *api.UserPatch) **bool { return &p.VerifiedRecoveryEmail })},
	{"recoveryPhone", stringColumn(func(p *api.UserPatch) **string { return &p.RecoveryPhone })},
	{"verifiedRecoveryPhone", boolColumn(func(p *api.UserPatch) **bool { return &p.VerifiedRecoveryPhone })},
	{"roleNames", listColumn(func(p *api.UserPatch) **[]string { return &p.RoleNames })},
	{"ssoAppIds", listColumn(func(p *api.UserPatch) **[]string { return &p.SsoAppIDs })},
}

const customAttributesPrefix = "customAttributes."

func csvColumnNames() string {
	names := make([]string, 0, len(csvColumns)+1)
	for _, c := range csvColumns {
		names = append(names, c.name)
	}
	return strings.Join(append(names, customAttributesPrefix+"<key>"), ", ")
}

// csvSetterFor returns the setter of a header cell, or an error saying why the column is not
// known.
func csvSetterFor(column string) (csvSetter, error) {
	if key, ok := strings.CutPrefix(column, customAttributesPrefix); ok {
		if key == "" {
			return nil, errors.New("has no attribute key: name it customAttributes.<key>")
		}
		return func(p *api.UserPatch, cell string) error {
			if p.CustomAttributes == nil {
				p.CustomAttributes = &map[string]any{}
			}
			(*p.CustomAttributes)[key] = parseValue(cell)
			return nil
		}, nil
	}
	for _, c := range csvColumns {
		if c.name == column {
			return c.set, nil
		}
	}
	hint := ""
	for _, c := range csvColumns {
		if strings.EqualFold(c.name, column) {
			hint = fmt.Sprintf(" (did you mean %q? names are case-sensitive)", c.name)
		}
	}
	if hint == "" && strings.HasPrefix(strings.ToLower(column), strings.ToLower(customAttributesPrefix)) {
		hint = fmt.Sprintf(" (did you mean %q?)", customAttributesPrefix+column[len(customAttributesPrefix):])
	}
	return nil, fmt.Errorf("is not a known column%s; the known columns are %s", hint, csvColumnNames())
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

// patchInput is the patch file of a patch run. check reads it once, checking every patch,
// counting and hashing them, and copies the bytes it read to a private spool (a temporary file,
// unlinked at once where the system allows, so that nothing is left behind however the process
// ends); each reads the spool to send. So the run sends exactly what was checked, even when the
// input is rewritten while the run reads it (a generator writing it again, say): every patch
// check counted gets an outcome. Neither pass holds the input in memory.
type patchInput struct {
	inputFile

	spool   *os.File    // the bytes check read; closed by cleanup
	patches int         // how many patches check read
	sha256  string      // of the bytes check read
	stat    os.FileInfo // the input file as check saw it (nil for standard input)
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

// check reads the whole input, checks every patch, counting and hashing, and spools it. It stops
// when ctx ends. Malformed lines come back as an *inputError.
func (in *patchInput) check(ctx context.Context, stdin io.Reader) error {
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
	err = scanPatches(in.name(), r, in.format, func(int, api.UserPatch) error {
		in.patches++
		if in.patches%1024 == 0 {
			return ctx.Err()
		}
		return nil
	})
	// scanPatches may stop before the end (a CSV quoting error): read the rest, so that the
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

func isInputError(err error) bool {
	var ie *inputError
	return errors.As(err, &ie)
}

// each reads the spooled input and calls fn with each patch, in order, until fn returns false.
func (in *patchInput) each(fn func(api.UserPatch) bool) error {
	if _, err := in.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading the copy of %s: %w", in.name(), err)
	}
	stop := errors.New("stop")
	err := scanPatches(in.name(), in.spool, in.format, func(_ int, p api.UserPatch) error {
		if !fn(p) {
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
func (in *patchInput) changedSinceCheck() string {
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

// cleanup drops the spooled copy of the input.
func (in *patchInput) cleanup() {
	if in.spool != nil {
		_ = in.spool.Close()
		_ = os.Remove(in.spool.Name()) // where it could not be unlinked while open
		in.spool = nil
	}
}
