package apitest

import (
	"strings"
	"testing"
	"time"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// A window admits its count, the next call starts a lock-out whose remaining seconds every call
// meets, and after the lock-out a fresh window opens.
func TestWindowsFixedWindowAndLockout(t *testing.T) {
	w := newWindows([]WindowLimit{{"update", []string{"/v1/mgmt/user/update"}, api.Limit{Count: 3, Window: time.Minute}, 90 * time.Second}}, 1)
	now := time.Unix(1_000_000, 0)
	w.now = func() time.Time { return now }
	step := func(d time.Duration, wantOK bool, wantRetry int, wantStarted bool) {
		t.Helper()
		now = now.Add(d)
		retry, started, ok := w.allow("/v1/mgmt/user/update/email")
		if ok != wantOK || retry != wantRetry || started != wantStarted {
			t.Fatalf("at +%v: ok %v retry %d started %v, want %v %d %v", now.Sub(time.Unix(1_000_000, 0)), ok, retry, started, wantOK, wantRetry, wantStarted)
		}
	}
	step(0, true, 0, false)
	step(10*time.Second, true, 0, false)
	step(49*time.Second, true, 0, false) // 3 in the window that opened at +0
	step(time.Second, true, 0, false)    // +60 s: a new window
	step(time.Second, true, 0, false)
	step(time.Second, true, 0, false)
	step(time.Second, false, 90, true) // the 4th call of the window: locked out for 90 s
	step(500*time.Millisecond, false, 90, false)
	step(30*time.Second, false, 60, false) // 59.5 s left, rounded up
	step(59*time.Second, false, 1, false)  // 0.5 s left
	step(time.Second, true, 0, false)      // the lock-out is over: a fresh window
	step(time.Second, true, 0, false)
}

// Calls count against the limit with the longest matching prefix, on segment boundaries; a
// limit without paths takes the rest.
func TestWindowsRouteGroups(t *testing.T) {
	w := newWindows(DescopeLimits(), 1)
	for path, want := range map[string]string{
		"/v1/mgmt/user/update":             "user update",
		"/v1/mgmt/user/update/email":       "user update",
		"/v2/mgmt/user/update/role/add":    "user update",
		"/v2/mgmt/user/search":             "user search",
		"/v2/mgmt/user/search/test":        "user search",
		"/v1/mgmt/user/create/batch":       "user create",
		"/v1/mgmt/user/patch/batch":        "other management calls",
		"/v1/mgmt/user/updates":            "other management calls",
		"/v1/mgmt/users/load":              "other management calls",
		"/v1/mgmt/user":                    "other management calls",
		"/v1/mgmt/user/update/recovery/id": "user update",
	} {
		if got := w.limits[w.match(path)].Name; got != want {
			t.Errorf("%s counts against %q, want %q", path, got, want)
		}
	}
	if got := newWindows(DescopeLimits()[:3], 1).match("/v1/mgmt/user/patch"); got != -1 {
		t.Errorf("without a catch-all limit, patch matched limit %d", got)
	}
}

// The scaled clock runs scale times as fast as real time.
func TestWindowsScaledClock(t *testing.T) {
	w := newWindows(nil, 1000)
	w.base = time.Now().Add(-time.Millisecond)
	if d := w.now().Sub(w.base); d < time.Second {
		t.Errorf("1 ms of real time read as %v on a clock 1000 times as fast", d)
	}
}

func TestLimitsOptionsChecked(t *testing.T) {
	ok := api.Limit{Count: 1, Window: time.Second}
	for _, tc := range []struct {
		limits []WindowLimit
		scale  float64
		want   string
	}{
		{nil, 0, "positive, finite"},
		{nil, -1, "positive, finite"},
		{[]WindowLimit{{Name: "x", Limit: api.Limit{Count: 0, Window: time.Second}}}, 1, `"x" needs a count of at least 1`},
		{[]WindowLimit{{Name: "x", Limit: api.Limit{Count: 1}}}, 1, "positive window"},
		{[]WindowLimit{{Name: "x", Limit: ok, Lockout: -1}}, 1, "lock-out of 0 or more"},
		{[]WindowLimit{{Name: "x", Paths: []string{"v1"}, Limit: ok}}, 1, `path "v1" does not start with /`},
		{[]WindowLimit{{Name: "a", Limit: ok}, {Name: "b", Limit: ok}}, 1, "more than one limit has no Paths"},
	} {
		_, err := Start(WithLimits(tc.limits...), WithTimeScale(tc.scale))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v scale %v: err %v, want %q", tc.limits, tc.scale, err, tc.want)
		}
	}
}
