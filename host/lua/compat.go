// compat.go: where gopher-lua differs from Lua 5.1 in ways common code
// hits, made to behave as Lua 5.1 does: table.sort with a nil comparator,
// math.huge as infinity, tonumber in bases up to 36, string.format's %q,
// os.date (osdate.go).
// (string.match and string.find giving nil are in pattern.go.) Each has a
// row in the cross-language table (testdata/api/compat.lua).

package lua

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

func (st *state) lua51() {
	L := st.L
	tab := L.GetGlobal("table").(*lua.LTable)
	sort := tab.RawGetString("sort").(*lua.LFunction)
	tab.RawSetString("sort", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() >= 2 && L.Get(2) == lua.LNil {
			L.SetTop(1) // table.sort(t, nil) is table.sort(t)
		}
		return sort.GFunction(L)
	}))
	L.GetGlobal("math").(*lua.LTable).RawSetString("huge", lua.LNumber(math.Inf(1)))
	tonumber := L.GetGlobal("tonumber").(*lua.LFunction)
	L.SetGlobal("tonumber", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() < 2 || L.Get(2) == lua.LNil {
			return tonumber.GFunction(L)
		}
		base := L.CheckInt(2)
		if base < 2 || base > 36 {
			L.ArgError(2, "base out of range")
		}
		s := strings.ToLower(strings.TrimSpace(L.CheckString(1)))
		neg := strings.HasPrefix(s, "-")
		n, err := strconv.ParseUint(strings.TrimPrefix(s, "-"), base, 64)
		if err != nil || s == "" {
			L.Push(lua.LNil)
			return 1
		}
		v := lua.LNumber(float64(n))
		if neg {
			v = -v
		}
		L.Push(v)
		return 1
	}))
	L.GetGlobal("os").(*lua.LTable).RawSetString("date", L.NewFunction(osDate))
	str := L.GetGlobal("string").(*lua.LTable)
	format := str.RawGetString("format").(*lua.LFunction)
	str.RawSetString("format", L.NewFunction(func(L *lua.LState) int {
		f := L.CheckString(1)
		if strings.Contains(f, "%q") {
			L.Replace(1, lua.LString(quoteArgs(L, f)))
		}
		return format.GFunction(L)
	}))
}

// quoteArgs turns every %q of format into a %s whose argument it quotes
// as Lua 5.1 does (\" \\ \<newline> \r \000), and returns the new format.
func quoteArgs(L *lua.LState, format string) string {
	var b strings.Builder
	arg := 1
	for i := 0; i < len(format); i++ {
		c := format[i]
		b.WriteByte(c)
		if c != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			break
		}
		if format[j] == '%' && j == i+1 {
			b.WriteByte('%')
			i = j
			continue
		}
		arg++
		if format[j] == 'q' {
			b.WriteString(format[i+1 : j])
			b.WriteByte('s')
			L.Replace(arg, lua.LString(quote51(L.CheckString(arg))))
			i = j
		}
	}
	return b.String()
}

// quote51 is Lua 5.1's %q of s.
func quote51(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString("\\\n")
		case '\r':
			b.WriteString("\\r")
		case 0:
			b.WriteString("\\000")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
