package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/cgi/cgitest"
	"scriptsrv/fcgi/fcgitest"
	"scriptsrv/internal/e2e"
)

// The repository's config.toml and scripts/ (what `go run ./cmd/scriptsrv`
// serves) work as the README says, on both fronts.
func TestExamples(t *testing.T) {
	root := copyExamples(t)
	fcgiAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	httpAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	p := e2e.Start(t, root, binary, "-fastcgi", fcgiAddr, "-http", httpAddr)
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	base := "http://" + httpAddr
	cases := []struct {
		method, path, ctype, body string
		status                    int
		want                      string
	}{
		{"GET", "/hello?name=you", "", "", 200, "hello you #1\n"},
		{"GET", "/hello.lua?name=you", "", "", 200, `{"hello":"you","served":1}`},
		{"GET", "/guestbook/", "", "", 200, "No entries yet."},
		{"GET", "/guestbook-lua/api/entries", "", "", 200, `{"entries":[]}`},
		{"POST", "/guestbook/api/entries", "application/json", `{"body":"x"}`, 401, "sign in first"},
		{"POST", "/form", "application/x-www-form-urlencoded", "name=J%C3%BCrgen&x=1+2", 200, `{"fields":{"name":"Jürgen","x":"1 2"}}`},
		{"POST", "/form", "application/octet-stream", strings.Repeat("z", 200000), 200, `"uploaded":200000`},
		{"GET", "/form", "", "", 200, "<form"},
		{"POST", "/cgi?a=1", "text/plain", "hi", 200, "query: a=1\nbody: hi\nmethod:\tPOST\n"},
		{"GET", "/stream?n=2", "", "", 200, "data: tick 1\n\ndata: tick 2\n\n"},
		{"GET", "/pages/time", "", "", 200, "Z\n"},
		{"GET", "/pages/index", "", "", 200, "served as /pages/NAME"},
		{"GET", "/pages/", "", "", 200, "served as /pages/NAME"}, // a folder's index
		{"GET", "/pages/../config.toml", "", "", 404, ""},
		{"GET", "/pages/%2e%2e/%2e%2e/config.toml", "", "", 404, ""}, // cleaned to /config.toml: no route
		{"GET", "/pages/%2e%2e/hello", "", "", 200, "hello world"},   // cleaned to /hello, never outside pages/
		{"GET", "/pages/time%00.lua", "", "", 404, ""},
		{"GET", "/nothing/here", "", "", 404, "not found"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(b), c.want) {
			t.Errorf("%s %s: %d %q, want %d with %q", c.method, c.path, resp.StatusCode, b, c.status, c.want)
		}
	}
	// The FastCGI front serves the same script with the same answer.
	cl, err := fcgitest.Dial("tcp", fcgiAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	r, err := cl.Get("/hello.lua?name=fcgi")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, body, _ := r.HTTP(); !strings.Contains(string(body), `{"hello":"fcgi","served":`) {
		t.Errorf("FastCGI: %q", body)
	}
}

// health_path answers 503 once the server is draining.
func TestHealthWhileDraining(t *testing.T) {
	file := writeConfig(t, "[server]\nhealth_path = \"/_health\"\n\n[[route]]\npath = \"/h\"\nscript = \"h.js\"\n")
	cfg, err := loadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{log: newLogger(cfg.Server, io.Discard), platform: checkPlatform(cfg)}
	check := func(want int) {
		rec := &cgitest.Recorder{}
		req := cgi.NewRequest(context.Background(), cgi.Params{{Name: "REQUEST_URI", Value: "/_health"}}, nil)
		a.ServeCGI(rec, req)
		if rec.Code() != want {
			t.Errorf("health: %d, want %d", rec.Code(), want)
		}
	}
	rs, err := buildRoutes(cfg, a.log, a.platform, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.close()
	a.routes.Store(rs)
	a.metrics = newMetrics(a)
	check(200)
	a.draining.Store(true)
	check(503)
}

// When shutdown_timeout runs out, requests still running are interrupted
// and answered 503 (not dropped) on both fronts, and the server exits 0.
func TestShutdownGraceExpires(t *testing.T) {
	s := startScriptsrv(t, "tcp")
	s.proc.Signal(syscall.SIGKILL)
	s.proc.Wait(5 * time.Second)
	cfg := filepath.Join(s.dir, "config.toml")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), `shutdown_timeout = "5s"`, `shutdown_timeout = "500ms"`, 1)), 0o644)
	s.proc = e2e.Start(t, s.dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, s.proc, "msg=ready", 10*time.Second)
	c, err := fcgitest.Dial("tcp", s.fcgi)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan *fcgitest.Response, 1)
	go func() { r, _ := c.Get("/wait?ms=10000"); done <- r }()
	httpDone := make(chan int, 1)
	go func() {
		code := 0
		if resp, err := noRedirect.Get(s.httpURL + "/wait?ms=10000"); err == nil {
			code = resp.StatusCode
			resp.Body.Close()
		}
		httpDone <- code
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	s.proc.Signal(syscall.SIGTERM)
	select {
	case r := <-done:
		if r == nil {
			t.Fatal("connection dropped without an answer")
		}
		if code, h, _, _ := r.HTTP(); code != 503 || h.Get("Retry-After") == "" {
			t.Errorf("got %d %v, want 503 with Retry-After", code, h)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("answered after %v; grace is 500ms", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
	if code := <-httpDone; code != 503 {
		t.Errorf("HTTP front: got %d, want 503", code)
	}
	if err := s.proc.Wait(10 * time.Second); err != nil {
		t.Errorf("exit: %v", err)
	}
}
