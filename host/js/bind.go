// bind.go: a goja.Runtime with every capability bound, and the call path
// from a script into a capability's Go function.

package js

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"scriptsrv/host/engine"
	"scriptsrv/internal/jsondec"
)

// runtime is one goja.Runtime with the script API bound.
type runtime struct {
	interp *interp
	vm     *goja.Runtime
	cur    engine.Request // nil outside a request
	handle goja.Callable

	stringify, parse goja.Callable
	json             jsonEncoder
	stdin            *goja.Object
	req              reqBinding

	frames []*frame // call frames of capability calls in progress
	depth  int

	loop     *loop
	rejected []*goja.Promise // rejected with no handler yet

	errorCtor goja.Constructor // Error, for errors of host calls

	internal *goja.Object                // internal capabilities, for the prelude
	lazy     map[string]goja.Value       // prelude parts loaded (web.go)
	modules  moduleCache                 // modules required, by path
	hrefs    map[string]goja.Value       // urlHref's last answers
	jsonDec  jsondec.Decoder[goja.Value] // JSON.parse's and json()'s, reused
}

// frame is one capability call's state, reused: no allocation per call.
type frame struct {
	call engine.Call
	args engine.Args
	src  jsArgs
}

func newRuntime(in *interp) (*runtime, error) {
	vm := goja.New()
	vm.SetMaxCallStackSize(maxCallDepth)
	vm.SetParserOptions(parser.WithDisableSourceMaps)
	rt := &runtime{interp: in, vm: vm, hrefs: map[string]goja.Value{}}
	rt.json.rt = rt
	rt.loop = newLoop(rt)
	rt.trackRejections()
	rt.bindRequire()
	stringify, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))
	parse, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("parse"))
	rt.stringify, rt.parse = stringify, parse
	rt.bindJSON()
	if err := rt.bindModules(); err != nil {
		return nil, err
	}
	if err := rt.bindAPI(); err != nil {
		return nil, err
	}
	rt.bindTimers()
	if err := rt.bindLazyGlobals(); err != nil {
		return nil, err
	}
	if in.host.MemoryLimit > 0 {
		rt.checkBuiltins()
	}
	return rt, nil
}

// bindModules binds every capability module: globals, or an object per
// module name ("kv", "crypto.subtle"); internal ones into rt.internal,
// for the prelude (web.go).
func (rt *runtime) bindModules() error {
	g := rt.vm.GlobalObject()
	rt.internal = rt.vm.NewObject()
	for _, m := range engine.Modules("js") {
		target, name := g, m.Name
		switch {
		case m.Internal:
			target, name = rt.internal, ""
		case m.Name != "":
			target = rt.objectAt(m.Name)
		}
		for _, f := range m.Funcs {
			if f.Lang != "" && f.Lang != "js" {
				continue
			}
			if err := target.Set(f.Name, rt.native(name, f)); err != nil {
				return err
			}
		}
	}
	return nil
}

// objectAt returns the global object at a dotted path, making it.
func (rt *runtime) objectAt(path string) *goja.Object {
	obj := rt.vm.GlobalObject()
	for _, part := range strings.Split(path, ".") {
		v := obj.Get(part)
		next, ok := v.(*goja.Object)
		if !ok {
			next = rt.vm.NewObject()
			obj.Set(part, next)
		}
		obj = next
	}
	return obj
}

// native makes f callable from JavaScript, named as scripts call it (in
// stack traces too).
func (rt *runtime) native(module string, f *engine.Func) goja.Value {
	fn := rt.vm.ToValue(func(c goja.FunctionCall) goja.Value {
		return rt.invoke(module, f, c.Arguments)
	}).(*goja.Object)
	fn.DefineDataProperty("name", rt.vm.ToValue(f.Name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return fn
}

// invoke calls f with args on the runtime's goroutine.
func (rt *runtime) invoke(module string, f *engine.Func, args []goja.Value) goja.Value {
	rt.noteSlow()
	if f.Async {
		return rt.invokeAsync(module, f, args)
	}
	if rt.depth == len(rt.frames) {
		rt.frames = append(rt.frames, &frame{})
	}
	fr := rt.frames[rt.depth]
	rt.depth++
	defer func() { rt.depth-- }()
	fr.src = jsArgs{rt: rt, args: args}
	fr.call = engine.Call{Req: rt.cur, Host: rt.interp.host, Lang: "js", Func: f, Module: module}
	fr.args = engine.Args{Src: &fr.src}
	v, err := engine.Invoke(&fr.call, &fr.args)
	fr.src.args = nil
	if err != nil {
		rt.throw(err)
	}
	return rt.toJS(v, 0)
}

// noteSlow records the script's stack once a request has passed slow_log:
// every host call goes through here, on the runtime's goroutine.
func (rt *runtime) noteSlow() {
	if r := rt.cur; r != nil && r.Slow() {
		r.SetStack(rt.stack())
	}
}

// throw raises err in the script: a JS Error it can catch, or, for a
// *engine.Fatal, an interrupt it cannot.
func (rt *runtime) throw(err error) {
	var fatal *engine.Fatal
	if errors.As(err, &fatal) {
		rt.interp.stop.CompareAndSwap(nil, &fatal.Err)
		rt.vm.Interrupt(fatal.Err)
		panic(rt.newError(fatal.Err)) // unwinds to the interrupt check
	}
	var thrown *engine.Thrown
	if errors.As(err, &thrown) {
		if v, ok := thrown.Value.V.(goja.Value); ok {
			panic(v) // the script's own exception, rethrown as it was
		}
	}
	panic(rt.jsError(err))
}

// newError is an Error with err's message, as scripts expect of any
// error (not goja's GoError).
func (rt *runtime) newError(err error) *goja.Object {
	if rt.errorCtor == nil {
		rt.errorCtor, _ = goja.AssertConstructor(rt.vm.Get("Error"))
	}
	obj, cerr := rt.errorCtor(nil, rt.vm.ToValue(err.Error()))
	if cerr != nil {
		return rt.vm.NewGoError(err)
	}
	return obj
}

// sendValue sends a value handle returned, as send(v) would.
func (rt *runtime) sendValue(v goja.Value) (err error) {
	defer func() {
		if x := recover(); x != nil {
			if ex, ok := x.(*goja.Object); ok {
				err = errors.New(ex.String())
				return
			}
			panic(x)
		}
	}()
	ok, pumping := rt.sendResponse(v)
	if !ok {
		rt.invoke("", apiFunc("send"), []goja.Value{v})
		return nil
	}
	if pumping == nil {
		return nil
	}
	// A stream body: its chunks go out as they come, until it ends.
	p := pumping.Export().(*goja.Promise)
	if err := rt.loop.run(func() bool { return p.State() != goja.PromiseStatePending }); err != nil {
		return rt.scriptError(err)
	}
	rt.forgetRejection(p)
	switch p.State() {
	case goja.PromiseStatePending:
		return fmt.Errorf("%s: the Response's body stream never ended (nothing left to wait for)", rt.interp.prog.src.Name)
	case goja.PromiseStateRejected:
		return rt.rejection(p.Result())
	}
	return nil
}

// sendResponse answers with a Response handle returned (status, headers,
// body); false when v is not one. A body that is a stream is pumped: the
// Promise of its end is returned (nil otherwise).
func (rt *runtime) sendResponse(v goja.Value) (bool, *goja.Object) {
	if _, ok := v.(*goja.Object); !ok { // a string, a number: no call into the prelude
		return false, nil
	}
	exports, ok := rt.lazy["fetch.js"].(*goja.Object)
	if !ok { // no Response made in this runtime yet
		return false, nil
	}
	parts, _ := goja.AssertFunction(exports.Get("responseParts"))
	pv, err := parts(goja.Undefined(), v)
	if err != nil {
		panic(err)
	}
	p, ok := pv.(*goja.Object)
	if !ok {
		return false, nil
	}
	rt.invoke("", apiFunc("status"), []goja.Value{p.Get("status")})
	seen := map[string]bool{}
	for _, h := range p.Get("headers").Export().([]any) {
		kv := h.([]any)
		name := fmt.Sprint(kv[0])
		rt.invoke("", apiFunc("header"), []goja.Value{rt.vm.ToValue(name), rt.vm.ToValue(kv[1]), rt.vm.ToValue(seen[name])})
		seen[name] = true
	}
	if stream := p.Get("stream"); stream != nil && !goja.IsUndefined(stream) {
		rt.invoke("", apiFunc("flush"), nil) // the head goes out now
		pump, _ := goja.AssertFunction(exports.Get("pump"))
		promise, err := pump(goja.Undefined(), stream)
		if err != nil {
			panic(err)
		}
		return true, promise.(*goja.Object)
	}
	rt.invoke("", apiFunc("send"), []goja.Value{p.Get("body")})
	return true, nil
}

// apiFunc is one of the script API's global functions.
func apiFunc(name string) *engine.Func {
	f, ok := engine.Lookup("", name)
	if !ok {
		panic("no script API function " + name)
	}
	return f
}

var (
	typeInt64       = reflect.TypeOf(int64(0))
	typeFloat64     = reflect.TypeOf(float64(0))
	typeBool        = reflect.TypeOf(false)
	typeJSMap       = reflect.TypeOf(map[string]any(nil))
	typeJSSlice     = reflect.TypeOf([]any(nil))
	typeBytes       = reflect.TypeOf([]byte(nil))
	typeArrayBuffer = reflect.TypeOf(goja.ArrayBuffer{})
	typePromise     = reflect.TypeOf((*goja.Promise)(nil))
)

// jsArgs is the engine's view of one call's arguments.
type jsArgs struct {
	rt   *runtime
	args []goja.Value
}

func (a *jsArgs) at(i int) goja.Value {
	if i < 0 || i >= len(a.args) {
		return goja.Undefined()
	}
	return a.args[i]
}

func (a *jsArgs) Len() int               { return len(a.args) }
func (a *jsArgs) Kind(i int) engine.Kind { return kindOf(a.at(i)) }

func kindOf(v goja.Value) engine.Kind {
	switch {
	case v == nil || goja.IsUndefined(v):
		return engine.KindUndefined
	case goja.IsNull(v):
		return engine.KindNull
	case goja.IsString(v):
		return engine.KindString
	case goja.IsNumber(v):
		return engine.KindNumber
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		if v.ExportType() == typeBool {
			return engine.KindBool
		}
		return engine.KindOther
	}
	if _, ok := goja.AssertFunction(obj); ok {
		return engine.KindFunc
	}
	switch obj.ExportType() {
	case typeArrayBuffer, typeBytes:
		return engine.KindBytes
	}
	return engine.KindObject
}

func (a *jsArgs) String(i int) string  { return a.at(i).String() }
func (a *jsArgs) Number(i int) float64 { return a.at(i).ToFloat() }
func (a *jsArgs) Bool(i int) bool      { return a.at(i).ToBoolean() }
func (a *jsArgs) Bytes(i int) []byte   { return bytesOf(a.at(i)) }

// bytesOf reads a string, ArrayBuffer or typed array.
func bytesOf(v goja.Value) []byte {
	if goja.IsString(v) {
		return []byte(v.String())
	}
	switch x := v.Export().(type) {
	case goja.ArrayBuffer:
		return x.Bytes()
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return []byte(v.String())
}

func (a *jsArgs) Value(i int) (any, error) { return a.rt.fromJS(a.at(i), 0) }

func (a *jsArgs) JSON(i int) ([]byte, bool, error) { return a.rt.json.encode(a.at(i)) }

func (a *jsArgs) Func(i int) engine.Callable {
	fn, _ := goja.AssertFunction(a.at(i))
	return &jsCallable{rt: a.rt, fn: fn, v: a.at(i)}
}

func (a *jsArgs) Field(i int, key string) (any, bool, error) {
	obj, ok := a.at(i).(*goja.Object)
	if !ok {
		return nil, false, nil
	}
	v := obj.Get(key)
	if v == nil || goja.IsUndefined(v) {
		return nil, false, nil
	}
	x, err := a.rt.fromJS(v, 0)
	return x, true, err
}

func (a *jsArgs) FieldNames(i int) []string {
	if obj, ok := a.at(i).(*goja.Object); ok {
		return obj.Keys()
	}
	return nil
}

// jsCallable is a script function Go calls back.
type jsCallable struct {
	rt *runtime
	fn goja.Callable
	v  goja.Value
}

func (c *jsCallable) Call(args ...any) (any, error) {
	vals := make([]goja.Value, len(args))
	for i, a := range args {
		vals[i] = c.rt.toJS(a, 1)
	}
	v, err := c.fn(goja.Undefined(), vals...)
	if err != nil {
		var ie *goja.InterruptedError
		if errors.As(err, &ie) {
			cause, _ := ie.Value().(error)
			if cause == nil {
				cause = errors.New("interrupted")
			}
			return nil, &engine.Fatal{Err: cause} // the request is over
		}
		var ex *goja.Exception
		if errors.As(err, &ex) {
			return nil, &engine.Thrown{Value: engine.Native{V: ex.Value()}, Msg: c.rt.scriptError(err).Error()}
		}
		return nil, errors.New(c.rt.scriptError(err).Error())
	}
	if _, isPromise := v.Export().(*goja.Promise); isPromise {
		return nil, engine.ErrAsyncCallback
	}
	return engine.Native{V: v}, nil
}

// jsError is err as a JS error: a TypeError or RangeError when it says
// so.
func (rt *runtime) jsError(err error) goja.Value {
	var te *engine.TypeError
	if errors.As(err, &te) {
		return rt.vm.NewTypeError(err.Error())
	}
	var re *engine.RangeError
	if errors.As(err, &re) {
		if ctor, ok := goja.AssertConstructor(rt.vm.Get("RangeError")); ok {
			if obj, cerr := ctor(nil, rt.vm.ToValue(err.Error())); cerr == nil {
				return obj
			}
		}
	}
	return rt.newError(err)
}
