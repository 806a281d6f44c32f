package cli

import (
	"errors"
	"fmt"

	"github.com/seed-a84e9595/descope-mgmt/api"
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

// deleteBatches is DeleteUsers, which delete-batch sends: it has no documented limit of its own.
var deleteBatches = batchCall{"DeleteUsers", "management API", api.LimitDefault}

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
