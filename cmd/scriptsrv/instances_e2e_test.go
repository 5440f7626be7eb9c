package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// Three instances behind Caddy share one Postgres and one Redis. Under a
// concurrent load of writes one instance is SIGKILLed; Caddy sends the
// rest to the others, and afterwards the rows equal the 2xx POST answers
// and the kv counter the 2xx increments — nothing lost, nothing counted
// twice, whichever instance served. Then a second one is killed in the
// middle of requests, to show what that can cost.
func TestInstancesShareState(t *testing.T) {
	e2e.Need(t, "caddy")
	pg := e2e.Postgres(t)
	redisAddr, redisDB := e2e.Redis(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "migrations"), 0o755)
	os.WriteFile(filepath.Join(dir, "migrations", "001_hits.sql"), []byte("CREATE TABLE hits (id SERIAL PRIMARY KEY, instance TEXT NOT NULL, k TEXT NOT NULL UNIQUE);"), 0o644)
	os.WriteFile(filepath.Join(dir, "hits.js"), []byte(`function handle(req) {
  if (req.method === "POST") {
    db.exec("INSERT INTO hits (instance, k) VALUES ($1, $2)", process.env.INSTANCE, req.query.k);
    return String(kv.incr("hits"));
  }
  return db.get("SELECT count(*) AS n FROM hits").n + " " + kv.get("hits");
}`), 0o644)
	var ups []string
	var procs []*e2e.Proc
	for i := range 3 {
		addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
		conf := fmt.Sprintf(`[server]
fastcgi = %q
http = ""
[pool]
workers = 4
timeout = "5s"
[env]
vars = { INSTANCE = "%d" }
[db.main]
url = %q
migrations = "migrations"
max_open = 4
[kv]
store = "redis://%s/%d"
[[route]]
path = "/"
script = "hits.js"
`, addr, i, pg, redisAddr, redisDB)
		file := filepath.Join(dir, fmt.Sprintf("instance%d.toml", i))
		os.WriteFile(file, []byte(conf), 0o644)
		procs = append(procs, e2e.Start(t, dir, binary, "-config", file))
		ups = append(ups, addr)
	}
	for _, p := range procs {
		e2e.WaitLog(t, p, "msg=ready", 20*time.Second)
	}
	f := e2e.CaddyUpstreams(t, ups, "lb_policy round_robin\n\t\tlb_try_duration 5s\n\t\tlb_try_interval 50ms\n\t\tfail_duration 30s")

	// Phase 1: the kill waits until no request is in flight (the load
	// pauses): every request either is answered 2xx with its write done,
	// or never reached scriptsrv.
	ok, failed := hitLoad(t, f.URL, "a", func(pause *sync.RWMutex) {
		pause.Lock()
		procs[1].Signal(syscall.SIGKILL)
		procs[1].Wait(5 * time.Second)
		pause.Unlock()
	})
	rows, counter := hitCounts(t, f.URL)
	t.Logf("phase 1: %d POSTs answered 2xx, %d not (sent to the dead instance before Caddy marked it down); rows %d, kv counter %d", ok, failed, rows, counter)
	if rows != ok || counter != ok {
		t.Errorf("rows %d and counter %d, want both %d (the 2xx answers)", rows, counter, ok)
	}
	if failed > 6 { // at most one per load worker, before Caddy marks the instance down
		t.Errorf("%d POSTs failed after an instance died", failed)
	}
	// Phase 2: killed mid-load. A request the dead instance was serving may
	// have written without answering: the rows and the counter are at least
	// the 2xx answers and at most those plus the failures.
	ok2, failed2 := hitLoad(t, f.URL, "b", func(*sync.RWMutex) {
		procs[2].Signal(syscall.SIGKILL)
		procs[2].Wait(5 * time.Second)
	})
	rows2, counter2 := hitCounts(t, f.URL)
	t.Logf("phase 2: %d POSTs answered 2xx, %d not; rows %d, kv counter %d", ok2, failed2, rows2-rows, counter2-counter)
	for _, got := range []int64{rows2 - rows, counter2 - counter} {
		if got < ok2 || got > ok2+failed2 {
			t.Errorf("phase 2: %d written for %d 2xx answers and %d failures", got, ok2, failed2)
		}
	}
	if strings.Contains(procs[0].Out.String(), "level=ERROR") {
		t.Errorf("the surviving instance logged errors:\n%s", procs[0].Out.String())
	}
}

// hitLoad sends 6 × 60 POSTs with keys of phase through the front, and
// calls kill once 120 were answered.
func hitLoad(t *testing.T, base, phase string, kill func(pause *sync.RWMutex)) (ok, failed int64) {
	var okN, failedN atomic.Int64
	var pause sync.RWMutex
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				pause.RLock()
				resp, err := noRedirect.Post(fmt.Sprintf("%s/hit?k=%s%d-%d", base, phase, w, i), "text/plain", nil)
				pause.RUnlock()
				if err == nil && resp.StatusCode == 200 {
					okN.Add(1)
				} else {
					failedN.Add(1)
					if err == nil {
						b, _ := io.ReadAll(resp.Body)
						t.Logf("POST: %d %s", resp.StatusCode, b)
					}
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	for okN.Load() < 120 {
		time.Sleep(time.Millisecond)
	}
	kill(&pause)
	wg.Wait()
	return okN.Load(), failedN.Load()
}

// hitCounts reads the rows and the kv counter.
func hitCounts(t *testing.T, base string) (rows, counter int64) {
	_, got := get(t, base+"/count")
	r, c, _ := strings.Cut(got, " ")
	rows, _ = strconv.ParseInt(r, 10, 64)
	counter, _ = strconv.ParseInt(c, 10, 64)
	return rows, counter
}
