package main

import (
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// A script stuck in a native call past its timeout is answered 504 on time
// (over FastCGI the request is detached and the stuck goroutine left
// behind), the connection and the route keep serving, and the log says why.
func TestStuckInNativeCode(t *testing.T) {
	s := startScriptsrv(t, "unix")
	check := func(t *testing.T, base string) {
		start := time.Now()
		resp, _ := get(t, base+"/native?n=23")
		if took := time.Since(start); resp.StatusCode != 504 || took > 2500*time.Millisecond {
			t.Errorf("got %d after %v; want 504 soon after the 500ms timeout", resp.StatusCode, took)
		}
		for range 3 { // the same keep-alive connections, a fresh interpreter
			if resp, body := get(t, base+"/native?n=10"); resp.StatusCode != 200 || body != "false" {
				t.Errorf("after the timeout: %d %q", resp.StatusCode, body)
			}
		}
	}
	t.Run("http", func(t *testing.T) { check(t, s.httpURL) })
	t.Run("nginx keep-conn", func(t *testing.T) {
		e2e.Need(t, "nginx", "/usr/sbin/nginx")
		check(t, e2e.Nginx(t, s.fcgi, true).URL)
	})
	if log := s.proc.Out.String(); !strings.Contains(log, "stuck in native code") {
		t.Errorf("the log does not say the script was stuck in native code:\n%s", log)
	}
}

// A client that goes away from the HTTP front interrupts its script at
// once, long before the route's timeout, and the log says so.
func TestClientGoneHTTP(t *testing.T) {
	s := startScriptsrv(t, "unix")
	c, err := net.Dial("tcp", strings.TrimPrefix(s.httpURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(200 * time.Millisecond) // the script spins; its timeout is 1s
	c.Close()
	deadline := time.Now().Add(700 * time.Millisecond)
	for !strings.Contains(s.proc.Out.String(), "client went away") {
		if time.Now().After(deadline) {
			t.Fatalf("the script was not interrupted when the client went away:\n%s", s.proc.Out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if resp, _ := get(t, s.httpURL+"/echo"); resp.StatusCode != 200 {
		t.Errorf("after the client went away: %d", resp.StatusCode)
	}
}

// SIGTERM does not wait for interpreters left stuck in a native call: the
// server exits at once, not after the shutdown grace period.
func TestShutdownWithStuckInterpreters(t *testing.T) {
	s := startScriptsrv(t, "tcp")
	if resp, _ := get(t, s.httpURL+"/native?n=25"); resp.StatusCode != 504 {
		t.Fatalf("got %d, want 504", resp.StatusCode)
	}
	start := time.Now()
	s.proc.Signal(syscall.SIGTERM)
	if err := s.proc.Wait(4 * time.Second); err != nil {
		s.proc.Signal(syscall.SIGQUIT)
		s.proc.Wait(2 * time.Second)
		t.Fatalf("after SIGTERM: %v\n%s", err, s.proc.Out)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("exited %v after SIGTERM with a stuck interpreter; the grace is 5s", took)
	}
}
