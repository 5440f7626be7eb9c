// run.go: how one request runs on a worker's engine, and how it ends —
// normally, with a script error, interrupted (timeout, client gone,
// shutdown) or abandoned inside a native call that cannot be interrupted.

package host

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/host/engine"
)

// Worker states. The watchdogs (the timeout, the client going away, the
// grace period after an interrupt) and the goroutine running the script
// agree through compare-and-swap on who ends the request.
const (
	stIdle        int32 = iota
	stRunning           // the script runs
	stInterrupted       // a watchdog interrupted it; Grace to return
	stHandled           // it returned after the interrupt: its goroutine answers
	stAbandoned         // it did not: the grace watchdog answered and detached
)

// job is a request handed to a worker's own goroutine.
type job struct {
	w    cgi.ResponseWriter
	r    *cgi.Request
	done detachChan
}

// detachChan is closed when the request is over for the front end.
type detachChan chan struct{}

func (c detachChan) Detach() { close(c) }

// run serves r on wk. With a front end that can detach a request (the
// FastCGI and HTTP fronts) the script runs right here, on the front end's
// goroutine: no hand-off to another goroutine and back. Otherwise (CGI mode,
// other handlers) it runs on the worker's own goroutine while this one
// waits, so a script stuck in a native call cannot hold the caller.
func (p *Pool) run(wk *worker, w cgi.ResponseWriter, r *cgi.Request) {
	if d, ok := w.(cgi.Detacher); ok {
		p.execute(wk, w, d, r)
		return
	}
	done := make(detachChan)
	wk.jobs <- job{w: w, r: r, done: done}
	<-done
}

// loop is a worker's own goroutine.
func (p *Pool) loop(wk *worker) {
	for j := range wk.jobs {
		if !p.execute(wk, j.w, j.done, j.r) {
			close(j.done)
		}
	}
}

// execute runs the script for r on the calling goroutine and answers. The
// timeout or the client going away interrupts it; if it has not returned
// Grace later (stuck in a native call), abandon answers for it and detaches
// the request, and this goroutine only retires the engine when the call
// finally returns. execute reports whether that happened.
func (p *Pool) execute(wk *worker, w cgi.ResponseWriter, d cgi.Detacher, r *cgi.Request) (detached bool) {
	p.busy.Add(1)
	rs := &wk.rs
	wk.det, wk.start = d, time.Now()
	rs.reset(w, r, p, wk.start)
	if wk.mem.limit > 0 {
		wk.mem.start(int64(wk.start.Sub(procStart)))
	}
	wk.state.Store(stRunning)
	wk.watch.Reset(p.cfg.Timeout) // per-worker timers: no allocation per request
	wk.gone.Reset(clientWatchAfter)
	if p.cfg.SlowLog > 0 {
		wk.slow.Reset(p.cfg.SlowLog)
	}
	err := safeServe(wk.eng, rs)
	if wk.mem.limit > 0 {
		wk.mem.pause()
	}
	rs.end()
	if p.cfg.SlowLog > 0 {
		wk.slow.Stop()
	}
	watchStopped, ctxStopped := wk.watch.Stop(), p.unwatchClient(wk)
	switch {
	case wk.state.CompareAndSwap(stRunning, stIdle):
		// A watchdog that fired meanwhile finds the worker idle and does
		// nothing; wait for it, so it cannot touch the next request.
		if !watchStopped {
			<-wk.fired
		}
		if !ctxStopped {
			<-wk.fired
		}
		p.busy.Add(-1)
		p.finish(wk, rs, err, wk.start)
		return false
	case wk.state.CompareAndSwap(stInterrupted, stHandled):
		wk.grace.Stop()
		stack := stackOf(err)
		p.retire(wk)
		if errors.Is(rs.stopCause(), engine.ErrMemoryLimit) {
			heap.freeMemory()
		}
		p.account(rs, wk.start, stack)
		p.replace()
		p.interrupted(rs, r, wk.start, stack)
		p.busy.Add(-1)
		return false
	default: // abandoned: wait until abandon has answered and detached
		<-wk.abandoned
		p.retire(wk)
		p.stuckMu.Lock()
		p.stuck.Add(-1)
		if p.owed > 0 {
			p.owed--
			p.replace()
		}
		p.stuckMu.Unlock()
		if errors.Is(rs.stopCause(), engine.ErrMemoryLimit) {
			heap.freeMemory()
		}
		return true
	}
}

// clientWatchAfter is how long a request runs before the client going away
// is watched for. Registering the watch on the request's context costs more
// than most requests take; a script that ends sooner is not worth
// interrupting (its answer is simply not delivered).
const clientWatchAfter = 5 * time.Millisecond

// watchClient makes the client going away interrupt the running script:
// wk.gone calls it once the request has run clientWatchAfter.
func (p *Pool) watchClient(wk *worker) {
	wk.stopCtx = context.AfterFunc(wk.rs.r.Context(), wk.onCtx)
	wk.watched <- struct{}{}
}

// unwatchClient stops the client-gone watch once the script has returned.
// It reports false if the watch fired: expire runs or has run, and sends
// on wk.fired.
func (p *Pool) unwatchClient(wk *worker) bool {
	if wk.gone.Stop() {
		return true
	}
	<-wk.watched
	stop := wk.stopCtx
	wk.stopCtx = nil
	return stop()
}

// expire is the timeout and client-gone watchdog: it interrupts a running
// script and starts the grace period.
func (p *Pool) expire(wk *worker) {
	if wk.state.CompareAndSwap(stRunning, stInterrupted) {
		cause := errTimedOut
		if ctx := wk.rs.r.Context(); ctx.Err() != nil {
			cause = context.Cause(ctx)
		}
		// Why, then the interpreter, then the context: a capability
		// waiting on the context wakes when it is cancelled and must find
		// the script already interrupted (or it could answer 200 before the
		// interrupt lands), and whoever answers must find the cause.
		wk.rs.stopping(cause)
		wk.eng.Interrupt(cause)
		wk.rs.stop(cause)
		wk.grace.Reset(p.cfg.Grace)
	}
	wk.fired <- struct{}{}
}

// abandon answers for a script still stuck Grace after its interrupt
// (inside a native call), and lets the front end end the request; a new
// interpreter takes the stuck one's place at once.
func (p *Pool) abandon(wk *worker) {
	if !wk.state.CompareAndSwap(stInterrupted, stAbandoned) {
		return
	}
	rs := &wk.rs
	detached := false
	if !rs.out.tryFence() {
		// Stuck writing to a client that does not read: the front end fails
		// that write when it detaches, then the output is ours.
		wk.det.Detach()
		detached = true
		rs.out.fence()
	}
	stack := "(stuck in native code)"
	if detached {
		stack = "(stuck writing to a client that does not read)"
	}
	p.account(rs, wk.start, stack)
	// A stuck interpreter still burns its CPU: past maxStuck of them the
	// pool waits for one to end before it starts another, and requests
	// queue (503 at queue_timeout) instead of stuck calls multiplying.
	p.stuckMu.Lock()
	if p.stuck.Add(1) <= int64(p.maxStuck()) {
		p.replace()
	} else {
		p.owed++
		p.log.Warn("too many interpreters stuck in native code; not replacing this one until one ends", "stuck", p.stuck.Load())
	}
	p.stuckMu.Unlock()
	p.interrupted(rs, rs.r, wk.start, stack)
	p.busy.Add(-1)
	if !detached {
		wk.det.Detach()
	}
	wk.abandoned <- struct{}{}
}

// account records the request's duration (slowest list, slow log) with
// the script's stack when one is known. It must run before the worker, and
// so rs, is released.
func (p *Pool) account(rs *reqState, start time.Time, stack string) {
	d := time.Since(start)
	p.slow.add(rs, d)
	if p.cfg.SlowLog > 0 && d > p.cfg.SlowLog {
		if stack == "" {
			stack = "(no host call after the threshold: stack unknown)"
		}
		p.log.Warn("slow request", "request_id", RequestID(rs.r.Context()), "method", rs.r.Params.Get("REQUEST_METHOD"),
			"path", rs.requestPath(), "duration", d, "slow_log", p.cfg.SlowLog, "stack", stack)
	}
}

// stackOf is where an interrupted script was.
func stackOf(err error) string {
	var se *ScriptError
	if errors.As(err, &se) && se.Stack != "" {
		return se.Stack
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// finish answers after the script returned, and puts the worker back.
func (p *Pool) finish(wk *worker, rs *reqState, err error, start time.Time) {
	p.served.Add(1)
	if errors.Is(err, engine.ErrMemoryLimit) { // a refused allocation stopped it
		p.memoryStopped(rs, err, start, stackOf(err))
		p.account(rs, start, stackOf(err))
		p.retire(wk)
		p.replace()
		heap.freeMemory()
		return
	}
	if se := (*ScriptError)(nil); errors.As(err, &se) && se.Stopped {
		// The request ended under the script before a watchdog saw it (a
		// capability found its context over): answered as an interrupt,
		// and the stopped interpreter is replaced, never served again.
		rs.stopping(se.Err)
		stack := stackOf(err)
		p.account(rs, start, stack)
		p.retire(wk)
		p.replace()
		p.interrupted(rs, rs.r, start, stack)
		return
	}
	if err == nil {
		err = rs.out.finish()
	}
	switch status := cgi.BodyStatus(rs.lim.err); {
	case err != nil && context.Cause(rs.r.Context()) != nil && !errors.Is(context.Cause(rs.r.Context()), context.Canceled):
		// The client left (or the server is shutting down) while the script
		// ran, and the script failed for it: an abort, not a script error.
		rs.stopping(context.Cause(rs.r.Context()))
		p.interrupted(rs, rs.r, start, stackOf(err))
	case err != nil && status != 0: // the body failed the script, not its code
		p.log.Warn("request body could not be read", "request_id", RequestID(rs.r.Context()), "path", rs.requestPath(),
			"status", status, "error", rs.lim.err.Error())
		rs.out.fail(status, http.StatusText(status)+": "+rs.lim.err.Error()+"\n", nil)
	case err != nil:
		p.scriptFailed(rs, err, start)
	}
	rs.out.fence()
	p.account(rs, start, rs.slowStack)
	wk.served++
	switch {
	case errors.Is(err, engine.ErrPanicked):
		p.retire(wk)
		p.replace()
	case wk.limit > 0 && wk.served >= wk.limit:
		p.recycles.Add(1)
		p.retire(wk)
		p.replace()
	case p.ctx.Err() != nil:
		p.retire(wk)
	default:
		p.idle <- wk
	}
}

// scriptFailed logs an uncaught error and answers 500 if it still can.
func (p *Pool) scriptFailed(rs *reqState, err error, start time.Time) {
	p.errs.Add(1)
	if bad := (*BadCGIError)(nil); errors.As(err, &bad) && !p.prog.Load().CGIMode && bad.Hint == "" {
		bad.Hint = handlerRawHint
	}
	attrs := []any{"request_id", RequestID(rs.r.Context()), "method", rs.r.Params.Get("REQUEST_METHOD"), "path", rs.requestPath(), "duration", time.Since(start), "error", err.Error()}
	var se *ScriptError
	if errors.As(err, &se) && se.Stack != "" {
		attrs = append(attrs, "stack", se.Stack)
	}
	var bad *BadCGIError
	if errors.As(err, &bad) {
		attrs = append(attrs, "line", bad.Line)
	}
	p.log.Error("script error", attrs...)
	msg := err.Error()
	if se != nil && se.Stack != "" {
		msg += "\n" + se.Stack
	}
	if w := rs.out.w; w != nil {
		fmt.Fprintf(w.Stderr(), "%s: %s\n", p.prog.Load().File, msg)
	}
	body := "internal server error\n"
	if p.cfg.Debug {
		body = msg + "\n"
	}
	rs.out.fail(http.StatusInternalServerError, body, nil)
}

// interrupted answers a request whose context ended: 504 on timeout, 500
// at the memory limit, or nothing useful when the client is gone.
func (p *Pool) interrupted(rs *reqState, r *cgi.Request, start time.Time, stack string) {
	cause := rs.stopCause() // what interrupted it; the front may have ended the request since
	if errors.Is(cause, engine.ErrMemoryLimit) {
		p.memoryStopped(rs, cause, start, stack)
		return
	}
	attrs := []any{"request_id", RequestID(r.Context()), "method", r.Params.Get("REQUEST_METHOD"), "path", rs.requestPath(),
		"duration", time.Since(start), "stack", stack}
	if errors.Is(cause, cgi.ErrShutdown) {
		p.aborts.Add(1)
		p.log.Warn("server shutting down; script interrupted", attrs...)
		rs.out.fail(http.StatusServiceUnavailable, "server shutting down, retry\n", http.Header{"Retry-After": {"1"}})
		return
	}
	if !errors.Is(cause, errTimedOut) {
		p.aborts.Add(1)
		p.log.Info("client went away; script interrupted", attrs...)
		rs.out.fence()
		return
	}
	p.timeouts.Add(1)
	p.log.Error("script timed out; interrupted", append(attrs, "timeout", p.cfg.Timeout)...)
	rs.out.fail(http.StatusGatewayTimeout, "script timed out\n", nil)
}

// stopForMemory is the heap sampler stopping a request past its limit: it
// is interrupted like a timeout, and answers 500.
func (p *Pool) stopForMemory(wk *worker, used int64) {
	if !wk.state.CompareAndSwap(stRunning, stInterrupted) {
		return
	}
	wk.mem.stopped.Store(true)
	cause := &MemoryError{Limit: wk.mem.limit, Used: used}
	wk.rs.stopping(cause) // the order: see expire
	wk.eng.Interrupt(cause)
	wk.rs.stop(cause)
	wk.grace.Reset(p.cfg.Grace)
}

// memoryStopped logs a request stopped at its memory limit and answers 500
// if it still can; its interpreter is replaced by the caller.
func (p *Pool) memoryStopped(rs *reqState, cause error, start time.Time, stack string) {
	p.memoryStops.Add(1)
	p.log.Error("memory_limit exceeded; script stopped", "request_id", RequestID(rs.r.Context()), "method", rs.r.Params.Get("REQUEST_METHOD"),
		"path", rs.requestPath(), "duration", time.Since(start), "memory_limit", p.cfg.MemoryLimit, "error", cause.Error(), "stack", stack)
	if w := rs.out.w; w != nil {
		fmt.Fprintf(w.Stderr(), "%s: %v\n", p.prog.Load().File, cause)
	}
	body := "memory limit exceeded\n"
	if p.cfg.Debug {
		body = cause.Error() + "\n" + stack + "\n"
	}
	rs.out.fail(http.StatusInternalServerError, body, nil)
}

// maxStuck is how many interpreters stuck in a native call a pool keeps
// replacing: as many as it has workers.
func (p *Pool) maxStuck() int { return p.cfg.Workers }
