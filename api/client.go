package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/seed-a84e9595/descope-mgmt/gen"
	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// Defaults of the client's options.
const (
	DefaultMaxRetries       = 3
	DefaultRetryWaitMin     = 100 * time.Millisecond
	DefaultRetryWaitMax     = 5 * time.Second
	DefaultMaxRetryAfter    = 30 * time.Second
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
	validate         bool
	userAgent        string
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

// WithResponseValidation validates every response against the embedded OpenAPI spec with
// kin-openapi, and fails the call with an error wrapping ErrResponseMismatch that names what
// broke. Turn it on in staging to catch API drift; it costs a validation per call.
func WithResponseValidation() Option { return func(c *config) { c.validate = true } }

// WithUserAgent sets the User-Agent header sent with every request.
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }

// Client calls Descope's user-update management operations. It is safe for concurrent use by
// many goroutines, and needs no closing: clients made without WithHTTPClient share one pool of
// connections, so making many short-lived ones leaves no idle connections behind.
//
// Its management key is kept out of every string the package produces: errors, results, and the
// client's own %v, %+v and %#v. Every response body is scrubbed of the key (see Redactor) before
// anything reads it. The client never follows a redirect, also with WithHTTPClient: a 3xx answer
// is an *Error naming the status and the host it pointed to, and the request, with its
// Authorization header, goes nowhere else.
type Client struct {
	projectID     string
	baseURL       string
	api           *gen.Client
	retry         *retryablehttp.Client
	maxBody       int64
	maxRetryAfter time.Duration
	validator     *spec.Validator
	redact        *Redactor
}

// New returns a client for the project. It fails, naming the problem, when the project ID or
// management key is empty or an option is invalid; it sends nothing.
func New(projectID, managementKey string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(projectID) == "" {
		return nil, fmt.Errorf("%w: project ID is empty", ErrInvalidArgument)
	}
	if strings.TrimSpace(managementKey) == "" {
		return nil, fmt.Errorf("%w: management key is empty", ErrInvalidArgument)
	}
	if strings.ContainsAny(projectID, ": \t\r\n") {
		return nil, fmt.Errorf("%w: project ID contains a colon or white space", ErrInvalidArgument)
	}
	if strings.ContainsAny(managementKey, " \t\r\n") {
		return nil, fmt.Errorf("%w: management key contains white space", ErrInvalidArgument)
	}
	cfg := config{
		maxRetries:       DefaultMaxRetries,
		retryWaitMin:     DefaultRetryWaitMin,
		retryWaitMax:     DefaultRetryWaitMax,
		maxRetryAfter:    DefaultMaxRetryAfter,
		maxResponseBytes: DefaultMaxResponseBytes,
		userAgent:        "descope-mgmt-go",
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxRetries < 0 {
		return nil, fmt.Errorf("%w: max retries %d is negative", ErrInvalidArgument, cfg.maxRetries)
	}
	if cfg.retryWaitMin <= 0 || cfg.retryWaitMax < cfg.retryWaitMin {
		return nil, fmt.Errorf("%w: retry wait must satisfy 0 < min <= max (got %v, %v)", ErrInvalidArgument, cfg.retryWaitMin, cfg.retryWaitMax)
	}
	if cfg.maxResponseBytes <= 0 {
		return nil, fmt.Errorf("%w: max response bytes must be positive", ErrInvalidArgument)
	}
	base := cfg.baseURL
	if base == "" {
		base = defaultBaseURL(projectID)
	}
	base, err := checkBaseURL(base)
	if err != nil {
		return nil, err
	}

	c := &Client{
		projectID:     projectID,
		baseURL:       base,
		maxBody:       cfg.maxResponseBytes,
		maxRetryAfter: cfg.maxRetryAfter,
		redact:        NewRedactor(managementKey),
	}
	c.retry = &retryablehttp.Client{
		HTTPClient:   noRedirects(cfg.httpClient),
		Logger:       nil, // the library would log URLs and errors to stderr; we log nothing.
		RetryWaitMin: cfg.retryWaitMin,
		RetryWaitMax: cfg.retryWaitMax,
		RetryMax:     cfg.maxRetries,
		CheckRetry:   retryPolicy(cfg.maxRetryAfter),
		Backoff:      backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if cfg.validate {
		if c.validator, err = spec.Default(); err != nil {
			return nil, err
		}
	}
	// The key lives only in this closure: no field of Client holds it.
	auth := "Bearer " + projectID + ":" + managementKey
	ua := cfg.userAgent
	c.api, err = gen.NewClient(base,
		gen.WithHTTPClient(doer{c}),
		gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", auth)
			if ua != "" {
				req.Header.Set("User-Agent", ua)
			}
			return nil
		}))
	if err != nil {
		return nil, fmt.Errorf("%w: base URL: %v", ErrInvalidArgument, err)
	}
	return c, nil
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

// checkBaseURL returns the normalised base URL, or an error naming what is wrong with it.
func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: base URL %q: %v", ErrInvalidArgument, raw, err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%w: base URL %q has no host", ErrInvalidArgument, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: base URL %q must not carry user info, a query or a fragment", ErrInvalidArgument, u.Redacted())
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("%w: base URL %q is not https; plain http is allowed only for loopback hosts", ErrInvalidArgument, raw)
		}
	default:
		return "", fmt.Errorf("%w: base URL %q: scheme must be https", ErrInvalidArgument, raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// doer is the generated client's HttpRequestDoer: it sends through the retrying client and reads
// the body (capped) while retries are still possible, so that a connection cut mid-body is
// retried. Every body is scrubbed of the management key as it is read: this is the one redaction
// step for everything a server sends back, before anything parses, excerpts or truncates it.
type doer struct{ c *Client }

func (d doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.do(req)
	if err != nil {
		return nil, &sendError{err}
	}
	return resp, nil
}

func (d doer) do(req *http.Request) (*http.Response, error) {
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, err
	}
	maxBody := d.c.maxBody
	read := false
	rreq.SetResponseHandler(func(resp *http.Response) error {
		data, err := readCapped(resp.Body, maxBody)
		if err != nil {
			return err
		}
		read = true
		resp.Body = newMemBody(d.c.redact.Bytes(data))
		return nil
	})
	resp, err := d.c.retry.Do(rreq)
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil, err
	}
	if !read {
		// The retries ran out on a retryable status, so the handler never ran: read it here.
		data, err := readCapped(resp.Body, maxBody)
		if err != nil {
			return nil, err
		}
		resp.Body = newMemBody(d.c.redact.Bytes(data))
	}
	return resp, nil
}

// memBody is a response body already in memory; call takes its bytes without copying them.
type memBody struct {
	bytes.Reader
	data []byte
}

func newMemBody(data []byte) *memBody {
	m := &memBody{data: data}
	m.Reset(data)
	return m
}

func (*memBody) Close() error { return nil }

func readCapped(body io.ReadCloser, maxBytes int64) ([]byte, error) {
	defer func() { _ = body.Close() }()
	data, err := io.ReadAll(io.LimitReader(body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, maxBytes)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}
