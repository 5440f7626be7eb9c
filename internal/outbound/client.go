// Package outbound makes the HTTP requests scripts send to other services
// (fetch in JavaScript, http in Lua), bounded as [fetch] says: a timeout
// within the incoming request's deadline, a largest response, and which
// hosts and addresses may be reached, checked on the address actually
// dialled, after DNS and after every redirect.
//
// One Client serves the whole server: its connections are pooled and kept
// alive across requests, over HTTP/1.1 and HTTP/2.
package outbound

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"
)

// Config bounds outbound requests.
type Config struct {
	// Timeout bounds one request, headers and body; the incoming request's
	// deadline bounds it too.
	Timeout time.Duration
	// MaxResponse is the largest response body; a larger one fails
	// without being read further.
	MaxResponse int64
	// Allow, when not empty, is every host a request may reach; a host
	// it names may also be private under DenyPrivate.
	Allow []Pattern
	// MaxPerRequest is how many requests one incoming request may make
	// (0: any number). The caller counts them: it knows the request.
	MaxPerRequest int
	// DenyPrivate refuses loopback, private, link-local, multicast and
	// cloud metadata addresses, unless Allow names the host.
	DenyPrivate bool
	// TLS, if set, is the TLS config (tests use it to trust their own
	// certificate); nil means the system's CA certificates.
	TLS *tls.Config
}

// Redirect is what a request does with a redirect response, as fetch's
// redirect option.
type Redirect string

const (
	// Follow follows up to MaxRedirects redirects, each checked as the
	// first request was.
	Follow Redirect = "follow"
	// Manual returns the redirect response itself.
	Manual Redirect = "manual"
	// Error fails the request at a redirect.
	Error Redirect = "error"
)

// MaxRedirects is how many redirects Follow follows (fetch's limit).
const MaxRedirects = 20

// Request is one outbound request.
type Request struct {
	Method   string // "" is GET
	URL      string
	Header   http.Header // becomes the sent request's own (Do changes it)
	Body     []byte
	Redirect Redirect // "" is Follow
	// Timeout, if shorter than the config's, bounds this request.
	Timeout time.Duration
}

// Response is a response, its body read in full.
type Response struct {
	Status     int
	StatusText string
	// URL is where the response came from, after redirects.
	URL        string
	Redirected bool
	Header     http.Header
	Body       []byte
}

// LimitError is a response body over MaxResponse.
type LimitError struct{ Limit int64 }

func (e *LimitError) Error() string {
	return fmt.Sprintf("response body is over [fetch] max_response (%d bytes); nothing more was read", e.Limit)
}

// TimeoutError is a request that took longer than its timeout.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no complete response within %v ([fetch] timeout)", e.After)
}

// Client sends outbound requests. It is safe for concurrent use.
type Client struct {
	cfg       atomic.Pointer[settings]
	transport *http.Transport
	stats     statsTable
}

type settings struct {
	Config
	policy
}

// New returns a client with cfg.
func New(cfg Config) *Client {
	c := &Client{}
	c.SetConfig(cfg)
	c.transport = &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the address checks
		DialContext:           c.dial,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       cfg.TLS,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   64,
		MaxConnsPerHost:       256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return c
}

// SetConfig applies a new config (a reload) to requests that start
// afterwards; idle connections are closed, so none dialled under the old
// rules is reused.
func (c *Client) SetConfig(cfg Config) {
	c.cfg.Store(&settings{Config: cfg, policy: policy{allow: cfg.Allow, denyPrivate: cfg.DenyPrivate}})
	if c.transport != nil {
		c.transport.CloseIdleConnections()
	}
}

// Config returns the config in effect.
func (c *Client) Config() Config { return c.cfg.Load().Config }

// CloseIdle closes the pooled connections not in use.
func (c *Client) CloseIdle() { c.transport.CloseIdleConnections() }

// Do sends r and reads its response. It returns when the response is read,
// the timeout passes or ctx ends; the connection is released either way.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	s := c.cfg.Load()
	timeout := s.Timeout
	if r.Timeout > 0 && (timeout <= 0 || r.Timeout < timeout) {
		timeout = r.Timeout
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, &TimeoutError{After: timeout})
		defer cancel()
	}
	req, err := s.newRequest(ctx, r)
	if req == nil {
		return nil, err // not a URL this client can send to
	}
	label := req.URL.Host
	start := time.Now()
	var res *Response
	if err == nil {
		res, err = c.send(s, req, r.Redirect)
	}
	c.stats.record(label, time.Since(start), err != nil)
	if err != nil {
		return nil, explain(ctx, req, err)
	}
	return res, nil
}

// newRequest makes r an http.Request bound to ctx. It takes r.Header
// (unless empty) as the request's own.
func (s *settings) newRequest(ctx context.Context, r *Request) (*http.Request, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("bad URL %q: %w", r.URL, ue)
		}
		return nil, err
	}
	if u := req.URL; u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bad URL %q: want an http: or https: URL", r.URL)
	} else if u.Host == "" {
		return nil, fmt.Errorf("bad URL %q: no host", r.URL)
	}
	if err := s.checkHost(req.URL.Hostname(), portOf(req.URL)); err != nil {
		return req, err
	}
	if len(r.Header) > 0 {
		req.Header = r.Header
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
		req.Header.Del("Host")
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = userAgent
	}
	return req, nil
}

// userAgent is the User-Agent of a request that sets none.
var userAgent = []string{"scriptsrv"}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

func (c *Client) send(s *settings, req *http.Request, mode Redirect) (*Response, error) {
	hc := &http.Client{Transport: c.transport, CheckRedirect: s.redirects(mode)}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := readBody(resp, s.MaxResponse)
	if err != nil {
		return nil, err
	}
	final := resp.Request.URL.String()
	return &Response{Status: resp.StatusCode, StatusText: statusText(resp), URL: final,
		Redirected: resp.Request != req && final != req.URL.String(), Header: resp.Header, Body: body}, nil
}

// statusText is the reason phrase of resp's status line ("OK" of "200
// OK"): net/http takes three digits for the code.
func statusText(resp *http.Response) string {
	if s := resp.Status; len(s) > 4 && s[3] == ' ' {
		return s[4:]
	}
	return ""
}

// redirects is the redirect policy of a mode, checking each hop's host
// against allow (its address is checked when it is dialled).
func (s *settings) redirects(mode Redirect) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		switch mode {
		case Manual:
			return http.ErrUseLastResponse
		case Error:
			return errors.New("redirected, and redirect is \"error\"")
		}
		if len(via) > MaxRedirects {
			return fmt.Errorf("more than %d redirects", MaxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirected to %q: want an http: or https: URL", req.URL)
		}
		return s.checkHost(req.URL.Hostname(), portOf(req.URL))
	}
}

// readBody reads a response body of at most limit bytes (0: no limit).
// A body of unknown length is read in chunks, so one that passes the limit
// has cost the limit and a chunk, not a doubling buffer's copies.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Request.Method == http.MethodHead || resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified {
		return []byte{}, nil
	}
	if limit > 0 && resp.ContentLength > limit {
		return nil, &LimitError{Limit: limit}
	}
	if n := resp.ContentLength; n >= 0 {
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, fmt.Errorf("reading the response body: %w", err)
		}
		return b, nil
	}
	var chunks [][]byte
	var total int64
	for {
		chunk := make([]byte, chunkSize)
		n, err := io.ReadFull(resp.Body, chunk)
		total += int64(n)
		if limit > 0 && total > limit {
			return nil, &LimitError{Limit: limit}
		}
		if n > 0 {
			chunks = append(chunks, chunk[:n])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return bytes.Join(chunks, nil), nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the response body: %w", err)
		}
	}
}

// chunkSize is the unit of reading a body of unknown length.
const chunkSize = 64 << 10

// explain makes a failed request's error say why in a script author's
// terms: the rule that refused it, the timeout that passed, or the
// network error, after the method and URL.
func explain(ctx context.Context, req *http.Request, err error) error {
	var pe *PolicyError
	var le *LimitError
	switch {
	case errors.As(err, &pe):
		err = pe
	case errors.As(err, &le):
		err = le
	case ctx.Err() != nil:
		err = context.Cause(ctx)
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
	}
	return fmt.Errorf("%s %s: %w", req.Method, redact(req.URL), err)
}

// redact drops a URL's password and query from messages.
func redact(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}

// dial connects for the transport: the host must be allowed, and under
// deny_private each address it resolves to is checked just before it is
// dialled.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	s := c.cfg.Load()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if err := s.checkHost(host, port); err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if s.denyPrivate && !s.allowed(host, port) {
		d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if why := addrReason(ap); why != "" {
				return &PolicyError{Host: host, Addr: ap.Addr().Unmap().String(),
					Reason: why + " and [fetch] deny_private is on (name the host in [fetch] allow to reach it)"}
			}
			return nil
		}
	}
	return d.DialContext(ctx, network, addr)
}
