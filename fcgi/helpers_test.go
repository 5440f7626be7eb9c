package fcgi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/fcgi/fcgitest"
	"scriptsrv/internal/e2e"
)

// logBuf collects a log for assertions.
type logBuf = e2e.SyncBuffer

// testHandler answers by path, like the scripts in notes/fastcgi.md §5.
func testHandler(started chan<- string) cgi.HandlerFunc {
	return func(w cgi.ResponseWriter, r *cgi.Request) {
		path, _ := cgi.RequestPath(r.Params)
		if started != nil {
			started <- path
		}
		q := r.Params.Get("QUERY_STRING")
		switch path {
		case "/echo":
			h := sha256.New()
			n, err := io.Copy(h, r.Body)
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "method=%s path=%s query=%s len=%d sha=%x err=%v x=%s",
				r.Params.Get("REQUEST_METHOD"), path, q, n, h.Sum(nil), err, r.Params.Get("HTTP_X"))
		case "/slow":
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Second):
			}
			io.WriteString(w, "slow done")
		case "/sleep":
			d, _ := time.ParseDuration(q)
			time.Sleep(d)
			io.WriteString(w, "slept")
		case "/big":
			n, _ := strconv.Atoi(q)
			w.Header().Set("Content-Type", "application/octet-stream")
			w.WriteHeader(200)
			w.Write(bytes.Repeat([]byte("x"), n))
		case "/ignore":
			io.WriteString(w, "ok")
		case "/empty":
		case "/stderr":
			io.WriteString(w.Stderr(), "oops on stderr")
			io.WriteString(w, "ok")
		case "/panic":
			panic("boom")
		case "/status":
			w.Header().Set("Location", "/elsewhere")
			w.WriteHeader(302)
		case "/role":
			fmt.Fprintf(w, "role=%d", r.Role)
		default:
			w.WriteHeader(404)
		}
	}
}

type testServer struct {
	srv  *Server
	addr string
	netw string
	log  *logBuf
	done chan error
	once sync.Once
	err  error
}

// wait returns what Serve returned.
func (ts *testServer) wait() error {
	ts.once.Do(func() { ts.err = <-ts.done })
	return ts.err
}

func startServer(t testing.TB, network string, configure func(*Server)) *testServer {
	t.Helper()
	lb := &logBuf{}
	s := &Server{Handler: testHandler(nil), Logger: slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if configure != nil {
		configure(s)
	}
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = "unix:" + filepath.Join(t.TempDir(), "s.sock")
	}
	l, err := Listen(addr, 0)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{srv: s, netw: network, addr: l.Addr().String(), log: lb, done: make(chan error, 1)}
	go func() { ts.done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		ts.wait()
	})
	return ts
}

func (ts *testServer) dial(t testing.TB) net.Conn {
	t.Helper()
	c, err := net.Dial(ts.netw, ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (ts *testServer) client(t testing.TB) *fcgitest.Client {
	return fcgitest.NewClient(ts.dial(t))
}

// wireRequest builds BEGIN, PARAMS (one record) and STDIN for a request.
func wireRequest(id uint16, flags byte, ps cgi.Params, body []byte) []byte {
	b := fcgitest.Begin(id, fcgitest.RoleResponder, flags)
	b = append(b, fcgitest.Stream(fcgitest.TypeParams, id, fcgitest.Pairs(ps), 65535)...)
	return append(b, fcgitest.Stream(fcgitest.TypeStdin, id, body, 65528)...)
}

func params(uri string, extra ...string) cgi.Params {
	ps := fcgitest.GetParams(uri)
	for i := 0; i+1 < len(extra); i += 2 {
		ps = append(ps, cgi.Param{Name: extra[i], Value: extra[i+1]})
	}
	return ps
}

// readAll reads records until END_REQUEST for every id in ids.
func readResponses(t testing.TB, c net.Conn, ids ...uint16) map[uint16]*fcgitest.Response {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	out := map[uint16]*fcgitest.Response{}
	pending := map[uint16]bool{}
	for _, id := range ids {
		pending[id] = true
		out[id] = &fcgitest.Response{}
	}
	for len(pending) > 0 {
		rec, err := fcgitest.ReadRecord(c)
		if err != nil {
			t.Fatalf("reading: %v (pending %v)", err, pending)
		}
		r := out[rec.ID]
		if r == nil || !pending[rec.ID] {
			t.Fatalf("record type %d for unexpected id %d", rec.Type, rec.ID)
		}
		checkRecord(t, rec)
		r.Records = append(r.Records, rec)
		switch rec.Type {
		case fcgitest.TypeStdout:
			r.Stdout = append(r.Stdout, rec.Content...)
		case fcgitest.TypeStderr:
			r.Stderr = append(r.Stderr, rec.Content...)
		case fcgitest.TypeEnd:
			r.AppStatus = uint32(rec.Content[0])<<24 | uint32(rec.Content[1])<<16 | uint32(rec.Content[2])<<8 | uint32(rec.Content[3])
			r.ProtocolStatus = rec.Content[4]
			delete(pending, rec.ID)
		default:
			t.Fatalf("unexpected record type %d", rec.Type)
		}
	}
	return out
}

// checkRecord asserts the rules every record we send obeys (R5, R6, O1-O3).
func checkRecord(t testing.TB, rec fcgitest.Rec) {
	t.Helper()
	if (len(rec.Content)+rec.Padding)%8 != 0 {
		t.Errorf("record type %d not padded to 8: %d+%d", rec.Type, len(rec.Content), rec.Padding)
	}
	if rec.Type == fcgitest.TypeEnd && len(rec.Content) != 8 {
		t.Errorf("END_REQUEST body %d bytes", len(rec.Content))
	}
}

func httpOf(t testing.TB, r *fcgitest.Response) (int, http.Header, string) {
	t.Helper()
	code, h, body, err := r.HTTP()
	if err != nil {
		t.Fatalf("%v in %q", err, r.Stdout)
	}
	return code, h, string(body)
}

// expectEOF asserts the server closes the connection (EOF, not a reset).
func expectEOF(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("want EOF, got %v after %d bytes", err, len(b))
	}
	if len(b) > 0 {
		t.Fatalf("want EOF, got %d more bytes: %q", len(b), b)
	}
}

// expectNothing asserts nothing arrives for d and the connection stays open.
func expectNothing(t testing.TB, c net.Conn, d time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	var b [1]byte
	n, err := c.Read(b[:])
	if n > 0 || err == nil {
		t.Fatalf("got a byte %x, want nothing", b[:n])
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("want a read timeout, got %v", err)
	}
	c.SetReadDeadline(time.Time{})
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// netPipe is net.Pipe with the half-close a socket has.
func netPipe() (net.Conn, net.Conn) { return net.Pipe() }
