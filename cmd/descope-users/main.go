// Command descope-users updates users through Descope's user-management API: one custom
// attribute, the names, the picture or the phone of a user; a partial update (a patch) of one
// user; or patches for thousands of users from a JSON Lines or CSV file, sent in batches with a
// progress bar, a summary and a file of the patches that failed, ready to be sent again.
//
// Usage:
//
//	descope-users [global flags] COMMAND [flags] [args]
//
// Credentials come from the environment: DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY. The
// management key is read only from there (never from a flag, so it stays out of shell history
// and process lists) and is never printed. With --fake, the command instead runs against an
// in-process fake Descope seeded with 5,000 sample users (user00000@example.com to
// user04999@example.com), which needs no credentials and no network; each such run starts a
// fresh fake, so changes do not carry over to the next command (see the demo command for a
// session whose steps share one fake).
//
// Global flags, before the command:
//
//	--fake            run against an embedded fake Descope with sample users
//	--base-url URL    the API's base URL (https, or http for a loopback host)
//	--timeout D       time limit for the whole command, e.g. 30s or 5m (0: none)
//
// Commands:
//
//	update-attribute  --login-id ID --key KEY --value VALUE
//	update-name       --login-id ID [--display-name N] [--given-name G --middle-name M --family-name F]
//	update-picture    --login-id ID --picture URL
//	update-phone      --login-id ID --phone PHONE [--verified] [--fail-on-conflict]
//	patch-user        --login-id ID --json '{"name":"Jane Doe","roleNames":["editor"]}'
//	patch             [--format jsonl|csv] [--batch-size N] [--concurrency N] [--rate R --burst B] [--failed FILE] [--dry-run] [--resume] FILE
//	demo              a scripted session against one embedded fake
//	help [COMMAND]    usage of the tool or of one command
//
// The single-user commands print the user as the API returns it, as indented JSON, on standard
// output.
//
// # Values of custom attributes
//
// The value of update-attribute --value, and of a customAttributes.<key> cell of a CSV file,
// is taken as JSON when it is valid JSON, and as a plain string otherwise: 42 is a number, true
// a boolean, null clears the attribute, ["a","b"] is a list, {"k":1} an object, and "\"42\""
// (the JSON string "42") is the string 42; plain text such as pro or 2024-01-31 is a string.
//
// # Patch files
//
// patch reads a whole file, checks every line, and only then sends anything: a malformed line
// stops the command with FILE:LINE and what is wrong (exit 2), and nothing is sent. The format
// comes from the extension (.jsonl, .ndjson or .json: JSON Lines; .csv: CSV) or from --format.
// FILE "-" reads standard input (give --format).
//
// JSON Lines: one patch object per line, with the fields of the API's PatchUser body (loginId,
// userId, email, phone, name, givenName, middleName, familyName, picture, status,
// verifiedEmail, verifiedPhone, roleNames, ssoAppIds, userTenants, customAttributes,
// additionalLoginIds, scim). An absent field is left unchanged; "" or [] (or null, for a list)
// clears a field; a null value in customAttributes removes that attribute; null for any other
// field would change nothing and is an error. Unknown fields, and fields named twice or in another
// case than the API's, are errors. Blank lines are skipped. The file must be UTF-8, and numbers
// must fit a float64.
//
//	{"loginId":"jane@example.com","name":"Jane Doe","customAttributes":{"plan":"pro"}}
//	{"loginId":"joe@example.com","status":"disabled","roleNames":[]}
//
// CSV: a header row names the columns: loginId (required), userId, email, phone, name,
// givenName, middleName, familyName, picture, status (enabled, disabled, invited or expired, in
// any case),
// verifiedEmail and verifiedPhone (true or false), roleNames and ssoAppIds (values separated by
// ";"), and customAttributes.<key> (the cell is read as for --value above). Cells are trimmed;
// an empty cell leaves that field unchanged (it is not sent), so a CSV file cannot clear a
// field, except a custom attribute with the cell null: use JSON Lines to clear fields. A
// byte-order mark and quoted headers (as spreadsheets export them) are read; blank rows are
// skipped.
//
//	loginId,name,status,roleNames,customAttributes.plan,customAttributes.seats
//	jane@example.com,Jane Doe,,editor;billing,pro,5
//	joe@example.com,,disabled,,,
//
// The input is read once, line by line, checked and copied to a private temporary file, which
// the run then sends from: it is never held in memory, and what is sent is what was checked,
// even if the file is rewritten meanwhile (reported, exit status 1). The patches that fail or are
// not attempted (after Ctrl-C or --timeout) are written, as JSON Lines that patch accepts, to
// --failed FILE, by default FILE.failed.jsonl beside the input (stdin.failed.jsonl for standard
// input), as soon as their outcome is known; a journal beside it (FILE.failed.jsonl.journal)
// records which patches have an outcome. Both are synced to disk batch by batch, and held by the
// run (created exclusively, and locked) from before the input is read until the run ends: a
// second run naming them is refused, and a failed file that already holds patches is never
// overwritten. A run that ends, also by Ctrl-C, removes its journal, and removes the failed file
// when it is empty. A run that is killed outright leaves its journal: the same command with
// --resume then sends only the patches without a recorded outcome. SIGINT or SIGTERM end the
// command within 5 seconds whatever it is doing; a second signal ends it at once.
//
// # Exit status
//
//	0  success: the update was applied, or every patch was applied
//	1  the API refused the update or could not be reached, or some patches failed or were not
//	   attempted (interrupted)
//	2  bad usage or bad input (unknown flag or command, malformed patch file, missing
//	   credentials, a failed file that cannot be written); nothing was sent
//
// # Examples
//
//	export DESCOPE_PROJECT_ID=P2abc...
//	export DESCOPE_MANAGEMENT_KEY=K2...
//	descope-users update-attribute --login-id jane@example.com --key plan --value pro
//	descope-users update-attribute --login-id jane@example.com --key seats --value 5
//	descope-users update-name --login-id jane@example.com --display-name "Jane Doe"
//	descope-users update-phone --login-id jane@example.com --phone +15551234567 --verified
//	descope-users patch-user --login-id jane@example.com --json '{"status":"disabled"}'
//	descope-users patch --rate 50 --burst 5 users.csv
//	descope-users patch users.csv.failed.jsonl
//	descope-users patch --resume users.csv
//	descope-users --fake patch --dry-run users.jsonl
//	descope-users demo
package main

import (
	"os"

	"github.com/seed-a84e9595/descope-mgmt/cmd/descope-users/cli"
)

func main() { os.Exit(cli.Main()) }
