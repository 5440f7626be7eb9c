// pool.go: a bounded pool of warm interpreters for one script, and how one
// request is served on it.

package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/host/engine"
)

// worker owns an engine, and a goroutine that runs it for front ends that
// cannot detach a request (see run.go).
type worker struct {
	eng    engine.Interpreter
	jobs   chan job
	served int
	limit  int
	rs     reqState
	mem    meter

	// The request in progress, for the watchdogs.
	state atomic.Int32 // stIdle, stRunning, ...
	det   cgi.Detacher
	start time.Time
	watch *time.Timer   // the request timeout: expire
	grace *time.Timer   // Grace after an interrupt: abandon
	slow  *time.Timer   // the slow-log threshold
	gone  *time.Timer   // clientWatchAfter into a request: watchClient
	fired chan struct{} // a watchdog callback has finished
	// The client-gone watch, set by watchClient, which then sends on
	// watched.
	stopCtx func() bool
	watched chan struct{}
	// abandoned is sent once abandon has answered for a stuck script.
	abandoned chan struct{}
	onCtx     func() // expire, for context.AfterFunc
}

// safeServe turns a Go panic in a host function into an error.
func safeServe(e engine.Interpreter, rs *reqState) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &ScriptError{Message: fmt.Sprintf("internal error: %v", v), Err: engine.ErrPanicked}
		}
	}()
	return e.Serve(rs)
}

var errPoolClosed = errors.New("host: pool closed")

// Stats are a pool's counters.
type Stats struct {
	Workers, Idle, Busy, Queued int
	QueuedMax                   int64 // the longest queue seen
	Served, Errors, Timeouts    int64
	Overloads, Recycles, Aborts int64
	MemoryStops                 int64         // requests stopped at memory_limit
	Stuck                       int           // abandoned interpreters whose native call still runs
	Slowest                     []SlowRequest // the slowest recent requests, slowest first
}

// Pool serves requests for one script on warm interpreters.
type Pool struct {
	prog   atomic.Pointer[Program]
	cfg    Config
	host   *engine.Host // what its interpreters get from the server
	log    *slog.Logger
	idle   chan *worker
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	workers                                             atomic.Int64
	busy, queued, queuedMax                             atomic.Int64
	served, errs, timeouts, overloads, recycles, aborts atomic.Int64
	memoryStops                                         atomic.Int64
	stuck                                               atomic.Int64
	stuckMu                                             sync.Mutex // stuck and owed together
	owed                                                int        // replacements held back while too many are stuck
	slow                                                slowest
}

// NewPool starts cfg.Workers interpreters for prog. The first one's error
// (a top level that throws) is returned as a *CompileError.
func NewPool(prog *Program, cfg Config) (*Pool, error) {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{cfg: cfg, log: cfg.Logger.With("script", prog.File), idle: make(chan *worker, cfg.Workers), ctx: ctx, cancel: cancel}
	p.host = &engine.Host{Logger: p.log, Env: cfg.Env, MemoryLimit: cfg.MemoryLimit}
	if cfg.Platform != nil {
		p.host.Platform = cfg.Platform
	}
	p.prog.Store(prog)
	for range cfg.Workers {
		w, err := p.newWorker()
		if err != nil {
			p.Close()
			return nil, err
		}
		p.idle <- w
	}
	return p, nil
}

func (p *Pool) newWorker() (*worker, error) {
	prog := p.prog.Load()
	eng, err := prog.compiled.NewInterpreter(p.host)
	if err != nil {
		return nil, &CompileError{Script: prog.File, Err: err}
	}
	w := &worker{eng: eng, jobs: make(chan job), fired: make(chan struct{}, 2), abandoned: make(chan struct{}, 1), watched: make(chan struct{}, 1)}
	w.rs.mem = &w.mem
	if w.mem.limit = p.cfg.MemoryLimit; w.mem.limit > 0 {
		heap.register(w, p)
	}
	w.onCtx = func() { p.expire(w) }
	w.watch = time.AfterFunc(time.Hour, w.onCtx)
	w.watch.Stop()
	w.grace = time.AfterFunc(time.Hour, func() { p.abandon(w) })
	w.grace.Stop()
	w.slow = time.AfterFunc(time.Hour, func() { w.rs.slow.Store(true) })
	w.slow.Stop()
	w.gone = time.AfterFunc(time.Hour, func() { p.watchClient(w) })
	w.gone.Stop()
	if n := p.cfg.MaxRequests; n > 0 {
		j := n / 10 // ±10%, so interpreters do not all restart at once
		w.limit = max(1, n-j+rand.IntN(2*j+1))
	}
	p.workers.Add(1)
	go p.loop(w)
	return w, nil
}

// retire stops a worker whose engine is idle.
func (p *Pool) retire(w *worker) {
	w.watch.Stop()
	w.grace.Stop()
	w.slow.Stop()
	w.gone.Stop()
	close(w.jobs)
	w.eng.Close()
	if w.mem.limit > 0 {
		heap.unregister(w)
	}
	p.workers.Add(-1)
}

// replace starts a new worker in the background, retrying with backoff
// while the script's top level fails; the pool never shrinks for good.
func (p *Pool) replace() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		delay := 100 * time.Millisecond
		for p.ctx.Err() == nil {
			w, err := p.newWorker()
			if err == nil {
				select {
				case p.idle <- w:
				default:
					p.retire(w)
				}
				if p.ctx.Err() != nil {
					p.drainIdle()
				}
				return
			}
			p.log.Error("starting an interpreter failed; retrying", "error", err, "retry_in", delay)
			select {
			case <-time.After(delay):
			case <-p.ctx.Done():
			}
			delay = min(2*delay, 5*time.Second)
		}
	}()
}

// Close stops the pool: idle interpreters are closed now, busy ones when
// their request ends. Requests already running finish normally.
func (p *Pool) Close() {
	p.cancel()
	p.drainIdle()
}

func (p *Pool) drainIdle() {
	for {
		select {
		case w := <-p.idle:
			p.retire(w)
		default:
			return
		}
	}
}

// Wait waits for background replacements to stop after Close.
func (p *Pool) Wait() { p.wg.Wait() }

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	idle := len(p.idle)
	return Stats{Workers: int(p.workers.Load()), Idle: idle, Busy: int(p.busy.Load()), Queued: int(p.queued.Load()),
		QueuedMax: p.queuedMax.Load(), Served: p.served.Load(), Errors: p.errs.Load(), Timeouts: p.timeouts.Load(),
		Overloads: p.overloads.Load(), Recycles: p.recycles.Load(), Aborts: p.aborts.Load(), MemoryStops: p.memoryStops.Load(), Stuck: int(p.stuck.Load()),
		Slowest: p.slow.list()}
}

// ServeCGI runs the script for one request.
func (p *Pool) ServeCGI(w cgi.ResponseWriter, r *cgi.Request) {
	if n, err := r.Params.ContentLength(); err != nil {
		p.log.Warn("bad request", "error", err)
		plain(w, r, http.StatusBadRequest, "bad CONTENT_LENGTH\n")
		return
	} else if n > p.cfg.MaxBody {
		p.log.Warn("request body too large", "content_length", n, "max_body", p.cfg.MaxBody)
		plain(w, r, http.StatusRequestEntityTooLarge, "request body too large\n")
		return
	}
	wk, err := p.acquire(r.Context())
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errPoolClosed) {
			p.overloads.Add(1)
			p.log.Warn("all interpreters busy; answering 503", "request_id", RequestID(r.Context()), "queue_timeout", p.cfg.QueueTimeout)
			w.Header().Set("Retry-After", "1")
			plain(w, r, http.StatusServiceUnavailable, "server busy, retry later\n")
		}
		return
	}
	p.run(wk, w, r)
}

// plain answers r with a short text; a 5xx carries the request id.
func plain(w cgi.ResponseWriter, r *cgi.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	msg = withRequestID(w.Header(), status, RequestID(r.Context()), msg)
	w.WriteHeader(status)
	w.Write([]byte(msg))
}

// acquire waits up to QueueTimeout for an idle worker.
func (p *Pool) acquire(ctx context.Context) (*worker, error) {
	select {
	case w := <-p.idle:
		return w, nil
	default:
	}
	if n := p.queued.Add(1); n > p.queuedMax.Load() {
		p.queuedMax.Store(n)
	}
	defer p.queued.Add(-1)
	t := time.NewTimer(p.cfg.QueueTimeout)
	defer t.Stop()
	select {
	case w := <-p.idle:
		return w, nil
	case <-t.C:
		return nil, context.DeadlineExceeded
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-p.ctx.Done():
		return nil, errPoolClosed
	}
}
