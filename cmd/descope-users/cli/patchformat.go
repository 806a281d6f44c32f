package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

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
