// async.go: async capabilities (fetch) — a Promise for the script, the
// call itself off the script's code, its result handed back to the loop.

package js

import (
	"context"
	"fmt"

	"github.com/dop251/goja"

	"scriptsrv/host/engine"
)

// asyncCall is one async capability call, from the script's call to its
// Promise settling.
type asyncCall struct {
	rt      *runtime
	f       *engine.Func
	call    *engine.Call
	args    engine.ValueArgs
	promise *goja.Object
	resolve func(any) error
	reject  func(any) error
	// finish, when the prelude gave one, makes the script's value of the
	// result from its fields (fetch's Response).
	finish goja.Callable
	// cancel ends the call's own context, made only when the call runs on
	// a goroutine of its own or was cancelled before it started: run
	// inline, nothing but its request can cancel it.
	cancel    context.CancelFunc
	cancelled bool
}

// invokeAsync runs an async capability: its arguments are converted here,
// Do runs when the loop next waits (on a goroutine of its own, or on the
// loop's when nothing else is pending), and its result settles the
// returned Promise on the loop. The Promise's call can be cancelled
// (cancel(promise): AbortController); the request ending cancels it too.
//
// The prelude may pass an internal call one more argument than f's
// parameters: a function that makes the script's value of the result
// from its fields, called on the loop before the Promise resolves, so
// neither an object of the fields nor a second Promise is made.
func (rt *runtime) invokeAsync(module string, f *engine.Func, args []goja.Value) goja.Value {
	if rt.cur == nil {
		rt.throw(fmt.Errorf("%s: no request in progress (the top level runs once, at start)", f.Name))
	}
	a := &asyncCall{rt: rt, f: f}
	if module == "" && len(args) == len(f.Params)+1 {
		a.finish, _ = goja.AssertFunction(args[len(f.Params)])
		args = args[:len(f.Params)]
	}
	a.args = make(engine.ValueArgs, len(args))
	for i, arg := range args {
		v, err := rt.fromJS(arg, 0)
		if err != nil {
			rt.throw(fmt.Errorf("%s: argument %d: %w", f.Name, i+1, err))
		}
		a.args[i] = v
	}
	reqCtx := rt.cur.Context()
	a.call = &engine.Call{Req: rt.cur, Host: rt.interp.host, Lang: "js", Func: f, Module: module, Ctx: reqCtx, ReqCtx: reqCtx}
	if f.Begin != nil {
		if err := f.Begin(a.call, &engine.Args{Src: a.args}); err != nil {
			rt.throw(a.call.Named(err))
		}
	}
	p, resolve, reject := rt.vm.NewPromise()
	a.promise, a.resolve, a.reject = rt.vm.ToValue(p).(*goja.Object), resolve, reject
	rt.loop.cancels[a.promise] = a.stop
	enqueue := rt.loop.reserve()
	rt.loop.call(func(inline bool) func() {
		if !inline || a.cancelled {
			a.call.Ctx, a.cancel = context.WithCancel(reqCtx)
			if a.cancelled {
				a.cancel()
			}
		}
		return func() {
			v, err := engine.Invoke(a.call, &engine.Args{Src: a.args})
			enqueue(func() error { return a.settle(v, err) })
		}
	})
	return a.promise
}

// stop cancels the call, started or not; on the loop's goroutine.
func (a *asyncCall) stop() {
	a.cancelled = true
	if a.cancel != nil {
		a.cancel()
	}
}

// settle settles the call's Promise on the loop: rejected with its
// error, or resolved with its result (made the script's value by finish).
func (a *asyncCall) settle(v any, err error) error {
	rt := a.rt
	delete(rt.loop.cancels, a.promise)
	if a.cancel != nil {
		a.cancel()
	}
	if err == nil && a.f.Settle != nil {
		v, err = a.f.Settle(a.call, v)
	}
	if err != nil {
		if engine.IsFatal(err) {
			rt.throw(err)
		}
		a.reject(rt.jsError(err))
		return nil
	}
	if a.finish == nil {
		a.resolve(rt.toJS(v, 0))
		return nil
	}
	result, err := a.finish(goja.Undefined(), rt.fieldValues(v)...)
	if err != nil {
		if ex, ok := err.(*goja.Exception); ok {
			a.reject(ex.Value())
			return nil
		}
		return err // interrupted
	}
	a.resolve(result)
	return nil
}

// fieldValues is what a finisher is called with: a Map result's values
// in order (no object made for them), another result alone.
func (rt *runtime) fieldValues(v any) []goja.Value {
	m, ok := v.(engine.Map)
	if !ok {
		return []goja.Value{rt.toJS(v, 0)}
	}
	args := make([]goja.Value, len(m))
	for i, f := range m {
		args[i] = rt.toJS(f.Value, 1)
	}
	return args
}
