package host

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/host/engine"
)

// waited receives the cause a blocked test capability returned with.
var waited = make(chan error, 10)

func init() {
	// testcap.wait blocks until the request's context ends, as a capability
	// doing I/O does.
	engine.Define(&engine.Module{Name: "testcap", Funcs: []*engine.Func{{Name: "wait", Do: func(c *engine.Call, a *engine.Args) (any, error) {
		ctx := c.Context()
		select {
		case <-ctx.Done():
			waited <- context.Cause(ctx)
			return nil, context.Cause(ctx)
		case <-time.After(10 * time.Second):
			waited <- nil
			return nil, nil
		}
	}}, {Name: "spin", Do: func(c *engine.Call, a *engine.Args) (any, error) {
		// A native call that cannot be interrupted: it ignores its context.
		for end := time.Now().Add(time.Duration(a.Number(0) * float64(time.Second))); time.Now().Before(end); {
		}
		return nil, nil
	}}}})
}

// A capability blocked in Go gets the request's context: the timeout and
// the client going away cancel it, so the call returns at once instead of
// the interpreter being abandoned.
func TestCapabilityContext(t *testing.T) {
	scripts := map[string]string{"js": "function handle(req) { testcap.wait(); return 'done'; }", "lua": "function handle(req) testcap.wait() return 'done' end"}
	for _, lang := range []string{"js", "lua"} {
		for _, how := range []string{"timeout", "client gone"} {
			t.Run(lang+"/"+how, func(t *testing.T) {
				p, lb := newPool(t, "wait."+lang, scripts[lang], Config{Workers: 1, Timeout: 200 * time.Millisecond, Grace: time.Second})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if how == "client gone" {
					time.AfterFunc(50*time.Millisecond, cancel)
				}
				start := time.Now()
				r := doCtx(ctx, p, "GET", "/", "")
				if took := time.Since(start); took > 800*time.Millisecond {
					t.Errorf("answered after %v", took)
				}
				select {
				case cause := <-waited:
					if how == "timeout" && !errors.Is(cause, errTimedOut) || how == "client gone" && !errors.Is(cause, context.Canceled) {
						t.Errorf("the call ended with %v", cause)
					}
				case <-time.After(time.Second):
					t.Fatal("the blocked call did not return")
				}
				if how == "timeout" && r.Code() != 504 {
					t.Errorf("status %d, want 504", r.Code())
				}
				if strings.Contains(lb.String(), "stuck in native code") {
					t.Errorf("the interpreter was abandoned: %s", lb)
				}
			})
		}
	}
}

func init() {
	// testcap.later(ms, value) resolves after ms, off the interpreter's
	// goroutine, as an I/O capability does.
	engine.Define(&engine.Module{Name: "testcap", Funcs: []*engine.Func{{Name: "later", Async: true, Do: func(c *engine.Call, a *engine.Args) (any, error) {
		select {
		case <-time.After(time.Duration(a.Number(0)) * time.Millisecond):
			return a.Value(1), nil
		case <-c.Context().Done():
			return nil, context.Cause(c.Context())
		}
	}}}})
}

// A request whose client left before it started, seen first by a
// capability (http.get, fetch) rather than by the watchdog: the script is
// stopped, the request counts as an abort, and its interpreter is replaced
// — the next request on the pool is served, not failed with the old cause.
func TestStoppedInterpreterReplaced(t *testing.T) {
	for _, file := range []string{"fetch.js", "fetch.lua"} {
		t.Run(file, func(t *testing.T) {
			p, lb := poolFor(t, apiFile(file), Config{Workers: 1})
			uri := "/?case=json&up=" + upstreamURL(t)
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(cgi.ErrClientGone)
			doCtx(ctx, p, "GET", uri, "")
			for i := range 3 {
				if r := do(p, "GET", uri, ""); r.Code() != 200 {
					t.Fatalf("request %d after the aborted one: %d %q (log %s)", i, r.Code(), r.Body(), lb)
				}
			}
			if strings.Contains(lb.String(), "script error") {
				t.Errorf("an abort logged as a script error:\n%s", lb)
			}
		})
	}
}
