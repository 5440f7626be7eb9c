package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// binary is the scriptsrv built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "scriptsrv-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "scriptsrv")
	// With the VCS revision when git can tell it (-version names it), else
	// without (a checkout git refuses to read, no .git at all).
	if _, err := exec.Command("go", "build", "-buildvcs=auto", "-o", binary, ".").CombinedOutput(); err != nil {
		if out, err := exec.Command("go", "build", "-buildvcs=false", "-o", binary, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building scriptsrv: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	e2e.StopServers()
	os.RemoveAll(dir)
	os.Exit(code)
}

// instance is a running scriptsrv with the e2e config.
type instance struct {
	proc    *e2e.Proc
	httpURL string
	fcgi    string // the FastCGI address as configured
	dir     string
}

// startScriptsrv copies the e2e scripts to a temp dir and starts the binary
// with FastCGI on fcgi ("tcp" or "unix") and HTTP on a free port.
func startScriptsrv(t *testing.T, fcgi string) *instance {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("testdata", "e2e")
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	if fcgi == "unix" {
		addr = "unix:" + filepath.Join(dir, "fcgi.sock")
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	conf, _ := os.ReadFile(filepath.Join(dir, "e2e.toml.in"))
	conf = bytes.ReplaceAll(bytes.ReplaceAll(conf, []byte("@FCGI@"), []byte(addr)), []byte("@HTTP@"), []byte(httpAddr))
	os.WriteFile(filepath.Join(dir, "config.toml"), conf, 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	return &instance{proc: p, httpURL: "http://" + httpAddr, fcgi: addr, dir: dir}
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// frontCases runs the same requests through any front and checks what a
// user would see. errLog returns the log where a script's stderr must land.
func frontCases(t *testing.T, front, base string, errLog func() string) {
	frontCasesWith(t, front, base, errLog, func(*testing.T) {})
}

// frontCasesWith runs the cases with revive called before each: it
// restarts a front end that died, so one front's own crash is reported
// apart from scriptsrv's failures.
func frontCasesWith(t *testing.T, front, base string, errLog func() string, revive func(*testing.T)) {
	run := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) { revive(t); f(t) })
	}
	run("GET with query and UTF-8 path", func(t *testing.T) {
		resp, body := get(t, base+"/echo/h%C3%A9llo%20w%C3%B6rld/a+b?q=%C3%BC&x=a%26b&x=2&e=")
		want := `{"method":"GET","path":"/echo/héllo wörld/a+b","query":{"e":"","q":"ü","x":"a&b"},"len":0}`
		if resp.StatusCode != 200 || body != want {
			t.Errorf("got %d %s\nwant %s", resp.StatusCode, body, want)
		}
		if s := resp.Header.Get("Status"); s != "" { // Caddy forwards a Status line as a header
			t.Errorf("a 200 answer carries Status: %q to the client", s)
		}
	})
	run("POST 5 MiB", func(t *testing.T) {
		data := make([]byte, 5<<20)
		rand.Read(data)
		resp, err := noRedirect.Post(base+"/echo?echo=1", "application/octet-stream", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, data) {
			t.Errorf("status %d, %d bytes back, equal=%v", resp.StatusCode, len(got), bytes.Equal(got, data))
		}
	})
	run("body over max_body is 413", func(t *testing.T) {
		resp, err := noRedirect.Post(base+"/echo", "application/octet-stream", bytes.NewReader(make([]byte, 20<<20)))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("got %d, want 413 (the server drains the rest of the body)", resp.StatusCode)
		}
	})
	run("chunked upload", func(t *testing.T) {
		data := bytes.Repeat([]byte("chunk-"), 200000)
		req, _ := http.NewRequest("POST", base+"/echo?echo=1", io.MultiReader(bytes.NewReader(data[:1000]), bytes.NewReader(data[1000:])))
		req.ContentLength = -1
		resp, err := noRedirect.Do(req)
		if err != nil && front == "haproxy" {
			t.Skipf("HAProxy 2.6 refuses chunked uploads to a FastCGI server (it closed the connection: %v)", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 411 {
			t.Skip("this Caddy refuses chunked FastCGI uploads (411), as Caddy >= 2.9 does")
		}
		if front == "haproxy" && resp.StatusCode == 400 {
			t.Skip("HAProxy 2.6 refuses chunked uploads to a FastCGI server (400, state PH) before scriptsrv sees them")
		}
		if resp.StatusCode != 200 || !bytes.Equal(got, data) {
			t.Errorf("status %d, %d of %d bytes back", resp.StatusCode, len(got), len(data))
		}
	})
	run("explicit Status redirect", func(t *testing.T) {
		resp, _ := get(t, base+"/status?s=redirect")
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "/elsewhere" {
			t.Errorf("got %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, body := get(t, base+"/status"); resp.StatusCode != 418 || body != "teapot\n" {
			t.Errorf("status(): %d %q", resp.StatusCode, body)
		}
	})
	run("script error is 500", func(t *testing.T) {
		resp, body := get(t, base+"/error")
		if resp.StatusCode != 500 || strings.Contains(body, "e2e boom") {
			t.Errorf("got %d %q (details must not leak without debug)", resp.StatusCode, body)
		}
		// The answer names the request, so the user can find the log line.
		if id := resp.Header.Get("X-Request-Id"); id == "" || !strings.Contains(body, "request id: "+id) {
			t.Errorf("a 500 without its request id: X-Request-Id %q, body %q", id, body)
		}
		req, _ := http.NewRequest("GET", base+"/error", nil)
		req.Header.Set("X-Request-Id", "front-"+front+"-42")
		if resp, err := noRedirect.Do(req); err != nil || resp.Header.Get("X-Request-Id") != "front-"+front+"-42" {
			t.Errorf("the front end's request id is not the one answered: %v %v", err, resp.Header)
		} else {
			resp.Body.Close()
		}
	})
	run("timeout is 504", func(t *testing.T) {
		start := time.Now()
		resp, _ := get(t, base+"/slow")
		if resp.StatusCode != 504 || time.Since(start) > 5*time.Second {
			t.Errorf("got %d after %v", resp.StatusCode, time.Since(start))
		}
	})
	run("overload is 503", func(t *testing.T) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); get(t, base+"/busy?ms=1500") }()
		time.Sleep(300 * time.Millisecond)
		resp, _ := get(t, base+"/busy?ms=1")
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("got %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		wg.Wait()
	})
	run("no route is 404", func(t *testing.T) {
		if resp, _ := get(t, base+"/no/such/route"); resp.StatusCode != 404 {
			t.Errorf("got %d", resp.StatusCode)
		}
	})
	run("16 concurrent distinct bodies", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := bytes.Repeat([]byte(fmt.Sprintf("body-%02d;", i)), 4000+i*100)
				resp, err := noRedirect.Post(base+"/echo?echo=1", "application/octet-stream", bytes.NewReader(data))
				if err != nil {
					t.Error(err)
					return
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !bytes.Equal(got, data) {
					t.Errorf("request %d: status %d, %d of %d bytes, equal=%v", i, resp.StatusCode, len(got), len(data), bytes.Equal(got, data))
				}
			}()
		}
		wg.Wait()
	})
	run("a short load, every answer 2xx", func(t *testing.T) {
		var wg sync.WaitGroup
		var bad atomic.Int64
		var first atomic.Value
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					resp, err := noRedirect.Get(base + "/echo/load?x=1")
					if err != nil {
						bad.Add(1)
						first.CompareAndSwap(nil, err.Error())
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						bad.Add(1)
						first.CompareAndSwap(nil, resp.Status)
					}
				}
			}()
		}
		wg.Wait()
		if n := bad.Load(); n > 0 {
			t.Errorf("%d of 400 requests failed (first: %v)", n, first.Load())
		}
	})
	run("stderr reaches the log", func(t *testing.T) {
		if resp, body := get(t, base+"/stderr"); resp.StatusCode != 200 || body != "ok" {
			t.Errorf("got %d %q", resp.StatusCode, body)
		}
		deadline := time.Now().Add(3 * time.Second)
		for !strings.Contains(errLog(), "e2e-stderr-marker") {
			if time.Now().After(deadline) {
				t.Fatalf("stderr not in the log:\n%s", errLog())
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// The HTTP front on its own.
func TestHTTPFront(t *testing.T) {
	s := startScriptsrv(t, "tcp")
	frontCases(t, "http", s.httpURL, s.proc.Out.String)
}

// Caddy (Debian's 2.6.2) with transport fastcgi, over TCP and a unix socket.
func TestCaddy(t *testing.T) {
	e2e.Need(t, "caddy")
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			s := startScriptsrv(t, network)
			up := s.fcgi
			if network == "unix" {
				up = "unix/" + strings.TrimPrefix(s.fcgi, "unix:")
			}
			f := e2e.Caddy(t, up, "")
			// Caddy drops FastCGI stderr unless capture_stderr is set:
			// scriptsrv's own log is where it must be.
			frontCases(t, f.Name, f.URL, s.proc.Out.String)
		})
	}
}

// nginx fastcgi_pass over TCP and a unix socket, with and without
// fastcgi_keep_conn.
func TestNginx(t *testing.T) {
	e2e.Need(t, "nginx", "/usr/sbin/nginx")
	for _, network := range []string{"tcp", "unix"} {
		for _, keep := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/keep_conn=%v", network, keep), func(t *testing.T) {
				s := startScriptsrv(t, network)
				f := e2e.Nginx(t, s.fcgi, keep)
				frontCases(t, f.Name, f.URL, f.ErrorLog)
				if !strings.Contains(f.ErrorLog(), "FastCGI sent in stderr") {
					t.Errorf("nginx did not log the script's stderr")
				}
			})
		}
	}
}

// HAProxy (Debian 12's 2.6.12) as an fcgi-app that multiplexes requests
// on kept connections, asks FCGI_GET_VALUES and sends ABORT_REQUEST.
func TestHAProxy(t *testing.T) {
	e2e.Need(t, "haproxy", "/usr/sbin/haproxy")
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			s := startScriptsrv(t, network)
			f := e2e.HAProxy(t, s.fcgi)
			// HAProxy 2.6.12's FastCGI mux is known to crash (haproxy#2150):
			// a crash is restarted and reported apart from scriptsrv's failures.
			revive := func(t *testing.T) {
				if exited, out := f.Exited(); exited {
					t.Errorf("HAProxy itself died before this case (not a scriptsrv failure); restarted. Its last output:\n%s", out)
					f = e2e.HAProxyOn(t, s.fcgi, f.URL)
				}
			}
			frontCasesWith(t, f.Name, f.URL, f.ErrorLog, revive)
			revive(t)
		})
	}
}

// Apache 2.4 (mpm_event, mod_proxy_fcgi with enablereuse=on).
func TestApache(t *testing.T) {
	e2e.Need(t, "apache2", "/usr/sbin/apache2")
	s := startScriptsrv(t, "tcp")
	f := e2e.Apache(t, s.fcgi)
	frontCases(t, f.Name, f.URL, f.ErrorLog)
}

// cgi-fcgi against the real binary: raw CGI output, exit status.
func TestCgiFcgiBinary(t *testing.T) {
	bin := e2e.Need(t, "cgi-fcgi")
	s := startScriptsrv(t, "unix")
	run := func(uri, body string) (string, int) {
		cmd := exec.Command(bin, "-bind", "-connect", strings.TrimPrefix(s.fcgi, "unix:"))
		path, q, _ := strings.Cut(uri, "?")
		cmd.Env = []string{"REQUEST_METHOD=POST", "REQUEST_URI=" + uri, "SCRIPT_NAME=" + path, "QUERY_STRING=" + q, fmt.Sprintf("CONTENT_LENGTH=%d", len(body))}
		cmd.Stdin = strings.NewReader(body)
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return string(out), code
	}
	if out, code := run("/echo?echo=1", "hello"); code != 0 || out != "Content-Type: application/octet-stream\r\n\r\nhello" {
		t.Errorf("echo: exit %d %q", code, out)
	}
	if out, code := run("/error", ""); code != 1 || !strings.HasPrefix(out, "Status: 500") {
		t.Errorf("error: exit %d %q", code, out)
	}
}

type httpRequest = http.Request

func newRequest(method, url string) (*http.Request, error) { return http.NewRequest(method, url, nil) }

// lighttpd's mod_fastcgi over TCP and a unix socket.
func TestLighttpd(t *testing.T) {
	e2e.Need(t, "lighttpd", "/usr/sbin/lighttpd")
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			s := startScriptsrv(t, network)
			f := e2e.Lighttpd(t, s.fcgi)
			frontCases(t, f.Name, f.URL, f.ErrorLog)
		})
	}
}
