// Package cli is the command-line tool descope-users (see its package main for usage): its
// commands, its bulk runs with their failed file and journal, and its embedded fake. It is a
// package of its own so that the module's coverage test can run every command.
//
// # Files
//
// Each file has one job. A command family is one file, which only the command table (commands,
// in main.go) names; the other files are shared, and serve the families: no shared file uses a
// family's names, no family uses another's (TestFilesServeTheFamiliesNeverTheReverse), and the
// files depend on each other without a cycle (TestFilesFormADAG).
//
//	main.go         Main and Run: the global flags, the client (or --fake), help, the table
//
//	single.go       one call about one user, printing the user: update-*, patch-user,
//	                activate, deactivate, roles, tenants, SSO apps, load, update
//	search.go       load-users, search, search-test-users and export, which print users as
//	                JSON Lines; license
//	lifecycle.go    create, create-test-user, invite, logout, import-users; delete and
//	                delete-all-test-users (listed after the others, which use their users)
//	passwords.go    set-temporary-password, set-active-password, set-password, expire-password
//	factors.go      TOTP, passkeys, trusted devices, the test-user generators, embedded links,
//	                history, provider tokens, custom attribute definitions, impersonation consent
//	patch.go        patch: a bulkCommand over PatchSeq
//	bulkusers.go    create-batch and delete-batch: bulkCommands over CreateSeq and DeleteSeq
//	import.go       import: a bulkCommand over ImportSeq, reading create-batch's format or a
//	                Firebase or Auth0 export (package migrate); its plan and --update-existing
//	sync.go         sync: the plan, printed or applied: patches, the missing users created
//	                (--create-missing), the users of a scope the file does not name deleted
//	                (--prune)
//	demo.go         demo: a scripted session against one embedded fake
//	emulate.go      emulate: the fake served for other programs (an emulator), its seed and
//	                state files, the state written atomically, the SDK setup it prints
//
//	command.go      a command and what runs one: its flags parsed, usage errors, failures
//	answer.go       a command of one call and what it prints: the answer as JSON (jsonCommand,
//	                userCommand), or what was done, on stderr (doneCommand)
//	scope.go        --scope: the terms of a scope of users, its search, and its check of a user
//	flags.go        flag values: lists, times, --attr, --limit and --search-limit, batch flags,
//	                --json values, --confirm, and the password's source (passwordSource)
//	input.go        input files read generically, as records[T]: JSON Lines and CSV, FILE:LINE
//	                errors, the one line limit, encodeLine, the line a failed file gets
//	strictjson.go   JSON objects read strictly: no field twice or miscased, no idle null
//	patchformat.go  the patch format, described once (patchFormatHelp)
//	userformat.go   the format of users to create (create-batch, import), described once
//	spool.go        an input checked once (or read from another platform's export), then sent
//	                from a private copy
//	hold.go         the failed file, and the journal, that a run holds
//	journal.go      the journal: its header and records, and --resume's reading of them
//	outcomes.go     a run's outcomes, written to its failed file and journal as they come
//	bulkrun.go      the run of every bulk command (bulkCommand), and what sync shares of it
//	output.go       the summary, a sync plan's changes, the progress bar, printing JSON, the
//	                key-masking writer
//	fake.go         the embedded fake Descope (--fake, demo)
//	lock_*.go       the failed file's lock, per platform
//
// # A new bulk command
//
// A command over another batch operation of the api is a file holding a bulkCommand (as
// bulkusers.go holds create-batch and delete-batch): the format of its records (a records[T],
// as patchRecords is for patches: the JSON Lines decoder, the CSV columns, the check, the help,
// and, when the failed file should not hold the record itself, its line), the words of its
// summary and progress bar, its batch operation, the api call that runs it, and for a command
// that cannot be undone what --confirm confirms; and a line in the table. patch is:
//
//	bulkCommand[api.UserPatch]{
//		records: patchRecords, applied: "patched", doing: "patching",
//		call: patchBatches, send: (*api.Client).PatchSeq,
//	}.command(command{name: "patch", synopsis: ..., summary: ..., help: ..., example: ...})
package cli
