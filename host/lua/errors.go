// errors.go: how a script's error reads in the log and the debug page —
// an error value that is a table shown by its fields (or its __tostring),
// and a stack that names handle, not "main chunk".

package lua

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// errorText is an error value as text: a table by its __tostring, else by
// its fields ({code = 42, message = "x"}), anything else as tostring.
func (st *state) errorText(v lua.LValue) string {
	t, ok := v.(*lua.LTable)
	if !ok {
		return v.String()
	}
	if mt, ok := t.Metatable.(*lua.LTable); ok && mt.RawGetString("__tostring") != lua.LNil {
		if s, err := st.safeToString(v); err == nil {
			return s
		}
	}
	return "error " + tableText(t, 0)
}

func (st *state) safeToString(v lua.LValue) (s string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return st.L.ToStringMeta(v).String(), nil
}

// tableText shows a table's fields, sorted, a few levels and items deep.
func tableText(t *lua.LTable, depth int) string {
	if depth > 2 {
		return "{…}"
	}
	var keys []string
	vals := map[string]lua.LValue{}
	t.ForEach(func(k, v lua.LValue) {
		key := k.String()
		if s, ok := k.(lua.LString); !ok || !isIdent(string(s)) {
			key = "[" + quoteValue(k) + "]"
		}
		keys = append(keys, key)
		vals[key] = v
	})
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for i, k := range keys {
		if i == 8 {
			parts = append(parts, "…")
			break
		}
		v := vals[k]
		text := quoteValue(v)
		if vt, ok := v.(*lua.LTable); ok {
			text = tableText(vt, depth+1)
		}
		parts = append(parts, k+" = "+text)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func quoteValue(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return fmt.Sprintf("%q", string(s))
	}
	return v.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// stackText is gopher-lua's traceback as scriptsrv shows it. gopher-lua
// calls a frame with no Lua caller "main chunk": in handler mode that is
// handle (or, after tail calls, a function handle tail-called), named
// here by the lines handle spans; the Go frame under it goes.
func (st *state) stackText(trace string) string {
	trace = strings.TrimSpace(strings.TrimPrefix(trace, "stack traceback:"))
	lines := strings.Split(trace, "\n")
	out := lines[:0]
	for _, l := range lines {
		if strings.TrimSpace(l) == "[G]: ?" {
			continue
		}
		if !st.interp.prog.cgi && strings.HasSuffix(l, ": in main chunk") {
			l = strings.TrimSuffix(l, "in main chunk") + st.frameName(l)
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// frameName names a "SOURCE:LINE: in main chunk" frame of a handler.
func (st *state) frameName(l string) string {
	loc := strings.TrimSpace(strings.TrimSuffix(l, ": in main chunk"))
	i := strings.LastIndexByte(loc, ':')
	if st.handle == nil || i < 0 {
		return "in a function"
	}
	line, err := strconv.Atoi(loc[i+1:])
	p := st.handle.Proto
	if err == nil && loc[:i] == p.SourceName && line >= p.LineDefined && line <= p.LastLineDefined {
		return "in function 'handle'"
	}
	return "in a function (called in a tail call)"
}
