// convert.go: neutral values (package host/engine) to Lua values and
// back.

package lua

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"scriptsrv/host/engine"
)

// toLua converts a neutral value.
func (st *state) toLua(v any, depth int) lua.LValue {
	L := st.L
	switch v {
	case nil, engine.Null, engine.Undefined:
		return lua.LNil
	}
	switch x := v.(type) {
	case lua.LValue:
		return x
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case int:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []byte:
		return lua.LString(x)
	case []any:
		t := L.CreateTable(len(x), 0)
		t.Metatable = st.arrayMT
		for i, e := range x {
			ev := st.toLua(e, depth+1)
			if ev == lua.LNil {
				ev = st.null
			}
			t.RawSetInt(i+1, ev)
		}
		return t
	case engine.Map:
		t := L.CreateTable(0, len(x))
		t.Metatable = st.objectMT
		for _, f := range x {
			t.RawSetString(f.Key, st.toLua(f.Value, depth+1))
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(x))
		t.Metatable = st.objectMT
		for k, e := range x {
			t.RawSetString(k, st.toLua(e, depth+1))
		}
		return t
	case map[string]string:
		t := L.CreateTable(0, len(x))
		for k, e := range x {
			t.RawSetString(k, lua.LString(e))
		}
		return t
	case engine.StringMap:
		keys := x.Keys()
		t := L.CreateTable(0, len(keys))
		for _, k := range keys {
			s, _ := x.Lookup(k)
			t.RawSetString(k, lua.LString(s))
		}
		return t
	case engine.JSON:
		out, err := st.decodeJSON(string(x))
		if err != nil {
			L.RaiseError("%v", err)
		}
		return out
	case *engine.Object:
		return st.object(x, depth)
	case *luaCallable:
		return x.fn
	case engine.Callable:
		return L.NewFunction(func(L *lua.LState) int {
			args := make([]any, L.GetTop())
			for i := range args {
				a, err := st.fromLua(L.Get(i+1), 1)
				if err != nil {
					L.RaiseError("%v", err)
				}
				args[i] = a
			}
			out, err := x.Call(args...)
			if err != nil {
				L.RaiseError("%v", err)
			}
			L.Push(st.toLua(out, 0))
			return 1
		})
	case engine.Native:
		if lv, ok := x.V.(lua.LValue); ok {
			return lv
		}
	}
	return lua.LString(fmt.Sprint(v))
}

// object makes an engine.Object: a table of its fields and methods. Lazy
// fields are made by the table's __index when first read, then kept.
func (st *state) object(o *engine.Object, depth int) lua.LValue {
	t := st.L.CreateTable(0, len(o.Fields)+len(o.Methods))
	var lazy map[string]engine.Lazy
	for _, f := range o.Fields {
		if l, ok := f.Value.(engine.Lazy); ok {
			if lazy == nil {
				lazy = map[string]engine.Lazy{}
			}
			lazy[engine.SnakeCase(f.Key)] = l
			continue
		}
		t.RawSetString(engine.SnakeCase(f.Key), st.toLua(f.Value, depth+1))
	}
	if lazy != nil {
		mt := st.L.CreateTable(0, 1)
		mt.RawSetString("__index", st.L.NewFunction(func(L *lua.LState) int {
			k := L.CheckString(2)
			l, ok := lazy[k]
			if !ok {
				L.Push(lua.LNil)
				return 1
			}
			v, err := l()
			if err != nil {
				st.raise(err)
			}
			lv := st.toLua(v, depth+1)
			L.CheckTable(1).RawSetString(k, lv)
			L.Push(lv)
			return 1
		}))
		t.Metatable = mt
	}
	for _, m := range o.Methods {
		t.RawSetString(m.LuaName(), st.native(o.Name, m, t))
	}
	return t
}

// fromLua converts a script value to a neutral one.
func (st *state) fromLua(v lua.LValue, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxDepth)
	}
	switch x := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(x), nil
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int64(f), nil
		}
		return f, nil
	case lua.LString:
		return string(x), nil
	case *lua.LFunction:
		return &luaCallable{st: st, fn: x}, nil
	case *lua.LUserData:
		if x == st.null {
			return nil, nil
		}
	case *lua.LTable:
		return st.fromTable(x, depth)
	}
	return nil, fmt.Errorf("cannot pass a %s", v.Type())
}

// fromTable converts a table: a list when it is marked as one (json.array,
// decoded from one) or its keys are exactly 1..n, else an object with its
// keys sorted.
func (st *state) fromTable(t *lua.LTable, depth int) (any, error) {
	kind := st.tableKind(t)
	if kind == "array" {
		n := t.Len()
		out := make([]any, n)
		for i := 1; i <= n; i++ {
			e, err := st.fromLua(t.RawGetInt(i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i-1] = e
		}
		return out, nil
	}
	pairs, err := sortedPairs(t)
	if err != nil {
		return nil, err
	}
	out := make(engine.Map, 0, len(pairs))
	for _, p := range pairs {
		e, err := st.fromLua(p.v, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, engine.Field{Key: p.k, Value: e})
	}
	return out, nil
}

// pair is a table's key (as a string) and value.
type pair struct {
	k string
	v lua.LValue
}

// sortedPairs lists a table's entries sorted by key; keys must be strings
// or numbers.
func sortedPairs(t *lua.LTable) ([]pair, error) {
	var pairs []pair
	var bad error
	t.ForEach(func(k, v lua.LValue) {
		switch k := k.(type) {
		case lua.LString:
			pairs = append(pairs, pair{string(k), v})
		case lua.LNumber:
			pairs = append(pairs, pair{strconv.FormatFloat(float64(k), 'g', -1, 64), v})
		default:
			bad = fmt.Errorf("cannot use a table with a %s key", k.Type())
		}
	})
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
	return pairs, bad
}

// tableKind is "array" or "object": as marked, else by its keys.
func (st *state) tableKind(t *lua.LTable) string {
	if mt, ok := st.L.GetMetatable(t).(*lua.LTable); ok {
		if k := mt.RawGetString("__jsontype"); k != lua.LNil {
			return k.String()
		}
	}
	n := t.Len()
	if n == 0 {
		return "object"
	}
	count := 0
	t.ForEach(func(lua.LValue, lua.LValue) { count++ })
	if count == n {
		return "array"
	}
	return "object"
}
