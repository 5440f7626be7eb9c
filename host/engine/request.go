// request.go: the request an interpreter serves, as the core keeps it, and
// the errors engines report.

package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"scriptsrv/cgi"
)

// Request is one request in progress. Its methods are called on the
// interpreter's goroutine, except Context, which any goroutine may use.
// The output methods follow SCRIPT_API.md's rules.
type Request interface {
	// Context is cancelled when the request times out, its client goes
	// away or the server shuts down; its deadline is the request's.
	Context() context.Context
	// ID is the request id of the logs.
	ID() string

	Params() cgi.Params
	Path() string               // req.path
	Query() map[string]string   // req.query: name → first value
	Headers() map[string]string // req.headers: lower-case, dashed
	// QueryAll is every value of a query parameter, in order.
	QueryAll(name string) []string

	// Body is the request body, buffered, cut off past max_body.
	Body() *bufio.Reader
	// ReadString reads up to n bytes (with full: exactly n unless the body
	// ends first); io.EOF at the end. n is clamped to what the body can
	// still give, so a huge n costs nothing.
	ReadString(n int, full bool) (string, error)
	// ReadBytes is ReadString into a new slice the script may keep.
	ReadBytes(n int) ([]byte, error)
	// ReadAll reads the rest of the body.
	ReadAll() ([]byte, error)
	// BodyFailed records that the body is unusable (malformed: a
	// *cgi.BodyError with its status): if the script then fails, the
	// request is answered with that status instead of a script error.
	BodyFailed(err error)

	// Header sets a response header; a later one of the same name replaces
	// it unless add (Set-Cookie always adds).
	Header(name, value string, add bool) error
	Status(code int) error
	// Send writes body bytes, emitting the header block first with
	// contentType when the script set none ("" means the default).
	Send(b []byte, contentType string) error
	// Write is raw output: a CGI header block first unless header() or
	// status() came before.
	Write(b []byte) error
	Flush() error
	// Wrote reports that the script wrote output.
	Wrote() bool
	// Stderr writes b to the front end's error log, and logs it as msg at
	// level in the server log.
	Stderr(level slog.Level, msg string, b []byte)

	// Logger is the route's logger with the request id.
	Logger() *slog.Logger
	// Slow reports that the request passed slow_log with no stack recorded
	// yet: the engine records the script's stack with SetStack.
	Slow() bool
	SetStack(stack string)
	// Grow is called before the script makes a large allocation of n bytes
	// (a checked built-in, data a capability returns). It returns an error
	// wrapping ErrMemoryLimit when that would pass the request's
	// memory_limit; the engine then stops the script.
	Grow(n int64) error
	// Waiting marks the script as waiting on I/O or time (true) and back
	// (false): memory growth meanwhile is not attributed to it.
	Waiting(on bool)

	// Local returns what SetLocal stored under key for this request (nil
	// if nothing): per-request state of a capability.
	Local(key any) any
	SetLocal(key, value any)
	// OnEnd runs f when the request ends, however it ends, latest first.
	OnEnd(f func())
}

// ErrMemoryLimit is the cause of a script stopped for passing its
// memory_limit.
var ErrMemoryLimit = errors.New("memory_limit exceeded")

// ErrNotSettled is the error of an async handle whose Promise was still
// pending when nothing was left to wait for.
var ErrNotSettled = errors.New("handle's Promise never settled (nothing left to wait for)")

// ErrPanicked marks a Go panic inside an interpreter: it is not reused.
var ErrPanicked = errors.New("panic in a host function")

// ScriptError is an uncaught error in a script, with where it happened.
type ScriptError struct {
	Script  string // the script's file
	Message string // the error message, with file:line when known
	Stack   string // the script's stack, one frame a line
	Err     error  // the underlying error, if any (an interrupt's cause)
	// Stopped reports that the interpreter was stopped (a Fatal error: the
	// request ended under the script, a memory limit): Err is the cause,
	// and the interpreter cannot serve again.
	Stopped bool
}

func (e *ScriptError) Error() string { return e.Message }

func (e *ScriptError) Unwrap() error { return e.Err }

// CompileError is a script that does not compile or whose top level fails.
type CompileError struct {
	Script string
	Err    error
}

func (e *CompileError) Error() string { return fmt.Sprintf("loading %s: %v", e.Script, e.Err) }

func (e *CompileError) Unwrap() error { return e.Err }

// Fatal marks an error that stops the script: it cannot be caught by
// try/catch or pcall (a memory limit, a request that is over).
type Fatal struct{ Err error }

func (f *Fatal) Error() string { return f.Err.Error() }

func (f *Fatal) Unwrap() error { return f.Err }

// IsFatal reports whether err stops the script.
func IsFatal(err error) bool {
	var f *Fatal
	return errors.As(err, &f)
}
