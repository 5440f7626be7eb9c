package host

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// A request past memory_limit is stopped: 500, a log line naming the
// limit with its stack, the interpreter replaced — and the route goes on.
// try/catch and pcall cannot keep a stopped script running.
func TestMemoryLimitStopsBombs(t *testing.T) {
	cases := map[string][]string{
		"js":  {"concat", "repeat", "push", "buffer", "typed", "fill", "join", "pad", "caught"},
		"lua": {"concat", "rep", "table", "format", "join", "caught"},
	}
	for lang, names := range cases {
		for _, name := range names {
			t.Run(lang+"/"+name, func(t *testing.T) {
				p, lb := poolFor(t, apiFile("bomb."+lang), Config{Workers: 2, Timeout: 10 * time.Second, MemoryLimit: 64 << 20})
				start := time.Now()
				r := do(p, "GET", "/?case="+name, "")
				if r.Code() != 500 || !strings.Contains(r.Body(), "memory limit exceeded") {
					t.Errorf("got %d %q, want 500 memory limit exceeded (log %s)", r.Code(), r.Body(), lb)
				}
				if took := time.Since(start); took > 10*time.Second { // within the timeout
					t.Errorf("stopped after %v", took)
				}
				waitFor(t, "the log line", func() bool {
					return strings.Contains(lb.String(), "memory_limit exceeded; script stopped") && strings.Contains(lb.String(), "bomb."+lang)
				})
				waitFor(t, "the pool back to strength", func() bool { return p.Stats().Idle == 2 })
				if r := do(p, "GET", "/", ""); r.Body() != "fine" {
					t.Errorf("next request: %d %q", r.Code(), r.Body())
				}
				if s := p.Stats(); s.MemoryStops != 1 {
					t.Errorf("memory stops %d, want 1", s.MemoryStops)
				}
				// A copy in progress when it was stopped may still run: let
				// it end, so its memory is not the next case's.
				deadline := time.Now().Add(30 * time.Second)
				for p.Stats().Stuck > 0 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				runtime.GC()
			})
		}
	}
}

// A well-behaved request that allocates 40 MiB and frees it is never
// stopped at 64 MiB.
func TestMemoryLimitSparesBigRequests(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			p, lb := poolFor(t, apiFile("bomb."+lang), Config{Workers: 2, MemoryLimit: 64 << 20})
			for range 3 {
				if r := do(p, "GET", "/?case=ok40", ""); r.Code() != 200 || !strings.HasPrefix(r.Body(), "ok 4194") {
					t.Fatalf("got %d %q (log %s)", r.Code(), r.Body(), lb)
				}
			}
		})
	}
}
