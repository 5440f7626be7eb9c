package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"scriptsrv/cgi"
	"scriptsrv/cgi/cgitest"
	"scriptsrv/internal/outbound"
)

func apiFile(name string) string { return filepath.Join("testdata", "api", name) }

// Timeouts hold in script code, in native code and in a coroutine made at
// the top level: 504 on time, and the pool is back to full strength.
func TestTimeouts(t *testing.T) {
	cases := []struct {
		file, uri string
		stuck     bool // abandoned in a native call that cannot be interrupted
	}{
		{"timeout.js", "/", false}, {"timeout.js", "/?native=1", true}, {"timeout.js", "/?stuck=1", true},
		{"timeout.lua", "/", false}, {"timeout.lua", "/?native=1", false}, {"timeout.lua", "/?co=1", false}, {"timeout.lua", "/?stuck=1", true},
	}
	for _, c := range cases {
		for _, mode := range []string{"detachable", "not-detachable"} {
			t.Run(c.file+c.uri+"/"+mode, func(t *testing.T) {
				testTimeout(t, c.file, c.uri, mode == "detachable", c.stuck)
			})
		}
	}
}

func testTimeout(t *testing.T, file, uri string, detachable, stuck bool) {
	p, lb := poolFor(t, apiFile(file), Config{Workers: 2, Timeout: 100 * time.Millisecond})
	start := time.Now()
	r := doMode(context.Background(), p, detachable, "GET", uri, "")
	took := time.Since(start)
	if r.Code() != 504 {
		t.Errorf("status %d, want 504", r.Code())
	}
	if took > time.Second {
		t.Errorf("answered after %v; timeout is 100ms", took)
	}
	if !strings.Contains(lb.String(), "script timed out") {
		t.Errorf("log: %s", lb)
	}
	waitFor(t, "pool back to 2 idle interpreters", func() bool { return p.Stats().Idle == 2 })
	if s := p.Stats(); s.Busy != 0 || s.Timeouts != 1 {
		t.Errorf("stats after the timeout: busy %d, timeouts %d; want 0 and 1", s.Busy, s.Timeouts)
	}
	if abandoned := strings.Contains(lb.String(), "stuck in native code"); abandoned != stuck {
		t.Errorf("abandoned in a native call: %v, want %v: %s", abandoned, stuck, lb)
	}
}

// A client going away interrupts the script the same way.
func TestClientGone(t *testing.T) {
	for _, name := range []string{"js", "lua", "js/not-detachable", "lua/not-detachable"} {
		lang, mode, _ := strings.Cut(name, "/")
		t.Run(name, func(t *testing.T) {
			p, lb := poolFor(t, apiFile("slow."+lang), Config{Workers: 1})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { doMode(ctx, p, mode == "", "GET", "/?spin=1", ""); close(done) }()
			waitFor(t, "script running", func() bool { return p.Stats().Busy == 1 })
			cancel()
			select {
			case <-done:
			case <-time.After(time.Second):
				t.Fatal("not interrupted within 1s of the client going away")
			}
			waitFor(t, "log", func() bool { return strings.Contains(lb.String(), "client went away") })
			if r := do(p, "GET", "/", ""); r.Body() != "ran=1" {
				t.Errorf("fresh interpreter expected, got %q", r.Body())
			}
		})
	}
}

// A client gone before the script starts still interrupts it: the watch,
// registered only once the script has run a while, finds the context done.
func TestClientGoneBeforeStart(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			p, lb := poolFor(t, apiFile("slow."+lang), Config{Workers: 1})
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			done := make(chan struct{})
			go func() { doMode(ctx, p, true, "GET", "/?spin=1", ""); close(done) }()
			select {
			case <-done:
			case <-time.After(time.Second):
				t.Fatal("not interrupted within 1s")
			}
			if !strings.Contains(lb.String(), "client went away") {
				t.Errorf("log: %s", lb.String())
			}
		})
	}
}

// All interpreters busy past queue_timeout: 503 with Retry-After, and the
// script does not run.
func TestOverload(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			p, _ := poolFor(t, apiFile("slow."+lang), Config{Workers: 1, QueueTimeout: 50 * time.Millisecond, Timeout: 500 * time.Millisecond})
			go do(p, "GET", "/?spin=1", "")
			waitFor(t, "busy", func() bool { return p.Stats().Busy == 1 })
			r := do(p, "GET", "/", "")
			if r.Code() != 503 || r.SentHeader().Get("Retry-After") == "" {
				t.Errorf("got %d %v, want 503 with Retry-After", r.Code(), r.SentHeader())
			}
			if p.Stats().Overloads != 1 {
				t.Errorf("overloads %d", p.Stats().Overloads)
			}
			waitFor(t, "idle", func() bool { return p.Stats().Idle == 1 })
			if r := do(p, "GET", "/", ""); r.Body() != "ran=1" {
				t.Errorf("the refused request ran: %q", r.Body())
			}
		})
	}
}

// max_requests recycles an interpreter: its globals start over.
func TestRecycle(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			p, _ := poolFor(t, apiFile("state."+lang), Config{Workers: 1, MaxRequests: 3})
			var bodies []string
			for range 8 {
				waitFor(t, "idle", func() bool { return p.Stats().Idle == 1 })
				bodies = append(bodies, do(p, "GET", "/", "").Body())
			}
			got := strings.Join(bodies, ",")
			if !strings.Contains(got, "top=1 served=1,top=1 served=2,top=1 served=3,top=1 served=1") {
				t.Errorf("got %s", got)
			}
			if p.Stats().Recycles < 2 {
				t.Errorf("recycles %d", p.Stats().Recycles)
			}
		})
	}
}

// Nothing of one request (headers, status, body, params) reaches the next.
func TestNoLeakBetweenRequests(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			p, _ := poolFor(t, apiFile("leak."+lang), Config{Workers: 1})
			first := do(p, "POST", "/?first=1", "0123456789")
			if first.Code() != 201 || first.Body() != "first" {
				t.Fatalf("first: %d %q", first.Code(), first.Body())
			}
			r := do(p, "POST", "/?second", "xy")
			if r.Code() != 200 || r.SentHeader().Get("X-First") != "" || r.Body() != "params=second body=xy" {
				t.Errorf("second: %d %v %q", r.Code(), r.SentHeader(), r.Body())
			}
		})
	}
}

// A script that fails to compile or whose top level throws is a clear error
// at start naming file and line.
func TestStartErrors(t *testing.T) {
	cases := map[string]string{
		"syntax_error.js": "syntax_error.js", "syntax_error.lua": "syntax_error.lua",
		"toplevel_error.js": "toplevel_error.js:3", "toplevel_error.lua": "toplevel_error.lua:3",
	}
	for file, want := range cases {
		t.Run(file, func(t *testing.T) {
			prog, err := Load(apiFile(file), "", true)
			if err == nil {
				_, err = NewPool(prog, Config{Workers: 1})
			}
			var ce *CompileError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want a CompileError naming %s", err, want)
			}
		})
	}
	if _, err := Load("nope.py", "", true); err == nil {
		t.Error("unknown extension accepted")
	}
}

// When the top level starts failing on recycle, the route answers 503 while
// the pool retries with backoff, and serves again once it can.
func TestRecycleBackoff(t *testing.T) {
	p, lb := poolFor(t, apiFile("state.lua"), Config{Workers: 1, MaxRequests: 1, QueueTimeout: 50 * time.Millisecond})
	good := p.prog.Load()
	bad, err := Compile("broken.lua", "", "error('broken top level')\nfunction handle() end", true)
	if err != nil {
		t.Fatal(err)
	}
	p.prog.Store(bad)
	if r := do(p, "GET", "/", ""); r.Body() != "top=1 served=1" {
		t.Fatalf("got %q", r.Body())
	}
	if r := do(p, "GET", "/", ""); r.Code() != 503 {
		t.Errorf("while the script is broken: %d, want 503", r.Code())
	}
	waitFor(t, "a logged retry", func() bool { return strings.Contains(lb.String(), "broken.lua:1: broken top level") })
	p.prog.Store(good)
	waitFor(t, "recovery", func() bool { return p.Stats().Idle == 1 })
	if r := do(p, "GET", "/", ""); r.Code() != 200 {
		t.Errorf("after the fix: %d", r.Code())
	}
}

// Many goroutines on one pool, under -race.
func TestConcurrency(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			p, _ := poolFor(t, apiFile("hello."+lang), Config{Workers: 3})
			var wg sync.WaitGroup
			errs := make(chan string, 100)
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 50 {
						name := fmt.Sprintf("g%di%d", g, i)
						if r := do(p, "GET", "/?name="+name, ""); r.Body() != "hello "+name {
							errs <- r.Body()
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Errorf("wrong body %q", e)
			}
		})
	}
}

// A timeout's log line has the script's stack where it was interrupted;
// slow_log logs slow requests.
func TestTimeoutStackAndSlowLog(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			// A generous Grace: the interrupt-point stack is logged only when the
			// script stops within it, which a loaded -race run can delay.
			p, lb := poolFor(t, apiFile("timeout."+lang), Config{Workers: 1, Timeout: 100 * time.Millisecond, SlowLog: 50 * time.Millisecond, Grace: 2 * time.Second})
			do(p, "GET", "/", "")
			waitFor(t, "log", func() bool { return strings.Contains(lb.String(), "script timed out") })
			if !strings.Contains(lb.String(), "timeout."+lang+":") || !strings.Contains(lb.String(), "slow request") {
				t.Errorf("no stack or slow log line:\n%s", lb)
			}
		})
	}
}

// A request past slow_log is logged with the script's stack, taken at its
// first host call after the threshold: the script calls header() (line 4)
// until 300 ms have passed, so the stack is there however late a loaded
// machine fires the 30 ms timer.
func TestSlowLogStack(t *testing.T) {
	// The script waits far past the 30 ms threshold, then makes a host call
	// on line 4: however late a loaded machine runs the slow-log timer, it
	// has fired by then (a busy loop of host calls could end first).
	scripts := map[string]string{
		"slowstack.js":  "async function handle(req) {\n  await new Promise((done) => setTimeout(done, 500));\n  // the host call after the threshold:\n  header('X-A', '1');\n  return 'ok';\n}",
		"slowstack.lua": "function handle(req)\n  sleep(0.5)\n  -- the host call after the threshold:\n  header('X-A', '1')\n  return 'ok'\nend",
	}
	for name, src := range scripts {
		t.Run(name, func(t *testing.T) {
			p, lb := newPool(t, name, src, Config{Workers: 1, SlowLog: 30 * time.Millisecond})
			if r := do(p, "GET", "/", ""); r.Body() != "ok" {
				t.Fatalf("got %q", r.Body())
			}
			waitFor(t, "slow log", func() bool { return strings.Contains(lb.String(), "slow request") })
			if !strings.Contains(lb.String(), name+":4") {
				t.Errorf("no stack at the header() call (line 4):\n%s", lb)
			}
		})
	}
}

// CGI mode runs the whole script per request on the same interpreter: JS
// top-level let/const work on the second request too, Lua globals persist.
func TestCGIModeTwice(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			p, _ := poolFor(t, apiFile("cgi."+lang), Config{Workers: 1})
			for i := range 3 {
				r := do(p, "POST", "/c?i="+itoa(i), "b")
				if r.Code() != 200 || !strings.Contains(r.Body(), "query: i="+itoa(i)+"\n") || !strings.Contains(r.Body(), "n=1\n") {
					t.Errorf("request %d: %d %q", i, r.Code(), r.Body())
				}
			}
			if !p.prog.Load().CGIMode {
				t.Error("not detected as CGI mode")
			}
		})
	}
}

// flush() pushes output to the front as it goes.
func TestFlush(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		p, _ := poolFor(t, apiFile("send."+lang), Config{Workers: 1})
		r := do(p, "GET", "/?flush=1", "")
		if r.Body() != "ab" || r.Flushes() != 1 {
			t.Errorf("%s: body %q, %d flushes; want \"ab\" and 1", lang, r.Body(), r.Flushes())
		}
	}
}

// Lua's read(n) returns n bytes unless the body ends, even when the body
// arrives in small pieces (a CGI script reading CONTENT_LENGTH bytes).
func TestLuaReadFull(t *testing.T) {
	p, _ := newPool(t, "full.lua", `function handle(req) local a = io.read(10) local b = io.read(10) return a .. "|" .. tostring(b) end`, Config{Workers: 1})
	rec := &cgitest.Recorder{}
	pr, pw := io.Pipe()
	go func() {
		for _, s := range []string{"abc", "defg", "hij", "kl"} {
			pw.Write([]byte(s))
			time.Sleep(5 * time.Millisecond)
		}
		pw.Close()
	}()
	p.ServeCGI(rec, cgi.NewRequest(context.Background(), cgi.Params{{Name: "REQUEST_METHOD", Value: "POST"}}, pr))
	if rec.Body() != "abcdefghij|kl" {
		t.Errorf("got %q, want %q", rec.Body(), "abcdefghij|kl")
	}
}

// CGI mode runs every request on a fresh runtime: after eight admin
// requests, an anonymous one on the same interpreter sees none of their
// globals, prototypes or replaced built-ins.
func TestCGIModeIsolation(t *testing.T) {
	want := map[string]string{
		"js":  "isAdmin=undefined lastBody=undefined polluted=undefined parse=1\n",
		"lua": "is_admin=nil previous_body=nil upper=X\n",
	}
	for lang, w := range want {
		t.Run(lang, func(t *testing.T) {
			p, _ := poolFor(t, apiFile("cgileak."+lang), Config{Workers: 1})
			for i := range 8 {
				do(p, "POST", "/", fmt.Sprintf("SECRET-BODY-%d", i), "HTTP_AUTHORIZATION", "Bearer admin-token")
			}
			if r := do(p, "GET", "/", ""); r.Body() != w {
				t.Errorf("anonymous request: %q, want %q", r.Body(), w)
			}
		})
	}
}

// Whatever a request leaves pending — a setInterval, an async call in
// flight — never runs in the next request on the same interpreter, which
// is reused, not replaced.
func TestNothingPendingOutlivesItsRequest(t *testing.T) {
	cases := []struct{ file, start, check, want string }{
		{"timers.js", "/?case=leave", "/?case=count", "fired 0 served 2"},
		{"inflight.js", "/?start=1", "/", "late 0 served 2"},
		{"fetchlife.js", "/?start=1&up=" + upstreamURL(t), "/", "late 0 served 2"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			p, _ := poolFor(t, apiFile(c.file), Config{Workers: 1})
			do(p, "GET", c.start, "")
			time.Sleep(80 * time.Millisecond)
			if r := do(p, "GET", c.check, ""); r.Body() != c.want {
				t.Errorf("got %q, want %q", r.Body(), c.want)
			}
			if s := p.Stats(); s.Recycles != 0 || s.Workers != 1 {
				t.Errorf("stats %+v: the interpreter was replaced", s)
			}
		})
	}
}

// A fetch made but not awaited by a request that ends at once is never
// sent: async calls start when the loop next waits, as Node's I/O starts
// once the running job is done.
func TestUnstartedFetchNeverSent(t *testing.T) {
	p, _ := poolFor(t, apiFile("fetchlife.js"), Config{Workers: 1, Platform: fetchPlatform(t, outbound.Config{})})
	before := upstream.hits.Load()
	if r := do(p, "GET", "/?unsent=1&up="+upstreamURL(t), ""); r.Body() != "made" {
		t.Fatalf("got %d %q", r.Code(), r.Body())
	}
	time.Sleep(100 * time.Millisecond)
	if n := upstream.hits.Load() - before; n != 0 {
		t.Errorf("the upstream got %d requests", n)
	}
	if r := do(p, "GET", "/", ""); r.Body() != "late 0 served 2" {
		t.Errorf("got %q", r.Body())
	}
}

// Async calls overlap: four 100 ms calls under Promise.all take about
// 100 ms, not 400.
func TestAsyncCallsOverlap(t *testing.T) {
	p, _ := poolFor(t, apiFile("inflight.js"), Config{Workers: 1})
	if r := do(p, "GET", "/?parallel=1", ""); r.Body() != "abcd overlapped" {
		t.Errorf("got %q", r.Body())
	}
}

// A request waiting (a timer, sleep, an async call) is interrupted by its
// timeout and by its client going away as promptly as one computing, and
// not abandoned.
func TestWaitingInterrupted(t *testing.T) {
	for _, file := range []string{"timers.js", "timers.lua"} {
		for _, how := range []string{"timeout", "client gone"} {
			t.Run(file+"/"+how, func(t *testing.T) {
				p, lb := poolFor(t, apiFile(file), Config{Workers: 1, Timeout: 200 * time.Millisecond})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if how == "client gone" {
					time.AfterFunc(50*time.Millisecond, cancel)
				}
				start := time.Now()
				r := doCtx(ctx, p, "GET", "/?case=wait", "")
				if took := time.Since(start); took > 500*time.Millisecond {
					t.Errorf("answered after %v", took)
				}
				if how == "timeout" && r.Code() != 504 {
					t.Errorf("status %d, want 504", r.Code())
				}
				if strings.Contains(lb.String(), "stuck in native code") {
					t.Errorf("abandoned: %s", lb)
				}
			})
		}
	}
}

// An outbound request is cancelled — the upstream sees its connection
// close and no goroutine is left — when the incoming request times out or
// its client goes away, and the answer comes as promptly as for a script
// that computes.
func TestFetchCancelledWithItsRequest(t *testing.T) {
	for _, file := range []string{"fetchlife.js", "fetchlife.lua"} {
		for _, how := range []string{"timeout", "client gone"} {
			t.Run(file+"/"+how, func(t *testing.T) {
				plat := fetchPlatform(t, outbound.Config{DenyPrivate: true})
				p, _ := poolFor(t, apiFile(file), Config{Workers: 1, Timeout: 300 * time.Millisecond, Platform: plat})
				do(p, "GET", "/?up="+upstreamURL(t), "") // warm
				plat.Fetch.CloseIdle()
				// A timed-out interpreter is replaced: its new worker is not a leak.
				defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), goleak.IgnoreTopFunction("scriptsrv/host.(*Pool).loop"))
				before := upstream.cancelled.Load()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if how == "client gone" {
					time.AfterFunc(100*time.Millisecond, cancel)
				}
				start := time.Now()
				r := doCtx(ctx, p, "GET", "/?case=hang&up="+upstreamURL(t), "")
				if took := time.Since(start); took > time.Second {
					t.Errorf("answered after %v", took)
				}
				if how == "timeout" && r.Code() != 504 {
					t.Errorf("status %d, want 504", r.Code())
				}
				waitFor(t, "the upstream to see the request cancelled", func() bool { return upstream.cancelled.Load() > before })
				waitFor(t, "the pool back to strength", func() bool { s := p.Stats(); return s.Idle == 1 && s.Stuck == 0 })
				plat.Fetch.CloseIdle()
			})
		}
	}
}
