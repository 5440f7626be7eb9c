package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// platformFiles writes a config with [env] and [kv] and scripts that show
// the environment and count in kv.
func platformFiles(t *testing.T, vars string) (dir string, httpAddr string) {
	t.Helper()
	dir = t.TempDir()
	httpAddr = fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	files := map[string]string{
		"env.js":     "function handle(req) { send(process.env); }",
		"env.lua":    "function handle(req) return table.concat({tostring(os.getenv('PASSED')), tostring(os.getenv('NOT_LISTED')), tostring(os.getenv('APP_MODE')), tostring(os.getenv('MISSING'))}, ' ') end",
		"envcgi.lua": "io.write('Content-Type: text/plain\\n\\n', tostring(os.getenv('NOT_LISTED')), ' ', tostring(os.getenv('PASSED')))",
		"count.js":   "function handle(req) { return String(kv.incr('hits')); }",
		"count.lua":  "function handle(req) return string.format('%d', kv.incr('hits')) end",
	}
	for name, src := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644)
	}
	writePlatformConfig(t, dir, httpAddr, vars)
	return dir, httpAddr
}

func writePlatformConfig(t *testing.T, dir, httpAddr, vars string) {
	conf := fmt.Sprintf(`[server]
fastcgi = ""
http = %q
status_path = "/_status"
metrics_path = "/_metrics"

[env]
pass = ["PASSED", "MISSING"]
vars = { %s }

[kv]
capacity = "1MiB"

[[route]]
path = "/env.js"
script = "env.js"
[[route]]
path = "/env.lua"
script = "env.lua"
[[route]]
path = "/envcgi"
script = "envcgi.lua"
[[route]]
path = "/count.js"
script = "count.js"
[[route]]
path = "/count.lua"
script = "count.lua"
`, httpAddr, vars)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

// [env] shows the listed variables and nothing else of scriptsrv's
// environment, in both languages and both modes, and is re-read at SIGHUP;
// kv is shared by every route and survives the reload; status and metrics
// report it.
func TestEnvAndKVBinary(t *testing.T) {
	dir, addr := platformFiles(t, `APP_MODE = "production", PASSED = "overridden"`)
	p := e2e.StartEnv(t, dir, []string{"PASSED=from-env", "NOT_LISTED=secret"}, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	base := "http://" + addr
	if !strings.Contains(p.Out.String(), "name=MISSING") {
		t.Errorf("no warning naming the unset MISSING:\n%s", p.Out)
	}
	_, js := get(t, base+"/env.js")
	var env map[string]string
	if err := json.Unmarshal([]byte(js), &env); err != nil || len(env) != 3 || env["PASSED"] != "from-env" || env["APP_MODE"] != "production" || env["MISSING"] != "" {
		t.Errorf("process.env = %s (%v)", js, err)
	}
	if _, lua := get(t, base+"/env.lua"); lua != "from-env nil production " {
		t.Errorf("os.getenv: %q", lua)
	}
	if _, cgi := get(t, base+"/envcgi"); cgi != "nil from-env" {
		t.Errorf("CGI mode: %q", cgi)
	}
	for i := 1; i <= 3; i++ {
		get(t, base+"/count.js")
		if _, n := get(t, base+"/count.lua"); n != fmt.Sprint(2*i) {
			t.Errorf("count %q, want %d: kv not shared by the routes", n, 2*i)
		}
	}
	writePlatformConfig(t, dir, addr, `APP_MODE = "staging"`)
	p.Signal(syscall.SIGHUP)
	e2e.WaitLog(t, p, "config reloaded", 10*time.Second)
	if _, lua := get(t, base+"/env.lua"); lua != "from-env nil staging " {
		t.Errorf("after SIGHUP: %q", lua)
	}
	if _, n := get(t, base+"/count.js"); n != "7" {
		t.Errorf("kv after SIGHUP: %q, want 7", n)
	}
	_, st := get(t, base+"/_status")
	var doc statusDoc
	json.Unmarshal([]byte(st), &doc)
	if doc.KV.Entries != 1 || doc.KV.Capacity != 1<<20 {
		t.Errorf("status kv: %+v", doc.KV)
	}
	if _, m := get(t, base+"/_metrics"); !strings.Contains(m, "scriptsrv_kv_entries 1") {
		t.Errorf("metrics lack scriptsrv_kv_entries 1")
	}
}

// SIGHUP reloads swap the whole config-derived state while requests read
// it: run in-process under -race, with real signals.
func TestReloadDuringRequestsRace(t *testing.T) {
	dir, addr := platformFiles(t, `APP_MODE = "a"`)
	cfg, err := loadConfig(filepath.Join(dir, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	base := "http://" + addr
	e2e.WaitHTTP(t, base+"/_status", 10*time.Second)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var failures sync.Map
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths := []string{"/env.lua", "/count.js", "/_status", "/_metrics"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(base + paths[(g+i)%len(paths)])
				if err != nil {
					failures.Store(err.Error(), true)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failures.Store(resp.Status, true)
				}
			}
		}()
	}
	for i := range 10 {
		writePlatformConfig(t, dir, addr, fmt.Sprintf(`APP_MODE = "v%d"`, i))
		syscall.Kill(os.Getpid(), syscall.SIGHUP)
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	failures.Range(func(k, _ any) bool { t.Errorf("request failed: %v", k); return true })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
