// luaapi.go: the script API for Lua: header/status/send/flush, print, a
// host-backed io and os.getenv, and the lazy req table.

package host

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// req returns the current request or raises at the top level. Every host
// function goes through it, on the interpreter's goroutine: the place to
// record the stack of a request that has become slow.
func (e *luaEngine) req() *reqState {
	rs := e.cur
	if rs == nil {
		e.L.RaiseError("no request in progress (the top level runs once, at start)")
	}
	if rs.slow.Load() && rs.slowStack == "" {
		rs.slowStack = e.traceback()
	}
	return rs
}

// traceback lists the Lua frames of the running script.
func (e *luaEngine) traceback() string {
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

func (e *luaEngine) check(err error) {
	if err != nil {
		e.L.RaiseError("%s", err.Error())
	}
}

func (e *luaEngine) bindAPI() {
	L := e.L
	set := func(t *lua.LTable, name string, f lua.LGFunction) { t.RawSetString(name, L.NewFunction(f)) }
	g := L.G.Global
	set(g, "header", func(L *lua.LState) int {
		e.check(e.req().out.header(L.CheckString(1), L.CheckString(2)))
		return 0
	})
	set(g, "status", func(L *lua.LState) int {
		e.check(e.req().out.setStatus(L.CheckInt(1)))
		return 0
	})
	set(g, "send", func(L *lua.LState) int {
		e.check(e.send(L.Get(1)))
		return 0
	})
	set(g, "flush", func(L *lua.LState) int {
		e.check(e.req().out.flush())
		return 0
	})
	set(g, "print", func(L *lua.LState) int {
		var b strings.Builder
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				b.WriteByte('\t')
			}
			b.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		b.WriteByte('\n')
		e.check(e.req().out.write([]byte(b.String())))
		return 0
	})
	e.bindIO()
	osT := L.GetGlobal("os").(*lua.LTable)
	set(osT, "getenv", func(L *lua.LState) int {
		if v, ok := e.req().r.Params.Lookup(L.CheckString(1)); ok {
			L.Push(lua.LString(v))
		} else {
			L.Push(lua.LNil)
		}
		return 1
	})
	e.reqMT = L.NewTable()
	set(e.reqMT, "__index", e.reqIndex)
	set(e.reqMT, "__newindex", func(L *lua.LState) int { L.RaiseError("req is read-only"); return 0 })
}

// bindIO builds io.write/read/lines and io.stdout/stderr over the request.
func (e *luaEngine) bindIO() {
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
	stdoutWrite := func(b []byte) error { return e.req().out.write(b) }
	stderrWrite := func(b []byte) error {
		rs := e.req()
		rs.out.w.Stderr().Write(b)
		e.pool.log.Info("stderr", "message", strings.TrimRight(string(b), "\n"))
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
func (e *luaEngine) collect(L *lua.LState, from int) []byte {
	var b []byte
	for i := from; i <= L.GetTop(); i++ {
		b = append(b, L.CheckString(i)...)
	}
	return b
}

// read implements io.read / stdin:read with formats "a"/"*a", "l"/"*l",
// "L", "n"/"*n" and byte counts, from argument index from.
func (e *luaEngine) read(L *lua.LState, from int) int {
	br := e.req().stdin()
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

func (e *luaEngine) readCount(br *bufio.Reader, n int) lua.LValue {
	if n <= 0 {
		if _, err := br.Peek(1); err != nil {
			return lua.LNil
		}
		return lua.LString("")
	}
	s, err := e.req().readString(n, true)
	if err == io.EOF {
		return lua.LNil
	}
	e.check(err)
	return lua.LString(s)
}

func (e *luaEngine) readLine(br *bufio.Reader, keepNL bool) lua.LValue {
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

func (e *luaEngine) readNumber(br *bufio.Reader) lua.LValue {
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
func (e *luaEngine) lines(L *lua.LState) int {
	L.Push(L.NewFunction(func(L *lua.LState) int {
		L.Push(e.readLine(e.req().stdin(), false))
		return 1
	}))
	return 1
}

// send is send(x): strings and numbers as they are, tables as JSON.
func (e *luaEngine) send(v lua.LValue) error {
	rs := e.req()
	switch x := v.(type) {
	case *lua.LNilType:
		return rs.out.send(nil, "")
	case *lua.LTable:
		b, err := e.encodeJSON(x)
		if err != nil {
			return err
		}
		return rs.out.send(b, "application/json")
	case lua.LString:
		return rs.out.send([]byte(x), "")
	default:
		return rs.out.send([]byte(e.L.ToStringMeta(v).String()), "")
	}
}

// reqIndex builds req's fields on first use and caches them in the table.
func (e *luaEngine) reqIndex(L *lua.LState) int {
	t := L.CheckTable(1)
	k := L.CheckString(2)
	rs := e.req()
	var v lua.LValue = lua.LNil
	switch k {
	case "params":
		p := L.CreateTable(0, len(rs.r.Params))
		for _, x := range rs.r.Params {
			p.RawSetString(x.Name, lua.LString(x.Value))
		}
		v = p
	case "method":
		v = lua.LString(rs.r.Params.Get("REQUEST_METHOD"))
	case "path":
		v = lua.LString(rs.requestPath())
	case "query":
		v = stringTable(L, rs.parsedQuery())
	case "headers":
		v = stringTable(L, rs.headers())
	case "stdin":
		v = e.stdin
	}
	if v != lua.LNil {
		t.RawSetString(k, v)
	}
	L.Push(v)
	return 1
}

func stringTable(L *lua.LState, m map[string]string) *lua.LTable {
	t := L.CreateTable(0, len(m))
	for k, v := range m {
		t.RawSetString(k, lua.LString(v))
	}
	return t
}
