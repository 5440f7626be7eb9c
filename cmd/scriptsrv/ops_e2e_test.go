package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/fcgi/fcgitest"
	"scriptsrv/internal/e2e"
)

// startWith starts scriptsrv with the e2e config plus extra [server] keys.
func startWith(t *testing.T, serverKeys string) *instance {
	t.Helper()
	s := startScriptsrv(t, "tcp")
	s.proc.Signal(syscall.SIGKILL)
	s.proc.Wait(5 * time.Second)
	cfg := filepath.Join(s.dir, "config.toml")
	b, _ := os.ReadFile(cfg)
	b = []byte(strings.Replace(string(b), "[server]\n", "[server]\n"+serverKeys+"\n", 1))
	os.WriteFile(cfg, b, 0o644)
	s.proc = e2e.Start(t, s.dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, s.proc, "msg=ready", 10*time.Second)
	return s
}

// status_path and metrics_path answer on both fronts, only to allowed
// clients; the access log has one line per request, with secrets redacted.
func TestStatusMetricsAccessLog(t *testing.T) {
	s := startWith(t, `status_path = "/_status"
metrics_path = "/_metrics"
health_path = "/_health"
access_log = true
log_level = "debug"`)
	for range 3 {
		get(t, s.httpURL+"/echo?x=1")
	}
	get(t, s.httpURL+"/slow")
	req := mustReq(t, s.httpURL+"/echo")
	req.Header.Set("Cookie", "session=topsecret")
	if resp, err := noRedirect.Do(req); err == nil {
		resp.Body.Close()
	}
	resp, body := get(t, s.httpURL+"/_status")
	var doc statusDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status: %d %v %s", resp.StatusCode, err, body)
	}
	byRoute := map[string]routeStatus{}
	for _, r := range doc.Routes {
		byRoute[r.Route] = r
	}
	if e := byRoute["/echo"]; e.Served != 4 || e.Workers != 4 || e.Idle != 4 || len(e.Slowest) == 0 {
		t.Errorf("/echo status: %+v", e)
	}
	if sl := byRoute["/slow"]; sl.Timeouts != 1 {
		t.Errorf("/slow timeouts: %+v", sl)
	}
	_, metrics := get(t, s.httpURL+"/_metrics")
	for _, want := range []string{`scriptsrv_request_duration_seconds_bucket{route="/echo",le=`, `scriptsrv_requests_total{route="/echo"`,
		`scriptsrv_failures_total{kind="timeout",route="/slow"`, `scriptsrv_workers{route="/echo"`, "go_goroutines"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if resp, body := get(t, s.httpURL+"/_health"); resp.StatusCode != 200 || body != "ok\n" {
		t.Errorf("health: %d %q", resp.StatusCode, body)
	}
	// Over FastCGI, from a client outside status_clients: refused.
	c, err := fcgitest.Dial("tcp", s.fcgi)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, _ := c.Do(append(fcgitest.GetParams("/_status"), cgi.Param{Name: "REMOTE_ADDR", Value: "203.0.113.9"}), nil)
	if code, _, _, _ := r.HTTP(); code != 403 {
		t.Errorf("status to a stranger: %d, want 403", code)
	}
	r, _ = c.Get("/_status")
	if code, _, body, _ := r.HTTP(); code != 200 || !strings.Contains(string(body), `"route": "/echo"`) {
		t.Errorf("status over FastCGI: %d", code)
	}
	log := s.proc.Out.String()
	if !strings.Contains(log, "msg=request") || !strings.Contains(log, "status=504") || !strings.Contains(log, "request_id=") {
		t.Errorf("access log lines missing:\n%s", log)
	}
	if strings.Contains(log, "topsecret") || !strings.Contains(log, "HTTP_COOKIE=[redacted]") {
		t.Errorf("cookie not redacted in the log")
	}
}

func mustReq(t *testing.T, url string) *httpRequest {
	req, err := newRequest("GET", url)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// SIGHUP under load: zero failed requests while the config is reloaded.
func TestReloadUnderLoadBinary(t *testing.T) {
	s := startScriptsrv(t, "tcp")
	var stop atomic.Bool
	var failed, served atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				resp, err := noRedirect.Get(s.httpURL + "/echo?load=1")
				served.Add(1)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	cfg := filepath.Join(s.dir, "config.toml")
	base, _ := os.ReadFile(cfg)
	for i := range 5 {
		os.WriteFile(cfg, append(base, fmt.Sprintf("\n[[route]]\npath = \"/extra%d\"\nscript = \"echo.js\"\n", i)...), 0o644)
		s.proc.Signal(syscall.SIGHUP)
		time.Sleep(150 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if n := strings.Count(s.proc.Out.String(), "config reloaded"); n != 5 {
		t.Errorf("%d reloads logged, want 5", n)
	}
	if failed.Load() > 0 {
		t.Errorf("%d of %d requests failed during reloads", failed.Load(), served.Load())
	}
	t.Logf("%d requests during 5 reloads", served.Load())
}

// SIGTERM under load: every request in progress within the grace period
// completes.
func TestShutdownUnderLoad(t *testing.T) {
	s := startScriptsrv(t, "tcp")
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := fcgitest.Dial("tcp", s.fcgi)
			if err != nil {
				return
			}
			defer c.Close()
			r, err := c.Get("/wait?ms=700")
			if err == nil {
				if code, _, body, _ := r.HTTP(); code == 200 && string(body) == "done" {
					ok.Add(1)
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	s.proc.Signal(syscall.SIGTERM)
	wg.Wait()
	if ok.Load() != 4 {
		t.Errorf("%d of 4 in-flight requests completed", ok.Load())
	}
	if err := s.proc.Wait(10 * time.Second); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// Socket activation: the listening socket systemd passes as fd 3.
func TestSocketActivation(t *testing.T) {
	s := startScriptsrv(t, "tcp")
	s.proc.Signal(syscall.SIGKILL)
	s.proc.Wait(5 * time.Second)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := l.(*net.TCPListener).File()
	l.Close()
	cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -config config.toml`, binary)
	cmd.Dir = s.dir
	cmd.ExtraFiles = []*os.File{f}
	out := &e2e.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "msg=ready") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "socket from systemd") {
		t.Fatalf("socket activation not used:\n%s", out)
	}
	c, err := fcgitest.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Get("/echo?sd=1")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, body, _ := r.HTTP(); code != 200 || !strings.Contains(string(body), `"sd":"1"`) {
		t.Errorf("got %d %s", code, body)
	}
}

// Three instances behind one Caddy: one is killed mid-load and the client
// sees no failure, because Caddy retries another upstream.
func TestCaddyFailover(t *testing.T) {
	e2e.Need(t, "caddy")
	var ups []string
	var insts []*instance
	for range 3 {
		s := startScriptsrv(t, "tcp")
		insts = append(insts, s)
		ups = append(ups, s.fcgi)
	}
	f := e2e.CaddyUpstreams(t, ups, "lb_policy round_robin\n\t\tlb_try_duration 5s\n\t\tlb_try_interval 50ms\n\t\tfail_duration 30s")
	failed := 0
	for i := range 300 {
		if i == 100 {
			insts[1].proc.Signal(syscall.SIGKILL)
			insts[1].proc.Wait(5 * time.Second)
		}
		resp, err := noRedirect.Get(f.URL + "/echo?i=" + fmt.Sprint(i))
		if err != nil || resp.StatusCode != 200 {
			failed++
			if err == nil {
				t.Logf("request %d: %d", i, resp.StatusCode)
			}
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	if failed > 0 {
		t.Errorf("%d of 300 requests failed after an instance died", failed)
	}
}
