// Command descope-users manages users through Descope's user-management API: one call about
// one user (set a custom attribute, the names, the picture, a contact, the login ID, the status,
// roles, tenants or SSO apps; apply a patch; replace the user), reads (load, search, export), the
// user lifecycle (create, invite, sign out, import, delete), passwords, second factors and
// devices, test-user codes and links, embedded links, history, provider tokens and custom
// attribute definitions, and files of thousands of users: patch sends their patches in batches,
// with a progress bar, a summary and a file of the patches that failed, ready to be sent again;
// create-batch and delete-batch create and delete users so; import migrates users (from a file,
// or from a Firebase or Auth0 export, with their password hashes) and never creates one twice;
// sync sends each user only what differs from the state a file desires, and, asked to, creates
// the users the file names that do not exist (--create-missing) and deletes the users of a scope
// it does not name (--prune --scope).
//
// Usage:
//
//	descope-users [global flags] COMMAND [flags] [args]
//	descope-users help [COMMAND]
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
//	--time-scale S    for a test server whose clock runs S times as fast as real time
//
// Commands (descope-users help COMMAND gives a command's flags, what it does, and an example
// that works with --fake):
//
//	update-attribute              set one custom attribute of a user
//	update-name                   set a user's display name and/or given, middle and family names
//	update-picture                set a user's picture URL
//	update-phone                  set a user's phone number
//	patch-user                    apply a partial update (a patch) to one user
//	activate                      enable a user (status enabled)
//	deactivate                    disable a user (status disabled)
//	update-login-id               change or remove one of a user's login IDs
//	update-email                  set a user's email
//	update-recovery-email         set the email that recovers a user's account
//	update-recovery-phone         set the phone number that recovers a user's account
//	set-roles                     replace a user's roles, in the project or in a tenant
//	add-roles                     add roles to a user, in the project or in a tenant
//	remove-roles                  remove roles from a user, in the project or in a tenant
//	add-tenant                    make a user a member of a tenant (with no roles)
//	remove-tenant                 remove a user, and its roles there, from a tenant
//	add-sso-apps                  let a user use more SSO apps
//	set-sso-apps                  replace the SSO apps a user may use ('' resets to all apps)
//	remove-sso-apps               stop a user using some SSO apps
//	load                          print one user
//	load-users                    print users by their user IDs, as JSON Lines
//	search                        print the users that match filters, as JSON Lines
//	search-test-users             search among test users only
//	export                        print matching users as JSON Lines patches, for patch
//	update                        replace a whole user (what the JSON leaves out is cleared)
//	license                       print the project's rate-limit tier
//	create                        create a user
//	create-test-user              create a test user (codes and links on demand, for tests)
//	invite                        create a user and send it an invitation
//	logout                        sign a user out: end its sessions
//	import-users                  import users exported from Descope or Firebase, in one call
//	set-temporary-password        set a user's password, to be replaced at the next sign-in
//	set-active-password           set a user's password, usable at once
//	set-password                  set a user's password: temporary, or with --active usable at once
//	expire-password               expire a user's password: it must be reset at the next sign-in
//	remove-totp                   remove a user's TOTP seed (its authenticator app)
//	import-passkeys               add passkeys exported from Descope or Auth0 to a user
//	list-passkeys                 print a user's passkeys
//	remove-passkey                remove one of a user's passkeys
//	remove-passkeys               remove every passkey of a user
//	list-trusted-devices          print the trusted devices of users
//	remove-trusted-devices        remove some of a user's trusted devices
//	generate-otp                  print a one-time code for a test user, without sending it
//	generate-magic-link           print a magic link for a test user, without sending it
//	generate-enchanted-link       print an enchanted link for a test user, without sending it
//	embedded-link                 print a token that signs a user in (an embedded link)
//	signup-embedded-link          print a token that signs a user up (or in, if it exists)
//	history                       print the sign-in history of users
//	history-v1                    print the sign-in history of users, through the older path
//	provider-token                print the token an OAuth provider issued to a user
//	custom-attributes             print the custom attributes defined for the project's users
//	create-custom-attributes      define custom attributes (one whose name exists is replaced)
//	delete-custom-attributes      remove custom attribute definitions (and users' values of them)
//	update-impersonation-consent  let a user be impersonated for N days (0 revokes it)
//	delete                        delete a user (it cannot be undone)
//	delete-all-test-users         delete every test user of the project (it cannot be undone)
//	patch                         apply the patches of a JSON Lines or CSV file, in batches
//	create-batch                  create the users of a JSON Lines or CSV file, in batches
//	import                        migrate users into Descope from a file or a Firebase or Auth0 export, none created twice
//	delete-batch                  delete the users a file names by user ID (it cannot be undone)
//	sync                          make users match a file of desired states, sending only what differs
//	demo                          a scripted session against one embedded fake (no credentials needed)
//	emulate                       serve a fake Descope (an emulator) for SDKs and tests, until stopped
//	help                          print this usage, or a command's
//
// The single-user commands print the user as the API returns it, as indented JSON, on standard
// output; load-users, search and export print users as JSON Lines; the other commands whose call
// answers something print that answer as indented JSON, and those whose call answers nothing
// (delete, logout, the passwords, remove-*) print nothing there and say what they did on stderr.
//
// A password is never an argument, which every user of the machine can see: the commands that
// take one read it from the first line of standard input (--password-stdin) or from an
// environment variable (--password-env VAR), and never show it.
//
// # Values of custom attributes
//
// The value of update-attribute --value, of search --attr KEY=VALUE, and of a
// customAttributes.<key> cell of a CSV file, is taken as JSON when it is valid JSON, and as a
// plain string otherwise: 42 is a number, true a boolean, null clears the attribute, ["a","b"]
// is a list, {"k":1} an object, and "\"42\"" (the JSON string "42") is the string 42; plain text
// such as pro or 2024-01-31 is a string.
//
// # Files of users
//
// patch and sync read a file of patches, JSON Lines (one patch object per line, with the fields
// of the API's PatchUser body) or CSV (a header row naming the columns), which export writes;
// descope-users help patch describes the format. create-batch and import read users to create
// (import also Firebase's and Auth0's exports), and delete-batch user IDs (see their help). A file is checked whole before anything is sent: a
// malformed line stops the command with FILE:LINE and what is wrong (exit 2).
//
//	{"loginId":"jane@example.com","name":"Jane Doe","customAttributes":{"plan":"pro"}}
//	{"loginId":"joe@example.com","status":"disabled","roleNames":[]}
//
// The patches that fail or are not attempted (after Ctrl-C or --timeout) go to a failed file,
// by default FILE.failed.jsonl, as soon as their outcome is known, ready to be sent again. A
// patch run also keeps a journal beside it, so that a run killed outright can be continued with
// --resume; descope-users help patch says what a run guarantees, and descope-users help sync
// what sync does.
//
// # Users as code
//
// sync FILE makes the users FILE names match it. With --create-missing, those that do not exist
// are created with the fields of their lines (a line without status leaves it to the API, which
// creates users invited; a line with a userId is never created). With --prune --scope TERM, the
// users of the scope that FILE does not name are deleted: TERM is all, tenant=ID, role=NAME or
// attr.KEY=VALUE, and repeated terms must all match; test users only with --include-test-users;
// more than --max-deletes (10) only with --force. --dry-run prints the plan, the deletes first.
// Run again right after a successful run, sync sends nothing.
//
//	descope-users sync --dry-run --create-missing --prune --scope tenant=T1 t1.jsonl
//	descope-users sync --create-missing --prune --scope tenant=T1 t1.jsonl
//
// SIGINT or SIGTERM end the command within 5 seconds whatever it is doing; a
// second signal ends it at once.
//
// # Exit status
//
//	0  success: the update was applied, or every patch was applied
//	1  the API refused the update or could not be reached, or some patches (or sync's creates and
//	   deletes) failed or were not attempted (interrupted), or sync left users missing
//	2  bad usage or bad input (unknown flag or command, malformed file, missing credentials, a
//	   failed file that cannot be written, a sync --prune that would delete more than
//	   --max-deletes without --force); nothing was sent
//
// # Examples
//
//	export DESCOPE_PROJECT_ID=P2abc...
//	export DESCOPE_MANAGEMENT_KEY=K2...
//	descope-users update-attribute --login-id jane@example.com --key seats --value 5
//	descope-users update-name --login-id jane@example.com --display-name "Jane Doe"
//	descope-users patch-user --login-id jane@example.com --json '{"status":"disabled"}'
//	descope-users search --tenants T1 --statuses enabled --all
//	descope-users export --tenants T1 > t1.jsonl
//	descope-users patch --rate 50 --burst 5 users.csv
//	descope-users patch users.csv.failed.jsonl
//	descope-users patch --resume users.csv
//	descope-users sync --dry-run t1.jsonl
//	descope-users --fake patch --dry-run users.jsonl
//	descope-users demo
package main

import (
	"os"

	"github.com/seed-a84e9595/descope-mgmt/cmd/descope-users/cli"
)

func main() { os.Exit(cli.Main()) }
