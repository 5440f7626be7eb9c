package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// cpuSeconds is the CPU time a process has used.
func cpuSeconds(t *testing.T, pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // clock ticks
}

// Native CPU runaways stop with their request: a backtracking regexp, the
// Lua trim idiom on a long run of spaces and deeply nested JSON answer on
// time (10^10 steps for the trim: never done within the timeout), and
// afterwards the process is idle; six of them do not multiply
// the interpreters.
func TestRunawaysStopBinary(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"re.js":      `function handle(req) { return String(new RegExp("^(a+)+\\1$").test("a".repeat(34) + "!")); }`,
		"trim.lua":   `function handle(req) local s = "x" .. (" "):rep(100000) .. "x" return s:match("^%s*(.-)%s*$") end`,
		"parse.js":   `function handle(req) { return String(JSON.parse("[".repeat(400000) + "]".repeat(400000)).length); }`,
		"send.js":    `function handle(req) { let a = []; for (let i = 0; i < 400000; i++) a = [a]; send(a); }`,
		"decode.lua": `function handle(req) return tostring(json.decode(("["):rep(400000) .. ("]"):rep(400000))) end`,
	}
	for name, src := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	conf := fmt.Sprintf("[server]\nfastcgi = \"\"\nhttp = %q\nstatus_path = \"/_status\"\n[pool]\nworkers = 2\ntimeout = \"1s\"\n", addr)
	for name := range files {
		conf += fmt.Sprintf("[[route]]\npath = \"/%s\"\nscript = %q\n", name, name)
	}
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	base := "http://" + addr
	cases := []struct {
		path string
		want int
		body string
	}{
		{"/re.js", 504, ""}, {"/trim.lua", 504, ""},
		{"/parse.js", 500, ""}, {"/send.js", 500, ""}, {"/decode.lua", 500, ""},
	}
	for _, c := range cases {
		start := time.Now()
		resp, _ := get(t, base+c.path)
		if resp.StatusCode != c.want || time.Since(start) > 2*time.Second {
			t.Errorf("%s: %d after %v, want %d within the 1s timeout", c.path, resp.StatusCode, time.Since(start), c.want)
		}
		time.Sleep(300 * time.Millisecond)
		before := cpuSeconds(t, p.Cmd.Process.Pid)
		time.Sleep(500 * time.Millisecond)
		// A runaway burns a core (0.5 s of CPU here); collecting what the
		// stopped script left (400000 nested arrays) may take a tenth.
		if used := cpuSeconds(t, p.Cmd.Process.Pid) - before; used > 0.25 {
			t.Errorf("%s: %.2f CPU seconds in the half second after the answer: the runaway goes on", c.path, used)
		}
	}
	for _, want := range []string{"nested more than 1000 levels deep"} {
		if !strings.Contains(p.Out.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	most := 0
	for range 6 {
		get(t, base+"/re.js")
		most = max(most, reWorkers(t, base))
	}
	if most > 4 { // 2 serving, at most 2 stuck until their match gives up
		t.Errorf("the pool grew to %d interpreters for 2 workers", most)
	}
	deadline := time.Now().Add(5 * time.Second)
	for reWorkers(t, base) != 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := reWorkers(t, base); n != 2 {
		t.Errorf("after the runaways ended: %d workers, want 2", n)
	}
}

// reWorkers is the interpreters of /re.js, stuck ones included.
func reWorkers(t *testing.T, base string) int {
	_, st := get(t, base+"/_status")
	var doc statusDoc
	json.Unmarshal([]byte(st), &doc)
	for _, r := range doc.Routes {
		if r.Route == "/re.js" {
			return r.Workers
		}
	}
	t.Fatalf("no /re.js in %s", st)
	return 0
}
