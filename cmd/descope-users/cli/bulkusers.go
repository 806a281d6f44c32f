package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

// createBatchCommand is create-batch: the users of a file, created in batches (CreateUsers) by the
// bulk run every bulk command shares.
func createBatchCommand() *command {
	return bulkCommand[api.BatchUser]{
		records: newUserRecords,
		applied: "created",
		doing:   "creating",
		call:    createBatches,
		send:    (*api.Client).CreateSeq,
	}.command(command{
		name:     "create-batch",
		synopsis: "[flags] FILE",
		summary:  "create the users of a JSON Lines or CSV file, in batches",
		help: `Reads FILE, checks every user in it, and only then creates them in batches (CreateUsers,
Descope's create/batch), a few batches at a time, paced under Descope's documented limit for user
creation (--limit, 100 calls a minute per project) and backing off together when the API answers
429. A user the API refuses (a login ID that exists, say) fails alone. A batch that may have
reached Descope before it failed (a 5xx, a dropped connection) is not sent again: its users go to
the failed file with a reason that says they may have been created, and sent again, a user that
was created fails with E011004 (its login ID exists).`,
		example: []string{"new-users.jsonl"},
	})
}

// deleteBatchCommand is delete-batch: the users a file names by user ID, deleted in batches
// (DeleteUsers).
func deleteBatchCommand() *command {
	return bulkCommand[string]{
		records: userIDRecords,
		applied: "deleted",
		doing:   "deleting",
		call:    deleteBatches,
		send:    (*api.Client).DeleteSeq,
		confirm: "deletes the users FILE names",
	}.command(command{
		name:     "delete-batch",
		synopsis: "--confirm [flags] FILE",
		summary:  "delete the users a file names by user ID (it cannot be undone)",
		help: `Reads FILE, checks every line, and only then deletes the users, by user ID, in batches
(DeleteUsers, Descope's delete/batch), paced under Descope's documented limit for the management
API (--limit, 100 calls a minute per project). Deleting cannot be undone: --confirm is required
(--dry-run, which sends nothing, needs none). The API says nothing per user: a user ID nobody has
counts as deleted (no user has it afterwards).`,
		example: []string{"--confirm", "leavers.jsonl"},
	})
}

// createBatches is CreateUsers, which create-batch sends.
var createBatches = batchCall{"CreateUsers", "user create", api.LimitUserCreate}

// deleteBatches is DeleteUsers, which delete-batch sends: it has no documented limit of its own.
var deleteBatches = batchCall{"DeleteUsers", "management API", api.LimitDefault}

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
                         customAttributes.<key> (a cell is JSON if valid JSON, else a plain
                         string). Cells are trimmed; an empty cell sets nothing. A byte-order
                         mark and quoted headers are fine; blank rows are skipped.
                           loginId,email,name,roleNames,customAttributes.plan
                           ann@example.com,ann@example.com,Ann,editor;billing,pro
The file must be UTF-8. Passwords and hashes may be in it, as a file is not an argument: keep it
private. The failed file may hold them too, and is made readable by its owner alone.`

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

// userIDRecords is the format of delete-batch's files: the patch format, or CSV, read for the
// userId alone. A record not deleted goes to the failed file as {"userId":...}, which it reads.
var userIDRecords = records[string]{
	noun:    noun{"user ID", "user IDs"},
	decode:  decodeUserIDLine,
	columns: keyColumns(patchColumns, "userId", "the user ID of the user to delete (delete/batch takes user IDs only)"),
	check:   checkUserID,
	help:    userIDFormatHelp,
	line:    func(id string) any { return userIDLine{id} },
}

// userIDLine is a line of delete-batch's failed file.
type userIDLine struct {
	UserID string `json:"userId"`
}

// userIDFormatHelp describes the format of delete-batch's files.
const userIDFormatHelp = `Formats (from the extension, or --format; FILE - reads standard input and needs --format):
  .jsonl .ndjson .json   JSON Lines in the patch format ('descope-users help patch'), each line
                         with a userId, which alone says who is deleted:
                           {"userId":"U2abc..."}
                           {"userId":"U2def...","loginId":"joe@example.com","name":"Joe"}
                         Other fields must be fields of the patch format, well formed, and are
                         ignored. A line without a userId (one that names its user by loginId
                         alone) is refused: delete/batch takes user IDs only, and 'descope-users
                         search' prints each user with its userId.
  .csv                   a header row with a userId column, then one user per row; the patch
                         format's other columns may be there, and are ignored.
The file must be UTF-8.`

// decodeUserIDLine reads the userId of one JSON Lines line of delete-batch.
func decodeUserIDLine(line []byte) (string, error) {
	p, err := decodePatch(line, true)
	if err != nil {
		return "", err
	}
	if p.UserID == nil || *p.UserID == "" {
		if p.LoginID != "" {
			return "", fmt.Errorf("no userId: delete/batch deletes by user ID only, and this line names its user by loginId alone; find the user IDs with 'descope-users search --login-ids %s' (each user it prints has its userId)", p.LoginID)
		}
		return "", errors.New("no userId: delete/batch deletes by user ID only")
	}
	id := *p.UserID
	return id, checkUserID(&id)
}

// checkUserID checks the user ID of a line or row of delete-batch.
func checkUserID(id *string) error {
	if *id == "" {
		return errors.New("no userId: delete/batch deletes by user ID only")
	}
	if _, err := encodeLine(userIDLine{*id}); err != nil {
		return fmt.Errorf("the user ID, written as one line, would be %v", err)
	}
	return nil
}
