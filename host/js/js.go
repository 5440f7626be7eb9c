// Package js runs JavaScript scripts on goja: it registers the "js"
// language with package engine, compiles a script once, and starts one
// goja.Runtime per interpreter with every capability bound.
//
// In handler mode the runtime is warm: the top level ran once and handle
// runs per request. In CGI mode (no handle) each request gets a fresh
// runtime, so nothing a request does — globals, prototypes, replaced
// built-ins — is seen by the next.
//
// ES modules, TypeScript and JSX are bundled by esbuild first (bundle.go).
package js

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"

	"scriptsrv/host/engine"
)

func init() {
	engine.Register(&engine.Language{Name: "js", Exts: []string{".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"}, Compile: compile})
}

// maxCallDepth bounds recursion: deeper is a clean 500, not a runaway.
const maxCallDepth = 10000

// program is a compiled script.
type program struct {
	src  *engine.Source
	main *goja.Program
	cgi  bool
	// bundled: an ES module bundled by esbuild; main returns its exports.
	bundled bool
	loader  *loader
}

func compile(src *engine.Source) (engine.Program, error) {
	if needsBundle(src) {
		return compileBundle(src)
	}
	tree, err := goja.Parse(src.Name, src.Text, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, err
	}
	p := &program{src: src, cgi: !definesHandle(tree)}
	if p.cgi {
		// A function wrapper (on line 1, so line numbers hold) keeps
		// top-level let/const local to the run.
		if tree, err = goja.Parse(src.Name, "(function(){"+src.Text+"\n})()", parser.WithDisableSourceMaps); err != nil {
			return nil, err
		}
	}
	if p.main, err = goja.CompileAST(tree, false); err != nil {
		return nil, err
	}
	p.loader = newLoader(src.Root, src.Options.Modules, src.Dep)
	return p, nil
}

// compileBundle compiles an ES module script: a handler when it exports
// handle or a default, a CGI-mode script otherwise.
func compileBundle(src *engine.Source) (engine.Program, error) {
	b, err := bundle(src)
	if err != nil {
		return nil, err
	}
	if src.Dep != nil {
		for _, f := range b.inputs {
			src.Dep(f)
		}
	}
	p := &program{src: src, bundled: true, cgi: true, loader: newLoader(src.Root, src.Options.Modules, src.Dep)}
	for _, e := range b.exports {
		if e == "handle" || e == "default" {
			p.cgi = false
		}
	}
	// The bundle as a function of (module, exports), on line 1 so that its
	// source map's lines hold, which goja finds only before a last "})".
	code := "(function(module, exports){" + b.code + "\n})"
	if p.main, err = goja.Compile(src.Name, code, false); err != nil {
		return nil, fmt.Errorf("compiling the bundle of %s: %w", src.Name, err)
	}
	return p, nil
}

func (p *program) CGIMode() bool { return p.cgi }

// definesHandle looks for a top-level handle: a function declaration, a
// var/let/const, or an assignment.
func definesHandle(prog *ast.Program) bool {
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

// interp is one interpreter: a warm runtime in handler mode, a runtime per
// request in CGI mode.
type interp struct {
	prog *program
	host *engine.Host
	rt   atomic.Pointer[runtime]
	// stop is the cause of an Interrupt, kept for a CGI-mode runtime that
	// starts after it.
	stop atomic.Pointer[error]
	// CGI mode: the next request's runtime, made in the background while
	// the interpreter waits.
	next chan *runtime
}

func (p *program) NewInterpreter(h *engine.Host) (engine.Interpreter, error) {
	in := &interp{prog: p, host: h}
	if p.cgi {
		in.next = make(chan *runtime, 1)
		go in.prepare()
		return in, nil
	}
	rt, err := newRuntime(in)
	if err != nil {
		return nil, err
	}
	exports, err := rt.runMain()
	if err != nil {
		return nil, rt.scriptError(err)
	}
	handle := rt.vm.Get("handle")
	if p.bundled {
		if handle, err = rt.exportedHandler(exports); err != nil {
			return nil, fmt.Errorf("%s: %w", p.src.Name, err)
		}
	}
	h2, ok := goja.AssertFunction(handle)
	if !ok {
		return nil, fmt.Errorf("%s: handle is not a function", p.src.Name)
	}
	rt.handle = h2
	in.rt.Store(rt)
	return in, nil
}

func (in *interp) Interrupt(cause error) {
	in.stop.Store(&cause)
	if rt := in.rt.Load(); rt != nil {
		rt.vm.Interrupt(cause)
		rt.loop.interrupt()
	}
}

// prepare makes the next CGI-mode request's runtime (nil if it failed).
func (in *interp) prepare() {
	rt, err := newRuntime(in)
	if err != nil {
		in.host.Logger.Error("making a JavaScript runtime failed", "error", err)
		rt = nil
	}
	in.next <- rt
}

func (in *interp) Close() {
	if rt := in.rt.Swap(nil); rt != nil {
		rt.vm.ClearInterrupt()
		rt.cur, rt.handle = nil, nil
	}
}

func (in *interp) Serve(r engine.Request) error {
	if !in.prog.cgi {
		return in.rt.Load().serve(r)
	}
	rt := <-in.next
	if rt == nil {
		return errors.New("js: making a runtime failed")
	}
	defer func() { go in.prepare() }()
	in.rt.Store(rt)
	if c := in.stop.Load(); c != nil {
		rt.vm.Interrupt(*c)
	}
	rt.cur = r
	defer rt.endRequest()
	if _, err := rt.runMain(); err != nil {
		return rt.scriptError(err)
	}
	// As a CGI process runs until nothing is pending, the script does.
	if err := rt.loop.run(nil); err != nil {
		return rt.scriptError(err)
	}
	return nil
}

// runMain runs the script's top level; a bundle's returns its exports.
func (rt *runtime) runMain() (goja.Value, error) {
	v, err := rt.vm.RunProgram(rt.interp.prog.main)
	if err != nil || !rt.interp.prog.bundled {
		return v, err
	}
	fn, _ := goja.AssertFunction(v)
	module := rt.vm.NewObject()
	exports := rt.vm.NewObject()
	module.Set("exports", exports)
	if _, err := fn(goja.Undefined(), module, exports); err != nil {
		return nil, err
	}
	return module.Get("exports"), nil
}

// endRequest drops what the request left pending and reports what it
// left unhandled.
func (rt *runtime) endRequest() {
	rt.reportRejections()
	rt.loop.reset()
	rt.cur = nil
}

// serve runs handle for one request, then what it returned.
func (rt *runtime) serve(r engine.Request) error {
	rt.cur = r
	defer rt.endRequest()
	req := rt.vm.NewDynamicObject(&jsReq{rt: rt, r: r})
	v, err := rt.handle(goja.Undefined(), req)
	if err != nil {
		return rt.scriptError(err)
	}
	return rt.result(v)
}

// result handles what handle returned: an awaited Promise, then a value
// sent when nothing was written.
func (rt *runtime) result(v goja.Value) error {
	if obj, ok := v.(*goja.Object); ok && obj.ExportType() == typePromise {
		p := obj.Export().(*goja.Promise)
		if err := rt.loop.run(func() bool { return p.State() != goja.PromiseStatePending }); err != nil {
			return rt.scriptError(err)
		}
		rt.forgetRejection(p) // its rejection is the request's error
		switch p.State() {
		case goja.PromiseStatePending:
			name := rt.interp.prog.src.Name
			return &engine.ScriptError{Script: rt.interp.prog.src.File, Message: name + ": " + engine.ErrNotSettled.Error(), Err: engine.ErrNotSettled}
		case goja.PromiseStateRejected:
			return rt.rejection(p.Result())
		}
		v = p.Result()
	}
	if goja.IsUndefined(v) || goja.IsNull(v) || rt.cur.Wrote() {
		return nil
	}
	return rt.sendValue(v)
}

// scriptError turns a goja error into a *ScriptError with file:line.
func (rt *runtime) scriptError(err error) error {
	if err == nil {
		return nil
	}
	name := rt.interp.prog.src.Name
	se := &engine.ScriptError{Script: rt.interp.prog.src.File, Err: err}
	var ex *goja.Exception
	var so *goja.StackOverflowError
	var ie *goja.InterruptedError
	switch {
	case errors.As(err, &ie):
		cause, _ := ie.Value().(error)
		se.Err = cause
		se.Message = name + ": interrupted"
		if cause != nil {
			se.Message = name + ": " + cause.Error()
			se.Stack = strings.TrimSpace(strings.TrimPrefix(ie.String(), cause.Error()))
		}
	case errors.As(err, &so):
		se.Message = fmt.Sprintf("%s: stack overflow (more than %d calls deep)", name, maxCallDepth)
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
	if c := rt.interp.stop.Load(); c != nil { // stopped: say why, where
		se.Err, se.Stopped = *c, true
		where := name
		if ex != nil && len(ex.Stack()) > 0 {
			if pos := ex.Stack()[0].Position(); pos.Filename != "" {
				where = fmt.Sprintf("%s:%d", pos.Filename, pos.Line)
			}
		}
		se.Message = where + ": " + (*c).Error()
	}
	return se
}

// rejection describes the reason of a rejected Promise.
func (rt *runtime) rejection(v goja.Value) error {
	src := rt.interp.prog.src
	se := &engine.ScriptError{Script: src.File, Message: src.Name + ": unhandled rejection: " + v.String()}
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

// stack is the script's current stack, one frame a line.
func (rt *runtime) stack() string {
	var b strings.Builder
	for _, f := range rt.vm.CaptureCallStack(20, nil) {
		pos := f.Position()
		if pos.Filename == "" {
			continue
		}
		fmt.Fprintf(&b, "\tat %s (%s:%d:%d)\n", funcName(f.FuncName()), pos.Filename, pos.Line, pos.Column)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
