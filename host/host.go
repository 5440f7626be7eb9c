// Package host keeps JavaScript (goja) and Lua (gopher-lua) interpreters
// warm and runs scripts on them as the script API (SCRIPT_API.md in the
// repository's docs) says.
//
// A script is compiled once ([Load]); a [Pool] keeps a bounded set of
// interpreters that ran its top level, and serves each request on one of
// them ([Pool.ServeCGI]). A script with a global handle function is in
// handler mode; one without runs its whole body per request (CGI mode).
// Requests wait at most QueueTimeout for a free interpreter (then 503 with
// Retry-After). A request running past Timeout, or whose client went away,
// is interrupted; the request answers 504 on time even when the script is
// stuck in native code: the interpreter is abandoned and replaced. When the
// front end's ResponseWriter is a cgi.Detacher (both of scriptsrv's are), the script runs
// on the caller's goroutine and a stuck request is detached; otherwise it
// runs on its interpreter's own goroutine while the caller waits.
//
// The languages are packages of their own (host/js, host/lua) that
// register with package host/engine; what scripts may call is declared
// once in package host/caps and bound by every engine. This package is the
// engine-neutral core: pools, watchdogs, request state, output rules,
// reload, folders of scripts and routes.
//
// Not supported in the sandbox (Sandbox, the default): Lua's io.open,
// os.execute and the parts of debug that reach into other code; JS file
// system access.
package host

import (
	"fmt"
	"log/slog"
	"time"

	"scriptsrv/host/caps"
	"scriptsrv/host/engine"

	// The languages scriptsrv runs.
	"scriptsrv/host/js"
	_ "scriptsrv/host/lua"
)

// Config is a pool's configuration; zero values mean the documented
// defaults, which match config.toml's [pool] defaults.
type Config struct {
	Workers      int           // warm interpreters; default 4
	MaxRequests  int           // recycle after this many requests (±10%); 0: never
	Timeout      time.Duration // run-time limit of one request; default 30s
	QueueTimeout time.Duration // wait for a free interpreter; default 5s
	MaxBody      int64         // request body limit; default 16 MiB
	Debug        bool          // error details in responses
	Logger       *slog.Logger  // default slog.Default()
	Root         string        // folder require() may load from; default the script's folder
	// SlowLog logs requests slower than this (0: off).
	SlowLog time.Duration
	// Grace is how long an interrupted script gets to stop before the
	// request answers anyway. Default 50ms.
	Grace time.Duration
	// MemoryLimit is what one request may allocate (0: no limit).
	MemoryLimit int64
	// Platform is the server-wide state of the capabilities (kv …); nil
	// serves scripts that use none.
	Platform *caps.Platform
	// Env is what scripts see of the environment ([env]).
	Env map[string]string
	// Options are language options (module folders).
	Options engine.Options
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.QueueTimeout <= 0 {
		c.QueueTimeout = 5 * time.Second
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 16 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Grace <= 0 {
		c.Grace = 50 * time.Millisecond
	}
	return c
}

// ErrNotSettled is the error of an async handle whose Promise was still
// pending when nothing was left to wait for.
var ErrNotSettled = engine.ErrNotSettled

// ScriptError is an uncaught error in a script, with where it happened.
type ScriptError = engine.ScriptError

// CompileError is a script that does not compile or whose top level fails.
type CompileError = engine.CompileError

// MemoryError is a script stopped at its memory_limit.
type MemoryError struct {
	Limit int64 // the request's memory_limit
	Used  int64 // what the request held, as estimated
	Alloc int64 // the allocation refused (0: stopped by the heap sampler)
}

func (e *MemoryError) Error() string {
	if e.Alloc > 0 {
		return fmt.Sprintf("%s: an allocation of %s on top of an estimated %s (memory_limit %s)", engine.ErrMemoryLimit,
			sizeText(e.Alloc), sizeText(e.Used), sizeText(e.Limit))
	}
	return fmt.Sprintf("%s: the request holds an estimated %s (memory_limit %s)", engine.ErrMemoryLimit, sizeText(e.Used), sizeText(e.Limit))
}

func (e *MemoryError) Unwrap() error { return engine.ErrMemoryLimit }

// sizeText is a size for a message: "64 MiB", "1.5 GiB", "512 B".
func sizeText(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.3g %s", f, units[i])
}

// SetRegexpTimeout bounds a JavaScript regular expression's backtracking
// match, so one that runs away in a script already answered 504 does not
// keep a core busy: set it to the longest route timeout (plus the grace)
// before any pool starts.
func SetRegexpTimeout(d time.Duration) { js.SetMatchTimeout(d) }
