package fcgi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"scriptsrv/cgi"
	"scriptsrv/fcgi/fcgitest"
)

// ctxHandler reports how each request's context ended.
func ctxHandler(started chan<- struct{}, causes chan<- error) cgi.HandlerFunc {
	return func(w cgi.ResponseWriter, r *cgi.Request) {
		started <- struct{}{}
		<-r.Context().Done()
		causes <- context.Cause(r.Context())
		io.WriteString(w, "written after abort")
	}
}

// K3, K5, A1: ABORT_REQUEST cancels the context at once; exactly one
// END_REQUEST follows; the id can be used again. The request runs on the
// reader's goroutine (alone, body complete): the ABORT is read only because
// reading moves to another goroutine after inlineFor.
func TestAbortRequest(t *testing.T) {
	started, causes := make(chan struct{}, 1), make(chan error, 1)
	ts := startServer(t, "tcp", func(s *Server) { s.Handler = ctxHandler(started, causes) })
	c := ts.dial(t)
	c.Write(wireRequest(1, fcgitest.FlagKeepConn, params("/slow"), nil))
	<-started
	c.Write(fcgitest.Record(fcgitest.TypeAbort, 1, nil, 0))
	select {
	case err := <-causes:
		if !errors.Is(err, ErrAborted) {
			t.Errorf("cause %v, want ErrAborted", err)
		}
	case <-time.After(time.Second):
		t.Fatal("context not cancelled within 1s of ABORT_REQUEST")
	}
	readResponses(t, c, 1)
	c.Write(fcgitest.Record(fcgitest.TypeAbort, 1, nil, 0)) // after END: ignored
	expectNothing(t, c, 100*time.Millisecond)
	c.Write(wireRequest(1, fcgitest.FlagKeepConn, params("/slow"), nil))
	<-started
	c.Write(fcgitest.Record(fcgitest.TypeAbort, 1, nil, 0))
	<-causes
	readResponses(t, c, 1)
}

// K4: ABORT before the handler started ends the request at once; the
// handler never runs.
func TestAbortBeforeStart(t *testing.T) {
	ran := atomic.Bool{}
	ts := startServer(t, "tcp", func(s *Server) {
		s.Handler = cgi.HandlerFunc(func(cgi.ResponseWriter, *cgi.Request) { ran.Store(true) })
	})
	c := ts.dial(t)
	b := fcgitest.Begin(1, fcgitest.RoleResponder, 0)
	b = append(b, fcgitest.Record(fcgitest.TypeParams, 1, fcgitest.Pairs(params("/x")), -1)...)
	b = append(b, fcgitest.Record(fcgitest.TypeAbort, 1, nil, 0)...)
	c.Write(b)
	if r := readResponses(t, c, 1)[1]; len(r.Stdout) != 0 {
		t.Errorf("stdout %q", r.Stdout)
	}
	expectEOF(t, c) // no KEEP_CONN: closed after END_REQUEST (K6)
	if ran.Load() {
		t.Error("handler ran")
	}
}

// K7, A4: the web server closing the connection cancels the request.
func TestConnCloseCancels(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	started, causes := make(chan struct{}, 1), make(chan error, 1)
	ts := startServer(t, "unix", func(s *Server) { s.Handler = ctxHandler(started, causes) })
	c := ts.dial(t)
	c.Write(wireRequest(1, 0, params("/slow"), nil))
	<-started
	c.Close()
	select {
	case err := <-causes:
		if !errors.Is(err, ErrAborted) {
			t.Errorf("cause %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("context not cancelled within 1s of the close")
	}
	waitFor(t, "live requests 0", func() bool { return ts.srv.LiveRequests() == 0 })
	ts.srv.Close()
	ts.wait()
}

// K8, A6: the client stops reading a large response and closes: the
// handler's writes fail, the server stays up.
func TestWriteErrorEndsConn(t *testing.T) {
	writeErr := make(chan error, 1)
	ts := startServer(t, "tcp", func(s *Server) {
		s.Handler = cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
			chunk := bytes.Repeat([]byte("x"), 1<<16)
			for range 2000 {
				if _, err := w.Write(chunk); err != nil {
					writeErr <- err
					return
				}
			}
			writeErr <- nil
		})
	})
	c := ts.dial(t)
	c.Write(wireRequest(1, 0, params("/big"), nil))
	fcgitest.ReadRecord(c)
	c.Close()
	select {
	case err := <-writeErr:
		if err == nil {
			t.Error("all writes succeeded to a closed peer")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler still writing")
	}
	if r, err := ts.client(t).Get("/echo"); err != nil || r.AppStatus != 0 {
		t.Errorf("server unusable after a peer went away: %v", err)
	}
}

// B4, B6, S6, F2: a handler that does not read never blocks the connection
// reader; the unread body spills to an unlinked temp file.
func TestBodySpillAndDrain(t *testing.T) {
	dir := t.TempDir()
	release := make(chan struct{})
	var spilled atomic.Bool
	ts := startServer(t, "tcp", func(s *Server) {
		s.BodyMemory = 64 << 10
		s.TempDir = dir
		s.Handler = cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
			if p, _ := cgi.RequestPath(r.Params); p == "/hold" {
				<-release
				spilled.Store(r.Body.(*body).spilled())
				n, _ := io.Copy(io.Discard, r.Body)
				io.WriteString(w, strings.Repeat("y", int(n)))
				return
			}
			testHandler(nil)(w, r)
		})
	})
	c := ts.dial(t)
	data := bytes.Repeat([]byte("b"), 4<<20)
	c.Write(wireRequest(1, fcgitest.FlagKeepConn, params("/hold"), data)) // the whole 4 MiB is accepted
	c.Write(wireRequest(2, fcgitest.FlagKeepConn, params("/echo?while-held"), nil))
	if _, _, body := httpOf(t, readResponses(t, c, 2)[2]); !strings.Contains(body, "while-held") {
		t.Errorf("second request: %q", body)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("spill file visible on disk: %v", entries)
	}
	close(release)
	if _, _, body := httpOf(t, readResponses(t, c, 1)[1]); len(body) != len(data) {
		t.Errorf("held request read %d bytes, want %d", len(body), len(data))
	}
	if !spilled.Load() {
		t.Error("4 MiB unread body did not spill to a file")
	}
	// S6: an ignored body is skipped, and the next request parses.
	c.Write(wireRequest(1, fcgitest.FlagKeepConn, params("/ignore"), data))
	readResponses(t, c, 1)
	c.Write(wireRequest(1, fcgitest.FlagKeepConn, params("/echo?next"), nil))
	if _, _, body := httpOf(t, readResponses(t, c, 1)[1]); !strings.Contains(body, "next") {
		t.Errorf("after an ignored body: %q", body)
	}
}

// MaxBody: reads past the limit fail with cgi.ErrBodyTooLarge.
func TestMaxBody(t *testing.T) {
	ts := startServer(t, "tcp", func(s *Server) { s.MaxBody = 1000 })
	r, _ := ts.client(t).Do(params("/echo"), make([]byte, 5000))
	if _, _, body := httpOf(t, r); !strings.Contains(body, "err="+cgi.ErrBodyTooLarge.Error()) {
		t.Errorf("got %q", body)
	}
}

// K12: Shutdown closes idle connections, lets a request in progress finish,
// and refuses new connections.
func TestShutdown(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	idle := ts.client(t)
	if _, err := idle.Get("/echo"); err != nil {
		t.Fatal(err)
	}
	busy := ts.dial(t)
	busy.Write(wireRequest(1, fcgitest.FlagKeepConn, params("/sleep?300ms"), nil))
	time.Sleep(50 * time.Millisecond)
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(context.Background()) }()
	expectEOF(t, idle.Conn)
	if _, _, body := httpOf(t, readResponses(t, busy, 1)[1]); body != "slept" {
		t.Errorf("in-flight request: %q", body)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := ts.wait(); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v", err)
	}
	if c, err := net.Dial("tcp", ts.addr); err == nil {
		c.Close()
		t.Error("new connection accepted after Shutdown")
	}
}

// K13, C4: the allow-list closes other peers at once, with a log line.
func TestAllowList(t *testing.T) {
	deny := startServer(t, "tcp", func(s *Server) { s.AllowedClients = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")} })
	c := deny.dial(t)
	c.Write(wireRequest(1, 0, params("/echo"), nil))
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("refused peer read %d bytes, %v", n, err)
	}
	if !strings.Contains(deny.log.String(), "peer=127.0.0.1") {
		t.Errorf("no log naming the peer: %s", deny.log)
	}
	t.Setenv("FCGI_WEB_SERVER_ADDRS", "10.0.0.1, 127.0.0.0/8")
	allow := startServer(t, "tcp", nil)
	if _, err := allow.client(t).Get("/echo"); err != nil {
		t.Errorf("allowed peer: %v", err)
	}
	if _, err := ParseAllowList("1.2.3.4,not-an-ip"); err == nil {
		t.Error("bad entry accepted")
	}
}

// K10, C3: a connection that stalls mid-request is closed after
// StallTimeout while other connections keep working.
func TestStallTimeout(t *testing.T) {
	ts := startServer(t, "tcp", func(s *Server) { s.StallTimeout = 200 * time.Millisecond })
	c := ts.dial(t)
	c.Write(fcgitest.Begin(1, fcgitest.RoleResponder, 0)[:5])
	if _, err := ts.client(t).Get("/echo"); err != nil {
		t.Fatal(err)
	}
	expectEOF(t, c)
}

// Listen removes a stale socket but refuses a live one or a regular file.
func TestListenUnix(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sock")
	l, err := Listen("unix:"+path, 0o660)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o660 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if _, err := Listen("unix:"+path, 0); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Errorf("live socket: %v", err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if l, err = Listen("unix:"+path, 0); err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	l.Close()
	regular := filepath.Join(dir, "file")
	os.WriteFile(regular, nil, 0o600)
	if _, err := Listen("unix:"+regular, 0); err == nil {
		t.Error("a regular file was replaced")
	}
}

// IPv6 loopback, with an IPv6 allow-list (K13's second half).
func TestIPv6(t *testing.T) {
	l, err := Listen("[::1]:0", 0)
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	s := &Server{Handler: testHandler(nil), Logger: discardLogger(), AllowedClients: []netip.Prefix{netip.MustParsePrefix("::1/128")}}
	go s.Serve(l)
	defer s.Close()
	c, err := fcgitest.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Get("/echo?v6=1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, body, _ := r.HTTP(); !strings.Contains(string(body), "v6=1") {
		t.Errorf("got %q", body)
	}
}

// MaxConns: a connection beyond the limit is closed at once, with a log
// line; the ones within it are served.
func TestMaxConns(t *testing.T) {
	release := make(chan struct{})
	ts := startServer(t, "tcp", func(s *Server) {
		s.MaxConns = 2
		s.Handler = cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
			if r.Params.Get("REQUEST_URI") == "/wait" {
				<-release
			}
			w.Write([]byte("ok"))
		})
	})
	idle := ts.client(t)
	if _, err := idle.Get("/echo"); err != nil {
		t.Fatal(err)
	}
	busy := ts.dial(t)
	go busy.Write(wireRequest(1, 0, params("/wait"), nil))
	waitFor(t, "the busy request", func() bool { return ts.srv.liveReqs.Load() == 1 })
	// At the limit, a new connection is served: the idle one is closed.
	fresh := ts.client(t)
	if _, err := fresh.Get("/echo"); err != nil {
		t.Errorf("a new connection at max_conns: %v", err)
	}
	expectEOF(t, idle.Conn)
	// With none idle, the newest is refused.
	go fresh.Conn.Write(wireRequest(1, 0, params("/wait"), nil))
	waitFor(t, "two busy requests", func() bool { return ts.srv.liveReqs.Load() == 2 })
	expectEOF(t, ts.dial(t))
	if !strings.Contains(ts.log.String(), "too many connections, none idle") || !strings.Contains(ts.log.String(), "idle the longest") {
		t.Errorf("no log lines: %s", ts.log)
	}
	close(release)
	readResponses(t, busy, 1)
}

// A handler stuck where it cannot be interrupted answers from another
// goroutine and detaches: the response and END_REQUEST go out at once, the
// connection serves the next request, and the handler's late return (and a
// late write) change nothing.
func TestDetach(t *testing.T) {
	release := make(chan struct{})
	returned := make(chan struct{}, 2)
	ts := startServer(t, "unix", func(s *Server) {
		s.Handler = cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
			defer func() { returned <- struct{}{} }()
			if r.Params.Get("REQUEST_URI") == "/next" {
				io.WriteString(w, "next")
				return
			}
			go func() {
				w.WriteHeader(504)
				io.WriteString(w, "timed out")
				w.(cgi.Detacher).Detach()
			}()
			<-release // stuck "in native code"
			if _, err := io.WriteString(w, "late"); err == nil {
				t.Error("a write after Detach succeeded")
			}
		})
	})
	c := ts.dial(t)
	c.Write(wireRequest(1, fcgitest.FlagKeepConn, params("/stuck"), nil))
	code, _, body := httpOf(t, readResponses(t, c, 1)[1])
	if code != 504 || body != "timed out" {
		t.Errorf("got %d %q, want 504 \"timed out\"", code, body)
	}
	c.Write(wireRequest(2, fcgitest.FlagKeepConn, params("/next"), nil))
	if _, _, body := httpOf(t, readResponses(t, c, 2)[2]); body != "next" {
		t.Errorf("next request on the connection: %q", body)
	}
	<-returned
	close(release)
	<-returned
	expectNothing(t, c, 100*time.Millisecond)
}

// A peer that half-closes after a complete request is answered in full
// (php-fpm does); one that closes the connection still cancels its
// requests (TestConnCloseCancels).
func TestHalfCloseAnswered(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network, func(s *Server) {
				s.Handler = cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
					time.Sleep(100 * time.Millisecond)
					if r.Context().Err() != nil {
						return
					}
					w.Write([]byte("answered in full"))
				})
			})
			c := ts.dial(t)
			c.Write(wireRequest(1, 0, params("/x"), nil))
			c.(interface{ CloseWrite() error }).CloseWrite()
			if _, _, body := httpOf(t, readResponses(t, c, 1)[1]); body != "answered in full" {
				t.Errorf("body %q after a half-close", body)
			}
		})
	}
}
