// Package lua runs Lua 5.1 scripts on gopher-lua: it registers the "lua"
// language with package engine, compiles a script once, and starts one
// LState per interpreter with safe libraries only (unless the sandbox is
// off) and every capability bound.
//
// In handler mode the LState is warm: the top level ran once and handle
// runs per request. In CGI mode (no handle) each request gets a fresh
// LState, so no global, metatable or replaced library function of one
// request is seen by the next.
//
// Not supported: io.open, os.execute and the debug library unless the
// sandbox is off; C modules.
package lua

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"

	"scriptsrv/host/engine"
	"scriptsrv/internal/jsondec"
)

func init() {
	// A script writing t[2e6] = 1 must not allocate a 2-million-slot array.
	lua.MaxArrayIndex = 1 << 20
	engine.Register(&engine.Language{Name: "lua", Exts: []string{".lua"}, Compile: compile})
}

// maxCallDepth bounds recursion: deeper is a clean 500.
const maxCallDepth = 1000

// program is a compiled script.
type program struct {
	src   *engine.Source
	proto *lua.FunctionProto
	cgi   bool
	mods  modules
}

func compile(src *engine.Source) (engine.Program, error) {
	proto, stmts, err := compileChunk(src.Text, src.Name)
	if err != nil {
		return nil, err
	}
	return &program{src: src, proto: proto, cgi: !definesHandle(stmts),
		mods: modules{root: src.Root, path: src.Options.LuaPath, loaded: src.Dep, protos: map[string]*lua.FunctionProto{}}}, nil
}

func (p *program) CGIMode() bool { return p.cgi }

func compileChunk(src, name string) (*lua.FunctionProto, []ast.Stmt, error) {
	stmts, err := parse.Parse(strings.NewReader(src), name)
	if err != nil {
		return nil, nil, err
	}
	proto, err := lua.Compile(stmts, name)
	return proto, stmts, err
}

// definesHandle looks for `function handle` or `handle = ...` at the top.
func definesHandle(stmts []ast.Stmt) bool {
	isHandle := func(e ast.Expr) bool {
		id, ok := e.(*ast.IdentExpr)
		return ok && id.Value == "handle"
	}
	for _, st := range stmts {
		switch s := st.(type) {
		case *ast.FuncDefStmt:
			if s.Name.Receiver == nil && isHandle(s.Name.Func) {
				return true
			}
		case *ast.AssignStmt:
			for _, l := range s.Lhs {
				if isHandle(l) {
					return true
				}
			}
		}
	}
	return false
}

// errOutsideRoot is the error of a require() that would leave the root.
var errOutsideRoot = errors.New("outside the scripts' root")

// modules is require()'s compile-once cache, confined to the scripts' root
// and the [pool] lua_path folders (read-only, searched after the root).
type modules struct {
	root   string
	path   []string // lua_path: absolute folders
	loaded func(string)
	mu     sync.Mutex
	protos map[string]*lua.FunctionProto
}

// get finds name as NAME.lua or NAME/init.lua (dots are folders) in the
// root, then in each lua_path folder; fs.ErrNotExist when none has it.
func (m *modules) get(name string) (*lua.FunctionProto, error) {
	base := path.Clean(strings.ReplaceAll(name, ".", "/"))
	if path.IsAbs(base) || strings.HasPrefix(base, "../") || strings.Contains(name, "..") || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("module %q: %w", name, errOutsideRoot)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.protos[name]; ok {
		return p, nil
	}
	for _, dir := range append([]string{m.root}, m.path...) {
		for _, file := range []string{base + ".lua", base + "/init.lua"} {
			p, err := m.load(dir, file)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			m.protos[name] = p
			return p, nil
		}
	}
	return nil, fs.ErrNotExist
}

// load compiles file from dir, never following a link out of it.
func (m *modules) load(dir, file string) (*lua.FunctionProto, error) {
	f, err := os.OpenInRoot(dir, file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	name := file
	if dir != m.root {
		name = filepath.Join(dir, file)
	}
	p, _, err := compileChunk(string(src), name)
	if err != nil {
		return nil, err
	}
	if m.loaded != nil {
		m.loaded(filepath.Join(dir, filepath.FromSlash(file)))
	}
	return p, nil
}

// interp is one interpreter: a warm LState in handler mode, an LState per
// request in CGI mode.
type interp struct {
	prog *program
	host *engine.Host
	st   atomic.Pointer[state]
	stop atomic.Pointer[error] // the cause of an Interrupt

	// CGI mode: the next request's LState, made in the background while
	// the interpreter waits (opening the libraries is most of its cost).
	next   chan *state
	closed atomic.Bool
}

func (p *program) NewInterpreter(h *engine.Host) (engine.Interpreter, error) {
	in := &interp{prog: p, host: h}
	if p.cgi {
		in.next = make(chan *state, 1)
		go in.prepare()
		return in, nil
	}
	st := newState(in)
	L := st.L
	L.Push(L.NewFunctionFromProto(p.proto))
	if err := L.PCall(0, 0, nil); err != nil {
		st.close()
		return nil, st.scriptError(err)
	}
	fn, ok := L.GetGlobal("handle").(*lua.LFunction)
	if !ok {
		st.close()
		return nil, fmt.Errorf("%s: handle is not a function", p.src.Name)
	}
	st.handle = fn
	in.st.Store(st)
	return in, nil
}

func (in *interp) Interrupt(cause error) {
	in.stop.Store(&cause)
	if st := in.st.Load(); st != nil {
		st.cancel()
	}
}

func (in *interp) Close() {
	in.closed.Store(true)
	if st := in.st.Swap(nil); st != nil {
		st.close()
	}
	if in.next != nil {
		select {
		case st := <-in.next:
			st.close()
		default:
		}
	}
}

// prepare makes the next CGI-mode request's LState.
func (in *interp) prepare() {
	st := newState(in)
	in.next <- st
	if in.closed.Load() { // closed meanwhile: no request will take it
		select {
		case st := <-in.next:
			st.close()
		default:
		}
	}
}

func (in *interp) Serve(r engine.Request) error {
	if !in.prog.cgi {
		return in.st.Load().serve(r)
	}
	st := <-in.next
	if old := in.st.Swap(st); old != nil {
		old.close()
	}
	if in.stop.Load() != nil {
		st.cancel()
	}
	defer func() { go in.prepare() }()
	st.cur = r
	defer func() { st.cur = nil }()
	L := st.L
	L.Push(L.NewFunctionFromProto(in.prog.proto))
	// A CGI-style script that returns a value instead of writing answers
	// with it, as a handler does (not an empty 200).
	return st.answer(r, L.PCall(0, 1, nil))
}

// state is one LState with the script API bound.
type state struct {
	interp *interp
	L      *lua.LState
	cancel context.CancelFunc
	handle *lua.LFunction
	cur    engine.Request // nil outside a request

	reqMT             *lua.LTable
	reqMethods        map[string]lua.LValue
	stdin, stdout     *lua.LTable
	null              *lua.LUserData
	arrayMT, objectMT *lua.LTable
	jsonDec           jsondec.Decoder[lua.LValue] // json.decode's, reused

	frames []*frame
	depth  int
}

func newState(in *interp) *state {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: maxCallDepth, MinimizeStackMemory: true,
		RegistrySize: 4096, RegistryMaxSize: 1 << 21, RegistryGrowStep: 4096})
	// One context for the LState's whole life, set before anything runs, so
	// coroutines made at any time inherit it; an interrupt cancels it and
	// the interpreter is thrown away.
	ctx, cancel := context.WithCancel(context.Background())
	L.SetContext(ctx)
	st := &state{interp: in, L: L, cancel: cancel}
	st.openLibs()
	if in.host.MemoryLimit > 0 {
		st.checkBuiltins()
	}
	st.lua51()
	st.bindModules()
	st.bindAPI()
	return st
}

func (st *state) close() {
	st.cancel()
	st.L.Close()
}

func (st *state) serve(r engine.Request) error {
	st.cur = r
	defer func() { st.cur = nil }()
	L := st.L
	req := L.CreateTable(0, 0) // fields arrive lazily through reqMT.__index
	req.Metatable = st.reqMT
	L.Push(st.handle)
	L.Push(req)
	return st.answer(r, L.PCall(1, 1, nil))
}

// answer finishes a call that left one result on the stack: a script
// error, or the returned value sent as the answer unless it is nil or the
// script already wrote one.
func (st *state) answer(r engine.Request, callErr error) error {
	if callErr != nil {
		return st.scriptError(callErr)
	}
	ret := st.L.Get(-1)
	st.L.Pop(1)
	if ret == lua.LNil || r.Wrote() {
		return nil
	}
	return st.sendValue(ret)
}

// scriptError turns a Lua error into a *ScriptError; its message already
// starts with file:line.
func (st *state) scriptError(err error) error {
	if err == nil {
		return nil
	}
	name := st.interp.prog.src.Name
	se := &engine.ScriptError{Script: st.interp.prog.src.File, Message: err.Error(), Err: err}
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		se.Message = st.errorText(ae.Object)
		se.Stack = st.stackText(ae.StackTrace)
		if ae.Type == lua.ApiErrorPanic {
			se.Err = engine.ErrPanicked
		}
		if strings.Contains(se.Message, "stack overflow") {
			se.Message = fmt.Sprintf("%s: stack overflow (more than %d calls deep)", name, maxCallDepth)
		}
	}
	if c := st.interp.stop.Load(); c != nil {
		se.Err, se.Stopped = *c, true
		msg := strings.Replace(se.Message, context.Canceled.Error(), (*c).Error(), 1)
		if msg == se.Message && !strings.Contains(msg, (*c).Error()) {
			msg = name + ": " + (*c).Error()
		}
		se.Message = msg
	}
	return se
}
