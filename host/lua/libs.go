// libs.go: the Lua libraries an LState opens (safe ones only in the
// sandbox), require() from the scripts' root, and the preloaded json.

package lua

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

type library struct {
	name string
	open lua.LGFunction
}

func (st *state) openLibs() {
	L := st.L
	sandbox := st.interp.prog.src.Sandbox
	libs := []library{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}, {lua.CoroutineLibName, lua.OpenCoroutine},
		{lua.OsLibName, lua.OpenOs}}
	if !sandbox {
		libs = append(libs, library{lua.IoLibName, lua.OpenIo}, library{lua.DebugLibName, lua.OpenDebug})
	}
	for _, lib := range libs {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	st.bindPatterns()
	osFull := L.GetGlobal("os").(*lua.LTable)
	if sandbox {
		safe := L.NewTable()
		for _, k := range []string{"time", "clock", "date", "difftime"} {
			safe.RawSetString(k, osFull.RawGetString(k))
		}
		L.SetGlobal("os", safe)
		for _, g := range []string{"dofile", "loadfile", "_printregs"} {
			L.SetGlobal(g, lua.LNil)
		}
		st.safeDebug()
		// collectgarbage would stop the whole Go program: make it a no-op.
		L.SetGlobal("collectgarbage", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(0)); return 1 }))
	} else {
		osFull.RawSetString("exit", L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("os.exit would stop the whole server; return from the script instead")
			return 0
		}))
	}
	pkg := L.GetGlobal("package").(*lua.LTable)
	searched := []string{"?.lua", "?/init.lua"} // from the scripts' root
	for _, dir := range st.interp.prog.mods.path {
		searched = append(searched, dir+"/?.lua", dir+"/?/init.lua")
	}
	pkg.RawSetString("path", lua.LString(strings.Join(searched, ";")))
	loaders := pkg.RawGetString("loaders").(*lua.LTable)
	loaders.RawSetInt(2, L.NewFunction(st.loadModule))
	// json is preloaded: require("json") and the global json are the same.
	mod := st.openJSON()
	L.SetGlobal("json", mod)
	pkg.RawGetString("loaded").(*lua.LTable).RawSetString("json", mod)
}

// loadModule is package.loaders[2]: NAME.lua or NAME/init.lua from the
// scripts' root, then from the [pool] lua_path folders; nowhere else.
func (st *state) loadModule(L *lua.LState) int {
	name := L.CheckString(1)
	proto, err := st.interp.prog.mods.get(name)
	if errors.Is(err, fs.ErrNotExist) {
		file := strings.ReplaceAll(name, ".", "/")
		where := "\n\tno file %q or %q beside the script"
		if len(st.interp.prog.mods.path) > 0 {
			where += " nor in [pool] lua_path (" + strings.Join(st.interp.prog.mods.path, ", ") + ")"
		}
		L.Push(lua.LString(fmt.Sprintf(where, file+".lua", file+"/init.lua")))
		return 1
	}
	if err != nil {
		L.RaiseError("require %q: %v", name, err)
	}
	L.Push(L.NewFunctionFromProto(proto))
	return 1
}

// safeDebug gives a sandboxed script the part of debug that only reads:
// traceback and getinfo (names and lines, as Penlight and error reporting
// libraries use them); the rest (getlocal, setupvalue, sethook, the
// registry) could reach into other code and stays out.
func (st *state) safeDebug() {
	L := st.L
	L.Push(L.NewFunction(lua.OpenDebug))
	L.Push(lua.LString(lua.DebugLibName))
	L.Call(1, 1)
	full, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		full, _ = L.GetGlobal("debug").(*lua.LTable)
	}
	safe := L.NewTable()
	if full != nil {
		safe.RawSetString("traceback", full.RawGetString("traceback"))
		getinfo, _ := full.RawGetString("getinfo").(*lua.LFunction)
		safe.RawSetString("getinfo", L.NewFunction(func(L *lua.LState) int {
			n := getinfo.GFunction(L)
			if t, ok := L.Get(-1).(*lua.LTable); ok && n == 1 && t.RawGetString("short_src") == lua.LNil {
				t.RawSetString("short_src", t.RawGetString("source")) // Lua 5.1 has it; our sources are short already
			}
			return n
		}))
	}
	L.SetGlobal("debug", safe)
	if loaded, ok := L.GetField(L.GetGlobal("package"), "loaded").(*lua.LTable); ok {
		loaded.RawSetString("debug", safe)
	}
}
