package main

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
	"reflect"
	"strings"

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

// readPatchFile reads and checks a whole patch file; name is how errors call it. Any problem
// makes it return an error and no patches.
func readPatchFile(name string, r io.Reader, format string) ([]api.UserPatch, error) {
	if format == formatCSV {
		return readCSV(name, r)
	}
	return readJSONL(name, r)
}

// readJSONL reads one patch per line, skipping blank lines.
func readJSONL(name string, r io.Reader) ([]api.UserPatch, error) {
	br := bufio.NewReader(r)
	problems := &inputError{name: name}
	var patches []api.UserPatch
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			if p, perr := decodePatch(trimmed, false); perr != nil {
				msg := perr.Error()
				if lineNo == 1 && trimmed[0] == '[' {
					msg = "a JSON array: write one patch object per line (JSON Lines), not an array"
				}
				problems.add(lineNo, "%s", msg)
			} else if cerr := checkPatch(&p); cerr != nil {
				problems.add(lineNo, "%v", cerr)
			} else {
				patches = append(patches, p)
			}
		}
		if err == io.EOF {
			break
		}
	}
	if err := problems.err(); err != nil {
		return nil, err
	}
	return patches, nil
}

// decodePatch decodes one patch object. Unknown fields are errors; custom attribute numbers
// keep their digits. With allowEmptyLoginID (patch-user, whose --login-id may supply it), a
// patch without loginId is not an error here.
func decodePatch(data []byte, allowEmptyLoginID bool) (api.UserPatch, error) {
	var p api.UserPatch
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return p, describeJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return p, errors.New("unexpected data after the JSON object (one patch object per line)")
	}
	if !allowEmptyLoginID && p.LoginID == "" {
		return p, errors.New(`loginId is missing or empty`)
	}
	return p, nil
}

// describeJSONError turns encoding/json's errors into messages about the patch.
func describeJSONError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf("expected a JSON object (a patch), got a JSON %s", typ.Value)
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

// checkPatch catches what the API would refuse in a patch, as the client does before sending.
func checkPatch(p *api.UserPatch) error {
	if p.LoginID == "" {
		return errors.New("loginId is missing or empty")
	}
	if p.Status != nil && !p.Status.Valid() {
		return fmt.Errorf("status %q is not one of enabled, disabled, invited", *p.Status)
	}
	if p.UserTenants != nil {
		for i, t := range *p.UserTenants {
			if t.TenantID == "" {
				return fmt.Errorf("userTenants[%d].tenantId is missing or empty", i)
			}
		}
	}
	return nil
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
		s := api.UserStatus(strings.ToLower(cell)) // spreadsheets capitalise
		if !s.Valid() {
			return fmt.Errorf("%q is not one of enabled, disabled, invited", cell)
		}
		p.Status = &s
		return nil
	}},
	{"verifiedEmail", boolColumn(func(p *api.UserPatch) **bool { return &p.VerifiedEmail })},
	{"verifiedPhone", boolColumn(func(p *api.UserPatch) **bool { return &p.VerifiedPhone })},
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

// readCSV reads a header row and one patch per row.
func readCSV(name string, r io.Reader) ([]api.UserPatch, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: the CSV file is empty: it needs a header row naming its columns (%s)", name, csvColumnNames())
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	setters := make([]csvSetter, len(header))
	seen := map[string]int{}
	hasLoginID := false
	for i, col := range header {
		if i == 0 {
			col = strings.TrimPrefix(col, "\uFEFF")
		}
		col = strings.TrimSpace(col)
		header[i] = col
		if col == "" {
			return nil, fmt.Errorf("%s:1: column %d has no name in the header row", name, i+1)
		}
		if j, dup := seen[col]; dup {
			return nil, fmt.Errorf("%s:1: column %d %q repeats column %d", name, i+1, col, j+1)
		}
		seen[col] = i
		set, err := csvSetterFor(col)
		if err != nil {
			return nil, fmt.Errorf("%s:1: column %d %q %v", name, i+1, col, err)
		}
		setters[i] = set
		hasLoginID = hasLoginID || col == "loginId"
	}
	if !hasLoginID {
		return nil, fmt.Errorf("%s:1: the header row has no loginId column: every row needs the login ID (or user ID) of the user to patch", name)
	}

	problems := &inputError{name: name}
	var patches []api.UserPatch
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				problems.add(pe.StartLine, "the row has %d cells, the header row has %d columns", len(rec), len(header))
				continue
			}
			// A quoting error leaves the reader unsure where rows start: stop here.
			if errors.As(err, &pe) {
				problems.add(pe.Line, "%v", pe.Err)
			} else {
				problems.add(line, "%v", err)
			}
			break
		}
		var p api.UserPatch
		bad := false
		for i, cell := range rec {
			cell = strings.TrimSpace(cell)
			if cell == "" {
				continue // an empty cell leaves the field unchanged
			}
			if err := setters[i](&p, cell); err != nil {
				problems.add(line, "column %d %q: %v", i+1, header[i], err)
				bad = true
			}
		}
		if bad {
			continue
		}
		if err := checkPatch(&p); err != nil {
			problems.add(line, "%v", err)
			continue
		}
		patches = append(patches, p)
	}
	if err := problems.err(); err != nil {
		return nil, err
	}
	return patches, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// openInput opens a patch file, or standard input for "-".
func openInput(path string, stdin io.Reader) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("cannot read %s: %v", path, pe.Err)
		}
		return nil, fmt.Errorf("cannot read %s: %v", path, err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("cannot read %s: it is a directory", path)
	}
	return f, nil
}
