// Package cgi is the request/response contract shared by scriptsrv's fronts
// (the FastCGI server in package fcgi and the HTTP front in package httpmin)
// and the script host (package host).
//
// A front turns whatever arrived on the wire into a [Request]: the CGI
// params (RFC 3875 meta-variables, exactly as a web server sends them over
// FastCGI) and a streamed body. The handler answers through a
// [ResponseWriter], whose shape follows net/http: headers, a status, body
// writes, flushes, plus a stderr stream for the web server's error log.
//
// The package only uses the standard library. It does not parse CGI output
// written by scripts: that happens once, in package host.
package cgi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// ErrBodyTooLarge is returned by a request body that exceeded its limit.
var ErrBodyTooLarge = errors.New("cgi: request body too large")

// ErrClientGone is wrapped by the cause of a request context the client
// ended: it closed the connection or aborted the request.
var ErrClientGone = errors.New("cgi: the client went away")

// ErrShutdown is the cause of a request context cancelled because the
// server's grace period for shutdown ran out. The response can still be
// written: handlers answer 503 instead of going silent.
var ErrShutdown = errors.New("cgi: server shutting down")

// Role is the FastCGI role a request was sent for. The HTTP front always
// uses [Responder].
type Role uint8

const (
	// Responder is the ordinary role: produce the response to a request.
	Responder Role = 1
	// Authorizer answers whether a request may proceed: status 200 allows
	// it (with Variable-* headers passed to later handlers), anything else
	// is sent to the client as the answer.
	Authorizer Role = 2
)

// Request is one request as a handler sees it, whichever front it came from.
type Request struct {
	// Params holds every CGI param as received, in order (duplicates kept;
	// Get returns the last one).
	Params Params
	// Body streams the request body. It is never nil: a request without a
	// body reads io.EOF at once. Reads fail with the request context's
	// error once the request is cancelled.
	Body io.Reader
	// Role is Responder unless the FastCGI front end asked for another.
	Role Role

	ctx context.Context
}

// NewRequest returns a request with the given context, params and body. A
// nil body reads as empty; a nil ctx means context.Background.
func NewRequest(ctx context.Context, params Params, body io.Reader) *Request {
	if ctx == nil {
		ctx = context.Background()
	}
	if body == nil {
		body = http.NoBody
	}
	return &Request{Params: params, Body: body, Role: Responder, ctx: ctx}
}

// Context returns the request's context. It is cancelled when the client
// goes away (FastCGI ABORT_REQUEST, a closed connection) or the server shuts
// down. It is never nil.
func (r *Request) Context() context.Context {
	if r.ctx == nil {
		return context.Background()
	}
	return r.ctx
}

// WithContext returns a shallow copy of r with its context changed to ctx.
func (r *Request) WithContext(ctx context.Context) *Request {
	r2 := *r
	r2.ctx = ctx
	return &r2
}

// ResponseWriter is how a handler answers. Its methods may not be used after
// the handler returns.
type ResponseWriter interface {
	// Header is the header map sent by WriteHeader (or the first Write).
	// Changing it after that has no effect.
	Header() http.Header
	// WriteHeader sends the header block with the given status code. Later
	// calls are ignored.
	WriteHeader(status int)
	// Write writes body bytes, sending the header block with status 200
	// first if WriteHeader was not called.
	Write(p []byte) (int, error)
	// Flush sends buffered output to the client now.
	Flush() error
	// Stderr is the web server's error-log stream (FastCGI STDERR). It
	// never goes into the response.
	Stderr() io.Writer
}

// Detacher is implemented by a ResponseWriter whose request can end while
// its handler is still running. A handler stuck in code it cannot interrupt
// (a script inside a long native call) answers from another goroutine —
// the stuck one must no longer touch the writer — and calls Detach: the front
// end then ends the request as if the handler had returned, and ignores the
// handler when it finally does. Detach may be called once, from any goroutine.
type Detacher interface {
	Detach()
}

// Handler answers CGI requests.
type Handler interface {
	ServeCGI(w ResponseWriter, r *Request)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(w ResponseWriter, r *Request)

// ServeCGI calls f(w, r).
func (f HandlerFunc) ServeCGI(w ResponseWriter, r *Request) { f(w, r) }

// BodyError is an error reading a request body that says how to answer
// it: a malformed or stalled body is the client's fault (400, 408), a body
// that cannot be spooled the server's (503).
type BodyError struct {
	Status int
	Err    error
}

func (e *BodyError) Error() string { return e.Err.Error() }

func (e *BodyError) Unwrap() error { return e.Err }

// BodyStatus is the status to answer a request whose body read failed
// with err: 413 for ErrBodyTooLarge, a BodyError's Status, 0 for errors
// that say nothing of the request (io.EOF, a cancelled context).
func BodyStatus(err error) int {
	if err == nil {
		return 0
	}
	var be *BodyError
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &be):
		return be.Status
	}
	return 0
}

// ReadDeadliner is implemented by a request body whose reads can be given
// a deadline: past it a read fails with a BodyError (408). Both fronts'
// bodies implement it, so a script blocked on a body that stalls is freed
// at its timeout.
type ReadDeadliner interface {
	SetReadDeadline(t time.Time) error
}
