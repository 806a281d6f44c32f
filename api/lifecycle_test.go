package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/wire"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// Every method of the lifecycle checks its input before anything is sent.
func TestLifecycleRefusesBadInputBeforeSending(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{ok()})
	ctx := t.Context()
	bcrypt := &PasswordImport{Bcrypt: &PasswordHash{Hash: "not-a-bcrypt-hash"}}
	calls := map[string]func() error{
		"Create without login ID": func() error { _, err := c.Create(ctx, UserCreate{}); return err },
		"Create with password and hash": func() error {
			_, err := c.Create(ctx, UserCreate{LoginID: "a", Password: "p", HashedPassword: bcrypt})
			return err
		},
		"Create with a bad bcrypt hash": func() error { _, err := c.Create(ctx, UserCreate{LoginID: "a", HashedPassword: bcrypt}); return err },
		"Create with a bad status": func() error {
			_, err := c.Create(ctx, UserCreate{LoginID: "a", Status: Ptr(UserStatus("gone"))})
			return err
		},
		"CreateTestUser without login ID": func() error { _, err := c.CreateTestUser(ctx, UserCreate{}); return err },
		"Invite with an empty login ID": func() error {
			_, err := c.Invite(ctx, UserCreate{AdditionalLoginIDs: []string{""}}, InviteOptions{})
			return err
		},
		"CreateBatch of nothing":           func() error { _, err := c.CreateBatch(ctx, nil); return err },
		"CreateBatch with a nameless user": func() error { _, err := c.CreateBatch(ctx, []BatchUser{{LoginID: "a"}, {}}); return err },
		"InviteBatch with a bad hash": func() error {
			_, err := c.InviteBatch(ctx, []BatchUser{{LoginID: "a", HashedPassword: bcrypt}}, InviteOptions{})
			return err
		},
		"Delete without login ID":        func() error { return c.Delete(ctx, "") },
		"DeleteByUserID without user ID": func() error { return c.DeleteByUserID(ctx, "") },
		"DeleteBatch of nothing":         func() error { return c.DeleteBatch(ctx, nil) },
		"DeleteBatch with an empty ID":   func() error { return c.DeleteBatch(ctx, []string{"U1", ""}) },
		"LogoutUser without login ID":    func() error { return c.LogoutUser(ctx, "") },
		"LogoutUserByUserID without ID":  func() error { return c.LogoutUserByUserID(ctx, "") },
		"Import without source":          func() error { _, err := c.Import(ctx, "", []byte("x"), nil, false); return err },
		"Import without users":           func() error { _, err := c.Import(ctx, "descope", nil, nil, false); return err },
		"SetTemporaryPassword empty":     func() error { return c.SetTemporaryPassword(ctx, "a", "") },
		"SetActivePassword no login ID":  func() error { return c.SetActivePassword(ctx, "", "p") },
		"SetPassword empty":              func() error { return c.SetPassword(ctx, "a", "", true) },
		"ExpirePassword no login ID":     func() error { return c.ExpirePassword(ctx, "") },
		"RemoveTOTPSeed no login ID":     func() error { return c.RemoveTOTPSeed(ctx, "") },
		"ListPasskeys no login ID":       func() error { _, err := c.ListPasskeys(ctx, ""); return err },
		"RemoveAllPasskeys no login ID":  func() error { return c.RemoveAllPasskeys(ctx, "") },
		"RemovePasskey no credential":    func() error { return c.RemovePasskey(ctx, "a", "") },
		"ImportPasskeys of nothing":      func() error { return c.ImportPasskeys(ctx, "a", nil) },
		"ImportPasskeys of both kinds": func() error {
			return c.ImportPasskeys(ctx, "a", []PasskeyImport{{}})
		},
		"ListTrustedDevices of nobody":          func() error { _, err := c.ListTrustedDevices(ctx, nil); return err },
		"RemoveTrustedDevices of nothing":       func() error { return c.RemoveTrustedDevices(ctx, "a", nil) },
		"GenerateOTPForTestUser no login ID":    func() error { _, err := c.GenerateOTPForTestUser(ctx, "email", "", nil); return err },
		"GenerateMagicLink no login ID":         func() error { _, err := c.GenerateMagicLinkForTestUser(ctx, "email", "", "", nil); return err },
		"GenerateEnchantedLink no login ID":     func() error { _, _, err := c.GenerateEnchantedLinkForTestUser(ctx, "", "", nil); return err },
		"GenerateEmbeddedLink negative timeout": func() error { _, err := c.GenerateEmbeddedLink(ctx, "a", nil, -1); return err },
		"GenerateSignUpEmbeddedLink no ID":      func() error { _, err := c.GenerateSignUpEmbeddedLink(ctx, "", nil, false, false, nil, 0); return err },
		"History of nobody":                     func() error { _, err := c.History(ctx, nil); return err },
		"HistoryV2 with an empty ID":            func() error { _, err := c.HistoryV2(ctx, []string{""}); return err },
		"GetProviderToken no provider":          func() error { _, err := c.GetProviderToken(ctx, "a", "", false, false); return err },
		"CreateCustomAttributes of nothing":     func() error { _, err := c.CreateCustomAttributes(ctx, nil); return err },
		"CreateCustomAttributes nameless":       func() error { _, err := c.CreateCustomAttributes(ctx, []CustomAttributeDefinition{{}}); return err },
		"DeleteCustomAttributes of nothing":     func() error { _, err := c.DeleteCustomAttributes(ctx, nil); return err },
		"UpdateImpersonationConsent negative":   func() error { _, err := c.UpdateImpersonationConsent(ctx, "a", -1); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v, want an error wrapping ErrInvalidArgument", name, err)
		}
	}
	if n := s.hits.Load(); n != 0 {
		t.Errorf("%d calls were sent for refused input", n)
	}
}

// A create is repeated only when it surely did not reach the API: after a 503 the user may exist,
// and a retry would be refused as a login ID taken. Delete likewise; a batch delete, a password
// and the reads are repeated.
func TestLifecycleRetries(t *testing.T) {
	cases := []struct {
		name  string
		call  func(context.Context, *Client) error
		retry bool
	}{
		{"Create", func(ctx context.Context, c *Client) error {
			_, err := c.Create(ctx, UserCreate{LoginID: "a"})
			return err
		}, false},
		{"Invite", func(ctx context.Context, c *Client) error {
			_, err := c.Invite(ctx, UserCreate{LoginID: "a"}, InviteOptions{})
			return err
		}, false},
		{"CreateBatch", func(ctx context.Context, c *Client) error {
			_, err := c.CreateBatch(ctx, []BatchUser{{LoginID: "a"}})
			return err
		}, false},
		{"Import", func(ctx context.Context, c *Client) error {
			_, err := c.Import(ctx, "descope", []byte("{}"), nil, false)
			return err
		}, false},
		{"Delete", func(ctx context.Context, c *Client) error { return c.Delete(ctx, "a") }, false},
		{"DeleteBatch", func(ctx context.Context, c *Client) error { return c.DeleteBatch(ctx, []string{"U1"}) }, true},
		{"SetActivePassword", func(ctx context.Context, c *Client) error { return c.SetActivePassword(ctx, "a", "p4ssword") }, true},
		{"ListPasskeys", func(ctx context.Context, c *Client) error { _, err := c.ListPasskeys(ctx, "a"); return err }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, s := newScripted(t, []http.HandlerFunc{jsonStep(503, `{"errorCode":"E000000"}`), jsonStep(200, `{}`)}, WithMaxRetries(2))
			err := tc.call(t.Context(), c)
			if tc.retry && (err != nil || s.hits.Load() != 2) {
				t.Errorf("after a 503: %v, %d calls; want a retry that succeeds", err, s.hits.Load())
			}
			if !tc.retry && (err == nil || s.hits.Load() != 1) {
				t.Errorf("after a 503: %v, %d calls; want the error, not a retry", err, s.hits.Load())
			}
			// A 429 surely was not applied: every call retries it.
			c, s = newScripted(t, []http.HandlerFunc{jsonStep(429, `{"errorCode":"E130429"}`, "Retry-After", "0"), jsonStep(200, `{"user":{"loginIds":["a"]},"createdUsers":[{"loginIds":["a"]}]}`)}, WithMaxRetries(2))
			if err := tc.call(t.Context(), c); err != nil || s.hits.Load() != 2 {
				t.Errorf("after a 429: %v, %d calls; want a retry", err, s.hits.Load())
			}
		})
	}
}

// An operation that answers nothing may answer an empty body.
func TestEmptyAnswerOfAnOperationThatAnswersNothing(t *testing.T) {
	c, _ := newScripted(t, []http.HandlerFunc{func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) }})
	if err := c.Delete(t.Context(), "a"); err != nil {
		t.Errorf("an empty 200: %v", err)
	}
	if _, err := c.ListPasskeys(t.Context(), "a"); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("an empty 200 for an operation that answers passkeys: %v", err)
	}
}

// A password or hash a call sent is never shown: not in %v of the request, not in an error whose
// body echoes it (plain or escaped), not in a batch failure's reason.
func TestPasswordsNeverShow(t *testing.T) {
	const pw, hash = "correct-horse-battery", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	u := UserCreate{LoginID: "jane@example.com", Password: pw}
	b := BatchUser{LoginID: "joe@example.com", HashedPassword: &PasswordImport{Bcrypt: &PasswordHash{Hash: hash}}}
	imp := gen.ImportUsersRequest{Source: "descope", Users: []byte(`{"loginId":"joe@example.com","password":"` + pw + `"}`), Hashes: []byte(hash)}
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", u, u, &u), fmt.Sprintf("%v %+v %#v", b, b, []BatchUser{b}),
		fmt.Sprintf("%v %+v %#v %s %q %x %s %q", imp, imp, imp, imp.Users, imp.Users, imp.Users, imp.Hashes, imp.Hashes)} {
		if strings.Contains(out, pw) || strings.Contains(out, "N9qo8uLOickgx2") {
			t.Errorf("printed: %s", out)
		}
	}
	echo := func(w http.ResponseWriter, r *http.Request) {
		var body strings.Builder
		buf := make([]byte, 4096)
		n, _ := r.Body.Read(buf)
		body.Write(buf[:n])
		esc := strings.ReplaceAll(body.String(), `"`, `\"`)
		// The description quotes the body with escapes where JSON allows them; the message as it is.
		unicode := strings.NewReplacer("-", `\u002d`, "$", `\u0024`, `\"`, `\"`).Replace(esc)
		jsonStep(400, `{"errorCode":"E011003","errorDescription":"bad `+unicode+`","errorMessage":"got `+esc+`"}`)(w, r)
	}
	c, _ := newScripted(t, []http.HandlerFunc{echo})
	for name, err := range map[string]error{
		"Create":            func() error { _, err := c.Create(t.Context(), u); return err }(),
		"CreateBatch":       func() error { _, err := c.CreateBatch(t.Context(), []BatchUser{b}); return err }(),
		"SetActivePassword": c.SetActivePassword(t.Context(), "jane@example.com", pw),
	} {
		var e *Error
		if err == nil || !errors.As(err, &e) {
			t.Fatalf("%s: %v", name, err)
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), e.Message, e.Description} {
			if strings.Contains(text, pw) || strings.Contains(text, "N9qo8uLOickgx2") {
				t.Errorf("%s shows a secret: %s", name, text)
			}
		}
	}
	reason := func(w http.ResponseWriter, r *http.Request) {
		jsonStep(200, `{"failedUsers":[{"failure":"E011004: hash `+hash+` is weak","user":{"loginIds":["joe@example.com"]}}]}`)(w, r)
	}
	c, _ = newScripted(t, []http.HandlerFunc{reason})
	res, err := c.CreateAll(t.Context(), []BatchUser{b})
	if err != nil || res.Failed != 1 || strings.Contains(res.Results[0].Reason, "N9qo8uLOickgx2") || !strings.Contains(res.Results[0].Reason, wire.Redacted) {
		t.Errorf("%v %+v", err, res.Results)
	}
}

// CreateSeq and DeleteSeq are the one bulk engine over create/batch and delete/batch: every input
// once, created, failed with the server's reason, or unlisted (failed, saying so).
func TestCreateAndDeleteOnTheBulkEngine(t *testing.T) {
	answer := func(w http.ResponseWriter, r *http.Request) {
		jsonStep(200, `{"createdUsers":[{"loginIds":["a"],"userId":"U1"}],"failedUsers":[{"failure":"E011004: login ID b exists","user":{"loginIds":["b"]}}]}`)(w, r)
	}
	c, s := newScripted(t, []http.HandlerFunc{answer})
	res, err := c.CreateAll(t.Context(), []BatchUser{{LoginID: "a"}, {LoginID: "b"}, {LoginID: "c"}, {}}, WithBatchSize(10))
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 1 || res.Failed != 3 || res.Batches != 1 || s.hits.Load() != 1 {
		t.Fatalf("applied %d failed %d batches %d calls %d", res.Applied, res.Failed, res.Batches, s.hits.Load())
	}
	want := []string{"", "E011004: login ID b exists", "the server listed this user neither as created nor as failed", "users[3]: loginId is empty"}
	for i, r := range res.Results {
		if !strings.Contains(r.Reason, want[i]) || (i > 0) != (r.Item != nil) {
			t.Errorf("result %d: %+v, want reason %q", i, r, want[i])
		}
	}

	// A batch that may have reached the API is not sent again, and its users' reason says they
	// may exist; a batch refused with a 4xx was not applied, and says nothing of the kind.
	for status, uncertain := range map[int]bool{503: true, 500: true, 400: false} {
		c, s = newScripted(t, []http.HandlerFunc{jsonStep(status, `{"errorCode":"E000000"}`), answer}, WithMaxRetries(3))
		res, err = c.CreateAll(t.Context(), []BatchUser{{LoginID: "a"}, {LoginID: "b"}})
		if err != nil || res.Failed != 2 || s.hits.Load() != 1 {
			t.Fatalf("%d: %v: failed %d in %d calls", status, err, res.Failed, s.hits.Load())
		}
		if says := strings.Contains(res.Results[0].Reason, "may have been created"); says != uncertain {
			t.Errorf("%d: reason %q", status, res.Results[0].Reason)
		}
	}

	c, s = newScripted(t, []http.HandlerFunc{jsonStep(200, `{}`)})
	dres, err := c.DeleteAll(t.Context(), []string{"U1", "U2", "U3", ""}, WithBatchSize(2))
	if err != nil || dres.Applied != 3 || dres.Failed != 1 || s.hits.Load() != 2 {
		t.Fatalf("%v: applied %d failed %d in %d calls", err, dres.Applied, dres.Failed, s.hits.Load())
	}
	var sent []string
	for _, b := range s.bodies() {
		sent = append(sent, string(b["userIds"]))
	}
	slices.Sort(sent)
	if !slices.Equal(sent, []string{`["U1","U2"]`, `["U3"]`}) {
		t.Errorf("sent %q", sent)
	}
}

func TestCheckPasswordImport(t *testing.T) {
	good := map[string]PasswordImport{
		"bcrypt": {Bcrypt: &PasswordHash{Hash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}},
		"md5":    {Md5: &PasswordHash{Hash: "5f4dcc3b5aa765d61d8327deb882cf99"}},
	}
	for name, h := range good {
		if err := CheckPasswordImport(h); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := map[string]PasswordImport{
		"none":          {},
		"two":           {Bcrypt: &PasswordHash{Hash: "x"}, Md5: &PasswordHash{Hash: "x"}},
		"short bcrypt":  {Bcrypt: &PasswordHash{Hash: "$2a$10$short"}},
		"md5 not hex":   {Md5: &PasswordHash{Hash: "zz4dcc3b5aa765d61d8327deb882cf99"}},
		"md5 too short": {Md5: &PasswordHash{Hash: "5f4dcc3b"}},
	}
	for name, h := range bad {
		err := CheckPasswordImport(h)
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		} else if strings.Contains(err.Error(), "$2a$10$short") || strings.Contains(err.Error(), "5f4dcc3b") {
			t.Errorf("%s: the error shows the hash: %v", name, err)
		}
	}
}

// A secret is hidden in what an error shows, never in its code: a password that happens to be
// part of Descope's error code leaves the code whole, so errors.Is and IsUserNotFound still match.
func TestHiddenSecretsLeaveTheErrorCode(t *testing.T) {
	notFound := jsonStep(404, `{"errorCode":"E112102","errorDescription":"User not found 02","errorMessage":"no user for 02"}`)
	c, _ := newScripted(t, []http.HandlerFunc{notFound})
	err := c.SetActivePassword(t.Context(), "ghost@example.com", "02")
	var e *Error
	if !errors.As(err, &e) || e.Code != "E112102" || !IsUserNotFound(err) || !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("the code was changed: %#v", err)
	}
	if strings.Contains(e.Description, "02") || strings.Contains(e.Message, "02") {
		t.Errorf("the password shows: %q %q", e.Description, e.Message)
	}
}
