// bind.go: capabilities bound into an LState and the call path from a
// script into a capability's Go function (values: convert.go).

package lua

import (
	"errors"

	lua "github.com/yuin/gopher-lua"

	"scriptsrv/host/engine"
)

// maxDepth bounds the nesting of converted values (and of JSON).
const maxDepth = 1000

// frame is one capability call's state, reused: no allocation per call.
type frame struct {
	call engine.Call
	args engine.Args
	src  luaArgs
}

// bindModules binds every capability module: globals, or a table per
// module name ("kv", "crypto").
func (st *state) bindModules() {
	L := st.L
	for _, m := range engine.Modules("lua") {
		if m.Internal {
			continue // the JavaScript prelude's
		}
		target := L.G.Global
		if m.Name != "" {
			target = st.tableAt(m.Name)
		}
		for _, f := range m.Funcs {
			if f.Lang != "" && f.Lang != "lua" {
				continue
			}
			target.RawSetString(f.LuaName(), st.native(m.Name, f, nil))
		}
	}
}

// tableAt returns the global table at a dotted path, making it.
func (st *state) tableAt(path string) *lua.LTable {
	t := st.L.G.Global
	for _, part := range splitDots(path) {
		next, ok := t.RawGetString(part).(*lua.LTable)
		if !ok {
			next = st.L.NewTable()
			t.RawSetString(part, next)
		}
		t = next
	}
	return t
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// native makes f callable from Lua. self is the table of an object's
// method: a call with a colon (obj:m(x)) passes it first, and it is
// skipped.
func (st *state) native(module string, f *engine.Func, self *lua.LTable) *lua.LFunction {
	return st.L.NewFunction(func(L *lua.LState) int {
		base := 1
		if self != nil && L.Get(1) == self {
			base = 2
		}
		if t, ok := L.Get(1).(*lua.LTable); ok && self == nil && module == "req" && t.Metatable == st.reqMT {
			base = 2 // req:form() as well as req.form()
		}
		return st.invoke(module, f, base)
	})
}

// raise raises err in the script; a Fatal error stops it (no pcall
// catches it); a script's own error is raised again as it was.
func (st *state) raise(err error) {
	var fatal *engine.Fatal
	if errors.As(err, &fatal) {
		st.interp.stop.CompareAndSwap(nil, &fatal.Err)
		st.cancel()
		st.L.RaiseError("%s", fatal.Err.Error())
	}
	var thrown *engine.Thrown
	if errors.As(err, &thrown) {
		if v, ok := thrown.Value.V.(lua.LValue); ok {
			st.L.Error(v, 0)
		}
	}
	st.L.RaiseError("%s", err.Error())
}

// errorValue is err as a Lua call returns it beside nil: a message, or a
// script's own error value as it was.
func (st *state) errorValue(err error) lua.LValue {
	var thrown *engine.Thrown
	if errors.As(err, &thrown) {
		if v, ok := thrown.Value.V.(lua.LValue); ok {
			return v
		}
	}
	return lua.LString(err.Error())
}

// invoke calls f with the arguments from stack index base.
func (st *state) invoke(module string, f *engine.Func, base int) int {
	L := st.L
	st.noteSlow()
	if st.depth == len(st.frames) {
		st.frames = append(st.frames, &frame{})
	}
	fr := st.frames[st.depth]
	st.depth++
	defer func() { st.depth-- }()
	fr.src = luaArgs{st: st, base: base, n: L.GetTop() - base + 1}
	fr.call = engine.Call{Req: st.cur, Host: st.interp.host, Lang: "lua", Func: f, Module: module}
	fr.args = engine.Args{Src: &fr.src}
	v, err := st.call(f, &fr.call, &fr.args)
	if err != nil {
		if f.Fallible && fr.args.Err() == nil && !engine.IsFatal(err) { // bad arguments raise, as Lua's own calls do
			L.Push(lua.LNil)
			L.Push(st.errorValue(err))
			return 2
		}
		st.raise(err)
	}
	if v == nil {
		return 0
	}
	L.Push(st.toLua(v, 0))
	return 1
}

// call runs f; an async one (which JavaScript awaits) makes the script wait
// here, its time not counted as the script's own.
func (st *state) call(f *engine.Func, c *engine.Call, a *engine.Args) (any, error) {
	if !f.Async {
		return engine.Invoke(c, a)
	}
	if c.Req == nil {
		return nil, c.Named(engine.ErrNoRequest)
	}
	if f.Begin != nil {
		if err := f.Begin(c, a); err != nil {
			return nil, c.Named(err)
		}
	}
	c.Req.Waiting(true)
	v, err := engine.Invoke(c, a)
	c.Req.Waiting(false)
	if err == nil && f.Settle != nil {
		v, err = f.Settle(c, v)
	}
	return v, c.Named(err)
}

// noteSlow records the script's stack once a request has passed slow_log:
// every host call goes through here, on the LState's goroutine.
func (st *state) noteSlow() {
	if r := st.cur; r != nil && r.Slow() {
		r.SetStack(st.traceback())
	}
}

// sendValue sends a value handle returned, as send(v) would.
func (st *state) sendValue(v lua.LValue) error {
	send, ok := engine.Lookup("", "send")
	if !ok {
		return errors.New("no send function")
	}
	L := st.L
	L.Push(st.native("", send, nil))
	L.Push(v)
	if err := L.PCall(1, 0, nil); err != nil {
		var ae *lua.ApiError
		if errors.As(err, &ae) {
			return errors.New(ae.Object.String())
		}
		return err
	}
	return nil
}

// luaArgs is the engine's view of one call's arguments: n values from
// stack index base.
type luaArgs struct {
	st      *state
	base, n int
}

func (a *luaArgs) at(i int) lua.LValue {
	if i < 0 || i >= a.n {
		return lua.LNil
	}
	return a.st.L.Get(a.base + i)
}

func (a *luaArgs) Len() int { return a.n }

func (a *luaArgs) Kind(i int) engine.Kind {
	if i >= a.n {
		return engine.KindUndefined
	}
	switch v := a.at(i).(type) {
	case *lua.LNilType:
		return engine.KindNull
	case lua.LBool:
		return engine.KindBool
	case lua.LNumber:
		return engine.KindNumber
	case lua.LString:
		return engine.KindString
	case *lua.LTable:
		return engine.KindObject
	case *lua.LFunction:
		return engine.KindFunc
	case *lua.LUserData:
		if v == a.st.null {
			return engine.KindNull
		}
	}
	return engine.KindOther
}

func (a *luaArgs) String(i int) string {
	v := a.at(i)
	if s, ok := v.(lua.LString); ok {
		return string(s)
	}
	return a.st.L.ToStringMeta(v).String()
}

func (a *luaArgs) Number(i int) float64 {
	n, _ := a.at(i).(lua.LNumber)
	return float64(n)
}

func (a *luaArgs) Bool(i int) bool { return lua.LVAsBool(a.at(i)) }

func (a *luaArgs) Bytes(i int) []byte { return []byte(a.String(i)) }

func (a *luaArgs) Value(i int) (any, error) { return a.st.fromLua(a.at(i), 0) }

func (a *luaArgs) JSON(i int) ([]byte, bool, error) {
	b, err := a.st.encodeJSON(a.at(i))
	return b, err == nil, err
}

func (a *luaArgs) Func(i int) engine.Callable {
	fn, _ := a.at(i).(*lua.LFunction)
	return &luaCallable{st: a.st, fn: fn}
}

func (a *luaArgs) Field(i int, key string) (any, bool, error) {
	t, ok := a.at(i).(*lua.LTable)
	if !ok {
		return nil, false, nil
	}
	v := t.RawGetString(key)
	if v == lua.LNil {
		return nil, false, nil
	}
	x, err := a.st.fromLua(v, 1)
	return x, true, err
}

func (a *luaArgs) FieldNames(i int) []string {
	t, ok := a.at(i).(*lua.LTable)
	if !ok {
		return nil
	}
	var out []string
	t.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); ok {
			out = append(out, string(s))
		}
	})
	return out
}

// luaCallable is a script function Go calls back.
type luaCallable struct {
	st *state
	fn *lua.LFunction
}

func (c *luaCallable) Call(args ...any) (any, error) {
	L := c.st.L
	L.Push(c.fn)
	for _, a := range args {
		L.Push(c.st.toLua(a, 1))
	}
	if err := L.PCall(len(args), 1, nil); err != nil {
		if cause := c.st.interp.stop.Load(); cause != nil {
			return nil, &engine.Fatal{Err: *cause}
		}
		var ae *lua.ApiError
		if errors.As(err, &ae) {
			return nil, &engine.Thrown{Value: engine.Native{V: ae.Object}, Msg: ae.Object.String()}
		}
		return nil, err
	}
	v := L.Get(-1)
	L.Pop(1)
	return engine.Native{V: v}, nil
}
