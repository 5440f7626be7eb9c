package host

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/cgi/cgitest"
	"scriptsrv/internal/e2e"
	"scriptsrv/internal/outbound"
)

// logBuf collects a log for assertions.
type logBuf = e2e.SyncBuffer

// unsandboxed lists the test scripts that run with sandbox = false.
var unsandboxed = map[string]bool{"nosandbox.lua": true, "nosandbox.js": true}

// newPool writes src to a script file in a temp dir and starts a pool.
func newPool(t testing.TB, name, src string, cfg Config) (*Pool, *logBuf) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return poolFor(t, file, cfg)
}

func poolFor(t testing.TB, file string, cfg Config) (*Pool, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	cfg.Logger = slog.New(slog.NewTextHandler(lb, nil))
	if cfg.Workers == 0 {
		cfg.Workers = 2
	}
	if cfg.Platform == nil {
		cfg.Platform = fetchPlatform(t, outbound.Config{DenyPrivate: true})
	}
	prog, err := LoadWith(file, cfg.Root, !unsandboxed[filepath.Base(file)], cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPool(prog, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(); p.Wait() })
	return p, lb
}

// do runs one request through the pool.
func do(p *Pool, method, uri, body string, extra ...string) *cgitest.Recorder {
	return doCtx(context.Background(), p, method, uri, body, extra...)
}

func doCtx(ctx context.Context, p *Pool, method, uri, body string, extra ...string) *cgitest.Recorder {
	return doMode(ctx, p, true, method, uri, body, extra...)
}

// noDetach hides the Recorder's Detach: a front end like the HTTP one,
// which cannot end a request before its handler returns.
type noDetach struct{ cgi.ResponseWriter }

// doMode runs one request as a front end that can detach it (FastCGI: the
// script runs on the caller's goroutine) or cannot (HTTP: it runs on the
// worker's). It returns when the request is over for the front end.
func doMode(ctx context.Context, p *Pool, detachable bool, method, uri, body string, extra ...string) *cgitest.Recorder {
	path, query, _ := strings.Cut(uri, "?")
	ps := cgi.Params{
		{Name: "REQUEST_METHOD", Value: method}, {Name: "REQUEST_URI", Value: uri},
		{Name: "SCRIPT_NAME", Value: path}, {Name: "QUERY_STRING", Value: query},
		{Name: "HTTP_USER_AGENT", Value: "test/1"}, {Name: "CONTENT_TYPE", Value: "text/plain"},
	}
	if body != "" {
		ps = append(ps, cgi.Param{Name: "CONTENT_LENGTH", Value: itoa(len(body))})
	}
	for i := 0; i+1 < len(extra); i += 2 {
		ps = append(ps, cgi.Param{Name: extra[i], Value: extra[i+1]})
	}
	rec := &cgitest.Recorder{}
	var w cgi.ResponseWriter = rec
	if !detachable {
		w = noDetach{rec}
	}
	served := make(chan struct{})
	go func() {
		p.ServeCGI(w, cgi.NewRequest(ctx, ps, strings.NewReader(body)))
		close(served)
	}()
	select {
	case <-served:
	case <-rec.Detached():
	}
	return rec
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serveMux runs a GET of uri through h.
func serveMux(h cgi.Handler, uri string) *cgitest.Recorder {
	rec := &cgitest.Recorder{}
	path, q, _ := strings.Cut(uri, "?")
	h.ServeCGI(rec, cgi.NewRequest(context.Background(), cgi.Params{{Name: "REQUEST_METHOD", Value: "GET"},
		{Name: "REQUEST_URI", Value: uri}, {Name: "SCRIPT_NAME", Value: path}, {Name: "QUERY_STRING", Value: q}}, nil))
	return rec
}
