// Package migrate reads the users of another identity platform's export as users to create in
// Descope: Firebase Auth (ReadFirebase, with the project's hash configuration read by
// ParseFirebaseHash) and Auth0 (ReadAuth0, with the password hashes Auth0 support provides).
// Each reader is an iterator of Records, one user at a time, whose User is an api.BatchUser for
// Client.CreateBatch, CreateAll or CreateSeq, and whose Place says where it came from. Descope's
// own format, JSON Lines of api.BatchUser, is read by the command-line tool (create-batch), not
// here.
//
// # Streaming and memory
//
// A reader holds one user at a time: Firebase's single document {"users": [...]} is walked with
// encoding/json's token reader, Auth0's NDJSON line by line (a line may be up to 16 MiB). What a
// read keeps from one user to the next is an index of the login IDs given so far, to report a
// login ID given twice: a 64-bit hash of each and where it was, about 24 bytes a user (2.4 MB for
// 100,000 users), not the login IDs themselves. Two different login IDs share a hash with the
// chance of two random 64-bit numbers being equal (below one in 10^7 for a million users); the
// hash's seed is new for every read, so such a false report would not come back. Auth0's
// hashes file is read whole before the users, and its hashes are kept until their users come:
// about 200 bytes a hash. Measured (BenchmarkRead, 10,000 and 100,000 users): Firebase 58
// allocations and 3.1 KB allocated a user, Auth0 46 and 2.1 KB, the same at both sizes.
//
// Either export may be gzipped (Auth0's export job writes .json.gz); a UTF-8 byte-order mark
// and CRLF line ends are read too. Lines are counted in the text.
//
// # Errors
//
// A user that cannot be carried over is yielded as an *Error, and the read goes on. Its Place is
// FILE:LINE for Auth0 and the hash configuration, "FILE:LINE (users[I])" for Firebase's document
// (LINE where the user's object starts, I its index in "users"); its Field is the source's field
// ("passwordHash", "app_metadata.plan"). No error quotes a password, a hash, a salt or a key, or
// a character of the text around them (encoding/json's syntax errors do: they are reworded).
// Login IDs and source IDs are quoted. An error wrapping ErrUnreadable (the source cannot be
// read on) or ErrNoHashConfig ends the read. Sentinels tell the others apart: ErrNoLoginID (a
// user with nothing to sign in with: a caller may count these as skipped and go on),
// ErrDuplicateLoginID, ErrUnmatchedHash, ErrHashConflict.
//
// Checks common to every reader: a user's login ID (and Auth0's username, an additional login
// ID) given to an earlier user of the same source is an error naming both places, the first
// user having been yielded; every HashedPassword passes api.CheckPasswordImport; with
// Options.KeepIDAs, a user without a source ID, or whose attributes already have that name, is
// an error. Login IDs are compared as written.
//
// # Firebase
//
// The export is `firebase auth:export users.json --format=json`; the hash configuration is
// the project's "Password hash parameters" from the Firebase console (Authentication, Users,
// the menu above the list), as the block the console shows or as JSON (see ParseFirebaseHash).
// Only Firebase's default algorithm, its modified SCRYPT, can be carried over: it is Descope's
// firebase hashed password.
//
//	Firebase export              Descope (api.BatchUser)
//	email                        loginId, email
//	phoneNumber                  phone, verifiedPhone: true; and loginId when there is no email
//	(neither)                    an error wrapping ErrNoLoginID (anonymous accounts)
//	emailVerified                verifiedEmail (false without an email)
//	displayName                  name
//	photoUrl                     picture
//	disabled                     status: disabled if true, else enabled
//	createdAt                    createdTime: milliseconds (a string or a number) / 1000
//	customAttributes             customAttributes: the custom claims, a JSON object in a string
//	                             (or the object); anything else but "", "{}" and null is an error
//	passwordHash, salt           hashedPassword.firebase: hash and salt (base64), with the
//	 + hash configuration        configuration's signerKey, saltSeparator, rounds, and memory
//	                             = mem_cost. A hash not as long as the signer key is an error (the
//	                             configuration is another project's)
//	localId                      Record.SourceID; customAttributes[Options.KeepIDAs] if set
//	providerUserInfo[].providerId  Record.Providers (google.com, github.com...; not password or
//	                             phone), not carried over
//
// A phone number is marked verified: in Firebase it is what phone sign-in sends its code to, so
// the user proved it (or an admin set it, and Firebase signs its holder in all the same). Not
// carried over: the identities of providerUserInfo (a user to create has no field for them;
// Record.Providers lists them), lastSignedInAt, second factors (mfaInfo), tenantId, passwords hashed with
// another algorithm (Firebase exports no hash for those), and any field Firebase adds: unknown
// fields are ignored. A phone beside an email is the user's phone, not a second login ID.
//
// # Auth0
//
// The export is the file of a users-exports job (Management API POST /api/v2/jobs/users-exports
// or the dashboard's Export Users) in its JSON format, NDJSON, with the fields below exported
// under their own names (no export_as). The password hashes are not in it: Auth0 support
// provides them on request, as NDJSON of one line per database user ({"_id": {"$oid": ...},
// "alt_id": ..., "email", "passwordHash": "$2b$10$...", "connection", ...}).
//
//	Auth0 export                 Descope (api.BatchUser)
//	email                        loginId, email
//	phone_number                 phone; loginId when there is no email
//	username                     loginId when there is neither; else an additional login ID
//	(none of the three)          an error wrapping ErrNoLoginID
//	email_verified               verifiedEmail (false without an email)
//	phone_verified               verifiedPhone (false without a phone)
//	name                         name (Auth0 sets it to the email when there is none: kept as is)
//	given_name, family_name      givenName, familyName
//	picture                      picture
//	blocked                      status: disabled if true, else enabled
//	created_at                   createdTime: the ISO 8601 time in Unix seconds
//	user_metadata, app_metadata  customAttributes: the keys of both, at the top level, values
//	                             as they are; a key in both is an error (one attribute cannot
//	                             take two values)
//	user_id                      Record.SourceID; customAttributes[Options.KeepIDAs] if set;
//	                             the key the hashes are joined by
//	identities[].provider        Record.Providers, except auth0 (a database: its password comes
//	                             with the hashes), email and sms (passwordless: the email or
//	                             phone is carried over as above); not carried over
//	hashes file: passwordHash    hashedPassword.bcrypt.hash
//
// A hash goes to the user whose user_id is "auth0|" followed by the hash's alt_id (a custom
// database's or API-given ID) or its _id.$oid: the ID is exact where an email is not (an email
// may be in several connections, absent from a hashes line, or changed since). A hash that is
// not bcrypt's shape is an error at its line, and its user fails too rather than come without
// its password; a hash no user takes is an error (ErrUnmatchedHash) at its line after the last
// user; a user two hashes match, or a hash two users match, is an error (ErrHashConflict). With
// a hashes file, a user without user_id is an error. Not carried over: nickname, identities,
// multifactor enrollments, last_login, last_ip, logins_count, updated_at, roles and
// permissions (not in the export), and every other field.
package migrate
