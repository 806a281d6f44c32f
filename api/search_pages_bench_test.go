package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// pagesTransport answers every search from memory with its page of n users, each a full user
// (benchUser) with its own userId (of the length of Descope's, 28 characters) and login ID.
type pagesTransport struct{ n int }

func (t pagesTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body struct{ Page, Limit int }
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		return nil, err
	}
	_ = req.Body.Close()
	if body.Limit == 0 {
		body.Limit = api.DefaultSearchLimit
	}
	var b bytes.Buffer
	b.WriteString(`{"users":[`)
	for i := body.Page * body.Limit; i < min(t.n, (body.Page+1)*body.Limit); i++ {
		if i > body.Page*body.Limit {
			b.WriteByte(',')
		}
		u := strings.Replace(benchUser, `"U2abc"`, fmt.Sprintf(`"U2%026d"`, i), 1)
		b.WriteString(strings.Replace(u, `["jane@example.com"]`, fmt.Sprintf(`["user%06d@example.com"]`, i), 1))
	}
	fmt.Fprintf(&b, `],"total":%d}`, t.n)
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(&b),
		ContentLength: int64(b.Len()),
		Request:       req,
	}, nil
}

// BenchmarkSearchAllMemory goes through 100,000 users in 1,000 pages of 100 with SearchAll, from
// memory, and reports the heap still in use (after a collection) when the last user is yielded,
// over the heap in use before: what SearchAll holds at its end, which is one page and the set of
// the users it yielded.
//
//	go test -run '^$' -bench SearchAllMemory -benchmem ./api/
func BenchmarkSearchAllMemory(b *testing.B) {
	const n = 100_000
	c, err := api.New(benchProject, benchKey, api.WithBaseURL(benchBase), api.WithHTTPClient(&http.Client{Transport: pagesTransport{n}}))
	if err != nil {
		b.Fatal(err)
	}
	var held uint64
	for b.Loop() {
		var before, end runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		count := 0
		for _, err := range c.SearchAll(context.Background(), api.SearchOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			if count++; count == n {
				runtime.GC()
				runtime.ReadMemStats(&end)
				held = end.HeapAlloc - min(end.HeapAlloc, before.HeapAlloc)
			}
		}
		if count != n {
			b.Fatalf("%d users, want %d", count, n)
		}
	}
	b.ReportMetric(float64(held), "heap-B-held-at-end")
	b.ReportMetric(float64(held)/n, "heap-B-held/user")
}
