package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/fcgi/fcgitest"
	"scriptsrv/internal/e2e"
)

// A script writing 20 MiB to clients that never read is stopped at its
// timeout, on the HTTP front and over FastCGI: the timeout is logged and
// its interpreter is free at once, not when the client finally leaves.
func TestClientNotReadingBinary(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "big.lua"), []byte(`function handle(req)
  header("Content-Type", "text/plain")
  local chunk = string.rep("x", 65536)
  for i = 1, 320 do send(chunk) flush() end
end`), 0o644)
	os.WriteFile(filepath.Join(dir, "ok.lua"), []byte(`function handle(req) return "ok" end`), 0o644)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	fcgiAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(fmt.Sprintf(`[server]
fastcgi = %q
http = %q
[pool]
workers = 4
timeout = "1s"
queue_timeout = "200ms"
[[route]]
path = "/big"
script = "big.lua"
`, fcgiAddr, httpAddr)), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	start := time.Now()
	for i := range 4 { // as many as the route has interpreters
		if i%2 == 0 {
			c, err := net.Dial("tcp", httpAddr)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
			conns = append(conns, c)
			continue
		}
		c, err := net.Dial("tcp", fcgiAddr)
		if err != nil {
			t.Fatal(err)
		}
		b := fcgitest.Begin(1, fcgitest.RoleResponder, 0)
		b = append(b, fcgitest.Stream(fcgitest.TypeParams, 1, fcgitest.Pairs(fcgitest.GetParams("/big")), 65535)...)
		b = append(b, fcgitest.Stream(fcgitest.TypeStdin, 1, nil, 65535)...)
		c.Write(b)
		conns = append(conns, c)
	}
	deadline := start.Add(1*time.Second + 300*time.Millisecond)
	for strings.Count(p.Out.String(), `msg="script timed out; interrupted"`) < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := strings.Count(p.Out.String(), `msg="script timed out; interrupted"`); n != 4 {
		t.Fatalf("%d of 4 timeouts logged %v after the start (timeout 1s):\n%s", n, time.Since(start), p.Out)
	}
	// The interpreters are free for the next requests, though the four
	// clients still have not read a byte.
	for range 4 {
		if resp, _ := get(t, "http://"+httpAddr+"/big?small"); resp.StatusCode != 200 && resp.StatusCode != 504 {
			t.Errorf("the route answers %d while the stalled clients are still there", resp.StatusCode)
		}
	}
}

// Bodies that trickle in hold their scripts only until the timeout: each
// read fails then, the script is answered 504 and its interpreter freed, not
// abandoned until the connection's read timeout.
func TestSlowBodiesBinary(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "read.js"), []byte(`function handle(req) { return "read " + req.stdin.read().length; }`), 0o644)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(fmt.Sprintf(`[server]
fastcgi = ""
http = %q
status_path = "/_status"
[pool]
workers = 4
timeout = "1s"
[[route]]
path = "/read"
script = "read.js"
`, httpAddr)), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	answers := make(chan string, 4)
	for range 4 {
		go func() {
			c, err := net.Dial("tcp", httpAddr)
			if err != nil {
				answers <- err.Error()
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
			go func() {
				for i := 0; i < 100; i++ { // one byte a second, until the answer
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
					time.Sleep(time.Second)
				}
			}()
			buf := make([]byte, 64)
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			n, _ := c.Read(buf)
			answers <- string(buf[:n])
		}()
	}
	for range 4 {
		if a := <-answers; !strings.HasPrefix(a, "HTTP/1.1 504") {
			t.Errorf("a trickling upload got %q, want a 504 at the 1s timeout", a)
		}
	}
	if resp, body := get(t, "http://"+httpAddr+"/read"); resp.StatusCode != 200 || body != "read 0" {
		t.Errorf("after the slow uploads: %d %q", resp.StatusCode, body)
	}
	if strings.Contains(p.Out.String(), "stuck") {
		t.Errorf("scripts reading a stalled body were abandoned:\n%s", p.Out)
	}
}

// A malformed chunked body is the client's fault: 400, not a script error;
// a body that cannot be spooled (no temp folder) is the server's: 503.
func TestBadBodiesBinary(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "read.js"), []byte(`function handle(req) { return "read " + req.stdin.read().length; }`), 0o644)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	fcgiAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(fmt.Sprintf(`[server]
fastcgi = %q
http = %q
status_path = "/_status"
[pool]
max_body = "64MiB"
[[route]]
path = "/read"
script = "read.js"
`, fcgiAddr, httpAddr)), 0o644)
	p := e2e.StartEnv(t, dir, []string{"TMPDIR=" + filepath.Join(dir, "no-such-folder")}, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	c, err := net.Dial("tcp", httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")
	buf := make([]byte, 256)
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _ := c.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 400") {
		t.Errorf("a malformed chunked body got %q, want 400", buf[:n])
	}
	cl, err := fcgitest.Dial("tcp", fcgiAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	big := strings.Repeat("b", 4<<20) // more than FastCGI keeps in memory
	r, err := cl.Do(fcgitest.GetParams("/read", cgi.Param{Name: "REQUEST_METHOD", Value: "POST"}, cgi.Param{Name: "CONTENT_LENGTH", Value: fmt.Sprint(len(big))}), []byte(big))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body, _ := r.HTTP(); status != 503 {
		t.Errorf("a body that cannot be spooled: %d %q, want 503", status, body)
	}
	_, st := get(t, "http://"+httpAddr+"/_status")
	if !strings.Contains(st, `"errors_5xx_script": 0`) {
		t.Errorf("bad bodies counted as script errors:\n%s", st)
	}
	for _, want := range []string{"malformed request body", "spooling the request body"} {
		if !strings.Contains(p.Out.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}
