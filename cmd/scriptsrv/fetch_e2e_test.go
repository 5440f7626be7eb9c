package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// fetchUpstream is a real HTTP service on loopback for scripts to call:
// /item (a small JSON document), /huge (1 GiB, streamed).
func fetchUpstream(t *testing.T) (addr string, hugeSent *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hugeSent = &atomic.Int64{}
	mux := http.NewServeMux()
	mux.HandleFunc("/item", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":7,"name":"widget","price":12.5}`))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 256<<10)
		for hugeSent.Load() < 1<<30 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			hugeSent.Add(int64(len(chunk)))
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), hugeSent
}

// vmHWM is a process's peak RSS so far.
func vmHWM(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// Scripts call a real upstream through the binary, over the HTTP front and
// through Caddy: the answer carries the upstream's field; a 1 GiB response
// fails at max_response without the server's memory growing by it; a host
// not in allow is refused; metrics count the calls per host.
func TestFetchBinary(t *testing.T) {
	up, hugeSent := fetchUpstream(t)
	dir := t.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	fcgiAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	files := map[string]string{
		"item.js": `async function handle(req) {
  const r = await fetch("http://` + up + `/item");
  const item = await r.json();
  return item.name + " " + item.price;
}`,
		"item.lua": `function handle(req)
  local res, err = http.get("http://` + up + `/item")
  if not res then status(502) return err end
  local item = json.decode(res.body)
  return item.name .. " " .. item.price
end`,
		"huge.js": `async function handle(req) {
  try { await (await fetch("http://` + up + `/huge")).arrayBuffer(); return "read it all"; }
  catch (e) { return e.constructor.name + ": " + e.message; }
}`,
		"huge.lua": `function handle(req) return select(2, http.get("http://` + up + `/huge")) end`,
		"other.js": `async function handle(req) {
  try { await fetch("http://localhost:1/"); return "reached"; } catch (e) { return e.message; }
}`,
	}
	conf := fmt.Sprintf("[server]\nhttp = %q\nfastcgi = %q\nmetrics_path = \"/_metrics\"\nstatus_path = \"/_status\"\n\n[fetch]\nmax_response = \"8MiB\"\nallow = [%q]\n", httpAddr, fcgiAddr, up)
	for name, src := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644)
		conf += fmt.Sprintf("\n[[route]]\npath = \"/%s\"\nscript = %q\n", name, name)
	}
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	base := "http://" + httpAddr

	for _, lang := range []string{"js", "lua"} {
		if res, body := get(t, base+"/item."+lang); res.StatusCode != 200 || body != "widget 12.5" {
			t.Errorf("item.%s: %d %q", lang, res.StatusCode, body)
		}
	}
	if _, body := get(t, base+"/other.js"); !strings.Contains(body, "refused: localhost:1 is not in [fetch] allow") {
		t.Errorf("other.js: %q", body)
	}

	for _, lang := range []string{"js", "lua"} {
		hugeSent.Store(0)
		before := vmHWM(t, p.Cmd.Process.Pid)
		_, body := get(t, base+"/huge."+lang)
		if !strings.Contains(body, "response body is over [fetch] max_response (8388608 bytes)") {
			t.Errorf("huge.%s: %q", lang, body)
		}
		grew := vmHWM(t, p.Cmd.Process.Pid) - before
		t.Logf("huge.%s: peak RSS grew %d KiB; the upstream sent %d KiB", lang, grew>>10, hugeSent.Load()>>10)
		if grew > (8+8)<<20 {
			t.Errorf("huge.%s: peak RSS grew %d MiB, want under max_response + 8 MiB", lang, grew>>20)
		}
	}

	f := e2e.Caddy(t, fcgiAddr, "")
	if res, body := get(t, f.URL+"/item.js"); res.StatusCode != 200 || body != "widget 12.5" {
		t.Errorf("through Caddy: %d %q", res.StatusCode, body)
	}

	_, m := get(t, base+"/_metrics")
	for _, want := range []string{
		fmt.Sprintf(`scriptsrv_fetch_requests_total{host=%q} 5`, up),
		fmt.Sprintf(`scriptsrv_fetch_errors_total{host=%q} 2`, up),
		fmt.Sprintf(`scriptsrv_fetch_duration_seconds_count{host=%q} 5`, up),
		`scriptsrv_fetch_requests_total{host="localhost:1"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	_, st := get(t, base+"/_status")
	var doc statusDoc
	if json.Unmarshal([]byte(st), &doc); len(doc.Fetch) != 2 {
		t.Errorf("status fetch: %+v", doc.Fetch)
	}
}
