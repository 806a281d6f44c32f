package api

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// Defaults of the client's options.
const (
	DefaultMaxRetries       = 3
	DefaultRetryWaitMin     = 100 * time.Millisecond
	DefaultRetryWaitMax     = 5 * time.Second
	DefaultMaxRetryAfter    = DocumentedBackoff
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 16 << 20
)

// Option configures a Client in New.
type Option func(*config)

type config struct {
	baseURL          string
	httpClient       *http.Client
	maxRetries       int
	retryWaitMin     time.Duration
	retryWaitMax     time.Duration
	maxRetryAfter    time.Duration
	maxResponseBytes int64
	validator        ResponseValidator
	userAgent        string
	timeScale        float64
}

// WithBaseURL sets the API's base URL. The default is https://api.descope.com, or the regional
// host https://api.<region>.descope.com when the project ID is 32 characters or longer
// (characters 2 to 5 of it name the region, as in Descope's SDK). The URL must be https unless its
// host is loopback (127.0.0.0/8, ::1 or localhost), so that a test server can be plain http.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithHTTPClient makes the client send through hc (its transport, proxy, tracing and timeout).
// The default sends through one pool of connections that all clients of the process share, as
// http.DefaultTransport is shared, with a per-attempt timeout of DefaultTimeout. hc itself is not
// changed; the client uses a copy that never follows a redirect (see Client).
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithMaxRetries sets how many times a failed call is retried (DefaultMaxRetries); 0 disables
// retries.
func WithMaxRetries(n int) Option { return func(c *config) { c.maxRetries = n } }

// WithRetryWait sets the exponential backoff between retries: the first wait is about min, each
// later one doubles, and no wait exceeds max. Waits are jittered.
func WithRetryWait(minWait, maxWait time.Duration) Option {
	return func(c *config) { c.retryWaitMin, c.retryWaitMax = minWait, maxWait }
}

// WithMaxRetryAfter caps how long the client honours a server's Retry-After
// (DefaultMaxRetryAfter). When the server asks for a longer wait, or for one that would pass the
// context's deadline, the call returns the *Error at once, with RetryAfter set.
func WithMaxRetryAfter(d time.Duration) Option { return func(c *config) { c.maxRetryAfter = d } }

// WithMaxResponseBytes caps how much of a response body is read (DefaultMaxResponseBytes). A
// larger body fails the call with ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option { return func(c *config) { c.maxResponseBytes = n } }

// ResponseValidator checks an answer against the API's contract: CheckResponse returns an error
// naming what in the answer to resp.Request breaks it, or nil. Package spec provides one that
// validates against the embedded OpenAPI document with kin-openapi (spec.Default); it lives there,
// not here, so that a program that does not validate answers does not link the validator.
type ResponseValidator interface {
	CheckResponse(ctx context.Context, resp *http.Response, body []byte) error
}

// WithResponseValidation checks every answer with v, and fails the call with an error wrapping
// ErrResponseMismatch that names what broke. Turn it on in staging to catch API drift; it costs a
// validation per call:
//
//	v, err := spec.Default() // github.com/seed-a84e9595/descope-mgmt/spec
//	c, err := api.New(projectID, key, api.WithResponseValidation(v))
func WithResponseValidation(v ResponseValidator) Option {
	return func(c *config) { c.validator = v }
}

// WithUserAgent sets the User-Agent header sent with every request.
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }

// WithTimeScale is for tests against a fake API whose clock runs scale times as fast as real
// time, such as apitest.WithTimeScale: a rate limit of 100 calls a minute with a minute's back-off
// then passes in a fraction of a second. The client reads Retry-After and applies WithPace
// and its retry backoff exactly as it does against Descope, in the API's time; it
// only sleeps 1/scale of each wait. WithMaxRetryAfter stays in the API's time. The default, 1, is
// real time; scale must be positive.
func WithTimeScale(scale float64) Option { return func(c *config) { c.timeScale = scale } }

// Client calls Descope's user management operations. It is safe for concurrent use by many
// goroutines, and needs no closing: clients made without WithHTTPClient share one pool of
// connections, so making many short-lived ones leaves no idle connections behind.
//
// Its management key is kept out of every text the package shows: errors, failure reasons, and
// the client's own %v, %+v and %#v. Such text is scrubbed of the key (see Redactor) after the
// last step that changes it. The data it returns is not: users and their fields come back
// exactly as the server sent them, also where they hold the key's text. The client never follows a redirect, also with WithHTTPClient: a 3xx answer
// is an *Error naming the status and the host it pointed to, and the request, with its
// Authorization header, goes nowhere else.
type Client struct {
	projectID     string
	baseURL       string
	server        string // baseURL with a trailing slash, as the generated request builders want it
	retry         *retryablehttp.Client
	maxBody       int64
	maxRetryAfter time.Duration
	scale         float64 // WithTimeScale
	validator     ResponseValidator
	redact        *Redactor
	// authorize sets the Authorization and User-Agent headers of a request. The key lives only
	// in its closure: no field of Client holds it.
	authorize func(h http.Header)
}

// New returns a client for the project. It fails, naming the problem, when the project ID or
// management key is empty or an option is invalid; it sends nothing.
func New(projectID, managementKey string, opts ...Option) (*Client, error) {
	cfg := config{
		maxRetries:       DefaultMaxRetries,
		retryWaitMin:     DefaultRetryWaitMin,
		retryWaitMax:     DefaultRetryWaitMax,
		maxRetryAfter:    DefaultMaxRetryAfter,
		maxResponseBytes: DefaultMaxResponseBytes,
		userAgent:        "descope-mgmt-go",
		timeScale:        1,
	}
	for _, o := range opts {
		o(&cfg)
	}
	base, err := cfg.check(projectID, managementKey)
	if err != nil {
		return nil, err
	}
	c := &Client{
		projectID:     projectID,
		baseURL:       base.String(),
		server:        base.String() + "/",
		maxBody:       cfg.maxResponseBytes,
		maxRetryAfter: cfg.maxRetryAfter,
		scale:         cfg.timeScale,
		redact:        NewRedactor(managementKey),
	}
	c.retry = &retryablehttp.Client{
		HTTPClient:   noRedirects(cfg.httpClient),
		Logger:       nil, // the library would log URLs and errors to stderr; we log nothing.
		RetryWaitMin: cfg.retryWaitMin,
		RetryWaitMax: cfg.retryWaitMax,
		RetryMax:     cfg.maxRetries,
		CheckRetry:   retryPolicy(cfg.maxRetryAfter, cfg.timeScale),
		Backoff:      scaledBackoff(cfg.timeScale),
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		PrepareRetry: rewindBody,
	}
	c.validator = cfg.validator
	auth, ua := "Bearer "+projectID+":"+managementKey, cfg.userAgent
	c.authorize = func(h http.Header) {
		// What h.Set does for each header, with one allocation for both values instead of one
		// each. Each value has a slice of its own capacity, so that appending to one cannot
		// write into the other.
		vs := []string{auth, ua}
		h["Authorization"] = vs[0:1:1]
		if ua != "" {
			h["User-Agent"] = vs[1:2:2]
		}
	}
	return c, nil
}

// check refuses an empty or malformed project ID or key and invalid options, naming the problem
// (never the key), and returns the base URL to send to.
func (cfg *config) check(projectID, managementKey string) (*url.URL, error) {
	switch {
	case strings.TrimSpace(projectID) == "":
		return nil, invalid("project ID is empty")
	case strings.TrimSpace(managementKey) == "":
		return nil, invalid("management key is empty")
	case strings.ContainsAny(projectID, ": \t\r\n"):
		return nil, invalid("project ID contains a colon or white space")
	case strings.ContainsAny(managementKey, " \t\r\n"):
		return nil, invalid("management key contains white space")
	case cfg.maxRetries < 0:
		return nil, invalid("max retries %d is negative", cfg.maxRetries)
	case cfg.retryWaitMin <= 0 || cfg.retryWaitMax < cfg.retryWaitMin:
		return nil, invalid("retry wait must satisfy 0 < min <= max (got %v, %v)", cfg.retryWaitMin, cfg.retryWaitMax)
	case cfg.maxResponseBytes <= 0:
		return nil, invalid("max response bytes must be positive")
	case !(cfg.timeScale > 0) || math.IsInf(cfg.timeScale, 0): // NaN fails the first test
		return nil, invalid("time scale must be a positive, finite number (got %v)", cfg.timeScale)
	}
	base := cfg.baseURL
	if base == "" {
		base = defaultBaseURL(projectID)
	}
	return checkBaseURL(base)
}

// ProjectID returns the project ID the client was created with.
func (c *Client) ProjectID() string { return c.projectID }

// BaseURL returns the base URL the client sends to.
func (c *Client) BaseURL() string { return c.baseURL }

// String describes the client without its management key.
func (c *Client) String() string {
	return fmt.Sprintf("api.Client{projectID: %q, baseURL: %q}", c.projectID, c.baseURL)
}

// GoString is String, so that %#v shows no secret either.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so that no formatting of a Client reaches its fields.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// sharedTransport is the transport of every client made without WithHTTPClient: one pool of
// connections per process, as with http.DefaultTransport, so that clients made and dropped in a
// loop reuse connections instead of each leaving its own idle ones open. Its settings are
// net/http's defaults, but for more idle connections per host, so that PatchAll's concurrent
// batches keep theirs.
var sharedTransport = sync.OnceValue(func() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
})

// noRedirects returns the HTTP client to send with: a copy of hc (the default client when nil)
// that hands every 3xx answer back instead of following it. Following one would send the request,
// and the management key in its Authorization header, to wherever the answer points (net/http
// keeps the header on a same-host redirect, also from https to http), and a 301 or 302 would turn
// an update into a GET that reads as success. The caller's hc is not changed.
func noRedirects(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c = http.Client{Timeout: DefaultTimeout, Transport: sharedTransport()}
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// defaultBaseURL picks the production host, or the regional one for long project IDs.
func defaultBaseURL(projectID string) string {
	if len(projectID) >= 32 {
		if u, err := gen.NewServerURLRegional(gen.ServerURLRegionalRegionVariable(projectID[1:5])); err == nil {
			return u
		}
	}
	return gen.ServerURLProduction
}

// checkBaseURL returns the normalised base URL (no trailing slash), or an error naming what is
// wrong with it.
func checkBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, invalid("base URL %q: %v", raw, err)
	}
	if u.Host == "" {
		return nil, invalid("base URL %q has no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, invalid("base URL %q must not carry user info, a query or a fragment", u.Redacted())
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, invalid("base URL %q is not https; plain http is allowed only for loopback hosts", raw)
		}
	default:
		return nil, invalid("base URL %q: scheme must be https", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
