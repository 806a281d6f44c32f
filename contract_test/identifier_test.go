package contract_test

// identifier is another name for loginId wherever the spec takes it (see Identifier): a request
// naming its user by identifier is answered and applied exactly as the same request naming it
// by loginId.

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// TestIdentifierIsLoginID: for every operation whose body (or each batch entry) may name its user
// by identifier, and for the load query, the spec's example sent with loginId renamed identifier
// passes the contract, and the fake answers it with the status and body it answers the example
// (modulo modifiedTime), 200, and leaves the same users behind.
func TestIdentifierIsLoginID(t *testing.T) {
	t.Parallel()
	type pair struct{ op, target, byLoginID, byIdentifier string }
	var pairs []pair
	for _, op := range operations() {
		switch {
		case op.query.Has("loginId"):
			if !op.hasParameter(t, "identifier") {
				continue // GetUserProviderToken: loginId only (TestIdentifierIsNotEverywhere)
			}
			id := op.query.Get("loginId")
			pairs = append(pairs, pair{op.ID, op.Path, "?" + url.Values{"loginId": {id}}.Encode(), "?" + url.Values{"identifier": {id}}.Encode()})
		case op.valid != "":
			p, ok := op.loginIDPath(t)
			if !ok || !op.takesIdentifier(t) {
				continue
			}
			// jane, whom the fake knows; a login ID nobody has where the body creates its user.
			var id any = "jane@example.com"
			if _, isNew := aboutANewUser[op.ID]; isNew {
				id = "new@example.com"
			}
			body, _ := op.withBody(t, id, false, p...)
			pairs = append(pairs, pair{op.ID, op.Path, body, op.withIdentifier(t, id, true)})
		}
	}
	if len(pairs) < 15 {
		t.Fatalf("only %d operations take identifier", len(pairs))
	}
	for _, p := range pairs {
		t.Run(p.op, func(t *testing.T) {
			t.Parallel()
			op := operationByID(t, p.op)
			send := func(client *http.Client, base, variant string) (int, []byte) {
				t.Helper()
				target, body := op.Path, variant
				if op.Method == http.MethodGet {
					target, body = op.Path+variant, ""
				}
				status, answer, err := callAt(t, client, base, op.Method, target, body, nil)
				if err != nil {
					t.Fatalf("%s: %v", variant, err)
				}
				return status, answer
			}
			// The contract takes both.
			f := newFakeAPI(t, reply{example: true})
			send(httpClient(t), f.srv.URL, p.byLoginID)
			send(httpClient(t), f.srv.URL, p.byIdentifier)

			a, b := newSDKFake(t), newSDKFake(t)
			sa, ba := send(http.DefaultClient, a.URL, p.byLoginID)
			sb, bb := send(http.DefaultClient, b.URL, p.byIdentifier)
			if sa != http.StatusOK {
				t.Fatalf("%s: answered %d %s, want 200", p.byLoginID, sa, ba)
			}
			// A user created by each is stamped with the second it was created in.
			_, creates := aboutANewUser[p.op]
			if sa != sb || !jsonSame(t, ba, bb, creates) {
				t.Errorf("by loginId %s: %d %s\nby identifier %s: %d %s", p.byLoginID, sa, ba, p.byIdentifier, sb, bb)
			}
			ua, ub := a.Users(), b.Users()
			if len(ua) != len(ub) {
				t.Fatalf("%d users after the request by loginId, %d by identifier", len(ua), len(ub))
			}
			for i := range ua {
				if creates {
					ua[i].CreatedTime, ub[i].CreatedTime = 0, 0
				}
				if err := sameUser(ub[i], ua[i]); err != nil {
					t.Errorf("%s after the request by identifier: %v", ua[i].UserID, err)
				}
			}
		})
	}
}

// jsonSame reports whether two answers are the same JSON but for modifiedTime, and createdTime
// too when created is true.
func jsonSame(t *testing.T, a, b []byte, created bool) bool {
	t.Helper()
	va, vb := twinAnswer(t, a, "", ""), twinAnswer(t, b, "", "")
	if created {
		va, vb = withoutCreatedTime(va), withoutCreatedTime(vb)
	}
	return reflect.DeepEqual(va, vb)
}

// withoutCreatedTime removes the createdTime of the user an answer carries.
func withoutCreatedTime(v any) any {
	if m, ok := v.(map[string]any); ok {
		if u, ok := m["user"].(map[string]any); ok {
			delete(u, "createdTime")
		}
	}
	return v
}

// hasParameter reports whether op takes the query parameter name.
func (op operation) hasParameter(t *testing.T, name string) bool {
	t.Helper()
	doc, err := sharedSpec()
	if err != nil {
		t.Fatal(err)
	}
	return doc.Paths.Value(op.Path).GetOperation(op.Method).Parameters.GetByInAndName("query", name) != nil
}

// TestIdentifierIsNotEverywhere: identifier is loginId's other name only where the spec says so.
// The provider token's query takes loginId alone: ?identifier= instead is refused, naming the
// loginId it lacks; the pair above it, LoadUser's, takes both.
func TestIdentifierIsNotEverywhere(t *testing.T) {
	t.Parallel()
	op := operationByID(t, "GetUserProviderToken")
	if op.hasParameter(t, "identifier") || !operationByID(t, "LoadUser").hasParameter(t, "identifier") {
		t.Fatal("the spec's load and provider token queries are not as this test knows them")
	}
	q := url.Values{"identifier": {"jane@example.com"}, "provider": {"google"}}
	f := newFakeAPI(t, reply{example: true})
	_, err := f.send(t, op, request{query: q})
	assertRequestRejected(t, err, op.ID, `parameter "loginId" in query`, "value is required but missing")
	f.assertNotHit(t)
	// And with loginId it passes.
	q.Set("loginId", "jane@example.com")
	q.Del("identifier")
	if _, err := f.send(t, op, request{query: q}); err != nil {
		t.Fatal(err)
	}
}
