// request.go: one request's state and the goroutine that runs its handler.

package fcgi

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"scriptsrv/cgi"
)

type request struct {
	c        *conn
	id       uint16
	keepConn bool
	role     cgi.Role
	ctx      context.Context
	cancel   context.CancelCauseFunc
	body     *body

	params cgi.Params
	resp   atomic.Pointer[response] // set once the handler runs

	// Owned by the connection reader.
	begun          time.Time // BEGIN_REQUEST arrived
	rawParams      []byte
	paramsReleased bool
	paramsDone     bool
	stdinDone      bool
	started        bool
}

func newRequest(c *conn, id uint16, keep bool, role cgi.Role) *request {
	// Not a child of c.ctx: abortAll cancels each request itself, which
	// spares every request a registration with the connection's context.
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &request{c: c, id: id, keepConn: keep, role: role, ctx: ctx, cancel: cancel, begun: time.Now()}
	r.body = newBody(ctx, c.srv.bodyMemory(), c.srv.MaxBody, c.srv.TempDir)
	return r
}

// prepare commits a request whose params have ended to run: the reader
// starts it (runReady) once the records already buffered are read.
func (r *request) prepare(ps cgi.Params) {
	r.started = true
	r.params = ps
	r.c.handlers.Add(1)
}

// goStart runs the handler off the connection reader, so the reader keeps
// reading whatever the handler does: on one of the connection's idle
// goroutines if one is waiting, else on a new one.
func (r *request) goStart() {
	select {
	case r.c.next <- r:
	default:
		go r.c.work(r)
	}
}

func (r *request) run() {
	w := newResponse(r)
	r.resp.Store(w)
	req := cgi.NewRequest(r.ctx, r.params, r.body)
	req.Role = r.role
	r.serve(w, req)
	w.end()
}

// serve runs the handler; a panic is logged and, unless the request was
// detached meanwhile, answered with 500.
func (r *request) serve(w *response, req *cgi.Request) {
	defer func() {
		if v := recover(); v != nil {
			r.c.log.Error("fastcgi: handler panic", "peer", r.c.peer, "id", r.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if w.over.Load() {
				return
			}
			w.failed = true
			if !w.wroteHeader {
				w.header = http.Header{}
				w.WriteHeader(http.StatusInternalServerError)
			}
		}
	}()
	r.c.srv.Handler.ServeCGI(w, req)
}

// end ends the request once: when its handler returns or when it detaches.
func (w *response) end() {
	if !w.over.CompareAndSwap(false, true) {
		return
	}
	r := w.r
	w.awaitBody()
	r.c.remove(r)
	r.body.close()
	w.finish()
	r.cancel(context.Canceled)
	if !r.keepConn {
		r.c.closeAfter()
	}
	r.c.handlers.Done()
}

// Detach ends the request now (cgi.Detacher); the handler's return is
// ignored. A handler stuck writing to a web server that stopped reading
// has that write failed first (the connection is then done), so Detach
// does not wait for the write timeout.
func (w *response) Detach() {
	if !w.mu.TryLock() {
		w.r.c.failWrites()
	} else {
		w.mu.Unlock()
	}
	w.end()
}

// releaseParams drops the raw params, and their share of the server's
// budget of unfinished params.
func (r *request) releaseParams() {
	if len(r.rawParams) > 0 && !r.paramsReleased {
		r.c.srv.pending.Add(-int64(len(r.rawParams)))
	}
	r.paramsReleased = true
	r.rawParams = nil
}
