package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// patchRecords is the patch format: what patch reads, what sync reads as desired states, and
// what export and the failed files write. patchFormatHelp describes it, once, for the help of
// every command that reads it.
var patchRecords = records[api.UserPatch]{
	noun:    noun{"patch", "patches"},
	decode:  decodePatchLine,
	columns: patchColumns,
	check:   checkPatch,
	help:    patchFormatHelp,
}

// patchFormatHelp describes the patch format, for the help of the commands that read it
// (patch, sync) and of those that write it (export).
const patchFormatHelp = `Formats (from the extension, or --format; FILE - reads standard input and needs --format):
  .jsonl .ndjson .json   JSON Lines: one patch object per line, with the fields of the API's
                         PatchUser body (loginId required); blank lines are skipped, unknown
                         fields are errors, and so is a field named twice or in another case
                         than the API's (LoginID for loginId). An absent field is left
                         unchanged, "" or [] (or null, for a list) clears it, and null in
                         customAttributes removes that attribute; null for any other field
                         would change nothing, and is an error. The names Descope's Node and
                         .NET SDKs write are read too: identifier for loginId, displayName for
                         name, additionalIdentifiers for additionalLoginIds (two that differ
                         are an error):
                           {"loginId":"jane@example.com","name":"Jane Doe","roleNames":["editor"]}
                           {"loginId":"joe@example.com","status":"disabled","customAttributes":{"plan":null}}
  .csv                   a header row naming the columns, then one patch per row. Columns:
                         loginId (required), userId, email, phone, name, givenName, middleName,
                         familyName, picture, status (enabled|disabled|invited|expired),
                         recoveryEmail, recoveryPhone, verifiedEmail, verifiedPhone,
                         verifiedRecoveryEmail and verifiedRecoveryPhone (true|false), roleNames and ssoAppIds
                         (values separated by ;), customAttributes.<key> (a cell is JSON if valid
                         JSON - 42, true, null, ["a"], "\"42\"" - else a plain string). Cells are
                         trimmed; an empty cell leaves the field unchanged (it is not sent). To
                         clear a field, use JSON Lines. A byte-order mark and quoted headers, as
                         spreadsheets export them, are fine; blank rows are skipped.
                           loginId,name,roleNames,customAttributes.plan
                           jane@example.com,Jane Doe,editor;billing,pro
The file must be UTF-8; numbers must fit a 64-bit float.`

// patchColumns are the columns of a CSV patch file.
var patchColumns = csvColumns[api.UserPatch]{
	named: []csvColumn[api.UserPatch]{
		{"loginId", func(p *api.UserPatch, cell string) error { p.LoginID = cell; return nil }},
		stringColumn("userId", func(p *api.UserPatch) **string { return &p.UserID }),
		stringColumn("email", func(p *api.UserPatch) **string { return &p.Email }),
		stringColumn("phone", func(p *api.UserPatch) **string { return &p.Phone }),
		stringColumn("name", func(p *api.UserPatch) **string { return &p.Name }),
		stringColumn("givenName", func(p *api.UserPatch) **string { return &p.GivenName }),
		stringColumn("middleName", func(p *api.UserPatch) **string { return &p.MiddleName }),
		stringColumn("familyName", func(p *api.UserPatch) **string { return &p.FamilyName }),
		stringColumn("picture", func(p *api.UserPatch) **string { return &p.Picture }),
		{"status", func(p *api.UserPatch, cell string) error {
			s := api.UserStatus(strings.ToLower(cell)) // spreadsheets capitalise; checkPatch checks
			p.Status = &s
			return nil
		}},
		boolColumn("verifiedEmail", func(p *api.UserPatch) **bool { return &p.VerifiedEmail }),
		boolColumn("verifiedPhone", func(p *api.UserPatch) **bool { return &p.VerifiedPhone }),
		stringColumn("recoveryEmail", func(p *api.UserPatch) **string { return &p.RecoveryEmail }),
		boolColumn("verifiedRecoveryEmail", func(p *api.UserPatch) **bool { return &p.VerifiedRecoveryEmail }),
		stringColumn("recoveryPhone", func(p *api.UserPatch) **string { return &p.RecoveryPhone }),
		boolColumn("verifiedRecoveryPhone", func(p *api.UserPatch) **bool { return &p.VerifiedRecoveryPhone }),
		listColumn("roleNames", func(p *api.UserPatch) **[]string { return &p.RoleNames }),
		listColumn("ssoAppIds", func(p *api.UserPatch) **[]string { return &p.SsoAppIDs }),
	},
	attributes: func(p *api.UserPatch) map[string]any {
		if p.CustomAttributes == nil {
			p.CustomAttributes = &map[string]any{}
		}
		return *p.CustomAttributes
	},
	key:    "loginId",
	keyWhy: "the login ID (or user ID) of the user to patch",
}

// decodePatchLine decodes and checks one line of a JSON Lines patch file.
func decodePatchLine(line []byte) (api.UserPatch, error) {
	p, err := decodePatch(line, false)
	if err != nil {
		return p, err
	}
	return p, checkPatch(&p)
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
