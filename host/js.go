// js.go: the goja engine: compile once, an interpreter per worker, the
// script API bound once per interpreter.

package host

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/dop251/goja_nodejs/console"
	"github.com/dop251/goja_nodejs/require"
)

// maxJSCallDepth bounds recursion: deeper is a clean 500, not a runaway.
const maxJSCallDepth = 10000

type jsProgram struct {
	main     *goja.Program
	registry *require.Registry
}

func compileJS(p *Program, src string) (*jsProgram, error) {
	tree, err := goja.Parse(p.Name, src, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, err
	}
	p.CGIMode = !jsDefinesHandle(tree)
	if p.CGIMode {
		// A function wrapper (on line 1, so line numbers hold) lets top-level
		// let/const run again on the next request.
		if tree, err = goja.Parse(p.Name, "(function(){"+src+"\n})()", parser.WithDisableSourceMaps); err != nil {
			return nil, err
		}
	}
	prog, err := goja.CompileAST(tree, false)
	if err != nil {
		return nil, err
	}
	return &jsProgram{main: prog, registry: newJSRegistry(p.Root, p.addDep)}, nil
}

// jsDefinesHandle looks for a top-level handle: a function declaration, a
// var/let/const, or an assignment.
func jsDefinesHandle(prog *ast.Program) bool {
	isHandle := func(t ast.BindingTarget) bool {
		id, ok := t.(*ast.Identifier)
		return ok && id.Name == "handle"
	}
	for _, st := range prog.Body {
		switch s := st.(type) {
		case *ast.FunctionDeclaration:
			if s.Function.Name != nil && s.Function.Name.Name == "handle" {
				return true
			}
		case *ast.VariableStatement:
			for _, b := range s.List {
				if isHandle(b.Target) {
					return true
				}
			}
		case *ast.LexicalDeclaration:
			for _, b := range s.List {
				if isHandle(b.Target) {
					return true
				}
			}
		case *ast.ExpressionStatement:
			if a, ok := s.Expression.(*ast.AssignExpression); ok {
				switch l := a.Left.(type) {
				case *ast.Identifier:
					if l.Name == "handle" {
						return true
					}
				case *ast.DotExpression:
					if l.Identifier.Name == "handle" {
						return true
					}
				}
			}
		}
	}
	return false
}

type jsEngine struct {
	p         *Program
	pool      *Pool
	vm        *goja.Runtime
	handle    goja.Callable
	stringify goja.Callable
	json      jsJSON
	stdin     *goja.Object
	cur       *reqState
}

func newJSEngine(p *Program, pool *Pool) (engine, error) {
	vm := goja.New()
	vm.SetMaxCallStackSize(maxJSCallDepth)
	vm.SetParserOptions(parser.WithDisableSourceMaps)
	e := &jsEngine{p: p, pool: pool, vm: vm}
	p.js.registry.Enable(vm)
	m := vm.NewObject()
	m.Set("exports", vm.NewObject())
	console.RequireWithPrinter(e)(vm, m)
	vm.Set("console", m.Get("exports"))
	if err := e.bindAPI(); err != nil {
		return nil, err
	}
	stringify, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))
	e.stringify = stringify
	e.json.e = e
	if p.CGIMode {
		return e, nil
	}
	if _, err := vm.RunProgram(p.js.main); err != nil {
		return nil, e.scriptError(err)
	}
	h, ok := goja.AssertFunction(vm.Get("handle"))
	if !ok {
		return nil, fmt.Errorf("%s: handle is not a function", p.Name)
	}
	e.handle = h
	return e, nil
}

func (e *jsEngine) interrupt() { e.vm.Interrupt(errInterrupted) }

var errInterrupted = errors.New("interrupted")

func (e *jsEngine) close() { e.vm.ClearInterrupt() }

func (e *jsEngine) serve(rs *reqState) error {
	e.cur = rs
	if e.p.CGIMode {
		_, err := e.vm.RunProgram(e.p.js.main)
		return e.scriptError(err)
	}
	req := e.vm.NewDynamicObject(&jsReq{e: e, rs: rs})
	v, err := e.handle(goja.Undefined(), req)
	if err != nil {
		return e.scriptError(err)
	}
	return e.result(v)
}

// result handles what handle returned: an awaited Promise, then a string
// (or value) sent when nothing was written.
func (e *jsEngine) result(v goja.Value) error {
	if obj, ok := v.(*goja.Object); ok && obj.ExportType() == typePromise {
		p := obj.Export().(*goja.Promise)
		switch p.State() {
		case goja.PromiseStatePending:
			return &ScriptError{Script: e.p.File, Message: e.p.Name + ": " + ErrNotSettled.Error(), Err: ErrNotSettled}
		case goja.PromiseStateRejected:
			return e.rejection(p.Result())
		}
		v = p.Result()
	}
	if goja.IsUndefined(v) || goja.IsNull(v) || e.cur.out.wrote {
		return nil
	}
	return e.send(v)
}

// scriptError turns a goja error into a *ScriptError with file:line.
func (e *jsEngine) scriptError(err error) error {
	if err == nil {
		return nil
	}
	se := &ScriptError{Script: e.p.File, Err: err}
	var ex *goja.Exception
	var so *goja.StackOverflowError
	var ie *goja.InterruptedError
	switch {
	case errors.As(err, &ie):
		se.Message = e.p.Name + ": interrupted"
		se.Stack = strings.TrimSpace(strings.TrimPrefix(ie.String(), ie.Value().(error).Error()))
	case errors.As(err, &so):
		se.Message = fmt.Sprintf("%s: stack overflow (more than %d calls deep)", e.p.Name, maxJSCallDepth)
	case errors.As(err, &ex):
		se.Message = ex.Value().String()
		var b strings.Builder
		for i, f := range ex.Stack() {
			pos := f.Position()
			if i == 0 && pos.Filename != "" {
				se.Message = fmt.Sprintf("%s:%d: %s", pos.Filename, pos.Line, se.Message)
			}
			fmt.Fprintf(&b, "\tat %s (%s:%d:%d)\n", funcName(f.FuncName()), pos.Filename, pos.Line, pos.Column)
		}
		se.Stack = strings.TrimSuffix(b.String(), "\n")
	default:
		se.Message = err.Error()
	}
	return se
}

// rejection describes the reason of a rejected Promise.
func (e *jsEngine) rejection(v goja.Value) error {
	se := &ScriptError{Script: e.p.File, Message: e.p.Name + ": unhandled rejection: " + v.String()}
	if obj, ok := v.(*goja.Object); ok {
		if st := obj.Get("stack"); st != nil && !goja.IsUndefined(st) {
			se.Stack = st.String()
		}
	}
	return se
}

func funcName(n string) string {
	if n == "" {
		return "<anonymous>"
	}
	return n
}

// throw raises err as a JS Error the script can catch.
func (e *jsEngine) throw(err error) {
	panic(e.vm.NewGoError(err))
}

// req returns the current request or throws at the top level. Every host
// function goes through it, on the interpreter's goroutine: the place to
// record the stack of a request that has become slow.
func (e *jsEngine) req() *reqState {
	rs := e.cur
	if rs == nil {
		e.throw(errors.New("no request in progress (the top level runs once, at start)"))
	}
	if rs.slow.Load() && rs.slowStack == "" {
		var b strings.Builder
		for _, f := range e.vm.CaptureCallStack(20, nil) {
			pos := f.Position()
			fmt.Fprintf(&b, "\tat %s (%s:%d:%d)\n", funcName(f.FuncName()), pos.Filename, pos.Line, pos.Column)
		}
		rs.slowStack = strings.TrimSuffix(b.String(), "\n")
	}
	return rs
}

// bytesOf reads a string, ArrayBuffer or typed array argument.
func (e *jsEngine) bytesOf(v goja.Value) []byte {
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

// send is send(x): strings as they are, objects as JSON.
func (e *jsEngine) send(v goja.Value) error {
	rs := e.req()
	if goja.IsUndefined(v) || goja.IsNull(v) {
		return rs.out.send(nil, "")
	}
	if obj, ok := v.(*goja.Object); ok {
		switch obj.ExportType() { // without exporting the whole object
		case typeArrayBuffer, typeBytes:
			return rs.out.send(e.bytesOf(v), "")
		}
		b, ok, err := e.json.encode(v)
		if err != nil || !ok {
			return err // JSON.stringify's undefined (a function) sends nothing
		}
		return rs.out.send(b, "application/json")
	}
	return rs.out.send([]byte(v.String()), "")
}

// Log, Warn and Error make the engine console's printer: the server log
// and, during a request, the web server's error log.
func (e *jsEngine) Log(s string)   { e.printLog("info", s) }
func (e *jsEngine) Warn(s string)  { e.printLog("warn", s) }
func (e *jsEngine) Error(s string) { e.printLog("error", s) }

func (e *jsEngine) printLog(level, s string) {
	e.pool.log.Info("console."+map[string]string{"info": "log", "warn": "warn", "error": "error"}[level], "message", s)
	if e.cur != nil && e.cur.out.w != nil {
		io.WriteString(e.cur.out.w.Stderr(), s+"\n")
	}
}
