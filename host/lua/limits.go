// limits.go: checked built-ins. string.rep, table.concat and
// string.format widths make one allocation from a small call, which cannot
// be interrupted: its size is checked against the request's memory_limit
// first.

package lua

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"

	"scriptsrv/host/engine"
)

// grow asks for n bytes against the memory limit; past it, the script stops.
func (st *state) grow(n float64) {
	if n <= 0 {
		return
	}
	n = min(n, math.MaxInt64/2)
	var err error
	if st.cur != nil {
		err = st.cur.Grow(int64(n))
	} else if l := st.interp.host.MemoryLimit; l > 0 && int64(n) > l {
		err = &engine.Fatal{Err: fmt.Errorf("%w: an allocation of %.0f bytes at the top level (memory_limit %d)", engine.ErrMemoryLimit, n, l)}
	}
	if err != nil {
		if f, ok := err.(*engine.Fatal); ok {
			st.interp.stop.CompareAndSwap(nil, &f.Err)
			st.cancel()
		}
		st.L.RaiseError("%s", err.Error())
	}
}

// checkBuiltins wraps the library functions that allocate at once.
func (st *state) checkBuiltins() {
	L := st.L
	wrap := func(lib, name string, size func(L *lua.LState) float64) {
		t, ok := L.GetGlobal(lib).(*lua.LTable)
		if !ok {
			return
		}
		orig, ok := t.RawGetString(name).(*lua.LFunction)
		if !ok {
			return
		}
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			st.grow(size(L))
			return orig.GFunction(L)
		}))
	}
	wrap("string", "rep", func(L *lua.LState) float64 {
		n := float64(L.OptNumber(2, 0))
		return n*float64(len(L.OptString(1, ""))) + max(n-1, 0)*float64(len(L.OptString(3, "")))
	})
	wrap("table", "concat", func(L *lua.LState) float64 {
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			return 0
		}
		sep := float64(len(L.OptString(2, "")))
		var sum float64
		n := t.Len()
		for i := 1; i <= n; i++ {
			if s, ok := t.RawGetInt(i).(lua.LString); ok {
				sum += float64(len(s))
			}
		}
		return sum + float64(n)*sep
	})
	wrap("string", "format", func(L *lua.LState) float64 { return formatWidths(L.OptString(1, "")) })
}

// formatWidths adds up the widths and precisions in a format string: what
// %99999999d asks fmt to allocate.
func formatWidths(f string) float64 {
	var sum float64
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		n := 0.0
		for i++; i < len(f) && (f[i] >= '0' && f[i] <= '9' || f[i] == '.' || f[i] == '-' || f[i] == '+' || f[i] == ' ' || f[i] == '#'); i++ {
			if f[i] >= '0' && f[i] <= '9' {
				n = n*10 + float64(f[i]-'0')
			} else {
				sum, n = sum+n, 0
			}
		}
		sum += n
	}
	return sum
}
