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
// Not supported: ES modules (import/export) and timers (setTimeout) in JS;
// Lua's io.open, os.execute and the debug library unless Sandbox is off.
package host

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
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
// pending when it returned: it waited on something scriptsrv never provides
// (a timer, async I/O).
var ErrNotSettled = errors.New("handle's Promise never settled (scriptsrv has no timers or async I/O)")

// ScriptError is an uncaught error in a script, with where it happened.
type ScriptError struct {
	Script  string // the script's file
	Message string // the error message, with file:line when known
	Stack   string // the script's stack, one frame a line
	Err     error  // the underlying error, if any
}

func (e *ScriptError) Error() string {
	return e.Message
}

func (e *ScriptError) Unwrap() error { return e.Err }

// CompileError is a script that does not compile or whose top level fails.
type CompileError struct {
	Script string
	Err    error
}

func (e *CompileError) Error() string { return fmt.Sprintf("loading %s: %v", e.Script, e.Err) }

func (e *CompileError) Unwrap() error { return e.Err }
