package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

// The format of users to create, described once: create-batch and import read it, and the
// batch operation that creates them.

// createBatches is CreateUsers, which create-batch sends.
var createBatches = batchCall{"CreateUsers", "user create", api.LimitUserCreate}

// newUserRecords is the format of create-batch's files: users to create.
var newUserRecords = records[api.BatchUser]{
	noun:    noun{"user", "users"},
	decode:  decodeNewUserLine,
	columns: newUserColumns,
	check:   checkNewUserRecord,
	help:    newUserFormatHelp,
}

// newUserFormatHelp describes the format of create-batch's files.
const newUserFormatHelp = `Formats (from the extension, or --format; FILE - reads standard input and needs --format):
  .jsonl .ndjson .json   JSON Lines: one user object per line, with the fields of a user of the
                         API's CreateUsers body: loginId (required), email, phone, name (or
                         displayName), givenName, middleName, familyName, picture, status
                         (enabled|disabled|invited; default invited), verifiedEmail,
                         verifiedPhone, recoveryEmail, recoveryPhone, verifiedRecoveryEmail,
                         verifiedRecoveryPhone, roleNames, userTenants, customAttributes,
                         additionalLoginIds, ssoAppIds, test, createdTime (Unix seconds), seed
                         (a TOTP seed, base32), and a password or a hashedPassword (a hash
                         exported from another system, one of its variants). Blank lines are
                         skipped; unknown fields are errors, and so is a field named twice or in
                         another case than the API's:
                           {"loginId":"ann@example.com","email":"ann@example.com","status":"enabled"}
                           {"loginId":"bob@example.com","hashedPassword":{"bcrypt":{"hash":"$2a$10$..."}}}
  .csv                   a header row naming the columns, then one user per row. Columns:
                         loginId (required), email, phone, name, givenName, middleName,
                         familyName, picture, status, recoveryEmail, recoveryPhone,
                         verifiedEmail, verifiedPhone, verifiedRecoveryEmail,
                         verifiedRecoveryPhone and test (true|false), roleNames, ssoAppIds and
                         additionalLoginIds (values separated by ;), createdTime, seed, password,
                         hashedPassword (the JSON object, as in JSON Lines), bcrypt (a bcrypt
                         hash, the common case, for {"bcrypt":{"hash":...}}),
                         customAttributes.<key> (a cell is JSON if valid JSON, else a plain
                         string). Cells are trimmed; an empty cell sets nothing. A byte-order
                         mark and quoted headers are fine; blank rows are skipped.
                           loginId,email,name,roleNames,customAttributes.plan,bcrypt
                           ann@example.com,ann@example.com,Ann,editor;billing,pro,$2a$10$...
The file must be UTF-8. Passwords and hashes may be in it, as a file is not an argument: keep it
private. The failed file may hold them too, and is made readable by its owner alone.`

// setHashedPassword sets the hashedPassword of a user read from a CSV row, as set makes it; a
// row may give it in one column only.
func setHashedPassword(u *api.BatchUser, set func(h *api.PasswordImport) error) error {
	if u.HashedPassword != nil {
		return errors.New("a second hashed password: give it in one column, hashedPassword or bcrypt")
	}
	var h api.PasswordImport
	if err := set(&h); err != nil {
		return err
	}
	u.HashedPassword = &h
	return nil
}

// decodeNewUserLine decodes and checks one JSON Lines line of create-batch.
func decodeNewUserLine(line []byte) (api.BatchUser, error) {
	var u api.BatchUser
	if err := decodeObject(line, &u, "a user", false); err != nil {
		return u, err
	}
	return u, checkNewUserRecord(&u)
}

// checkNewUserRecord catches what the API would refuse in a user to create, and a user whose
// line in the failed file would be too long to read back.
func checkNewUserRecord(u *api.BatchUser) error {
	if u.LoginID == "" {
		return errors.New("loginId is missing or empty")
	}
	if u.Status != nil && !u.Status.Valid() {
		return fmt.Errorf("status %q is not enabled, disabled or invited", *u.Status)
	}
	if u.CreatedTime < 0 {
		return fmt.Errorf("createdTime %d is negative", u.CreatedTime)
	}
	if err := checkNewPassword(u.Password, u.HashedPassword); err != nil {
		return err
	}
	if _, err := encodeLine(u); err != nil {
		return fmt.Errorf("the user, written as one line, would be %v", err)
	}
	return nil
}

// newUserColumns are the columns of a CSV file of create-batch.
var newUserColumns = csvColumns[api.BatchUser]{
	named: []csvColumn[api.BatchUser]{
		textColumn("loginId", func(u *api.BatchUser) *string { return &u.LoginID }),
		textColumn("email", func(u *api.BatchUser) *string { return &u.Email }),
		textColumn("phone", func(u *api.BatchUser) *string { return &u.Phone }),
		textColumn("name", func(u *api.BatchUser) *string { return &u.Name }),
		textColumn("givenName", func(u *api.BatchUser) *string { return &u.GivenName }),
		textColumn("middleName", func(u *api.BatchUser) *string { return &u.MiddleName }),
		textColumn("familyName", func(u *api.BatchUser) *string { return &u.FamilyName }),
		textColumn("picture", func(u *api.BatchUser) *string { return &u.Picture }),
		{"status", func(u *api.BatchUser, cell string) error {
			s := api.UserStatus(strings.ToLower(cell)) // spreadsheets capitalise; the check checks
			u.Status = &s
			return nil
		}},
		textColumn("recoveryEmail", func(u *api.BatchUser) *string { return &u.RecoveryEmail }),
		textColumn("recoveryPhone", func(u *api.BatchUser) *string { return &u.RecoveryPhone }),
		flagColumn("verifiedEmail", func(u *api.BatchUser) *bool { return &u.VerifiedEmail }),
		flagColumn("verifiedPhone", func(u *api.BatchUser) *bool { return &u.VerifiedPhone }),
		flagColumn("verifiedRecoveryEmail", func(u *api.BatchUser) *bool { return &u.VerifiedRecoveryEmail }),
		flagColumn("verifiedRecoveryPhone", func(u *api.BatchUser) *bool { return &u.VerifiedRecoveryPhone }),
		flagColumn("test", func(u *api.BatchUser) *bool { return &u.Test }),
		itemsColumn("roleNames", func(u *api.BatchUser) *[]string { return &u.RoleNames }),
		itemsColumn("ssoAppIds", func(u *api.BatchUser) *[]string { return &u.SsoAppIDs }),
		itemsColumn("additionalLoginIds", func(u *api.BatchUser) *[]string { return &u.AdditionalLoginIDs }),
		{"createdTime", func(u *api.BatchUser, cell string) error {
			t, err := strconv.ParseInt(cell, 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a whole number of seconds", cell)
			}
			u.CreatedTime = t
			return nil
		}},
		{"seed", func(u *api.BatchUser, cell string) error { u.Seed = wire.Secret(cell); return nil }},
		{"password", func(u *api.BatchUser, cell string) error { u.Password = wire.Secret(cell); return nil }},
		{"hashedPassword", func(u *api.BatchUser, cell string) error {
			return setHashedPassword(u, func(h *api.PasswordImport) error {
				if err := decodeObject([]byte(cell), h, "a hashedPassword", false); err != nil {
					return fmt.Errorf("not a hashedPassword object as JSON, such as {\"bcrypt\":{\"hash\":\"$2a$...\"}}: %v", err)
				}
				return nil
			})
		}},
		{"bcrypt", func(u *api.BatchUser, cell string) error {
			return setHashedPassword(u, func(h *api.PasswordImport) error {
				h.Bcrypt = &api.PasswordHash{Hash: wire.Secret(cell)}
				return nil
			})
		}},
	},
	attributes: func(u *api.BatchUser) map[string]any {
		if u.CustomAttributes == nil {
			u.CustomAttributes = map[string]any{}
		}
		return u.CustomAttributes
	},
	key:    "loginId",
	keyWhy: "the login ID of the user to create",
}
