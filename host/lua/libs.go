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
	loaders.RawSetInt(2, L.NewFunction(st.loadModule))
	// json is preloaded: require("json") and the global json are the same.
	mod := st.openJSON()
	L.SetGlobal("json", mod)
	pkg.RawGetString("loaded").(*lua.LTable).RawSetString("json", mod)
}

// loadModule is package.loaders[2]: mod.lua from the scripts' root only.
func (st *state) loadModule(L *lua.LState) int {
	name := L.CheckString(1)
	proto, err := st.interp.prog.mods.get(name)
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
