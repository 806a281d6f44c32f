package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// readCommands are load-users, search, search-test-users and export.
func readCommands() []*command {
	return []*command{
		{
			name:     "load-users",
			synopsis: "--user-ids ID,ID... [--include-invalid]",
			summary:  "print users by their user IDs, as JSON Lines",
			help: `Prints the users with those user IDs, one JSON object per line, in one call. Unknown IDs are
left out, and so are disabled and expired users unless --include-invalid.`,
			example: []string{"--user-ids", "U2sample00001,U2sample00002"},
			define: func(fs *flags) runner {
				ids := fs.list("user-ids", "the user IDs, separated by commas (required)")
				fs.required = append(fs.required, "user-ids")
				invalid := fs.Bool("include-invalid", false, "also print disabled and expired users")
				return usersRunner(func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error] {
					users, err := cl.LoadUsers(ctx, *ids, *invalid)
					return seqOf(users, err)
				})
			},
		},

		searchCommand("search", "print the users that match filters, as JSON Lines",
			`Prints the users that match every filter given (a list filter matches when any of its values
does), one JSON object per line: one page (--page, from 0, of --limit users), and how many users
match in all on stderr; or with --all every page from --page on, paced under --search-limit
(default 200/1m, Descope's documented limit for user search).`, (*api.Client).Search, (*api.Client).SearchAll),
		searchCommand("search-test-users", "search among test users only",
			`Search (see 'descope-users help search') among test users only.`, (*api.Client).SearchTestUsers, (*api.Client).SearchAllTestUsers),

		{
			name:     "export",
			synopsis: "[filters] [> users.jsonl]",
			summary:  "print matching users as JSON Lines patches, for patch",
			help: `Streams every user that matches the filters (see 'descope-users help search'; none: every
user) to stdout as JSON Lines in the format 'patch' reads: loginId and the fields a patch can set
(name, given, middle and family names, email, phone and whether they are verified, picture,
status, roleNames, userTenants, customAttributes, ssoAppIds, the recovery email and phone and
whether they are verified). Edit the file, then send it with
'descope-users patch': export, edit and patch round-trip. Users are fetched a page at a time and
written as they come: an export holds one page in memory, and the ID of each user written
(about 70 bytes a user), so that no user is written twice. A server whose pages end short of the
total it reports ends the export with an error (exit 1). A user whose line would be longer than
patch reads (1 MiB) is left out and named (exit 1). The page calls are paced under
--search-limit (default 200/1m, Descope's documented limit for user search).`,
			example: []string{"--login-ids", "user00001@example.com,user00002@example.com"},
			define: func(fs *flags) runner {
				opts := searchFlags(fs)
				paced := searchLimitFlag(fs.FlagSet)
				return filtered(opts, func(ctx context.Context, c *cli, cmd *command, o api.SearchOptions) int {
					return printUsers(ctx, c, cmd, func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error] {
						return cl.SearchAll(ctx, o, paced.pageOptions()...)
					}, exportPatch)
				})
			},
		},
	}
}

// licenseCommand prints the project's rate-limit tier.
func licenseCommand() *command {
	return &command{
		name:    "license",
		summary: "print the project's rate-limit tier",
		help: `Prints the project's rate-limit tier (tier1 to tier4 are known), which decides how many
management calls per minute the project may make.`,
		example: []string{},
		define: func(*flags) runner {
			return func(ctx context.Context, c *cli, cmd *command, args []string) int {
				if len(args) > 0 {
					return c.usageError(cmd, "unexpected argument %q (this command takes no arguments)", args[0])
				}
				cl, err := c.connect()
				if err != nil {
					return c.fail(cmd, err)
				}
				tier, err := cl.RateLimitTier(ctx)
				if err != nil {
					return c.fail(cmd, err)
				}
				fmt.Fprintln(c.stdout, tier)
				return exitOK
			}
		},
	}
}

func searchCommand(name, summary, help string,
	page func(*api.Client, context.Context, api.SearchOptions) ([]api.User, int, error),
	all func(*api.Client, context.Context, api.SearchOptions, ...api.RunOption) iter.Seq2[api.User, error]) *command {
	return &command{
		name:     name,
		synopsis: "[filters: --text, --roles, --tenants, --statuses, --attr, --created-after...] [--sort F[:desc]] [--limit N] [--page P] [--all]",
		summary:  summary,
		help:     help,
		example:  []string{"--text", "example.com", "--limit", "5"},
		define: func(fs *flags) runner {
			opts := searchFlags(fs)
			every := fs.Bool("all", false, "every page, from --page on, not just one")
			paced := searchLimitFlag(fs.FlagSet)
			return filtered(opts, func(ctx context.Context, c *cli, cmd *command, o api.SearchOptions) int {
				total := -1
				users := func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error] {
					if *every {
						return all(cl, ctx, o, paced.pageOptions()...)
					}
					users, n, err := page(cl, ctx, o)
					total = n
					return seqOf(users, err)
				}
				code := printUsers(ctx, c, cmd, users, func(u api.User) any { return u })
				if code == exitOK && total >= 0 {
					fmt.Fprintf(c.stderr, "%d users match in all\n", total)
				}
				return code
			})
		},
	}
}

// filtered runs a command that takes the search filters (searchFlags) and no argument: run gets
// the search they make.
func filtered(opts func() (api.SearchOptions, error), run func(ctx context.Context, c *cli, cmd *command, o api.SearchOptions) int) runner {
	return func(ctx context.Context, c *cli, cmd *command, args []string) int {
		if len(args) > 0 {
			return c.usageError(cmd, "unexpected argument %q (filters are flags)", args[0])
		}
		o, err := opts()
		if err != nil {
			return c.usageError(cmd, "%v", err)
		}
		return run(ctx, c, cmd, o)
	}
}

// searchFlags defines the filters of search and export, and returns what builds the search from
// them once parsed.
func searchFlags(fs *flags) func() (api.SearchOptions, error) {
	text := fs.String("text", "", "free text, found in login IDs, user ID, name, email or phone")
	roles := fs.list("roles", "roles, separated by commas: the user has one of them")
	tenants := fs.list("tenants", "tenant IDs, separated by commas: the user is in one of them")
	statuses := fs.list("statuses", "statuses (enabled, disabled, invited, expired), separated by commas")
	emails := fs.list("emails", "emails, separated by commas")
	phones := fs.list("phones", "phone numbers, separated by commas")
	logins := fs.list("login-ids", "login IDs, separated by commas")
	userIDs := fs.list("user-ids", "user IDs, separated by commas")
	apps := fs.list("sso-apps", "SSO app IDs, separated by commas: the user may use one of them")
	attrs := attrValue{}
	fs.Var(attrs, "attr", "`KEY=VALUE`: the custom attribute KEY is VALUE (JSON if valid, else a string); repeatable, and a key given twice matches either value")
	var times [4]timeValue
	for i, f := range timeFlags {
		fs.Var(&times[i], f.name, f.what+" `TIME`: RFC 3339 (2024-05-01T12:00:00Z) or a date (2024-05-01, midnight UTC)")
	}
	sortBy := fs.list("sort", "the order, `FIELD[:desc],...`, e.g. createdTime:desc,email")
	withTest := fs.Bool("with-test-users", false, "include test users (left out otherwise)")
	verifiedEmail := fs.Bool("verified-email", false, "only users whose email is verified (--verified-email=false: only those whose email is not)")
	verifiedPhone := fs.Bool("verified-phone", false, "only users whose phone is verified (--verified-phone=false: only those whose phone is not)")
	recoveryEmails := fs.list("recovery-emails", "recovery emails, separated by commas: the user's is one of them")
	recoveryPhones := fs.list("recovery-phones", "recovery phone numbers, separated by commas: the user's is one of them")
	verifiedRecoveryEmail := fs.Bool("verified-recovery-email", false, "only users whose recovery email is verified (=false: is not)")
	verifiedRecoveryPhone := fs.Bool("verified-recovery-phone", false, "only users whose recovery phone is verified (=false: is not)")
	has := fs.list("has", "sign-in methods the user must have, separated by commas: password, totp, passkey, sso, scim")
	offset := fs.Int("offset", 0, "the position of the first user (instead of --page)")
	limit := fs.Int("limit", 0, "users per page (0: the API's default, 100)")
	page := fs.Int("page", 0, "the page, from 0")
	return func() (api.SearchOptions, error) {
		o := api.SearchOptions{Text: *text, RoleNames: *roles, TenantIDs: *tenants, Emails: *emails, Phones: *phones,
			LoginIDs: *logins, UserIDs: *userIDs, SsoAppIDs: *apps, WithTestUser: *withTest,
			VerifiedEmail: fs.givenBool("verified-email", *verifiedEmail), VerifiedPhone: fs.givenBool("verified-phone", *verifiedPhone),
			FromCreatedTime: api.Int64(times[0].millis), ToCreatedTime: api.Int64(times[1].millis),
			FromModifiedTime: api.Int64(times[2].millis), ToModifiedTime: api.Int64(times[3].millis)}
		if len(attrs) > 0 {
			o.CustomAttributes = map[string]any{}
			for k, vs := range attrs {
				if len(vs) == 1 {
					o.CustomAttributes[k] = vs[0]
				} else {
					o.CustomAttributes[k] = vs
				}
			}
		}
		for _, st := range *statuses {
			s := api.SearchStatus(strings.ToLower(st))
			if !s.Valid() {
				return o, fmt.Errorf("--statuses: %q is not one of enabled, disabled, invited, expired", st)
			}
			o.Statuses = append(o.Statuses, s)
		}
		for _, f := range *sortBy {
			field, order, _ := strings.Cut(f, ":")
			if field == "" || order != "" && order != "desc" && order != "asc" {
				return o, fmt.Errorf("--sort: %q is not FIELD, FIELD:asc or FIELD:desc", f)
			}
			o.Sort = append(o.Sort, api.SearchSort{Field: field, Desc: order == "desc"})
		}
		o.RecoveryEmails, o.RecoveryPhones = *recoveryEmails, *recoveryPhones
		o.VerifiedRecoveryEmail = fs.givenBool("verified-recovery-email", *verifiedRecoveryEmail)
		o.VerifiedRecoveryPhone = fs.givenBool("verified-recovery-phone", *verifiedRecoveryPhone)
		for _, m := range *has {
			switch strings.ToLower(m) {
			case "password":
				o.Password = true
			case "totp":
				o.Totp = true
			case "passkey", "webauthn":
				o.Webauthn = true
			case "sso":
				o.SsoOnly = true
			case "scim":
				o.Scim = true
			default:
				return o, fmt.Errorf("--has: %q is not one of password, totp, passkey, sso, scim", m)
			}
		}
		for i, v := range []int{*limit, *page, *offset} {
			if v < 0 || v > math.MaxInt32 {
				return o, fmt.Errorf("--%s %d is out of range: it must be from 0 to %d", []string{"limit", "page", "offset"}[i], v, math.MaxInt32)
			}
		}
		o.Limit, o.Page, o.Offset = int32(*limit), int32(*page), int32(*offset)
		return o, nil
	}
}

// timeFlags are the search's time bounds, in the order of searchFlags' times.
var timeFlags = []struct{ name, what string }{
	{"created-after", "created at or after"}, {"created-before", "created at or before"},
	{"modified-after", "modified at or after"}, {"modified-before", "modified at or before"},
}

// usersRunner is a command that prints the users a call yields, as JSON Lines.
func usersRunner(users func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error]) runner {
	return func(ctx context.Context, c *cli, cmd *command, args []string) int {
		if len(args) > 0 {
			return c.usageError(cmd, "unexpected argument %q (this command takes only flags)", args[0])
		}
		return printUsers(ctx, c, cmd, users, func(u api.User) any { return u })
	}
}

// printUsers connects and writes each user the call yields, as form gives it, one JSON object per
// line (encodeLine: no HTML escaping), as it comes, to c.data: exactly what the API sent. A user
// whose line would be longer than patch reads (maxLineBytes) is not written: it is named on
// stderr, the others are written, and the exit status is 1.
func printUsers(ctx context.Context, c *cli, cmd *command, users func(ctx context.Context, cl *api.Client) iter.Seq2[api.User, error], form func(api.User) any) int {
	cl, err := c.connect()
	if err != nil {
		return c.fail(cmd, err)
	}
	w := bufio.NewWriter(c.data)
	tooLong := 0
	for u, err := range users(ctx, cl) {
		if err != nil {
			_ = w.Flush()
			return c.fail(cmd, err)
		}
		line, err := encodeLine(form(u))
		if errors.Is(err, errLineTooLong) {
			tooLong++
			fmt.Fprintf(c.stderr, "%s %s: user %s not written: its line would be %v\n", progName, cmd.name, u.UserID, err)
			continue
		}
		if err != nil {
			_ = w.Flush()
			return c.fail(cmd, err)
		}
		if _, err := w.Write(line); err != nil {
			return c.fail(cmd, err)
		}
	}
	if err := w.Flush(); err != nil {
		return c.fail(cmd, err)
	}
	if tooLong > 0 {
		fmt.Fprintf(c.stderr, "%s %s: %d users not written (see above); every other user was\n", progName, cmd.name, tooLong)
		return exitFailed
	}
	return exitOK
}

// seqOf yields users, or err.
func seqOf(users []api.User, err error) iter.Seq2[api.User, error] {
	return func(yield func(api.User, error) bool) {
		if err != nil {
			yield(api.User{}, err)
			return
		}
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
}

// exportPatch is a user as the patch that would set every field a patch can set to what the user
// has: what export writes and patch reads. The first login ID names the user; its other login
// IDs are additionalLoginIds. Fields the user has empty are written empty, so that patching the
// file back changes nothing.
func exportPatch(u api.User) any {
	p := api.UserPatch{
		LoginID: u.UserID, Name: &u.Name, GivenName: &u.GivenName, MiddleName: &u.MiddleName,
		FamilyName: &u.FamilyName, Email: &u.Email, Phone: &u.Phone, VerifiedEmail: &u.VerifiedEmail,
		VerifiedPhone: &u.VerifiedPhone, Picture: &u.Picture,
		RecoveryEmail: &u.RecoveryEmail, VerifiedRecoveryEmail: &u.VerifiedRecoveryEmail,
		RecoveryPhone: &u.RecoveryPhone, VerifiedRecoveryPhone: &u.VerifiedRecoveryPhone,
		RoleNames: ptrTo(nonNil(u.RoleNames)), SsoAppIDs: ptrTo(nonNil(u.SsoAppIDs)),
	}
	if len(u.LoginIDs) > 0 {
		p.LoginID = u.LoginIDs[0]
		p.AdditionalLoginIDs = ptrTo(nonNil(u.LoginIDs[1:]))
	}
	if st := api.UserStatus(u.Status); st.Valid() {
		p.Status = &st
	}
	tenants := make([]api.TenantPatch, len(u.UserTenants))
	for i, t := range u.UserTenants {
		tenants[i] = api.TenantPatch{TenantID: t.TenantID, RoleNames: ptrTo(nonNil(t.RoleNames))}
	}
	p.UserTenants = &tenants
	attrs := map[string]any{}
	for k, v := range u.CustomAttributes {
		attrs[k] = v
	}
	p.CustomAttributes = &attrs
	return p
}

func ptrTo[T any](v T) *T { return &v }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
