package outbound

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestParsePattern(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "api.example.com", want: "api.example.com"},
		{in: "API.Example.com", want: "api.example.com"},
		{in: "*.internal", want: "*.internal"},
		{in: "127.0.0.1:9200", want: "127.0.0.1:9200"},
		{in: "[::1]:8080", want: "[::1]:8080"},
		{in: "[::1]", want: "[::1]"},
		{in: "::ffff:10.0.0.1", want: "10.0.0.1"},
		{in: "", err: "empty"},
		{in: "http://x.com", err: "want a host name"},
		{in: "x.com/path", err: "want a host name"},
		{in: "*.1.2.3.4", err: "a wildcard needs a domain"},
		{in: "x.com:0", err: "bad port"},
		{in: "x.com:99999", err: "bad port"},
		{in: "a*b.com", err: "want a host name"},
	} {
		p, err := ParsePattern(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParsePattern(%q) = %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || p.String() != tc.want {
			t.Errorf("ParsePattern(%q) = %q, %v; want %q", tc.in, p.String(), err, tc.want)
		}
	}
}

func TestPatternMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, host, port string
		want                bool
	}{
		{"api.example.com", "api.example.com", "443", true},
		{"api.example.com", "API.example.com.", "80", true},
		{"api.example.com", "x.api.example.com", "80", false},
		{"*.internal", "search.internal", "9200", true},
		{"*.internal", "a.b.internal", "9200", true},
		{"*.internal", "internal", "9200", false},
		{"*.internal", "evilinternal", "80", false},
		{"127.0.0.1:9200", "127.0.0.1", "9200", true},
		{"127.0.0.1:9200", "127.0.0.1", "9201", false},
		{"[::1]:8080", "::1", "8080", true},
		{"10.0.0.1", "::ffff:10.0.0.1", "80", true},
	} {
		p, err := ParsePattern(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Match(tc.host, tc.port); got != tc.want {
			t.Errorf("%q.Match(%q, %q) = %v, want %v", tc.pattern, tc.host, tc.port, got, tc.want)
		}
	}
}

func TestPrivateReason(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"127.0.0.1", "loopback"},
		{"127.9.9.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"192.168.1.1", "private"},
		{"fd12::1", "private"},
		{"169.254.169.254", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"239.1.1.1", "multicast"},
		{"0.1.2.3", "not a routable"},
		{"8.8.8.8", ""},
		{"2606:4700::1111", ""},
		{"172.32.0.1", ""},
	} {
		got := privateReason(netip.MustParseAddr(tc.ip))
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("privateReason(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
}

func patterns(t *testing.T, ss ...string) []Pattern {
	var out []Pattern
	for _, s := range ss {
		p, err := ParsePattern(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func upstream(t *testing.T, h http.HandlerFunc) (*httptest.Server, string) {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, strings.TrimPrefix(srv.URL, "http://")
}

func get(t *testing.T, c *Client, url string, mode Redirect) (*Response, error) {
	t.Helper()
	return c.Do(context.Background(), &Request{URL: url, Redirect: mode})
}

func wantPolicy(t *testing.T, err error, reason string) {
	t.Helper()
	var pe *PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("err = %v, want a refusal saying %q", err, reason)
	}
}

func TestAddressRules(t *testing.T) {
	var hits atomic.Int64
	_, addr := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/loopback":
			http.Redirect(w, r, "http://localhost:1/", http.StatusFound)
		default:
			w.Write([]byte("ok"))
		}
	})
	_, port, _ := net.SplitHostPort(addr)

	deny := New(Config{DenyPrivate: true, Timeout: 5 * time.Second})
	_, err := get(t, deny, "http://"+addr+"/", "")
	wantPolicy(t, err, "127.0.0.1 (127.0.0.1) is a loopback address and [fetch] deny_private is on")
	_, err = get(t, deny, "http://localhost:"+port+"/", "")
	wantPolicy(t, err, "is a loopback address") // a name resolving to loopback
	if hits.Load() != 0 {
		t.Fatalf("refused requests reached the upstream %d times", hits.Load())
	}

	allowed := New(Config{DenyPrivate: true, Timeout: 5 * time.Second, Allow: patterns(t, "127.0.0.1:"+port)})
	res, err := get(t, allowed, "http://"+addr+"/", "")
	if err != nil || string(res.Body) != "ok" {
		t.Fatalf("allowed host: %v, %v", res, err)
	}
	_, err = get(t, allowed, "http://"+addr+"/metadata", "")
	wantPolicy(t, err, "is not in [fetch] allow") // the redirect's host
	_, err = get(t, allowed, "http://localhost:"+port+"/", "")
	wantPolicy(t, err, "localhost:"+port+" is not in [fetch] allow")

	// A public server (the upstream, standing in for one) that redirects
	// to the metadata address or to loopback: each hop is checked where it
	// is dialled.
	defer func(f func(netip.AddrPort) string) { addrReason = f }(addrReason)
	addrReason = func(ap netip.AddrPort) string {
		if ap.Port() == uint16(mustAtoi(t, port)) {
			return ""
		}
		return privateReason(ap.Addr())
	}
	for path, want := range map[string]string{
		"/metadata": "169.254.169.254 (169.254.169.254) is a cloud metadata address",
		"/loopback": "is a loopback address",
	} {
		hits.Store(0)
		_, err = get(t, deny, "http://"+addr+path, "")
		wantPolicy(t, err, want)
		if hits.Load() != 1 {
			t.Errorf("%s: %d hits, want the first hop only", path, hits.Load())
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRedirectModes(t *testing.T) {
	_, addr := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/from" {
			http.Redirect(w, r, "/to", http.StatusFound)
			return
		}
		w.Write([]byte("at " + r.URL.Path))
	})
	c := New(Config{Timeout: 5 * time.Second})
	res, err := get(t, c, "http://"+addr+"/from", Follow)
	if err != nil || !res.Redirected || res.URL != "http://"+addr+"/to" || string(res.Body) != "at /to" {
		t.Fatalf("follow: %+v, %v", res, err)
	}
	res, err = get(t, c, "http://"+addr+"/from", Manual)
	if err != nil || res.Status != 302 || res.Redirected || res.Header.Get("Location") != "/to" {
		t.Fatalf("manual: %+v, %v", res, err)
	}
	_, err = get(t, c, "http://"+addr+"/from", Error)
	if err == nil || !strings.Contains(err.Error(), `redirect is "error"`) {
		t.Fatalf("error mode: %v", err)
	}
	res, err = get(t, c, "http://"+addr+"/to", "")
	if err != nil || res.Redirected || res.StatusText != "OK" {
		t.Fatalf("no redirect: %+v, %v", res, err)
	}
	res, err = c.Do(context.Background(), &Request{Method: "HEAD", URL: "http://" + addr + "/to"})
	if err != nil || res.Status != 200 || len(res.Body) != 0 || res.Header.Get("Content-Length") != "6" {
		t.Fatalf("HEAD: %+v, %v", res, err)
	}
}

func TestBadRequests(t *testing.T) {
	c := New(Config{Timeout: time.Second})
	for _, tc := range []struct{ url, want string }{
		{"ftp://x/", "want an http: or https: URL"},
		{"http:///path", "no host"},
		{"::", "bad URL"},
		{"http://127.0.0.1:1/", "connection refused"},
	} {
		_, err := get(t, c, tc.url, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.url, err, tc.want)
		}
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	gone := make(chan struct{}, 4)
	_, addr := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		gone <- struct{}{}
	})
	c := New(Config{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := get(t, c, "http://"+addr+"/", "")
	var te *TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "within 200ms ([fetch] timeout)") {
		t.Fatalf("err = %v, want the timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the timeout took %v", d)
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream connection stayed open after the timeout")
	}

	c = New(Config{Timeout: time.Minute})
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(100*time.Millisecond, func() { cancel(errors.New("the client went away")) })
	_, err = c.Do(ctx, &Request{URL: "http://" + addr + "/"})
	if err == nil || !strings.Contains(err.Error(), "the client went away") {
		t.Fatalf("err = %v, want the incoming request's cause", err)
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream connection stayed open after the cancel")
	}
	c.CloseIdle()
}

func TestMaxResponse(t *testing.T) {
	var wrote atomic.Int64
	_, addr := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/declared" {
			w.Header().Set("Content-Length", "1073741824")
		}
		chunk := make([]byte, 64<<10)
		for wrote.Load() < 1<<30 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			wrote.Add(int64(len(chunk)))
		}
	})
	c := New(Config{Timeout: 10 * time.Second, MaxResponse: 1 << 20})
	for _, path := range []string{"/streamed", "/declared"} {
		wrote.Store(0)
		_, err := get(t, c, "http://"+addr+path, "")
		var le *LimitError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), "over [fetch] max_response (1048576 bytes)") {
			t.Fatalf("%s: err = %v, want the limit", path, err)
		}
		time.Sleep(100 * time.Millisecond)
		if n := wrote.Load(); n > 64<<20 {
			t.Errorf("%s: the upstream wrote %d bytes before the client stopped reading", path, n)
		}
	}
	_, addr2 := upstream(t, func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 1<<20)) })
	if res, err := get(t, c, "http://"+addr2+"/", ""); err != nil || len(res.Body) != 1<<20 {
		t.Fatalf("a body of exactly max_response: %v", err)
	}
}

func TestKeepAliveAndHTTP2(t *testing.T) {
	var conns atomic.Int64
	var protos atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protos.Store(r.Proto)
		w.Write([]byte(`{"ok":true}`))
	}))
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tlsCfg := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsCfg.RootCAs = pool
	c := New(Config{Timeout: 5 * time.Second, TLS: tlsCfg})
	for i := 0; i < 5; i++ {
		res, err := get(t, c, srv.URL+"/", "")
		if err != nil || string(res.Body) != `{"ok":true}` {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if p := protos.Load(); p != "HTTP/2.0" {
		t.Errorf("protocol %v, want HTTP/2.0", p)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 5 requests, want 1 kept alive", n)
	}
	st := c.Stats()
	if len(st) != 1 || st[0].Requests != 5 || st[0].Errors != 0 || st[0].Host != strings.TrimPrefix(srv.URL, "https://") {
		t.Errorf("stats = %+v", st)
	}
	c.CloseIdle()
}

func TestNoGoroutineOutlivesItsRequest(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := New(Config{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() { _, err := c.Do(ctx, &Request{URL: srv.URL}); done <- err }()
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	for i := 0; i < 8; i++ {
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	}
	c.CloseIdle()
}

func TestStatsCapHosts(t *testing.T) {
	c := New(Config{})
	for i := 0; i < maxHosts+10; i++ {
		c.stats.record(strings.Repeat("h", i+1), time.Millisecond, i%2 == 0)
	}
	st := c.Stats()
	if len(st) != maxHosts+1 {
		t.Fatalf("%d hosts, want %d and %q", len(st), maxHosts, OtherHosts)
	}
	var total int64
	for _, h := range st {
		total += h.Requests
	}
	if total != maxHosts+10 {
		t.Fatalf("%d requests counted, want %d", total, maxHosts+10)
	}
}
