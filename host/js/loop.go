// loop.go: a request's event loop, on the runtime's goroutine. Timers and
// async capabilities reserve a callback on it; work done on other
// goroutines hands its result back through the reservation and never
// touches the runtime itself (goja is not goroutine-safe). When the request
// ends, everything still pending is dropped: a callback of this request
// never runs in the next one.

package js

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"scriptsrv/internal/gopool"
)

// maxTimers bounds the timers one request may have pending.
const maxTimers = 1000

// loop is one runtime's event loop; its state is per request.
type loop struct {
	rt      *runtime
	mu      sync.Mutex
	queue   []func() error // callbacks handed back, run on the loop
	gen     uint64         // the request's; a callback of an older one is dropped
	wake    chan struct{}  // something was queued
	stopped chan struct{}  // the runtime was interrupted

	// Loop goroutine only.
	pending int          // reservations whose callback has not run
	calls   []asyncStart // async calls made since the loop last waited, not started
	timers  map[int64]*timer
	cancels map[*goja.Object]context.CancelFunc // async calls in flight, by their Promise
	nextID  int64
}

type timer struct {
	id       int64
	fn       goja.Callable
	args     []goja.Value
	every    time.Duration // setInterval's period; 0 for setTimeout
	t        *time.Timer   // nil for a zero delay (queued at once)
	enqueue  func(func() error)
	canceled bool
}

func newLoop(rt *runtime) *loop {
	return &loop{rt: rt, wake: make(chan struct{}, 1), stopped: make(chan struct{}, 1), timers: map[int64]*timer{},
		cancels: map[*goja.Object]context.CancelFunc{}}
}

// reserve keeps the loop running until the returned function has been
// called once, from any goroutine, with the callback to run on the loop.
func (l *loop) reserve() func(func() error) {
	l.pending++
	l.mu.Lock()
	gen := l.gen
	l.mu.Unlock()
	var once atomic.Bool
	return func(f func() error) {
		if !once.CompareAndSwap(false, true) {
			return
		}
		l.mu.Lock()
		if l.gen != gen { // its request is over
			l.mu.Unlock()
			return
		}
		l.queue = append(l.queue, f)
		l.mu.Unlock()
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// interrupt wakes a loop waiting for callbacks: the runtime was stopped.
func (l *loop) interrupt() {
	select {
	case l.stopped <- struct{}{}:
	default:
	}
}

// errLoopStopped is a loop woken by an interrupt.
var errLoopStopped = errors.New("js: the event loop was interrupted")

// run runs callbacks until done reports true (nil: until nothing is
// pending) or nothing is pending. It returns a callback's error (the script
// threw) or the interrupt.
func (l *loop) run(done func() bool) error {
	for {
		if done != nil && done() {
			return nil
		}
		l.mu.Lock()
		q := l.queue
		l.queue = nil
		l.mu.Unlock()
		if len(q) == 0 {
			if l.pending == 0 {
				return nil // nothing can come any more
			}
			if l.startCalls() {
				continue
			}
			if err := l.wait(); err != nil {
				return err
			}
			continue
		}
		for i, f := range q {
			l.pending--
			if err := f(); err != nil {
				l.mu.Lock() // the rest stays queued for reset to drop
				l.queue = append(q[i+1:], l.queue...)
				l.mu.Unlock()
				return err
			}
			l.rt.reportRejections()
		}
	}
}

// asyncStart prepares an async call on the loop's goroutine, told whether
// it will run there (inline) or on a goroutine of its own, and returns
// the function that runs it.
type asyncStart func(inline bool) (run func())

// call adds an async call, started when the loop next waits — as Node
// starts I/O once the running job is done. A call still unstarted when
// the request ends never starts.
func (l *loop) call(start asyncStart) { l.calls = append(l.calls, start) }

// startCalls starts the async calls made since the loop last waited. A
// call alone, with nothing else pending, runs right here: the loop would
// only wait for it, and a goroutine of its own costs two hand-offs
// between goroutines (a loopback fetch's tenth). It reports whether it
// ran one.
func (l *loop) startCalls() bool {
	calls := l.calls
	if len(calls) == 0 || l.rt.interp.stop.Load() != nil { // stopped: wait says so
		return false
	}
	defer func() { clear(calls); l.calls = calls[:0] }()
	if len(calls) == 1 && l.pending == 1 {
		if r := l.rt.cur; r != nil {
			r.Waiting(true)
			defer r.Waiting(false)
		}
		calls[0](true)()
		return true
	}
	for _, start := range calls {
		gopool.Go(start(false))
	}
	return false
}

// wait blocks until a callback is queued or the runtime is interrupted;
// the time waiting is not the script's own (memory accounting).
func (l *loop) wait() error {
	r := l.rt.cur
	if r != nil {
		r.Waiting(true)
		defer r.Waiting(false)
	}
	if l.rt.interp.stop.Load() != nil {
		return errLoopStopped
	}
	select {
	case <-l.wake:
		return nil
	case <-l.stopped:
		return errLoopStopped
	}
}

// reset ends the request's loop: pending timers stop, callbacks still to
// come are dropped when they arrive.
func (l *loop) reset() {
	l.mu.Lock()
	l.gen++
	l.queue = nil
	l.mu.Unlock()
	for id, t := range l.timers {
		t.canceled = true
		if t.t != nil {
			t.t.Stop()
		}
		delete(l.timers, id)
	}
	for p, cancel := range l.cancels {
		cancel()
		delete(l.cancels, p)
	}
	l.pending = 0
	clear(l.calls)
	l.calls = l.calls[:0]
	select { // a wake-up left from this request must not end a wait of the next
	case <-l.wake:
	default:
	}
}

// setTimer is setTimeout and setInterval.
func (l *loop) setTimer(c goja.FunctionCall, repeat bool) goja.Value {
	rt := l.rt
	name := "setTimeout"
	if repeat {
		name = "setInterval"
	}
	fn, ok := goja.AssertFunction(c.Argument(0))
	if !ok {
		panic(rt.vm.NewTypeError(name + ": the callback must be a function"))
	}
	if rt.cur == nil {
		panic(rt.vm.NewTypeError(name + ": timers run in a request (the top level runs once, at start)"))
	}
	if len(l.timers) >= maxTimers {
		panic(rt.vm.NewTypeError(fmt.Sprintf("%s: more than %d timers pending in this request", name, maxTimers)))
	}
	d := time.Duration(c.Argument(1).ToFloat() * float64(time.Millisecond))
	if d < 0 || d != d {
		d = 0
	}
	l.nextID++
	t := &timer{id: l.nextID, fn: fn, args: append([]goja.Value(nil), c.Arguments[min(2, len(c.Arguments)):]...)}
	if repeat {
		t.every = max(d, time.Millisecond)
	}
	l.timers[t.id] = t
	l.arm(t, d)
	return rt.vm.ToValue(t.id)
}

// arm schedules a timer's next run. A zero delay goes straight to the
// queue: no goroutine, no clock.
func (l *loop) arm(t *timer, d time.Duration) {
	t.enqueue = l.reserve()
	run := func() error { return l.fire(t) }
	if d <= 0 {
		t.t = nil
		t.enqueue(run)
		return
	}
	t.t = time.AfterFunc(d, func() { t.enqueue(run) })
}

// fire runs a due timer on the loop.
func (l *loop) fire(t *timer) error {
	if t.canceled {
		return nil
	}
	if t.every == 0 {
		delete(l.timers, t.id)
	}
	if _, err := t.fn(goja.Undefined(), t.args...); err != nil {
		return err
	}
	if t.every > 0 && !t.canceled {
		l.arm(t, t.every)
	}
	return nil
}

// clearTimer is clearTimeout and clearInterval.
func (l *loop) clearTimer(c goja.FunctionCall) goja.Value {
	id := c.Argument(0).ToInteger()
	t, ok := l.timers[id]
	if !ok {
		return goja.Undefined()
	}
	t.canceled = true
	delete(l.timers, id)
	if t.t != nil && t.t.Stop() { // its callback will never be queued
		l.pending--
	}
	return goja.Undefined()
}

// bindTimers binds setTimeout, setInterval, clearTimeout, clearInterval
// and queueMicrotask.
func (rt *runtime) bindTimers() {
	vm, l := rt.vm, rt.loop
	g := vm.GlobalObject()
	g.Set("setTimeout", func(c goja.FunctionCall) goja.Value { return l.setTimer(c, false) })
	g.Set("setImmediate", func(c goja.FunctionCall) goja.Value { // Node's: a zero-delay timer
		args := append([]goja.Value{c.Argument(0), vm.ToValue(0)}, c.Arguments[min(1, len(c.Arguments)):]...)
		return l.setTimer(goja.FunctionCall{This: c.This, Arguments: args}, false)
	})
	g.Set("clearImmediate", l.clearTimer)
	// timerPromise(ms, value) is require("timers/promises").setTimeout: a
	// Promise the timer resolves, made without a JS executor (a third of
	// the cost of new Promise((r) => setTimeout(r, ms))).
	rt.internal.Set("timerPromise", func(c goja.FunctionCall) goja.Value {
		p, resolve, _ := vm.NewPromise()
		value := c.Argument(1)
		settle := vm.ToValue(func(goja.FunctionCall) goja.Value { resolve(value); return goja.Undefined() })
		l.setTimer(goja.FunctionCall{Arguments: []goja.Value{settle, c.Argument(0)}}, false)
		return vm.ToValue(p)
	})
	g.Set("setInterval", func(c goja.FunctionCall) goja.Value { return l.setTimer(c, true) })
	g.Set("clearTimeout", l.clearTimer)
	g.Set("clearInterval", l.clearTimer)
	g.Set("queueMicrotask", func(c goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			panic(vm.NewTypeError("queueMicrotask: the callback must be a function"))
		}
		p, resolve, _ := vm.NewPromise()
		then, _ := goja.AssertFunction(vm.ToValue(p).ToObject(vm).Get("then"))
		then(vm.ToValue(p), vm.ToValue(func(goja.FunctionCall) goja.Value {
			if _, err := fn(goja.Undefined()); err != nil {
				panic(err)
			}
			return goja.Undefined()
		}))
		resolve(goja.Undefined())
		return goja.Undefined()
	})
}

// trackRejections keeps the Promises rejected with no handler yet; those
// still unhandled after a turn of the loop are logged with their stack.
func (rt *runtime) trackRejections() {
	rt.vm.SetPromiseRejectionTracker(func(p *goja.Promise, op goja.PromiseRejectionOperation) {
		switch op {
		case goja.PromiseRejectionReject:
			rt.rejected = append(rt.rejected, p)
		case goja.PromiseRejectionHandle:
			rt.forgetRejection(p)
		}
	})
}

func (rt *runtime) forgetRejection(p *goja.Promise) {
	for i, q := range rt.rejected {
		if q == p {
			rt.rejected = append(rt.rejected[:i], rt.rejected[i+1:]...)
			return
		}
	}
}

// reportRejections logs the rejections no handler took.
func (rt *runtime) reportRejections() {
	for _, p := range rt.rejected {
		msg := "unhandled promise rejection: " + p.Result().String()
		if obj, ok := p.Result().(*goja.Object); ok {
			if st := obj.Get("stack"); st != nil && !goja.IsUndefined(st) {
				msg += "\n" + st.String()
			}
		}
		rt.print(slog.LevelError, "unhandled promise rejection", msg)
	}
	clear(rt.rejected)
	rt.rejected = rt.rejected[:0]
}
