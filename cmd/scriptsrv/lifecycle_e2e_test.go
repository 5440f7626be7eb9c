package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"scriptsrv/fcgi/fcgitest"
	"scriptsrv/internal/e2e"
)

// `scriptsrv handler.lua`: that script for every path on unix:fcgi.sock
// in the current folder; the socket is removed at exit.
func TestZeroConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "handler.lua"), []byte(`function handle(req) return "zero " .. req.path end`), 0o644)
	p := e2e.Start(t, dir, binary, "handler.lua")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	sock := filepath.Join(dir, "fcgi.sock")
	c, err := fcgitest.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Get("/any/path?x=1")
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, body, _ := r.HTTP(); string(body) != "zero /any/path" {
		t.Errorf("got %q", body)
	}
	p.Signal(syscall.SIGTERM)
	if err := p.Wait(10 * time.Second); err != nil {
		t.Fatalf("exit: %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file left behind: %v", err)
	}
}

// SIGTERM: stop accepting, let the request in progress finish, exit 0.
func TestGracefulShutdown(t *testing.T) {
	s := startScriptsrv(t, "tcp")
	var wg sync.WaitGroup
	var code int
	var body string
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, b := get(t, s.httpURL+"/busy?ms=800")
		code, body = resp.StatusCode, b
	}()
	time.Sleep(200 * time.Millisecond)
	s.proc.Signal(syscall.SIGTERM)
	wg.Wait()
	if code != 200 || body != "done" {
		t.Errorf("in-flight request: %d %q", code, body)
	}
	if err := s.proc.Wait(10 * time.Second); err != nil {
		t.Errorf("exit: %v", err)
	}
	if _, err := noRedirect.Get(s.httpURL + "/echo"); err == nil {
		t.Error("still accepting after shutdown")
	}
}

// SIGHUP reloads config.toml; an invalid one is refused and the old one
// keeps serving.
func TestReloadOnSIGHUP(t *testing.T) {
	s := startScriptsrv(t, "tcp")
	cfgFile := filepath.Join(s.dir, "config.toml")
	conf, _ := os.ReadFile(cfgFile)
	os.WriteFile(filepath.Join(s.dir, "new.lua"), []byte(`function handle() return "new route" end`), 0o644)
	os.WriteFile(cfgFile, append(conf, []byte("\n[[route]]\npath = \"/new\"\nscript = \"new.lua\"\n")...), 0o644)
	s.proc.Signal(syscall.SIGHUP)
	e2e.WaitLog(t, s.proc, "config reloaded", 5*time.Second)
	if resp, body := get(t, s.httpURL+"/new"); resp.StatusCode != 200 || body != "new route" {
		t.Errorf("new route: %d %q", resp.StatusCode, body)
	}
	os.WriteFile(cfgFile, append(conf, []byte("\n[[route]]\npath = \"/broken\"\nscript = \"missing.lua\"\n")...), 0o644)
	s.proc.Signal(syscall.SIGHUP)
	e2e.WaitLog(t, s.proc, "reload refused", 5*time.Second)
	if !strings.Contains(s.proc.Out.String(), "config.toml:") || !strings.Contains(s.proc.Out.String(), "missing.lua does not exist") {
		t.Errorf("the refusal does not name the file, line and problem:\n%s", s.proc.Out)
	}
	if resp, body := get(t, s.httpURL+"/new"); resp.StatusCode != 200 || body != "new route" {
		t.Errorf("old config not kept: %d %q", resp.StatusCode, body)
	}
}
