// lua.go: the gopher-lua engine: compile once, an LState per worker with a
// worker-lifetime context, safe libraries only unless the sandbox is off.

package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

func init() {
	// A script writing t[2e6] = 1 must not allocate a 2-million-slot array.
	lua.MaxArrayIndex = 1 << 20
}

type luaProgram struct {
	proto *lua.FunctionProto
	mods  luaModules
}

func compileLua(p *Program, src string) (*luaProgram, error) {
	proto, stmts, err := compileLuaChunk(src, p.Name)
	if err != nil {
		return nil, err
	}
	p.CGIMode = !luaDefinesHandle(stmts)
	return &luaProgram{proto: proto, mods: luaModules{root: p.Root, protos: map[string]*lua.FunctionProto{}, loaded: p.addDep}}, nil
}

func compileLuaChunk(src, name string) (*lua.FunctionProto, []ast.Stmt, error) {
	stmts, err := parse.Parse(strings.NewReader(src), name)
	if err != nil {
		return nil, nil, err
	}
	proto, err := lua.Compile(stmts, name)
	return proto, stmts, err
}

// luaDefinesHandle looks for `function handle` or `handle = ...` at the top.
func luaDefinesHandle(stmts []ast.Stmt) bool {
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

// luaModules is require()'s compile-once cache, confined to root.
type luaModules struct {
	root   string
	loaded func(string)
	mu     sync.Mutex
	protos map[string]*lua.FunctionProto
}

func (m *luaModules) get(name string) (*lua.FunctionProto, error) {
	file := path.Clean(strings.ReplaceAll(name, ".", "/") + ".lua")
	if path.IsAbs(file) || strings.HasPrefix(file, "../") || strings.Contains(name, "..") {
		return nil, fmt.Errorf("module %q: %w", name, errOutsideRoot)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.protos[file]; ok {
		return p, nil
	}
	f, err := os.OpenInRoot(m.root, file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	p, _, err := compileLuaChunk(string(src), file)
	if err != nil {
		return nil, err
	}
	m.protos[file] = p
	m.loaded(file)
	return p, nil
}

type luaEngine struct {
	p      *Program
	pool   *Pool
	L      *lua.LState
	cancel context.CancelFunc
	handle *lua.LFunction
	main   *lua.LFunction
	reqMT  *lua.LTable
	stdin  *lua.LTable
	stdout *lua.LTable
	null   *lua.LUserData
	cur    *reqState
}

// luaMaxCallDepth bounds recursion: deeper is a clean 500.
const luaMaxCallDepth = 1000

func newLuaEngine(p *Program, pool *Pool) (engine, error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: luaMaxCallDepth, MinimizeStackMemory: true,
		RegistrySize: 4096, RegistryMaxSize: 1 << 21, RegistryGrowStep: 4096})
	// One context for the interpreter's whole life, set before anything
	// runs, so coroutines made at any time inherit it; a timeout cancels it
	// and the interpreter is thrown away.
	ctx, cancel := context.WithCancel(context.Background())
	L.SetContext(ctx)
	e := &luaEngine{p: p, pool: pool, L: L, cancel: cancel}
	e.openLibs()
	e.bindAPI()
	main := L.NewFunctionFromProto(p.lua.proto)
	if p.CGIMode {
		e.main = main
		return e, nil
	}
	L.Push(main)
	if err := L.PCall(0, 0, nil); err != nil {
		e.close()
		return nil, e.scriptError(err)
	}
	h, ok := L.GetGlobal("handle").(*lua.LFunction)
	if !ok {
		e.close()
		return nil, fmt.Errorf("%s: handle is not a function", p.Name)
	}
	e.handle = h
	return e, nil
}

func (e *luaEngine) openLibs() {
	L := e.L
	libs := []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}, {lua.CoroutineLibName, lua.OpenCoroutine},
		{lua.OsLibName, lua.OpenOs}}
	if !e.p.Sandbox {
		libs = append(libs, struct {
			name string
			open lua.LGFunction
		}{lua.IoLibName, lua.OpenIo}, struct {
			name string
			open lua.LGFunction
		}{lua.DebugLibName, lua.OpenDebug})
	}
	for _, lib := range libs {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	osFull := L.GetGlobal("os").(*lua.LTable)
	if e.p.Sandbox {
		safe := L.NewTable()
		for _, k := range []string{"time", "clock", "date", "difftime"} {
			safe.RawSetString(k, osFull.RawGetString(k))
		}
		L.SetGlobal("os", safe)
		for _, g := range []string{"dofile", "loadfile", "_printregs"} {
			L.SetGlobal(g, lua.LNil)
		}
		// collectgarbage would stop the whole Go program: make it a no-op.
		L.SetGlobal("collectgarbage", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(0)); return 1 }))
	} else {
		osFull.RawSetString("exit", L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("os.exit would stop the whole server; return from the script instead")
			return 0
		}))
	}
	pkg := L.GetGlobal("package").(*lua.LTable)
	pkg.RawSetString("path", lua.LString("?.lua (beside the script)"))
	loaders := pkg.RawGetString("loaders").(*lua.LTable)
	loaders.RawSetInt(2, L.NewFunction(e.loadModule))
	// json is preloaded: require("json") and the global json are the same.
	L.Push(L.NewFunction(e.openJSON))
	L.Call(0, 1)
	mod := L.Get(-1)
	L.Pop(1)
	L.SetGlobal("json", mod)
	pkg.RawGetString("loaded").(*lua.LTable).RawSetString("json", mod)
}

// loadModule is package.loaders[2]: mod.lua from the scripts' root only.
func (e *luaEngine) loadModule(L *lua.LState) int {
	name := L.CheckString(1)
	proto, err := e.p.lua.mods.get(name)
	if errors.Is(err, fs.ErrNotExist) {
		L.Push(lua.LString(fmt.Sprintf("\n\tno file %q beside the script", strings.ReplaceAll(name, ".", "/")+".lua")))
		return 1
	}
	if err != nil {
		L.RaiseError("require %q: %v", name, err)
	}
	L.Push(L.NewFunctionFromProto(proto))
	return 1
}

func (e *luaEngine) interrupt() { e.cancel() }

func (e *luaEngine) close() {
	e.cancel()
	e.L.Close()
}

func (e *luaEngine) serve(rs *reqState) error {
	e.cur = rs
	L := e.L
	if e.p.CGIMode {
		L.Push(e.main)
		return e.scriptError(L.PCall(0, 0, nil))
	}
	req := L.CreateTable(0, 0) // fields arrive lazily through reqMT.__index
	req.Metatable = e.reqMT
	L.Push(e.handle)
	L.Push(req)
	if err := L.PCall(1, 1, nil); err != nil {
		return e.scriptError(err)
	}
	ret := L.Get(-1)
	L.Pop(1)
	if ret == lua.LNil || rs.out.wrote {
		return nil
	}
	return e.send(ret)
}

// scriptError turns a Lua error into a *ScriptError; its message already
// starts with file:line.
func (e *luaEngine) scriptError(err error) error {
	if err == nil {
		return nil
	}
	se := &ScriptError{Script: e.p.File, Message: err.Error(), Err: err}
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		se.Message = ae.Object.String()
		se.Stack = strings.TrimSpace(strings.TrimPrefix(ae.StackTrace, "stack traceback:"))
		if ae.Type == lua.ApiErrorPanic {
			se.Err = errPanicked
		}
		if strings.Contains(se.Message, "stack overflow") {
			se.Message = fmt.Sprintf("%s: stack overflow (more than %d calls deep)", e.p.Name, luaMaxCallDepth)
		}
	}
	return se
}
