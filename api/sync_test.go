package api_test

// Sync against the fake Descope: what PlanSync finds, the patches Apply sends (read back from the
// fake's request log), and the users afterwards.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
	"github.com/seed-a84e9595/descope-mgmt/api/apitest"
)

func syncUsers() []api.User {
	return []api.User{
		{UserID: "U2jane", LoginIDs: []string{"jane@example.com", "jane.alt@example.com"}, Email: "jane@example.com", VerifiedEmail: true,
			Phone: "+15550000001", Name: "Jane Doe", GivenName: "Jane", FamilyName: "Doe", Picture: "https://example.com/j.png",
			RoleNames: []string{"viewer", "editor"}, SsoAppIDs: []string{"app-1"},
			UserTenants: []api.UserTenant{{TenantID: "T1", RoleNames: []string{"admin", "member"}}, {TenantID: "T2"}},
			CustomAttributes: map[string]any{"plan": "pro", "seats": 5, "ratio": 0.25, "beta": true,
				"tags": []any{"a", "b"}, "meta": map[string]any{"k": 1}}},
		{UserID: "U2joe", LoginIDs: []string{"joe@example.com"}, Name: "Joe", RoleNames: []string{"viewer"}},
		{UserID: "U2ann", LoginIDs: []string{"ann@example.com"}, Name: "Ann", Status: "disabled"},
		{UserID: "U2tess", LoginIDs: []string{"tess@example.com"}, Name: "Tess", Test: true},
	}
}

// newSyncServer starts the fake with syncUsers and extra users, with a request log.
func newSyncServer(t *testing.T, extra ...api.User) (*apitest.Server, *api.Client) {
	t.Helper()
	srv := apitest.NewServer(t, apitest.WithUsers(append(syncUsers(), extra...)...), apitest.WithRequestLog())
	c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// readOps are the operations that change nothing.
var readOps = []string{"SearchUsers", "SearchTestUsers", "LoadUser", "LoadUsers", "GetLicense"}

// settled closes the fake, which waits for every call in flight to end, and returns it. The fake
// counts a call (Stats) and logs it (Requests) once its answer is sent, so a client may read an
// answer before the fake has counted it: tests read the counters and the log after settled.
func settled(srv *apitest.Server) *apitest.Server {
	srv.Close()
	return srv
}

// changingCalls counts the calls the fake received that may change a user.
func changingCalls(srv *apitest.Server) int64 {
	var n int64
	for op, k := range srv.Stats().ByOperation {
		if !slices.Contains(readOps, op) {
			n += k
		}
	}
	return n
}

// sentPatches returns the patches the fake received in PatchUserBatch calls, as JSON objects.
func sentPatches(t *testing.T, srv *apitest.Server) []string {
	t.Helper()
	var out []string
	for _, r := range srv.Requests() {
		if r.OperationID != "PatchUserBatch" {
			continue
		}
		var body struct {
			Users []json.RawMessage `json:"users"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		for _, u := range body.Users {
			out = append(out, string(u))
		}
	}
	slices.Sort(out)
	return out
}

func mustPlan(t *testing.T, c *api.Client, desired []api.UserPatch, opts ...api.RunOption) *api.SyncPlan {
	t.Helper()
	plan, err := c.PlanSync(t.Context(), desired, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Total != len(desired) || plan.Unchanged+plan.ToChange+plan.Missing != plan.Total ||
		plan.ToChange != len(plan.Changes) || plan.Missing != len(plan.MissingUsers) {
		t.Fatalf("plan counts do not add up: %+v", plan)
	}
	return plan
}

// fieldNames lists "loginId field" for every change of the plan.
func fieldNames(plan *api.SyncPlan) []string {
	var out []string
	for _, ch := range plan.Changes {
		for _, f := range ch.Fields {
			out = append(out, ch.LoginID+" "+f.Field)
		}
	}
	return out
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The users already match, whatever the order of sets, the type of numbers, fields left out and
// the first login ID among additionalLoginIds: nothing is sent, in one read.
func TestSyncNoDriftSendsNothing(t *testing.T) {
	srv, c := newSyncServer(t)
	desired := []api.UserPatch{
		{LoginID: "jane@example.com", Name: api.Ptr("Jane Doe"), GivenName: api.Ptr("Jane"), MiddleName: api.Ptr(""),
			Email: api.Ptr("jane@example.com"), VerifiedEmail: api.Ptr(true), VerifiedPhone: api.Ptr(false),
			RoleNames: api.Ptr([]string{"editor", "viewer", "editor"}), SsoAppIDs: api.Ptr([]string{"app-1"}),
			UserTenants:        api.Ptr([]api.TenantPatch{{TenantID: "T2", RoleNames: api.Ptr([]string{})}, {TenantID: "T1", RoleNames: api.Ptr([]string{"member", "admin"})}}),
			AdditionalLoginIDs: api.Ptr([]string{"jane.alt@example.com", "jane@example.com"}), Scim: api.Ptr(false),
			CustomAttributes: api.Ptr(map[string]any{"plan": "pro", "seats": json.Number("5.0"), "ratio": 0.25, "beta": true,
				"tags": []string{"a", "b"}, "meta": map[string]any{"k": json.Number("1")}, "gone": nil})},
		{LoginID: "joe@example.com", Status: api.Ptr(api.UserStatusEnabled), Phone: api.Ptr(""), Picture: api.Ptr("")},
		{LoginID: "ann@example.com", Status: api.Ptr(api.UserStatusDisabled), RoleNames: api.Ptr([]string{}), UserTenants: api.Ptr([]api.TenantPatch{})},
		{LoginID: "tess@example.com", Name: api.Ptr("Tess")},
	}
	plan := mustPlan(t, c, desired)
	if plan.Unchanged != 4 || plan.ToChange != 0 || plan.Missing != 0 || plan.Reads != 1 {
		t.Fatalf("plan %+v, changes %v; want 4 unchanged in 1 read", plan, fieldNames(plan))
	}
	before := srv.Users()
	gotPlan, res, err := c.Sync(t.Context(), desired)
	if err != nil || gotPlan.ToChange != 0 || res.Batches != 0 || len(res.Results) != 0 {
		t.Fatalf("Sync: %v, plan %+v, result %+v", err, gotPlan, res)
	}
	st := settled(srv).Stats()
	if st.ByOperation["PatchUserBatch"] != 0 || changingCalls(srv) != 0 || st.ByOperation["SearchUsers"] != 2 {
		t.Errorf("calls %v, want 2 SearchUsers and nothing else", st.ByOperation)
	}
	if !reflect.DeepEqual(srv.Users(), before) {
		t.Error("a sync without drift changed users")
	}
}

// Drift is corrected with the smallest patches, key by key for custom attributes; a second sync
// sends nothing.
func TestSyncDriftSendsOnlyWhatDiffers(t *testing.T) {
	srv, c := newSyncServer(t)
	desired := []api.UserPatch{
		{LoginID: "ann@example.com", Name: api.Ptr("Ann")}, // matches
		{LoginID: "jane@example.com", Name: api.Ptr("Jane Q. Doe"), GivenName: api.Ptr("Jane"),
			RoleNames:   api.Ptr([]string{"editor"}),
			UserTenants: api.Ptr([]api.TenantPatch{{TenantID: "T1", RoleNames: api.Ptr([]string{"admin"})}}),
			CustomAttributes: api.Ptr(map[string]any{"plan": "team", "seats": 5, "gone": nil, "beta": nil,
				"meta": map[string]any{"k": 2}})},
		{LoginID: "joe@example.com", Status: api.Ptr(api.UserStatusDisabled), Phone: api.Ptr(""), Picture: api.Ptr("")},
	}
	plan := mustPlan(t, c, desired)
	wantFields := []string{
		"jane@example.com name", "jane@example.com roleNames", "jane@example.com userTenants",
		"jane@example.com customAttributes.beta", "jane@example.com customAttributes.meta", "jane@example.com customAttributes.plan",
		"joe@example.com status",
	}
	if got := fieldNames(plan); !slices.Equal(got, wantFields) {
		t.Fatalf("changes\n%v\nwant\n%v", got, wantFields)
	}
	if plan.Unchanged != 1 || plan.ToChange != 2 || plan.Fields != 7 || plan.Reads != 1 {
		t.Errorf("plan %+v", plan)
	}
	jane := plan.Changes[0]
	if jane.Index != 1 || jane.UserID != "U2jane" || plan.Changes[1].Index != 2 {
		t.Errorf("changes %+v", plan.Changes)
	}
	// Old and new values, as a report shows them.
	wantValues := map[string][2]string{
		"name":                  {`"Jane Doe"`, `"Jane Q. Doe"`},
		"roleNames":             {`["viewer","editor"]`, `["editor"]`},
		"userTenants":           {`[{"roleNames":["admin","member"],"tenantId":"T1"},{"roleNames":[],"tenantId":"T2"}]`, `[{"roleNames":["admin"],"tenantId":"T1"}]`},
		"customAttributes.beta": {`true`, `null`},
		"customAttributes.meta": {`{"k":1}`, `{"k":2}`},
		"customAttributes.plan": {`"pro"`, `"team"`},
	}
	for _, f := range jane.Fields {
		if got := [2]string{asJSON(t, f.Old), asJSON(t, f.New)}; got != wantValues[f.Field] {
			t.Errorf("%s: %s -> %s, want %s -> %s", f.Field, got[0], got[1], wantValues[f.Field][0], wantValues[f.Field][1])
		}
	}

	res, err := plan.Apply(t.Context(), c)
	if err != nil || res.Applied != 2 || res.Failed+res.NotAttempted != 0 || res.Batches != 1 {
		t.Fatalf("Apply: %v, %+v", err, res)
	}
	if len(res.Results) != 2 || res.Results[0].Index != 1 || res.Results[1].Index != 2 || res.Results[0].Key != "jane@example.com" {
		t.Errorf("results %+v, want the desired positions 1 and 2", res.Results)
	}

	u, _ := srv.User("jane@example.com")
	wantAttrs := map[string]any{"plan": "team", "seats": 5.0, "ratio": 0.25, "tags": []any{"a", "b"}, "meta": map[string]any{"k": 2.0}}
	if u.Name != "Jane Q. Doe" || !slices.Equal(u.RoleNames, []string{"editor"}) || len(u.UserTenants) != 1 ||
		!reflect.DeepEqual(u.CustomAttributes, wantAttrs) || u.Phone != "+15550000001" || !slices.Equal(u.SsoAppIDs, []string{"app-1"}) {
		t.Errorf("jane after the sync: %+v", u)
	}
	if u, _ := srv.User("joe@example.com"); u.Status != "disabled" || !slices.Equal(u.RoleNames, []string{"viewer"}) {
		t.Errorf("joe after the sync: %+v", u)
	}

	// Right after: everything matches, and a sync sends no change. What the fake received in
	// all is the first sync's one batch of the two smallest patches.
	again, res, err := c.Sync(t.Context(), desired)
	if err != nil || again.Unchanged != 3 || again.ToChange != 0 || res.Batches != 0 {
		t.Fatalf("second sync: %v, plan %+v, changes %v", err, again, fieldNames(again))
	}
	wantSent := []string{
		`{"customAttributes":{"beta":null,"meta":{"k":2},"plan":"team"},"loginId":"jane@example.com","name":"Jane Q. Doe","roleNames":["editor"],"userTenants":[{"roleNames":["admin"],"tenantId":"T1"}]}`,
		`{"loginId":"joe@example.com","status":"disabled"}`,
	}
	if got := sentPatches(t, settled(srv)); !slices.Equal(got, wantSent) {
		t.Errorf("sent\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantSent, "\n"))
	}
	if st := srv.Stats().ByOperation; st["PatchUserBatch"] != 1 || changingCalls(srv) != 1 || st["SearchUsers"] != 2 {
		t.Errorf("calls %v, want 2 SearchUsers and the first sync's one PatchUserBatch", st)
	}
}

// An email (or phone) that changes is sent with the desired verified flag, even when the flag
// already matches; the flag alone is a change only when it differs.
func TestSyncSendsTheVerifiedFlagWithItsAddress(t *testing.T) {
	srv, c := newSyncServer(t)
	plan := mustPlan(t, c, []api.UserPatch{
		{LoginID: "jane@example.com", Email: api.Ptr("jane@work.example"), VerifiedEmail: api.Ptr(true), VerifiedPhone: api.Ptr(true)},
		{LoginID: "joe@example.com", Phone: api.Ptr("+15550000002"), VerifiedPhone: api.Ptr(false)},
	})
	if got := fieldNames(plan); !slices.Equal(got, []string{"jane@example.com email", "jane@example.com verifiedPhone", "joe@example.com phone"}) {
		t.Fatalf("changes %v", got)
	}
	if _, err := plan.Apply(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"email":"jane@work.example","loginId":"jane@example.com","verifiedEmail":true,"verifiedPhone":true}`,
		`{"loginId":"joe@example.com","phone":"+15550000002","verifiedPhone":false}`,
	}
	if got := sentPatches(t, settled(srv)); !slices.Equal(got, want) {
		t.Errorf("sent\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// "" and [] mean empty: a field that is not empty is cleared, one that is stays unsent.
func TestSyncClearsFields(t *testing.T) {
	srv, c := newSyncServer(t)
	empty := api.Ptr([]string{})
	desired := []api.UserPatch{
		{LoginID: "jane@example.com", Phone: api.Ptr(""), Picture: api.Ptr(""), RoleNames: empty, SsoAppIDs: empty,
			UserTenants: api.Ptr([]api.TenantPatch{}), AdditionalLoginIDs: empty, CustomAttributes: api.Ptr(map[string]any{"tags": nil, "meta": nil})},
		{LoginID: "ann@example.com", Phone: api.Ptr(""), Picture: api.Ptr(""), RoleNames: empty, SsoAppIDs: empty,
			UserTenants: api.Ptr([]api.TenantPatch{}), AdditionalLoginIDs: empty, CustomAttributes: api.Ptr(map[string]any{"tags": nil})},
	}
	plan := mustPlan(t, c, desired)
	want := []string{"jane@example.com phone", "jane@example.com picture", "jane@example.com roleNames", "jane@example.com ssoAppIds",
		"jane@example.com userTenants", "jane@example.com additionalLoginIds", "jane@example.com customAttributes.meta", "jane@example.com customAttributes.tags"}
	if got := fieldNames(plan); !slices.Equal(got, want) {
		t.Fatalf("changes\n%v\nwant\n%v", got, want)
	}
	if plan.Unchanged != 1 {
		t.Errorf("ann, whose fields are all empty already, is not unchanged: %+v", plan)
	}
	if res, err := plan.Apply(t.Context(), c); err != nil || res.Applied != 1 {
		t.Fatalf("Apply: %v %+v", err, res)
	}
	u, _ := srv.User("U2jane")
	if u.Phone != "" || u.Picture != "" || u.RoleNames != nil || u.SsoAppIDs != nil || u.UserTenants != nil ||
		!slices.Equal(u.LoginIDs, []string{"jane@example.com"}) || u.CustomAttributes["tags"] != nil || u.CustomAttributes["meta"] != nil ||
		u.CustomAttributes["plan"] != "pro" || u.Name != "Jane Doe" {
		t.Errorf("jane after clearing: %+v", u)
	}
	if again := mustPlan(t, c, desired); again.ToChange != 0 {
		t.Errorf("after clearing, still to change: %v", fieldNames(again))
	}
}

// Custom attribute values compare as JSON values: numbers by value whatever their Go type (the
// fake, like the API, answers float64), lists in order, objects by key.
func TestSyncComparesCustomAttributesAsJSON(t *testing.T) {
	_, c := newSyncServer(t, api.User{UserID: "U2attr", LoginIDs: []string{"attr@example.com"},
		CustomAttributes: map[string]any{"n": 5, "f": 0.5, "s": "5", "b": false, "l": []any{1, "a"}, "o": map[string]any{"x": []any{true}}, "big": 1e21}})
	cases := []struct {
		key    string
		value  any
		change bool
	}{
		{"n", 5, false}, {"n", int64(5), false}, {"n", float32(5), false}, {"n", 5.0, false}, {"n", json.Number("5"), false},
		{"n", json.Number("5.0e0"), false}, {"n", uint8(5), false},
		{"n", "5", true}, {"n", json.Number("5.000001"), true}, {"n", 6, true}, {"n", nil, true},
		{"f", json.Number("0.5"), false}, {"f", float32(0.5), false}, {"f", 0.25, true},
		{"s", "5", false}, {"s", json.Number("5"), true}, {"s", "", true},
		{"b", false, false}, {"b", true, true}, {"b", "false", true},
		{"l", []any{1, "a"}, false}, {"l", []any{json.Number("1"), "a"}, false}, {"l", []any{"a", 1}, true}, {"l", []any{1}, true},
		{"l", []int{1}, true},
		{"o", map[string]any{"x": []bool{true}}, false}, {"o", map[string]any{"x": []any{true}, "y": nil}, true}, {"o", map[string]any{}, true},
		{"big", json.Number("1000000000000000000000"), false}, {"big", int64(1e18), true},
		{"absent", nil, false}, {"absent", []string(nil), false}, {"absent", 0, true}, {"absent", "", true}, {"absent", []any{}, true},
	}
	for _, tc := range cases {
		plan := mustPlan(t, c, []api.UserPatch{{LoginID: "attr@example.com", CustomAttributes: api.Ptr(map[string]any{tc.key: tc.value})}})
		if got := plan.ToChange == 1; got != tc.change {
			t.Errorf("%s = %#v: change %v, want %v", tc.key, tc.value, got, tc.change)
			continue
		}
		if tc.change {
			p := plan.Changes[0].Patch
			if p.CustomAttributes == nil || len(*p.CustomAttributes) != 1 {
				t.Errorf("%s = %#v: patch %s, want the one attribute", tc.key, tc.value, asJSON(t, p))
			}
		}
	}
}

// A plan sets only the fields that differed when it was made: a change made to another field
// between plan and apply stays, one made to a planned field is overwritten, and a field that came
// to differ meanwhile is not sent (the next plan sees it).
func TestSyncConcurrentEditsBetweenPlanAndApply(t *testing.T) {
	srv, c := newSyncServer(t)
	desired := []api.UserPatch{{LoginID: "jane@example.com", Name: api.Ptr("Jane Planned"), RoleNames: api.Ptr([]string{"viewer", "editor"}),
		CustomAttributes: api.Ptr(map[string]any{"plan": "team", "seats": 5})}}
	plan := mustPlan(t, c, desired)
	if got := fieldNames(plan); !slices.Equal(got, []string{"jane@example.com name", "jane@example.com customAttributes.plan"}) {
		t.Fatalf("changes %v", got)
	}

	// Someone else, meanwhile: a planned field (name, plan), other fields (picture, seats, roles).
	if _, err := c.Patch(t.Context(), api.UserPatch{LoginID: "jane@example.com", Name: api.Ptr("Jane Concurrent"), Picture: api.Ptr("https://example.com/new.png"),
		RoleNames: api.Ptr([]string{"admin"}), CustomAttributes: api.Ptr(map[string]any{"plan": "enterprise", "seats": 9})}); err != nil {
		t.Fatal(err)
	}

	res, err := plan.Apply(t.Context(), c)
	if err != nil || res.Applied != 1 {
		t.Fatalf("Apply: %v %+v", err, res)
	}
	u, _ := srv.User("jane@example.com")
	if u.Name != "Jane Planned" || u.CustomAttributes["plan"] != "team" {
		t.Errorf("planned fields: name %q, plan %v; want the desired values", u.Name, u.CustomAttributes["plan"])
	}
	if u.Picture != "https://example.com/new.png" || u.CustomAttributes["seats"] != 9.0 || !slices.Equal(u.RoleNames, []string{"admin"}) {
		t.Errorf("the concurrent change to other fields was lost: picture %q, seats %v, roles %v", u.Picture, u.CustomAttributes["seats"], u.RoleNames)
	}
	// The next plan sees what differs now.
	next := mustPlan(t, c, desired)
	if got := fieldNames(next); !slices.Equal(got, []string{"jane@example.com roleNames", "jane@example.com customAttributes.seats"}) {
		t.Errorf("next plan %v", got)
	}
}

// Users that do not exist are reported, never created, never sent.
func TestSyncMissingUsers(t *testing.T) {
	srv, c := newSyncServer(t)
	desired := []api.UserPatch{
		{LoginID: "ghost@example.com", Name: api.Ptr("Ghost")},
		{LoginID: "jane@example.com", Name: api.Ptr("Jane Doe")},
		{LoginID: "U2nobody", Name: api.Ptr("Nobody")},
		{LoginID: "joe@example.com", Name: api.Ptr("Joseph")},
	}
	before := len(srv.Users())
	plan, res, err := c.Sync(t.Context(), desired)
	if err != nil {
		t.Fatal(err)
	}
	want := []api.MissingUser{{Index: 0, LoginID: "ghost@example.com"}, {Index: 2, LoginID: "U2nobody"}}
	if !reflect.DeepEqual(plan.MissingUsers, want) || plan.Missing != 2 || plan.Unchanged != 1 || plan.ToChange != 1 {
		t.Fatalf("plan %+v", plan)
	}
	if res.Applied != 1 || len(res.Results) != 1 || res.Results[0].Index != 3 {
		t.Errorf("result %+v", res)
	}
	// One search by login ID, one by user ID for the two names it did not find.
	if plan.Reads != 2 || settled(srv).Stats().ByOperation["SearchUsers"] != 2 {
		t.Errorf("reads %d, SearchUsers %d; want 2", plan.Reads, srv.Stats().ByOperation["SearchUsers"])
	}
	if got := sentPatches(t, srv); !slices.Equal(got, []string{`{"loginId":"joe@example.com","name":"Joseph"}`}) {
		t.Errorf("sent %v", got)
	}
	if len(srv.Users()) != before {
		t.Error("sync created users")
	}
	if _, ok := srv.User("ghost@example.com"); ok {
		t.Error("ghost was created")
	}
}

// Test users are found (the search asks for them), and users named by user ID or by a login ID
// that is not their first are found too.
func TestSyncFindsTestUsersAndUsersNamedByID(t *testing.T) {
	srv, c := newSyncServer(t)
	desired := []api.UserPatch{
		{LoginID: "tess@example.com", Name: api.Ptr("Tess Tester")},
		{LoginID: "U2joe", Name: api.Ptr("Joseph")},
		{LoginID: "jane.alt@example.com", FamilyName: api.Ptr("Roe")},
		{LoginID: "U2ann", Name: api.Ptr("Ann")},
	}
	plan := mustPlan(t, c, desired)
	if plan.Missing != 0 || plan.ToChange != 3 || plan.Unchanged != 1 || plan.Reads != 2 {
		t.Fatalf("plan %+v, changes %v", plan, fieldNames(plan))
	}
	if plan.Changes[1].UserID != "U2joe" || plan.Changes[2].UserID != "U2jane" {
		t.Errorf("changes %+v", plan.Changes)
	}
	if res, err := plan.Apply(t.Context(), c); err != nil || res.Applied != 3 {
		t.Fatalf("Apply: %v %+v", err, res)
	}
	if u, _ := srv.User("U2tess"); u.Name != "Tess Tester" {
		t.Errorf("tess %+v", u)
	}
	if u, _ := srv.User("U2joe"); u.Name != "Joseph" {
		t.Errorf("joe %+v", u)
	}
	if u, _ := srv.User("U2jane"); u.FamilyName != "Roe" {
		t.Errorf("jane %+v", u)
	}
	if again := mustPlan(t, c, desired); again.Unchanged != 4 || again.Reads != 2 {
		t.Errorf("second plan %v", fieldNames(again))
	}

	// Each plan searched the four names by login ID, then the two it did not find by user ID.
	var bodies []string
	for _, r := range settled(srv).Requests() {
		if r.OperationID == "SearchUsers" {
			bodies = append(bodies, string(r.Body))
		}
	}
	byLogin := `{"limit":100,"loginIds":["tess@example.com","U2joe","jane.alt@example.com","U2ann"],"withTestUser":true}`
	byID := `{"limit":100,"userIds":["U2joe","U2ann"],"withTestUser":true}`
	if slices.Sort(bodies); !slices.Equal(bodies, []string{byLogin, byLogin, byID, byID}) {
		t.Errorf("searches\n%s\nwant twice each of\n%s\n%s", strings.Join(bodies, "\n"), byLogin, byID)
	}
}

// Many users are loaded in chunks of the page size, one search per chunk.
func TestSyncChunks(t *testing.T) {
	var extra []api.User
	var desired []api.UserPatch
	for i := range 25 {
		id := fmt.Sprintf("u%02d@example.com", i)
		extra = append(extra, api.User{UserID: fmt.Sprintf("U2u%02d", i), LoginIDs: []string{id}, Name: "U0"})
		name := id
		if i%5 == 0 {
			name = fmt.Sprintf("U2u%02d", i) // five named by user ID
		}
		desired = append(desired, api.UserPatch{LoginID: name, Name: api.Ptr(fmt.Sprintf("U%d", i%2))})
	}
	srv, c := newSyncServer(t, extra...)
	plan := mustPlan(t, c, desired, api.WithPageSize(10))
	// 25 names in chunks of 10: 3 searches by login ID; the 5 user IDs in one more.
	if plan.Reads != 4 || plan.Missing != 0 || plan.ToChange != 12 || plan.Unchanged != 13 {
		t.Fatalf("reads %d, missing %d, to change %d, unchanged %d", plan.Reads, plan.Missing, plan.ToChange, plan.Unchanged)
	}
	res, err := plan.Apply(t.Context(), c, api.WithBatchSize(5))
	if err != nil || res.Applied != 12 || res.Batches != 3 {
		t.Fatalf("Apply: %v %+v", err, res)
	}
	if again := mustPlan(t, c, desired); again.Unchanged != 25 || again.Reads != 2 {
		t.Errorf("second plan: %+v", again)
	}
	// Exactly the calls the plans counted, and the three batches.
	if st := settled(srv).Stats().ByOperation; st["SearchUsers"] != 6 || st["PatchUserBatch"] != 3 {
		t.Errorf("calls %v, want 6 SearchUsers and 3 PatchUserBatch", st)
	}
}

// A server that answers fewer users per page than asked (a cap on the limit) is paged through to
// the total: no user is missed, or reported missing.
func TestSyncPagesThroughSmallerPages(t *testing.T) {
	var extra []api.User
	var desired []api.UserPatch
	for i := range 10 {
		id := fmt.Sprintf("p%02d@example.com", i)
		extra = append(extra, api.User{LoginIDs: []string{id}})
		desired = append(desired, api.UserPatch{LoginID: id, Name: api.Ptr("P")})
	}
	srv, _ := newSyncServer(t, extra...)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	capped := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/mgmt/user/search" {
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body["limit"] = 3 // this server's cap
			data, _ := json.Marshal(body)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
		}
		proxy.ServeHTTP(w, r)
	}))
	defer capped.Close()
	c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(capped.URL))
	if err != nil {
		t.Fatal(err)
	}
	plan := mustPlan(t, c, desired)
	if plan.Missing != 0 || plan.ToChange != 10 || plan.Reads != 4 {
		t.Errorf("plan %+v; want 10 to change in 4 pages of at most 3", plan)
	}
}

// Bad input is refused before anything is sent, naming the positions; two names of one user are
// refused once the users are loaded, before anything changes.
func TestPlanSyncRefusals(t *testing.T) {
	srv, c := newSyncServer(t)
	ok := api.UserPatch{LoginID: "jane@example.com", Name: api.Ptr("J")}
	_, err := c.PlanSync(t.Context(), []api.UserPatch{ok, {LoginID: "joe@example.com"}, {LoginID: "ann@example.com", Status: api.Ptr(api.UserStatus("paused"))}})
	if !errors.Is(err, api.ErrInvalidArgument) || !strings.Contains(err.Error(), `desired[2] (loginId "ann@example.com"): status "paused"`) {
		t.Errorf("invalid patch: %v", err)
	}
	_, err = c.PlanSync(t.Context(), []api.UserPatch{ok, {LoginID: ""}})
	if !errors.Is(err, api.ErrInvalidArgument) || !strings.Contains(err.Error(), "desired[1]: loginId is empty") {
		t.Errorf("empty login ID: %v", err)
	}
	_, _, err = c.Sync(t.Context(), []api.UserPatch{ok, {LoginID: "joe@example.com"}, {LoginID: "ann@example.com"}, {LoginID: "jane@example.com"}})
	var dup *api.DuplicateUserError
	if !errors.As(err, &dup) || !errors.Is(err, api.ErrInvalidArgument) || dup.First != 0 || dup.Second != 3 || dup.UserID != "" ||
		err.Error() != `descope: invalid argument: desired[0] and desired[3] both name "jane@example.com": a user may appear once in a sync` {
		t.Errorf("repeated name: %v", err)
	}
	for _, bad := range []api.RunOption{api.WithPageSize(0), api.WithPageSize(-1)} {
		if _, err := c.PlanSync(t.Context(), []api.UserPatch{ok}, bad); !errors.Is(err, api.ErrInvalidArgument) {
			t.Errorf("bad page size: %v", err)
		}
	}
	//lint:ignore SA1012 a nil context is what is tested
	if _, err := c.PlanSync(nil, []api.UserPatch{ok}); !errors.Is(err, api.ErrInvalidArgument) {
		t.Errorf("nil context: %v", err)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Fatalf("%d requests for refused input", n)
	}

	// Two names of one user: a login ID and the user ID, or two login IDs.
	for _, names := range [][2]string{{"jane@example.com", "U2jane"}, {"jane.alt@example.com", "jane@example.com"}} {
		desired := []api.UserPatch{{LoginID: "joe@example.com"}, {LoginID: names[0], Name: api.Ptr("A")}, {LoginID: names[1], Name: api.Ptr("B")}}
		_, _, err := c.Sync(t.Context(), desired)
		if !errors.As(err, &dup) || dup.First != 1 || dup.Second != 2 || dup.UserID != "U2jane" || dup.FirstName != names[0] || dup.SecondName != names[1] {
			t.Errorf("%v: %v", names, err)
		}
		want := fmt.Sprintf(`desired[1] (%q) and desired[2] (%q) name the same user (U2jane)`, names[0], names[1])
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want it to say %s", names, err, want)
		}
	}
	if n := changingCalls(settled(srv)); n != 0 {
		t.Errorf("%d changing calls for refused input", n)
	}
}

// Every patch of the plan is accounted for exactly once, failures with the server's reason,
// and each result leads back to its desired patch, also through WithResultFunc.
func TestSyncAccountsForEveryPatch(t *testing.T) {
	srv, c := newSyncServer(t)
	desired := []api.UserPatch{
		{LoginID: "ghost@example.com", Name: api.Ptr("G")},
		{LoginID: "jane@example.com", AdditionalLoginIDs: api.Ptr([]string{"joe@example.com"})}, // joe's: the server refuses it
		{LoginID: "ann@example.com", Name: api.Ptr("Ann")},                                      // unchanged
		{LoginID: "joe@example.com", Name: api.Ptr("Joseph")},
		{LoginID: "tess@example.com", Status: api.Ptr(api.UserStatusInvited)},
	}
	plan := mustPlan(t, c, desired)
	res, err := plan.Apply(t.Context(), c, api.WithBatchSize(2))
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 2 || res.Failed != 1 || res.NotAttempted != 0 || len(res.Results) != 3 {
		t.Fatalf("result %+v", res)
	}
	for k, want := range []struct {
		index  int
		status api.PatchStatus
	}{{1, api.Failed}, {3, api.Patched}, {4, api.Patched}} {
		r := res.Results[k]
		if r.Index != want.index || r.Status != want.status || r.Key != desired[want.index].LoginID {
			t.Errorf("result %d: %+v, want index %d %v", k, r, want.index, want.status)
		}
	}
	if r := res.Results[0]; !strings.Contains(r.Reason, "E011004") || r.Item == nil || r.Item.AdditionalLoginIDs == nil || r.Item.Name != nil {
		t.Errorf("failed result %+v: want the server's reason and the plan's patch", r)
	}
	if u, _ := srv.User("U2jane"); !slices.Equal(u.LoginIDs, []string{"jane@example.com", "jane.alt@example.com"}) {
		t.Errorf("jane's login IDs changed: %v", u.LoginIDs)
	}

	// Through WithResultFunc: the same, each result once, none kept.
	srv, c = newSyncServer(t)
	plan = mustPlan(t, c, desired)
	var got []int
	res, err = plan.Apply(t.Context(), c, api.WithBatchSize(1), api.WithConcurrency(1), api.WithResultFunc(func(rs []api.PatchResult) {
		for _, r := range rs {
			got = append(got, r.Index)
		}
	}))
	if err != nil || len(res.Results) != 0 || res.Applied != 2 || res.Failed != 1 {
		t.Fatalf("Apply with a result func: %v %+v", err, res)
	}
	if slices.Sort(got); !slices.Equal(got, []int{1, 3, 4}) {
		t.Errorf("result func got indexes %v, want 1, 3, 4", got)
	}
	if n := settled(srv).Stats().ByOperation["PatchUserBatch"]; n != 3 {
		t.Errorf("%d batches, want 3", n)
	}
}

// Cancelling stops planning at once, and applying with every patch not attempted.
func TestSyncCancellation(t *testing.T) {
	srv, c := newSyncServer(t)
	desired := []api.UserPatch{{LoginID: "jane@example.com", Name: api.Ptr("X")}, {LoginID: "joe@example.com", Name: api.Ptr("Y")}}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.PlanSync(ctx, desired); !errors.Is(err, context.Canceled) {
		t.Errorf("PlanSync with a cancelled context: %v", err)
	}
	if plan, res, err := c.Sync(ctx, desired); !errors.Is(err, context.Canceled) || plan != nil || res != nil {
		t.Errorf("Sync with a cancelled context: %v %v %v", plan, res, err)
	}
	if n := srv.Stats().ByOperation["SearchUsers"]; n != 0 {
		t.Errorf("%d searches with a cancelled context", n)
	}

	plan := mustPlan(t, c, desired)
	res, err := plan.Apply(ctx, c)
	if !errors.Is(err, context.Canceled) || res.NotAttempted != 2 || res.Applied+res.Failed != 0 {
		t.Fatalf("Apply with a cancelled context: %v %+v", err, res)
	}
	for i, r := range res.Results {
		if r.Index != i || r.Item == nil || r.Reason != "not applied: the run was cancelled" {
			t.Errorf("result %+v", r)
		}
	}
	if n := changingCalls(settled(srv)); n != 0 {
		t.Errorf("%d changing calls after cancellation", n)
	}
	if u, _ := srv.User("jane@example.com"); u.Name != "Jane Doe" {
		t.Errorf("jane changed: %q", u.Name)
	}
}

// An empty input is an empty plan, made without a call.
func TestSyncEmpty(t *testing.T) {
	srv, c := newSyncServer(t)
	plan, res, err := c.Sync(t.Context(), nil)
	if err != nil || plan.Total != 0 || plan.Reads != 0 || res.Batches != 0 {
		t.Fatalf("%v %+v %+v", err, plan, res)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests", n)
	}
	if _, err := plan.Apply(t.Context(), nil); !errors.Is(err, api.ErrInvalidArgument) {
		t.Errorf("Apply with a nil client: %v", err)
	}
}

// Paced under a limit below the server's, the searches meet no 429; unpaced, they run into the
// limit's lock-out, wait it out call by call, and the plan is still complete.
func TestPlanSyncPacing(t *testing.T) {
	const scale = 120 // the API's minute is half a second
	var extra []api.User
	var desired []api.UserPatch
	for i := range 30 {
		id := fmt.Sprintf("paced%02d@example.com", i)
		extra = append(extra, api.User{LoginIDs: []string{id}})
		desired = append(desired, api.UserPatch{LoginID: id, Name: api.Ptr("P")})
	}
	for _, tc := range []struct {
		name   string
		pacing api.RunOption
		paced  bool
	}{
		{"paced", api.WithPace(api.PaceUnder(api.Limit{Count: 16, Window: time.Minute})), true},
		{"unpaced", api.WithPace(api.PaceAt(0, 0)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := apitest.NewServer(t, apitest.WithUsers(extra...), apitest.WithTimeScale(scale),
				apitest.WithLimits(apitest.WindowLimit{Name: "user search", Paths: []string{"/v2/mgmt/user/search"},
					Limit: api.Limit{Count: 20, Window: time.Minute}, Lockout: time.Minute}))
			c, err := api.New(srv.ProjectID(), srv.ManagementKey(), api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client()), api.WithTimeScale(scale))
			if err != nil {
				t.Fatal(err)
			}
			plan := mustPlan(t, c, desired, api.WithPageSize(1), tc.pacing)
			if plan.ToChange != 30 || plan.Reads != 30 {
				t.Fatalf("plan: %d to change in %d searches, want 30 in 30", plan.ToChange, plan.Reads)
			}
			if n := settled(srv).Stats().RateLimited; (n == 0) != tc.paced {
				t.Errorf("%d answers 429", n)
			}
		})
	}
	// A limit that cannot pace is refused.
	_, c := newSyncServer(t)
	for _, bad := range []api.RunOption{api.WithPace(api.PaceUnder(api.Limit{Count: 1, Window: time.Minute})), api.WithPace(api.PaceUnder(api.Limit{Count: 5})),
		api.WithPace(api.PaceAt(-1, 1)), api.WithPace(api.PaceAt(1, 0)), api.WithConcurrency(0)} {
		if _, err := c.PlanSync(t.Context(), desired, bad); !errors.Is(err, api.ErrInvalidArgument) {
			t.Errorf("bad option: %v", err)
		}
	}
}

// Values that hold the key's text are data: PlanSync compares them as the server sent them, so a
// user that matches is unchanged (not changed again on every run), and a change shows the user's
// value as it is.
func TestSyncComparesValuesHoldingTheKey(t *testing.T) {
	const key = "K2sk"
	u := api.User{UserID: "U2" + key, LoginIDs: []string{key + "@example.com"}, Name: key, MiddleName: key + "ing",
		Picture: "https://example.com/" + key + ".png", RoleNames: []string{key}, CustomAttributes: map[string]any{key: key}}
	srv := apitest.NewServer(t, apitest.WithCredentials("P2sync", key), apitest.WithUsers(u))
	c, err := api.New(srv.ProjectID(), key, api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	same := api.UserPatch{LoginID: key + "@example.com", Name: api.Ptr(key), MiddleName: api.Ptr(key + "ing"),
		Picture: api.Ptr(u.Picture), RoleNames: api.Ptr([]string{key}), CustomAttributes: api.Ptr(map[string]any{key: key})}
	if plan := mustPlan(t, c, []api.UserPatch{same}); plan.Unchanged != 1 || plan.ToChange != 0 {
		t.Errorf("plan %+v, changes %v; want the user unchanged", plan, fieldNames(plan))
	}
	drift := same
	drift.MiddleName = api.Ptr(key + "ong")
	plan := mustPlan(t, c, []api.UserPatch{drift})
	if plan.ToChange != 1 || len(plan.Changes[0].Fields) != 1 {
		t.Fatalf("plan %+v, changes %v; want the middle name changed", plan, fieldNames(plan))
	}
	if f := plan.Changes[0].Fields[0]; f.Field != "middleName" || f.Old != key+"ing" || f.New != key+"ong" {
		t.Errorf("change %+v, want middleName %q -> %q", f, key+"ing", key+"ong")
	}
}
