// valueargs.go: arguments that are already neutral values (an async call
// running off the interpreter's goroutine, or Go calling a Func).

package engine

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// ValueArgs is an ArgSource over neutral values.
type ValueArgs []any

// Null is a JS null (Lua nil) where nil would mean "no value": a Func
// returning nil returns nothing (undefined); inside lists and maps nil is
// null.
var Null = null{}

type null struct{}

// KindOf is the kind of a neutral value.
func KindOf(v any) Kind {
	switch v.(type) {
	case undefined:
		return KindUndefined
	case nil, null:
		return KindNull
	case bool:
		return KindBool
	case float64, int64, int:
		return KindNumber
	case string:
		return KindString
	case []byte:
		return KindBytes
	case []any, Map, map[string]any, map[string]string, StringMap, JSON, *Object:
		return KindObject
	case Callable:
		return KindFunc
	}
	return KindOther
}

func (v ValueArgs) at(i int) any {
	if i < 0 || i >= len(v) {
		return Undefined
	}
	return v[i]
}

func (v ValueArgs) Len() int        { return len(v) }
func (v ValueArgs) Kind(i int) Kind { return KindOf(v.at(i)) }

func (v ValueArgs) String(i int) string {
	switch x := v.at(i).(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v.at(i))
}

func (v ValueArgs) Number(i int) float64 {
	switch x := v.at(i).(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int:
		return float64(x)
	}
	return 0
}

func (v ValueArgs) Bool(i int) bool { b, _ := v.at(i).(bool); return b }

func (v ValueArgs) Bytes(i int) []byte {
	switch x := v.at(i).(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return []byte(v.String(i))
}

func (v ValueArgs) Value(i int) (any, error) { return v.at(i), nil }

func (v ValueArgs) JSON(i int) ([]byte, bool, error) {
	b, err := MarshalJSON(v.at(i))
	return b, err == nil, err
}

func (v ValueArgs) Func(i int) Callable { c, _ := v.at(i).(Callable); return c }

func (v ValueArgs) Field(i int, key string) (any, bool, error) {
	switch m := v.at(i).(type) {
	case Map:
		x, ok := m.Get(key)
		return x, ok, nil
	case map[string]any:
		x, ok := m[key]
		return x, ok, nil
	}
	return nil, false, nil
}

func (v ValueArgs) FieldNames(i int) []string {
	switch m := v.at(i).(type) {
	case Map:
		out := make([]string, len(m))
		for j, f := range m {
			out[j] = f.Key
		}
		return out
	case map[string]any:
		return SortedKeys(m)
	}
	return nil
}

// MarshalJSON encodes a neutral value as JSON (Map keys in order).
func MarshalJSON(v any) ([]byte, error) {
	return json.Marshal(jsonable(v))
}

func jsonable(v any) any {
	switch x := v.(type) {
	case null, undefined:
		return nil
	case Map:
		return orderedJSON(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case JSON:
		return json.RawMessage(x)
	case []byte:
		return string(x)
	}
	return v
}

type orderedJSON Map

func (m orderedJSON) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range m {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(f.Key)
		v, err := json.Marshal(jsonable(f.Value))
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}
