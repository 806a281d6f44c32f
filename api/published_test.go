package api

// What Descope's published document and SDKs name, on the client's side: a patch's second names
// (identifier, displayName, additionalIdentifiers) are folded into the first before sending and
// refused when they differ, the recovery fields are sent and compared by sync, the full update
// sends status and recovery only when set, search sends the new filters and pages by offset.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestNormalizePatch(t *testing.T) {
	cases := []struct {
		name    string
		in      UserPatch
		want    UserPatch
		wantErr string
	}{
		{"identifier alone names the user", UserPatch{Identifier: "jane@example.com"}, UserPatch{LoginID: "jane@example.com"}, ""},
		{"both names, equal", UserPatch{LoginID: "a", Identifier: "a"}, UserPatch{LoginID: "a"}, ""},
		{"both names, different", UserPatch{LoginID: "a", Identifier: "b"}, UserPatch{}, `loginId "a" and identifier "b" differ`},
		{"displayName alone", UserPatch{LoginID: "a", DisplayName: Ptr("Jane")}, UserPatch{LoginID: "a", Name: Ptr("Jane")}, ""},
		{"displayName clears too", UserPatch{LoginID: "a", DisplayName: Ptr("")}, UserPatch{LoginID: "a", Name: Ptr("")}, ""},
		{"name and displayName differ", UserPatch{LoginID: "a", Name: Ptr("A"), DisplayName: Ptr("B")}, UserPatch{}, `name "A" and displayName "B" differ`},
		{"additionalIdentifiers alone", UserPatch{LoginID: "a", AdditionalIdentifiers: Ptr([]string{"x"})}, UserPatch{LoginID: "a", AdditionalLoginIDs: Ptr([]string{"x"})}, ""},
		{"other login IDs differ", UserPatch{LoginID: "a", AdditionalLoginIDs: Ptr([]string{"x"}), AdditionalIdentifiers: Ptr([]string{"y"})}, UserPatch{}, `additionalLoginIds ["x"] and additionalIdentifiers ["y"] differ`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.in
			err := NormalizePatch(&p)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one wrapping ErrInvalidArgument saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(p)
			want, _ := json.Marshal(tc.want)
			if string(got) != string(want) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

// A patch that names its user and fields by their second names is sent under the first, by every
// way of sending a patch; two names that differ are refused before anything is sent.
func TestPatchesAreSentUnderTheFirstNames(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{ok()})
	p := UserPatch{Identifier: "jane@example.com", DisplayName: Ptr("Jane"), AdditionalIdentifiers: Ptr([]string{"jane"}),
		RecoveryEmail: Ptr("r@example.com"), VerifiedRecoveryEmail: Ptr(true), RecoveryPhone: Ptr(""), VerifiedRecoveryPhone: Ptr(false)}
	orig := p
	const want = `{"additionalLoginIds":["jane"],"loginId":"jane@example.com","name":"Jane","recoveryEmail":"r@example.com","recoveryPhone":"","verifiedRecoveryEmail":true,"verifiedRecoveryPhone":false}`

	if _, err := c.Patch(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if got := string(s.last); got != want {
		t.Errorf("Patch sent %s\nwant %s", got, want)
	}
	if _, err := c.PatchBatch(t.Context(), []UserPatch{p}); err != nil {
		t.Fatal(err)
	}
	if got := string(s.last); got != `{"users":[`+want+`]}` {
		t.Errorf("PatchBatch sent %s", got)
	}
	res, err := c.PatchAll(t.Context(), []UserPatch{p})
	if err != nil || res.Applied != 1 || res.Results[0].Key != "jane@example.com" {
		t.Fatalf("PatchAll: %v %+v", err, res)
	}
	if got := string(s.last); got != `{"users":[`+want+`]}` {
		t.Errorf("PatchAll sent %s", got)
	}
	if p.Identifier != orig.Identifier || p.DisplayName != orig.DisplayName || p.LoginID != "" {
		t.Errorf("the caller's patch was changed: %+v", p)
	}

	before := s.hits.Load()
	bad := UserPatch{LoginID: "jane@example.com", Identifier: "joe@example.com"}
	if _, err := c.Patch(t.Context(), bad); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "identifier") {
		t.Errorf("Patch: %v", err)
	}
	if _, err := c.PatchBatch(t.Context(), []UserPatch{p, bad}); !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "patches[1]") {
		t.Errorf("PatchBatch: %v", err)
	}
	res, err = c.PatchAll(t.Context(), []UserPatch{bad})
	if err != nil || res.Failed != 1 || !strings.Contains(res.Results[0].Reason, `loginId "jane@example.com" and identifier "joe@example.com" differ`) {
		t.Errorf("PatchAll: %v %+v", err, res.Results)
	}
	if err := CheckPatch(UserPatch{Identifier: "jane@example.com"}); err != nil {
		t.Errorf("CheckPatch refuses a patch named by identifier: %v", err)
	}
	if err := CheckPatch(UserPatch{Name: Ptr("x")}); err == nil || !strings.Contains(err.Error(), "loginId is empty") {
		t.Errorf("CheckPatch of a patch that names no user: %v", err)
	}
	if s.hits.Load() != before {
		t.Errorf("%d calls were sent for refused patches", s.hits.Load()-before)
	}
}

// Sync compares the recovery contacts and their flags, and the second names of a desired patch.
func TestSyncComparesRecoveryContacts(t *testing.T) {
	user := `{"loginIds":["jane@example.com"],"userId":"U1","name":"Jane","recoveryEmail":"old@example.com","verifiedRecoveryEmail":true,"recoveryPhone":"+15550000001","verifiedRecoveryPhone":false}`
	c, _ := newScripted(t, []http.HandlerFunc{jsonStep(200, `{"users":[`+user+`],"total":1}`)})
	plan, err := c.PlanSync(t.Context(), []UserPatch{{Identifier: "jane@example.com", DisplayName: Ptr("Jane"),
		RecoveryEmail: Ptr("new@example.com"), VerifiedRecoveryEmail: Ptr(true),
		RecoveryPhone: Ptr("+15550000001"), VerifiedRecoveryPhone: Ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.ToChange != 1 || plan.Missing != 0 {
		t.Fatalf("plan: %d to change, %d missing", plan.ToChange, plan.Missing)
	}
	var fields []string
	for _, f := range plan.Changes[0].Fields {
		fields = append(fields, fmt.Sprintf("%s %v->%v", f.Field, f.Old, f.New))
	}
	if want := []string{"recoveryEmail old@example.com->new@example.com", "verifiedRecoveryPhone false->true"}; !slices.Equal(fields, want) {
		t.Errorf("fields %q, want %q (the name matches, as displayName)", fields, want)
	}
	got, _ := json.Marshal(plan.Patches()[0])
	// The changed email goes with its flag, as the server may reset the flag with the address.
	if want := `{"loginId":"jane@example.com","recoveryEmail":"new@example.com","verifiedRecoveryEmail":true,"verifiedRecoveryPhone":true}`; string(got) != want {
		t.Errorf("patch %s\nwant %s", got, want)
	}
}

// Update sends status and the recovery fields only when they are set: absent leaves them.
func TestUpdateSendsStatusAndRecoveryOnlyWhenSet(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{ok()})
	if _, err := c.Update(t.Context(), UserUpdate{LoginID: "jane@example.com", Email: "jane@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"status", "recoveryEmail", "recoveryPhone", "verifiedRecoveryEmail", "verifiedRecoveryPhone"} {
		if _, ok := s.lastBody()[k]; ok {
			t.Errorf("Update sent %s unasked: %s", k, s.last)
		}
	}
	if _, err := c.Update(t.Context(), UserUpdate{LoginID: "jane@example.com", Status: Ptr(UserStatusDisabled),
		RecoveryEmail: Ptr(""), VerifiedRecoveryPhone: Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	b := s.lastBody()
	if string(b["status"]) != `"disabled"` || string(b["recoveryEmail"]) != `""` || string(b["verifiedRecoveryPhone"]) != "true" {
		t.Errorf("Update sent %s", s.last)
	}
	before := s.hits.Load()
	if _, err := c.Update(t.Context(), UserUpdate{LoginID: "jane@example.com", Status: Ptr(UserStatus("gone"))}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a status outside the contract: %v", err)
	}
	if s.hits.Load() != before {
		t.Error("the refused update was sent")
	}
}

// SearchAll of options with an offset reads on by offset: each page asks for the first position
// not yet read.
func TestSearchAllByOffset(t *testing.T) {
	var asked []string
	users := func(from, n int) string {
		var us []string
		for i := from; i < from+n; i++ {
			us = append(us, fmt.Sprintf(`{"userId":"U%d","loginIds":["u%d@example.com"]}`, i, i))
		}
		return strings.Join(us, ",")
	}
	var sc *script // it reads each body before the step runs
	c, sc := newScripted(t, []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
		var o SearchOptions
		sc.mu.Lock()
		_ = json.Unmarshal(sc.last, &o)
		sc.mu.Unlock()
		asked = append(asked, fmt.Sprintf("page %d offset %d limit %d", o.Page, o.Offset, o.Limit))
		n := min(int(o.Limit), 25-int(o.Offset))
		jsonStep(200, `{"users":[`+users(int(o.Offset), n)+`],"total":25}`)(w, r)
	}})
	var got []string
	for u, err := range c.SearchAll(t.Context(), SearchOptions{Offset: 5, Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, u.UserID)
	}
	if len(got) != 20 || got[0] != "U5" || got[19] != "U24" {
		t.Errorf("got %d users, %q...", len(got), got[:min(3, len(got))])
	}
	if want := []string{"page 0 offset 5 limit 10", "page 0 offset 15 limit 10"}; !slices.Equal(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
}

func TestSearchChecksTheNewFilters(t *testing.T) {
	c, s := newScripted(t, []http.HandlerFunc{jsonStep(200, `{"users":[],"total":0}`)})
	for _, o := range []SearchOptions{{Offset: -1}, {LoginID: "a", Identifier: "b"}} {
		if _, _, err := c.Search(context.Background(), o); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if s.hits.Load() != 0 {
		t.Error("a refused search was sent")
	}
	o := SearchOptions{LoginID: "jane@example.com", RecoveryEmails: []string{"r@example.com"}, VerifiedEmail: Ptr(false),
		VerifiedRecoveryPhone: Ptr(true), Password: true, Totp: true, Webauthn: true, Scim: true, SsoOnly: true, ScimOnly: true,
		SelectedColumns: []string{"email"}, Offset: 3, FromCreatedTime: 1717000000000}
	if _, _, err := c.Search(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	const want = `{"fromCreatedTime":1717000000000,"loginId":"jane@example.com","offset":3,"password":true,"recoveryEmails":["r@example.com"],` +
		`"scim":true,"scimOnly":true,"selectedColumns":["email"],"ssoOnly":true,"totp":true,"verifiedEmail":false,"verifiedRecoveryPhone":true,"webauthn":true}`
	if got := string(s.last); got != want {
		t.Errorf("sent %s\nwant %s", got, want)
	}
}
