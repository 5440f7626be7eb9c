// strlib.go: string.find, match, gmatch and gsub over the interruptible
// matcher of pattern.go, bound in place of gopher-lua's.

package lua

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// startAt is string.find's init: 1-based, negative from the end, clamped.
func startAt(L *lua.LState, arg, n int) int {
	init := L.OptInt(arg, 1)
	if init < 0 {
		init = n + init + 1
	}
	init--
	return min(max(init, 0), n)
}

func strFind(L *lua.LState) int  { return findAux(L, true) }
func strMatch(L *lua.LState) int { return findAux(L, false) }

func findAux(L *lua.LState, find bool) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	init := startAt(L, 3, len(src))
	if find && (L.ToBool(4) || !strings.ContainsAny(pat, specials)) {
		if i := strings.Index(src[init:], pat); i >= 0 {
			L.Push(lua.LNumber(init + i + 1))
			L.Push(lua.LNumber(init + i + len(pat)))
			return 2
		}
		L.Push(lua.LNil)
		return 1
	}
	anchor := strings.HasPrefix(pat, "^")
	if anchor {
		pat = pat[1:]
	}
	m := &matcher{L: L, src: src, pat: pat}
	for s := init; ; s++ {
		m.level = 0
		if e := m.match(s, 0); e >= 0 {
			if find {
				L.Push(lua.LNumber(s + 1))
				L.Push(lua.LNumber(e))
				return m.pushCaptures(s, e, false) + 2
			}
			return m.pushCaptures(s, e, true)
		}
		if s >= len(src) || anchor {
			break
		}
	}
	L.Push(lua.LNil)
	return 1
}

func strGmatch(L *lua.LState) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		m := &matcher{L: L, src: src, pat: pat}
		for s := pos; s <= len(src); s++ {
			m.level = 0
			if e := m.match(s, 0); e >= 0 {
				pos = e
				if e == s {
					pos++ // an empty match: go on at least one character
				}
				return m.pushCaptures(s, e, true)
			}
		}
		pos = len(src) + 1
		return 0
	}))
	return 1
}

func strGsub(L *lua.LState) int {
	src, pat := L.CheckString(1), L.CheckString(2)
	repl := L.Get(3)
	switch repl.Type() {
	case lua.LTNumber, lua.LTString, lua.LTFunction, lua.LTTable:
	default:
		L.ArgError(3, "string/function/table expected")
	}
	maxN := L.OptInt(4, len(src)+1)
	anchor := strings.HasPrefix(pat, "^")
	if anchor {
		pat = pat[1:]
	}
	m := &matcher{L: L, src: src, pat: pat}
	var b strings.Builder
	n, s := 0, 0
	for n < maxN {
		m.level = 0
		e := m.match(s, 0)
		if e >= 0 {
			n++
			m.addValue(&b, s, e, repl)
		}
		switch {
		case e > s:
			s = e
		case s < len(src):
			b.WriteByte(src[s])
			s++
		default:
			s = len(src) + 1 // done
		}
		if s > len(src) || anchor {
			break
		}
	}
	if s <= len(src) {
		b.WriteString(src[s:])
	}
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(n))
	return 2
}

// addValue appends the replacement of a match from s to e.
func (m *matcher) addValue(b *strings.Builder, s, e int, repl lua.LValue) {
	L := m.L
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LString, lua.LNumber:
		m.addString(b, s, e, lua.LVAsString(r))
		return
	case *lua.LFunction:
		L.Push(r)
		n := m.pushCaptures(s, e, true)
		L.Call(n, 1)
		v = L.Get(-1)
		L.Pop(1)
	case *lua.LTable:
		v = L.GetTable(r, m.capture(0, s, e))
	}
	if !lua.LVAsBool(v) {
		b.WriteString(m.src[s:e]) // nil or false: keep the match
		return
	}
	switch v.(type) {
	case lua.LString, lua.LNumber:
		b.WriteString(lua.LVAsString(v))
	default:
		m.fail("invalid replacement value (a %s)", v.Type().String())
	}
}

// addString appends a replacement string: %0-%9 are captures, % followed
// by anything else is that character.
func (m *matcher) addString(b *strings.Builder, s, e int, r string) {
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c != '%' || i+1 >= len(r) {
			b.WriteByte(c)
			continue
		}
		i++
		switch d := r[i]; {
		case d == '0':
			b.WriteString(m.src[s:e])
		case d >= '1' && d <= '9':
			b.WriteString(lua.LVAsString(m.capture(int(d-'1'), s, e)))
		default:
			b.WriteByte(d)
		}
	}
}

// bindPatterns replaces the string library's matching functions.
func (st *state) bindPatterns() {
	t := st.L.GetGlobal("string").(*lua.LTable)
	for name, f := range map[string]lua.LGFunction{"find": strFind, "match": strMatch, "gmatch": strGmatch, "gsub": strGsub} {
		t.RawSetString(name, st.L.NewFunction(f))
	}
}
