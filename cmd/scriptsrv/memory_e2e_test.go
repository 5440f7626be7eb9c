package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// rss is a process's resident memory, from /proc.
func rss(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// startBombServer runs the binary with memory_limit = 64MiB, the bomb
// scripts on two routes and a small route beside them.
func startBombServer(t *testing.T) (*e2e.Proc, string) {
	dir := t.TempDir()
	for _, f := range []string{"bomb.js", "bomb.lua"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "host", "testdata", "api", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "small.js"), []byte("function handle(req) { return 'small'; }"), 0o644)
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	conf := fmt.Sprintf(`[server]
fastcgi = ""
http = %q
status_path = "/_status"

[pool]
workers = 2
timeout = "20s"
memory_limit = "64MiB"

[[route]]
path = "/bomb.js"
script = "bomb.js"
[[route]]
path = "/bomb.lua"
script = "bomb.lua"
[[route]]
path = "/small"
script = "small.js"
`, addr)
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	return p, "http://" + addr
}

// smallLoad sends small requests until stop closes, counting failures.
func smallLoad(base string, stop chan struct{}, ok, failed *atomic.Int64) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := &http.Client{Timeout: 10 * time.Second}
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := c.Get(base + "/small")
			if err == nil && resp.StatusCode == 200 {
				ok.Add(1)
			} else {
				failed.Add(1)
			}
			if err == nil {
				resp.Body.Close()
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return &wg
}

// peakRSS samples the process's RSS until stop closes.
func peakRSS(t *testing.T, pid int, stop chan struct{}) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if r := rss(t, pid); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() int64 { <-done; return peak.Load() }
}

// The memory bombs of issue 11, through the real binary with memory_limit
// = 64MiB: each answers 500 within its timeout with a log line naming the
// limit, route, script, request id and stack; the process's RSS stays
// under 1 GiB and comes back; small requests beside it all succeed; two at
// once likewise; a request that allocates 40 MiB and frees it is never
// stopped.
func TestMemoryBombsBinary(t *testing.T) {
	p, base := startBombServer(t)
	pid := p.Cmd.Process.Pid
	for range 20 {
		get(t, base+"/small")
	}
	bombs := [][]string{{"/bomb.lua?case=concat"}, {"/bomb.js?case=concat"}, {"/bomb.lua?case=rep"}, {"/bomb.js?case=repeat"},
		{"/bomb.lua?case=table"}, {"/bomb.js?case=push"}, {"/bomb.lua?case=concat", "/bomb.js?case=push"}}
	stops := 0
	for _, set := range bombs {
		name := strings.Join(set, "+")
		before := rss(t, pid)
		stop := make(chan struct{})
		var ok, failed atomic.Int64
		load := smallLoad(base, stop, &ok, &failed)
		peak := peakRSS(t, pid, stop)
		var wg sync.WaitGroup
		for _, path := range set {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				resp, body := get(t, base+path)
				if resp.StatusCode != 500 || !strings.Contains(body, "memory limit exceeded") || time.Since(start) > 20*time.Second {
					t.Errorf("%s: %d %q after %v", path, resp.StatusCode, body, time.Since(start))
				}
			}()
		}
		wg.Wait()
		time.Sleep(100 * time.Millisecond)
		close(stop)
		load.Wait()
		top := peak()
		stops += len(set)
		waitRSS := time.Now().Add(10 * time.Second)
		after := rss(t, pid)
		for after > 2*before && time.Now().Before(waitRSS) {
			time.Sleep(100 * time.Millisecond)
			after = rss(t, pid)
		}
		t.Logf("%s: peak RSS %d MiB (before %d MiB, after %d MiB); small requests %d ok, %d failed", name, top>>20, before>>20, after>>20, ok.Load(), failed.Load())
		if top >= 1<<30 {
			t.Errorf("%s: peak RSS %d MiB, want under 1 GiB", name, top>>20)
		}
		if after > 2*before {
			t.Errorf("%s: RSS %d MiB afterwards, more than twice the %d MiB before", name, after>>20, before>>20)
		}
		if failed.Load() > 0 || ok.Load() == 0 {
			t.Errorf("%s: small requests %d ok, %d failed", name, ok.Load(), failed.Load())
		}
	}
	log := p.Out.String()
	for _, want := range []string{`msg="memory_limit exceeded; script stopped"`, "route=/bomb.lua", "route=/bomb.js", "script=bomb.lua", "request_id=", "stack=", "memory_limit=67108864"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	_, st := get(t, base+"/_status")
	var doc statusDoc
	json.Unmarshal([]byte(st), &doc)
	total := int64(0)
	for _, r := range doc.Routes {
		total += r.MemoryStops
		if r.Workers != 2 {
			t.Errorf("%s: %d workers, want 2 (interpreters replaced)", r.Route, r.Workers)
		}
	}
	if total != int64(stops) {
		t.Errorf("errors_5xx_memory %d, want %d", total, stops)
	}
	for range 10 {
		for _, path := range []string{"/bomb.js?case=ok40", "/bomb.lua?case=ok40"} {
			if resp, body := get(t, base+path); resp.StatusCode != 200 || !strings.HasPrefix(body, "ok 4194") {
				t.Errorf("%s: %d %q: a well-behaved 40 MiB request was stopped", path, resp.StatusCode, body)
			}
		}
	}
}
