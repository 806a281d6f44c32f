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
			id := op.query.Get("loginId")
			pairs = append(pairs, pair{op.ID, op.Path, "?" + url.Values{"loginId": {id}}.Encode(), "?" + url.Values{"identifier": {id}}.Encode()})
		case op.valid != "":
			p, ok := op.loginIDPath(t)
			if !ok || !op.takesIdentifier(t) {
				continue
			}
			var id any = "jane@example.com"
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
			if sa != sb || !jsonSame(t, ba, bb) {
				t.Errorf("by loginId %s: %d %s\nby identifier %s: %d %s", p.byLoginID, sa, ba, p.byIdentifier, sb, bb)
			}
			ua, ub := a.Users(), b.Users()
			for i := range ua {
				if err := sameUser(ub[i], ua[i]); err != nil {
					t.Errorf("%s after the request by identifier: %v", ua[i].UserID, err)
				}
			}
		})
	}
}

// jsonSame reports whether two answers are the same JSON but for modifiedTime.
func jsonSame(t *testing.T, a, b []byte) bool {
	t.Helper()
	return reflect.DeepEqual(twinAnswer(t, a, "", ""), twinAnswer(t, b, "", ""))
}
