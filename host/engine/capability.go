// capability.go: what scripts may call, declared once over engine-neutral
// values and bound by every engine.

package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Module is a group of functions bound under one global.
type Module struct {
	// Name is the global the functions are bound under ("kv"), or "" for
	// globals of their own (header, send).
	Name string
	// Lang binds the module in one language only ("js", "lua"); "" in all.
	Lang string
	// Internal modules are not globals: an engine hands them to its own
	// script-side code (JavaScript's fetch is written over one), and the
	// functions are named in messages without the module's name.
	Internal bool
	Funcs    []*Func
}

// Func is one function scripts call.
type Func struct {
	// Name is how JavaScript calls it (camelCase).
	Name string
	// Lua is how Lua calls it; "" means Name in snake_case.
	Lua string
	// Lang binds it in one language only; "" in all.
	Lang string
	// Params name the positional parameters, for messages.
	Params []string
	// Options are named options after the parameters: a JS object
	// ({ttl: 5}); in Lua positional arguments or a table with snake_case
	// keys, as LuaOptions says.
	Options    []string
	LuaOptions OptionStyle
	// Fallible makes Lua return nil, err on failure instead of raising,
	// as Lua I/O calls do; JavaScript always throws.
	Fallible bool
	// Async makes the JavaScript call return a Promise: Do runs on another
	// goroutine, with its arguments already converted (Args.Value only),
	// and must not call back into the script nor use Call.Req (the request
	// may be over): Call.RequestContext is safe. In Lua the script waits.
	Async bool
	// Begin, for an Async function, runs first on the interpreter's
	// goroutine (per-request counts and limits): an error is thrown at once.
	Begin func(c *Call, a *Args) error
	// Settle, for an Async function, runs on the interpreter's goroutine
	// with Do's result before the Promise settles (memory accounting).
	Settle func(c *Call, v any) (any, error)
	// TopLevel allows calls with no request in progress (c.Req is nil).
	TopLevel bool
	// Do does the call. Its error is thrown (named after the call); a
	// *Fatal error stops the script.
	Do func(c *Call, a *Args) (any, error)
}

// OptionStyle is how Lua passes a function's options.
type OptionStyle uint8

const (
	// OptionsPositional: kv.set(k, v, ttl) — each option an argument.
	OptionsPositional OptionStyle = iota
	// OptionsTable: set_cookie(n, v, {max_age = 60}) — one table.
	OptionsTable
)

// LuaName is how Lua spells the function.
func (f *Func) LuaName() string { return luaName(f.Name, f.Lua) }

// NameIn is the function's name in a language.
func (f *Func) NameIn(lang string) string {
	if lang == "lua" {
		return f.LuaName()
	}
	return f.Name
}

var (
	modMu   sync.RWMutex
	modules []*Module
)

// Define registers a module; engines bind it into every interpreter they
// start afterwards. Defining a module of an existing name adds its
// functions to it.
func Define(m *Module) {
	modMu.Lock()
	defer modMu.Unlock()
	modules = append(modules, m)
}

// Modules returns the modules bound in lang.
func Modules(lang string) []*Module {
	modMu.RLock()
	defer modMu.RUnlock()
	out := make([]*Module, 0, len(modules))
	for _, m := range modules {
		if m.Lang == "" || m.Lang == lang {
			out = append(out, m)
		}
	}
	return out
}

// Call is one call of a Func.
type Call struct {
	Req  Request // nil at the top level
	Host *Host
	Lang string
	Func *Func
	// Module is the name the function is bound under ("kv"; "" for a
	// global; an Object's Name for a method).
	Module string
	// Ctx, when set, is the call's own context (an async call that can be
	// cancelled alone); else the request's.
	Ctx context.Context
	// ReqCtx, when set, is the request's context, taken when the call
	// began: an async Do runs off the script's goroutine, where Req may
	// already serve the next request, so it uses this and never Req.
	ReqCtx context.Context
}

// Name is the call as the script wrote it: "kv.get", "set_cookie".
func (c *Call) Name() string {
	n := c.Func.NameIn(c.Lang)
	if c.Module != "" {
		return c.Module + "." + n
	}
	return n
}

// Context is the request's context, or context.Background at the top
// level.
func (c *Call) Context() context.Context {
	if c.Ctx != nil {
		return c.Ctx
	}
	if c.Req == nil {
		return context.Background()
	}
	return c.Req.Context()
}

// RequestContext is the request's context even for an async call, whose
// own context may end first (cancelled alone).
func (c *Call) RequestContext() context.Context {
	if c.ReqCtx != nil {
		return c.ReqCtx
	}
	if c.Req == nil {
		return context.Background()
	}
	return c.Req.Context()
}

// Errorf returns an error naming the call.
func (c *Call) Errorf(format string, args ...any) error {
	return &CallError{Call: c.Name(), Err: fmt.Errorf(format, args...)}
}

// CallError is an error of a host function, named after the call.
type CallError struct {
	Call string
	Err  error
}

func (e *CallError) Error() string { return e.Call + ": " + e.Err.Error() }

func (e *CallError) Unwrap() error { return e.Err }

// Named makes err name the call, unless it already names one.
func (c *Call) Named(err error) error {
	if err == nil {
		return nil
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return err
	}
	if f, ok := err.(*Fatal); ok {
		return &Fatal{Err: c.Named(f.Err)}
	}
	if _, ok := err.(*Thrown); ok {
		return err // the script's own error goes back unchanged
	}
	return &CallError{Call: c.Name(), Err: err}
}

// TypeError makes JavaScript reject or throw a TypeError (fetch's
// network errors are); other languages see its message.
type TypeError struct{ Err error }

func (e *TypeError) Error() string { return e.Err.Error() }

func (e *TypeError) Unwrap() error { return e.Err }

// Thrown is an error a script function raised, as a Callable returns it:
// a capability that passes it on (db.transaction) makes the script see
// the very value its own code threw, not a copy of its message.
type Thrown struct {
	Value Native // the engine's own error value
	Msg   string
}

func (e *Thrown) Error() string { return e.Msg }

// RangeError makes JavaScript throw a RangeError (a size or index out of
// range); other languages see its message.
type RangeError struct{ Err error }

func (e *RangeError) Error() string { return e.Err.Error() }

func (e *RangeError) Unwrap() error { return e.Err }

// ErrNoRequest is the error of a request function called at the top level.
var ErrNoRequest = errors.New("no request in progress (the top level runs once, at start)")

// LangName returns the name a function has in the call's language.
func (c *Call) LangName(js string) string {
	if c.Lang == "lua" {
		return SnakeCase(js)
	}
	return js
}

// Invoke runs f for a call: the request check, then Do, with its error
// named after the call.
func Invoke(c *Call, a *Args) (any, error) {
	if c.Req == nil && !c.Func.TopLevel {
		return nil, c.Named(ErrNoRequest)
	}
	a.call = c
	v, err := c.Func.Do(c, a)
	if err == nil {
		err = a.err
	}
	return v, c.Named(err)
}

// Lookup finds a defined function by module and JS name.
func Lookup(module, name string) (*Func, bool) {
	modMu.RLock()
	defer modMu.RUnlock()
	for _, m := range modules {
		if m.Name != module {
			continue
		}
		for _, f := range m.Funcs {
			if f.Name == name {
				return f, true
			}
		}
	}
	return nil, false
}

// ReqField is a field of the req object handle receives.
type ReqField struct {
	Name string // as JavaScript reads it
	Lua  string // as Lua reads it; "" means Name in snake_case
	Get  func(r Request) any
}

// LuaName is how Lua spells the field.
func (f ReqField) LuaName() string { return luaName(f.Name, f.Lua) }

var (
	reqFields  []ReqField
	reqMethods []*Func
)

// DefineReq adds fields and methods to req. Engines add stdin themselves.
func DefineReq(fields []ReqField, methods ...*Func) {
	modMu.Lock()
	defer modMu.Unlock()
	reqFields = append(reqFields, fields...)
	reqMethods = append(reqMethods, methods...)
}

// Req returns req's fields and methods.
func Req() ([]ReqField, []*Func) {
	modMu.RLock()
	defer modMu.RUnlock()
	return reqFields, reqMethods
}
