// json.go: Lua's json module. Decoding goes through encoding/json's
// tokenizer; decoded objects and arrays are marked so {} and [] survive a
// round trip, and null is json.null so [1,null,3] keeps its shape.

package lua

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// openJSON makes the json module (require("json")).
func (e *state) openJSON() *lua.LTable {
	L := e.L
	e.null = L.NewUserData()
	nullMT := L.NewTable()
	nullMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LString("null")); return 1 }))
	L.SetMetatable(e.null, nullMT)
	e.arrayMT, e.objectMT = L.NewTable(), L.NewTable()
	arrayMT, objectMT := e.arrayMT, e.objectMT
	arrayMT.RawSetString("__jsontype", lua.LString("array"))
	objectMT.RawSetString("__jsontype", lua.LString("object"))
	mod := L.NewTable()
	mod.RawSetString("null", e.null)
	mod.RawSetString("encode", L.NewFunction(func(L *lua.LState) int {
		b, err := e.encodeJSON(L.Get(1))
		if err != nil {
			L.RaiseError("json.encode: %v", err)
		}
		L.Push(lua.LString(b))
		return 1
	}))
	mod.RawSetString("decode", L.NewFunction(func(L *lua.LState) int {
		v, err := e.decodeJSON(L.CheckString(1))
		if err != nil {
			L.RaiseError("json.decode: %v", err)
		}
		L.Push(v)
		return 1
	}))
	mark := func(mt *lua.LTable) lua.LGFunction {
		return func(L *lua.LState) int {
			t := L.OptTable(1, L.NewTable())
			L.SetMetatable(t, mt)
			L.Push(t)
			return 1
		}
	}
	mod.RawSetString("array", L.NewFunction(mark(arrayMT)))
	mod.RawSetString("object", L.NewFunction(mark(objectMT)))
	return mod
}

func (e *state) decodeJSON(s string) (lua.LValue, error) {
	return e.jsonDec.Decode([]byte(s), jsonBuilder{e})
}

// jsonBuilder makes Lua values for jsondec: arrays and objects marked so
// {} and [] survive a round trip, null as json.null.
type jsonBuilder struct{ e *state }

func (b jsonBuilder) Null() lua.LValue            { return b.e.null }
func (b jsonBuilder) Bool(v bool) lua.LValue      { return lua.LBool(v) }
func (b jsonBuilder) Number(f float64) lua.LValue { return lua.LNumber(f) }
func (b jsonBuilder) String(s string) lua.LValue  { return lua.LString(s) }
func (b jsonBuilder) Array(items []lua.LValue) lua.LValue {
	t := b.e.L.CreateTable(len(items), 0)
	t.Metatable = b.e.arrayMT
	for i, v := range items {
		t.RawSetInt(i+1, v)
	}
	return t
}
func (b jsonBuilder) Object(keys []string, vals []lua.LValue) lua.LValue {
	t := b.e.L.CreateTable(0, len(keys))
	t.Metatable = b.e.objectMT
	for i, k := range keys {
		t.RawSetString(k, vals[i])
	}
	return t
}

// encodeJSON encodes a Lua value. A table is an array when it is marked as
// one (json.array, or decoded from one) or when its keys are exactly 1..n
// with n > 0; otherwise an object with sorted keys. An empty table is {}.
func (e *state) encodeJSON(v lua.LValue) ([]byte, error) {
	enc := jsonEncoder{st: e, null: e.null, visiting: map[*lua.LTable]bool{}}
	if err := enc.value(v, 0); err != nil {
		return nil, err
	}
	return enc.buf, nil
}

type jsonEncoder struct {
	st       *state
	buf      []byte
	null     *lua.LUserData
	visiting map[*lua.LTable]bool
}

func (j *jsonEncoder) value(v lua.LValue, depth int) error {
	if depth > maxDepth {
		return errors.New("nested too deeply")
	}
	switch x := v.(type) {
	case *lua.LNilType:
		j.buf = append(j.buf, "null"...)
	case lua.LBool:
		j.buf = strconv.AppendBool(j.buf, bool(x))
	case lua.LNumber:
		f := float64(x)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("cannot encode %v", f)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1e21 {
			j.buf = strconv.AppendFloat(j.buf, f, 'f', -1, 64) // as JSON.stringify
		} else {
			j.buf = strconv.AppendFloat(j.buf, f, 'g', -1, 64)
		}
	case lua.LString:
		j.str(string(x))
	case *lua.LUserData:
		if x != j.null {
			return errors.New("cannot encode userdata")
		}
		j.buf = append(j.buf, "null"...)
	case *lua.LTable:
		return j.table(x, depth)
	default:
		return fmt.Errorf("cannot encode a %s", v.Type())
	}
	return nil
}

func (j *jsonEncoder) table(t *lua.LTable, depth int) error {
	if j.visiting[t] {
		return errors.New("cannot encode a table that contains itself")
	}
	j.visiting[t] = true
	defer delete(j.visiting, t)
	kind, n := j.st.tableKind(t), t.Len()
	if kind == "array" {
		j.buf = append(j.buf, '[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				j.buf = append(j.buf, ',')
			}
			if err := j.value(t.RawGetInt(i), depth+1); err != nil {
				return err
			}
		}
		j.buf = append(j.buf, ']')
		return nil
	}
	pairs, err := sortedPairs(t)
	if err != nil {
		return err
	}
	j.buf = append(j.buf, '{')
	for i, p := range pairs {
		if i > 0 {
			j.buf = append(j.buf, ',')
		}
		j.str(p.k)
		j.buf = append(j.buf, ':')
		if err := j.value(p.v, depth+1); err != nil {
			return err
		}
	}
	j.buf = append(j.buf, '}')
	return nil
}

// str appends a JSON string; invalid UTF-8 becomes U+FFFD.
func (j *jsonEncoder) str(s string) {
	const hex = "0123456789abcdef"
	j.buf = append(j.buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				j.buf = append(j.buf, '\\', c)
			case c == '\n':
				j.buf = append(j.buf, '\\', 'n')
			case c == '\r':
				j.buf = append(j.buf, '\\', 'r')
			case c == '\t':
				j.buf = append(j.buf, '\\', 't')
			case c < 0x20:
				j.buf = append(j.buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				j.buf = append(j.buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			j.buf = append(j.buf, "\ufffd"...)
		} else {
			j.buf = append(j.buf, s[i:i+size]...)
		}
		i += size
	}
	j.buf = append(j.buf, '"')
}
