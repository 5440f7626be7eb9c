// request.go: the per-request state every host function reads; it is the
// engine.Request the interpreters see.

package host

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/host/engine"
)

// reqState is one request as the interpreter sees it. It lives in its
// worker and is reset per request: serving a request allocates nothing for
// what the script does not use.
type reqState struct {
	r     *cgi.Request
	pool  *Pool
	mem   *meter // the worker's
	out   output
	body  *bufio.Reader // lazily wraps the limited body
	lim   limitedBody
	path  string
	query map[string]string
	log   *slog.Logger // with the request id, made on first use

	// slow is set by the worker's slow-log timer; the next host call on the
	// interpreter's goroutine then records the script's stack in slowStack.
	slow      atomic.Bool
	slowStack string

	deadline time.Time
	ctxMu    sync.Mutex
	ctx      context.Context         // made on first use
	cancel   context.CancelCauseFunc // cancels ctx
	stopped  error                   // why the request was stopped, if it was

	bodyArmed bool // the body's reads have the request's deadline

	locals []local
	ends   []func()

	scratch []byte // reused by ReadString: only the string result is new
}

type local struct{ key, value any }

var _ engine.Request = (*reqState)(nil)

func (rs *reqState) reset(w cgi.ResponseWriter, r *cgi.Request, p *Pool, start time.Time) {
	rs.r, rs.pool, rs.path, rs.query, rs.log, rs.slowStack = r, p, "", nil, nil, ""
	rs.slow.Store(false)
	rs.out.reset(w)
	rs.out.reqID = RequestID(r.Context())
	rs.lim = limitedBody{r: r.Body, left: p.cfg.MaxBody}
	if rs.body != nil {
		rs.body.Reset(&rs.lim)
	}
	// The watchdog cancels the context at the timeout (stop); the deadline
	// the context reports is a grace later, so a capability bounding its
	// own wait by it never ends before the watchdog has taken over.
	rs.deadline = start.Add(p.cfg.Timeout + p.cfg.Grace)
	// No lock: the last request's watchdogs are done (execute waited for
	// any that fired), and nothing else touches these between requests.
	rs.ctx, rs.cancel, rs.stopped, rs.bodyArmed = nil, nil, nil, false
}

// end runs the request's OnEnd functions and releases its context, once
// the script no longer runs.
func (rs *reqState) end() {
	for i := len(rs.ends) - 1; i >= 0; i-- {
		rs.ends[i]()
	}
	clear(rs.ends)
	rs.ends = rs.ends[:0]
	clear(rs.locals)
	rs.locals = rs.locals[:0]
	if rs.ctx != nil { // made on this goroutine only
		rs.stop(errRequestOver)
	}
}

var errRequestOver = errors.New("request is over")

// stopping records why the request is being stopped, before anything
// acts on it.
func (rs *reqState) stopping(cause error) {
	rs.ctxMu.Lock()
	defer rs.ctxMu.Unlock()
	if rs.stopped == nil {
		rs.stopped = cause
	}
}

// stop cancels the request's context with cause (a timeout, the client
// gone, a memory limit), now or when it is made.
func (rs *reqState) stop(cause error) {
	rs.ctxMu.Lock()
	defer rs.ctxMu.Unlock()
	if rs.stopped == nil {
		rs.stopped = cause
	}
	if rs.cancel != nil {
		rs.cancel(cause)
	}
}

// Context is the request's context: cancelled by the front end (client
// gone, shutdown), by a timeout or memory stop, and at the request's end.
// It is not a child of the front end's context, whose Done makes the HTTP
// front watch the connection (a goroutine and a read) at once: the
// watchdog cancels it when the front end's is done, from
// clientWatchAfter on, as it interrupts a script that computes.
func (rs *reqState) Context() context.Context {
	rs.ctxMu.Lock()
	defer rs.ctxMu.Unlock()
	if rs.ctx == nil {
		ctx, cancel := context.WithCancelCause(context.WithoutCancel(rs.r.Context()))
		rs.ctx, rs.cancel = deadlineCtx{ctx, rs.deadline}, cancel
		if rs.stopped != nil {
			rs.cancel(rs.stopped)
		}
	}
	return rs.ctx
}

// deadlineCtx reports the request's deadline without a timer of its own:
// the watchdog cancels the context at the timeout (a timer per request
// cost more than most capability calls).
type deadlineCtx struct {
	context.Context
	deadline time.Time
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// errTimedOut is the cause of a request context past its timeout.
var errTimedOut = errors.New("request timed out")

func (rs *reqState) ID() string         { return RequestID(rs.r.Context()) }
func (rs *reqState) Params() cgi.Params { return rs.r.Params }

func (rs *reqState) Logger() *slog.Logger {
	if rs.log == nil {
		rs.log = rs.pool.log.With("request_id", rs.ID())
	}
	return rs.log
}

func (rs *reqState) Slow() bool { return rs.slow.Load() && rs.slowStack == "" }

func (rs *reqState) SetStack(s string) { rs.slowStack = s }

func (rs *reqState) Local(key any) any {
	for _, l := range rs.locals {
		if l.key == key {
			return l.value
		}
	}
	return nil
}

func (rs *reqState) SetLocal(key, value any) {
	for i, l := range rs.locals {
		if l.key == key {
			rs.locals[i].value = value
			return
		}
	}
	rs.locals = append(rs.locals, local{key, value})
}

func (rs *reqState) OnEnd(f func()) { rs.ends = append(rs.ends, f) }

// Grow refuses an allocation that would take the request past its memory
// limit, and counts one it admits until the heap sampler sees it.
func (rs *reqState) Grow(n int64) error {
	m := rs.mem
	if m.limit <= 0 || n <= 0 {
		return nil
	}
	if held := m.held(); held+n > m.limit {
		return &engine.Fatal{Err: &MemoryError{Limit: m.limit, Used: held, Alloc: n}}
	}
	m.pending.Add(n)
	return nil
}

// Waiting marks the script as waiting (sleep, I/O) or running again: the
// heap's growth while it waits is not its own.
func (rs *reqState) Waiting(on bool) {
	m := rs.mem
	if m.limit <= 0 {
		return
	}
	if on {
		m.pause()
	} else {
		m.segStart.Store(monoNow())
	}
}

// stopCause is why the request was stopped (nil if it was not).
func (rs *reqState) stopCause() error {
	rs.ctxMu.Lock()
	defer rs.ctxMu.Unlock()
	return rs.stopped
}

// Body returns the buffered request body. On first use its reads get the
// request's deadline: a body that stalls frees its script at the timeout
// (the read fails just after the watchdog has interrupted the script).
func (rs *reqState) Body() *bufio.Reader {
	if !rs.bodyArmed {
		rs.bodyArmed = true
		if d, ok := rs.r.Body.(cgi.ReadDeadliner); ok {
			d.SetReadDeadline(rs.deadline.Add(-rs.pool.cfg.Grace / 2))
		}
	}
	if rs.body == nil {
		rs.body = bufio.NewReaderSize(&rs.lim, 64<<10)
	}
	return rs.body
}

// Path is req.path: decoded, without the query.
func (rs *reqState) Path() string {
	if rs.path == "" {
		p, err := cgi.RequestPath(rs.r.Params)
		if err != nil {
			p = "/"
		}
		rs.path = p
	}
	return rs.path
}

// requestPath is Path, for the core's logs.
func (rs *reqState) requestPath() string { return rs.Path() }

// Query is req.query: QUERY_STRING, name → first value.
func (rs *reqState) Query() map[string]string {
	if rs.query == nil {
		rs.query = map[string]string{}
		eachQuery(rs.r.Params.Get("QUERY_STRING"), func(k, v string) {
			if _, ok := rs.query[k]; !ok {
				rs.query[k] = v
			}
		})
	}
	return rs.query
}

// QueryAll is every value of a query parameter, in order.
func (rs *reqState) QueryAll(name string) []string {
	out := []string{}
	eachQuery(rs.r.Params.Get("QUERY_STRING"), func(k, v string) {
		if k == name {
			out = append(out, v)
		}
	})
	return out
}

// eachQuery calls f for every decodable name=value of a query string;
// & and ; both separate.
func eachQuery(q string, f func(k, v string)) {
	for q != "" {
		var kv string
		i := strings.IndexAny(q, "&;")
		if i < 0 {
			kv, q = q, ""
		} else {
			kv, q = q[:i], q[i+1:]
		}
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 == nil && err2 == nil {
			f(k, v)
		}
	}
}

// Headers is req.headers: HTTP_* and CONTENT_* params, lower-case, dashed.
func (rs *reqState) Headers() map[string]string {
	m := make(map[string]string, 16)
	for _, p := range rs.r.Params {
		if n, ok := cgi.HeaderName(p.Name); ok {
			m[n] = p.Value
		}
	}
	return m
}

func (rs *reqState) Header(name, value string, add bool) error {
	return rs.out.header(name, value, add)
}
func (rs *reqState) Status(code int) error          { return rs.out.setStatus(code) }
func (rs *reqState) Send(b []byte, ct string) error { return rs.out.send(b, ct) }
func (rs *reqState) Write(b []byte) error           { return rs.out.write(b) }
func (rs *reqState) Flush() error                   { return rs.out.flush() }
func (rs *reqState) Wrote() bool                    { return rs.out.wrote }

// Stderr writes to the front end's error log and logs the text.
func (rs *reqState) Stderr(level slog.Level, msg string, b []byte) {
	if w := rs.out.w; w != nil {
		w.Stderr().Write(b)
	}
	rs.pool.log.Log(context.Background(), level, msg, "request_id", rs.ID(), "message", strings.TrimRight(string(b), "\n"))
}

// limitedBody cuts a body off past max_body with cgi.ErrBodyTooLarge, and
// keeps the first read error: a script that fails after one is answered
// for the body (413, 400, 408, 503), not with a script error.
type limitedBody struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitedBody) Read(p []byte) (int, error) {
	n, err := l.read(p)
	if err != nil && err != io.EOF && l.err == nil {
		l.err = err
	}
	return n, err
}

func (l *limitedBody) read(p []byte) (int, error) {
	if l.left <= 0 {
		var b [1]byte
		if n, _ := l.r.Read(b[:]); n > 0 {
			return 0, cgi.ErrBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		l.left = 0
		return 0, cgi.ErrBodyTooLarge
	}
	l.left -= int64(n)
	return n, err
}

// ReadAll reads the rest of the body.
func (rs *reqState) ReadAll() ([]byte, error) { return io.ReadAll(rs.Body()) }

// BodyFailed keeps the first reason the body could not be used.
func (rs *reqState) BodyFailed(err error) {
	if rs.lim.err == nil {
		rs.lim.err = err
	}
}

// readChunk is how much a read asks for at a time: a read of n bytes
// grows its buffer as data arrives, never allocating n up front.
const readChunk = 64 << 10

// read reads up to n bytes (with full, exactly n unless the body ends)
// into buf, growing it as data arrives; io.EOF when nothing was left.
func (rs *reqState) read(buf []byte, n int, full bool) ([]byte, error) {
	br := rs.Body()
	if max := rs.lim.left + int64(br.Buffered()) + 1; int64(n) > max {
		n = int(max) // no body can give more: the rest is cut off anyway
	}
	buf = buf[:0]
	for len(buf) < n {
		want := min(n-len(buf), readChunk)
		if cap(buf)-len(buf) < want {
			grown := make([]byte, len(buf), min(n, max(2*cap(buf), len(buf)+want)))
			copy(grown, buf)
			buf = grown
		}
		got, err := br.Read(buf[len(buf) : len(buf)+want])
		buf = buf[:len(buf)+got]
		if err != nil {
			if err == io.EOF && len(buf) > 0 {
				return buf, nil
			}
			return buf, err
		}
		if !full && len(buf) > 0 {
			break
		}
	}
	return buf, nil
}

// ReadString reads up to n bytes as a string (with full, exactly n unless
// the body ends first, as Lua's read(n) does), through a reused buffer so a
// large body read in pieces allocates each piece once; io.EOF at the end.
func (rs *reqState) ReadString(n int, full bool) (string, error) {
	if n <= 0 {
		return "", nil
	}
	b, err := rs.read(rs.scratch, n, full)
	if cap(b) <= 1<<20 {
		rs.scratch = b[:0] // do not keep a huge buffer around
	}
	if len(b) > 0 {
		return string(b), nil
	}
	return "", err
}

// ReadBytes reads up to n bytes into a new slice (a script may keep it);
// io.EOF when the body is over.
func (rs *reqState) ReadBytes(n int) ([]byte, error) {
	if n <= 0 {
		return []byte{}, nil
	}
	b, err := rs.read(nil, n, false)
	if len(b) > 0 {
		return b, nil
	}
	return nil, err
}
