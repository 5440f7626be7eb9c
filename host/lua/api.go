// api.go: the parts of the script API that are Lua's own: print, a
// host-backed io, os.getenv, and the lazy req table.

package lua

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"scriptsrv/host/engine"
)

// req returns the current request or raises at the top level, recording
// the script's stack when the request has become slow.
func (e *state) req() engine.Request {
	r := e.cur
	if r == nil {
		e.L.RaiseError("%s", engine.ErrNoRequest.Error())
	}
	e.noteSlow()
	return r
}

func (e *state) check(err error) {
	if err != nil {
		e.L.RaiseError("%s", err.Error())
	}
}

func (e *state) bindAPI() {
	L := e.L
	set := func(t *lua.LTable, name string, f lua.LGFunction) { t.RawSetString(name, L.NewFunction(f)) }
	g := L.G.Global
	set(g, "print", func(L *lua.LState) int {
		var b strings.Builder
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				b.WriteByte('\t')
			}
			b.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		b.WriteByte('\n')
		e.check(e.req().Write([]byte(b.String())))
		return 0
	})
	e.bindIO()
	osT := L.GetGlobal("os").(*lua.LTable)
	set(osT, "getenv", func(L *lua.LState) int {
		name := L.CheckString(1)
		if r := e.cur; r != nil {
			if v, ok := r.Params().Lookup(name); ok {
				L.Push(lua.LString(v))
				return 1
			}
		}
		if v, ok := e.interp.host.Env[name]; ok {
			L.Push(lua.LString(v))
			return 1
		}
		L.Push(lua.LNil)
		return 1
	})
	e.bindReq()
}

// bindIO builds io.write/read/lines and io.stdout/stderr over the request.
func (e *state) bindIO() {
	L := e.L
	ioT, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		ioT = L.NewTable()
		L.SetGlobal("io", ioT)
	}
	file := func(write func([]byte) error, read bool) *lua.LTable {
		methods := L.NewTable()
		methods.RawSetString("write", L.NewFunction(func(L *lua.LState) int {
			e.check(write(e.collect(L, 2)))
			L.Push(L.Get(1))
			return 1
		}))
		if read {
			methods.RawSetString("read", L.NewFunction(func(L *lua.LState) int { return e.read(L, 2) }))
			methods.RawSetString("lines", L.NewFunction(e.lines))
		}
		methods.RawSetString("flush", L.NewFunction(func(L *lua.LState) int { L.Push(L.Get(1)); return 1 }))
		methods.RawSetString("close", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LTrue); return 1 }))
		mt := L.NewTable()
		mt.RawSetString("__index", methods)
		t := L.NewTable()
		L.SetMetatable(t, mt)
		return t
	}
	stdoutWrite := func(b []byte) error { return e.req().Write(b) }
	stderrWrite := func(b []byte) error {
		e.req().Stderr(slog.LevelInfo, "stderr", b)
		return nil
	}
	e.stdout = file(stdoutWrite, false)
	e.stdin = file(func([]byte) error { return errors.New("stdin is read-only") }, true)
	ioT.RawSetString("stdout", e.stdout)
	ioT.RawSetString("stderr", file(stderrWrite, false))
	ioT.RawSetString("stdin", e.stdin)
	ioT.RawSetString("write", L.NewFunction(func(L *lua.LState) int {
		e.check(stdoutWrite(e.collect(L, 1)))
		L.Push(e.stdout)
		return 1
	}))
	ioT.RawSetString("read", L.NewFunction(func(L *lua.LState) int { return e.read(L, 1) }))
	ioT.RawSetString("lines", L.NewFunction(e.lines))
}

// collect concatenates io.write's arguments from index from: strings and
// numbers only, as real io.write takes.
func (e *state) collect(L *lua.LState, from int) []byte {
	var b []byte
	for i := from; i <= L.GetTop(); i++ {
		b = append(b, L.CheckString(i)...)
	}
	return b
}

// read implements io.read / stdin:read with formats "a"/"*a", "l"/"*l",
// "L", "n"/"*n" and byte counts, from argument index from.
func (e *state) read(L *lua.LState, from int) int {
	br := e.req().Body()
	top := L.GetTop()
	if top < from {
		L.Push(e.readLine(br, false))
		return 1
	}
	n := 0
	for i := from; i <= top; i++ {
		var v lua.LValue
		switch a := L.Get(i).(type) {
		case lua.LNumber:
			v = e.readCount(br, int(a))
		case lua.LString:
			switch strings.TrimPrefix(string(a), "*") {
			case "a":
				b, err := io.ReadAll(br)
				e.check(err)
				v = lua.LString(b)
			case "l":
				v = e.readLine(br, false)
			case "L":
				v = e.readLine(br, true)
			case "n":
				v = e.readNumber(br)
			default:
				L.ArgError(i, "invalid format "+strconv.Quote(string(a)))
			}
		default:
			L.ArgError(i, "invalid format")
		}
		L.Push(v)
		n++
		if v == lua.LNil {
			break
		}
	}
	return n
}

func (e *state) readCount(br *bufio.Reader, n int) lua.LValue {
	if n <= 0 {
		if _, err := br.Peek(1); err != nil {
			return lua.LNil
		}
		return lua.LString("")
	}
	s, err := e.req().ReadString(n, true)
	if err == io.EOF {
		return lua.LNil
	}
	e.check(err)
	return lua.LString(s)
}

func (e *state) readLine(br *bufio.Reader, keepNL bool) lua.LValue {
	line, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		e.check(err)
	}
	if line == "" && err == io.EOF {
		return lua.LNil
	}
	if !keepNL {
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	}
	return lua.LString(line)
}

func (e *state) readNumber(br *bufio.Reader) lua.LValue {
	var s string
	for {
		b, err := br.ReadByte()
		if err != nil {
			break
		}
		if strings.IndexByte("0123456789+-.eExXabcdefABCDEF", b) < 0 || (s == "" && (b == ' ' || b == '\n')) {
			if s == "" && (b == ' ' || b == '\n' || b == '\t' || b == '\r') {
				continue
			}
			br.UnreadByte()
			break
		}
		s += string(b)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return lua.LNumber(f)
	}
	return lua.LNil
}

// lines is io.lines(): an iterator over the body's lines.
func (e *state) lines(L *lua.LState) int {
	L.Push(L.NewFunction(func(L *lua.LState) int {
		L.Push(e.readLine(e.req().Body(), false))
		return 1
	}))
	return 1
}

// traceback lists the Lua frames of the running script.
func (e *state) traceback() string {
	var b strings.Builder
	for level := 1; level < 20; level++ {
		dbg, ok := e.L.GetStack(level)
		if !ok {
			break
		}
		if _, err := e.L.GetInfo("Sln", dbg, lua.LNil); err != nil || dbg.CurrentLine < 0 {
			continue
		}
		name := dbg.Name
		if name == "" {
			name = "?"
		}
		fmt.Fprintf(&b, "\t%s:%d: in %s\n", dbg.Source, dbg.CurrentLine, name)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// bindReq makes the metatable of req tables: fields are built on first use
// and cached in the table.
func (e *state) bindReq() {
	L := e.L
	fields, methods := engine.Req()
	e.reqMethods = map[string]lua.LValue{}
	for _, m := range methods {
		if m.Lang == "" || m.Lang == "lua" {
			e.reqMethods[m.LuaName()] = e.native("req", m, nil)
		}
	}
	e.reqMT = L.NewTable()
	e.reqMT.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		k := L.CheckString(2)
		r := e.req()
		var v lua.LValue = lua.LNil
		if k == "stdin" {
			v = e.stdin
		} else if m, ok := e.reqMethods[k]; ok {
			v = m
		} else {
			for _, f := range fields {
				if f.LuaName() == k {
					v = e.toLua(f.Get(r), 1)
					break
				}
			}
		}
		if v != lua.LNil {
			t.RawSetString(k, v)
		}
		L.Push(v)
		return 1
	}))
	e.reqMT.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int { L.RaiseError("req is read-only"); return 0 }))
}
