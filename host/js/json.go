// json.go: send(object) as JSON without goja's JSON.stringify for the
// common case — plain objects and arrays of strings, numbers and booleans —
// with the very same output. goja quotes every string rune by rune through a
// UTF-16 decoder; this appends ASCII strings in one pass. Anything else (a
// non-ASCII string, a Date, a Map, a Proxy, a BigInt, a Go value) is handed
// to JSON.stringify for just that value, which is exact because such a value
// has no toJSON method (toJSON is called here, with the right key). A cycle,
// or a toJSON returning an object, sends the whole value to JSON.stringify.

package js

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/dop251/goja"
)

// errTooDeep is a value nested past maxDepth: JSON text of it would take
// the encoder (and goja's own, recursively) without bound.
var errTooDeep = fmt.Errorf("JSON: nested more than %d levels deep", maxDepth)

// errWhole asks for the whole value to go to JSON.stringify: on a cycle, so
// the script sees its TypeError; when toJSON returned an object, which the
// specification does not check for toJSON again.
var errWhole = errors.New("whole value to JSON.stringify")

// jsonEncoder encodes one value; buf and stack are reused across requests.
type jsonEncoder struct {
	rt    *runtime
	buf   []byte
	stack []*goja.Object
	busy  bool // encoding: a toJSON that calls send gets its own encoder
}

// encode returns v as JSON text, or ok=false when JSON.stringify would
// return undefined. The text is valid until the next encode.
func (j *jsonEncoder) encode(v goja.Value) (b []byte, ok bool, err error) {
	if j.busy {
		return (&jsonEncoder{rt: j.rt}).encode(v)
	}
	j.busy = true
	defer func() { j.busy = false }()
	j.buf, j.stack = j.buf[:0], j.stack[:0]
	ok, err = j.value(v, "", 0)
	if errors.Is(err, errWhole) {
		j.buf = j.buf[:0]
		ok, err = j.stringify(v)
	}
	return j.buf, ok, err
}

// value appends v, the property key of its holder; false means undefined
// (a property left out, null in an array).
func (j *jsonEncoder) value(v goja.Value, key string, depth int) (bool, error) {
	obj, isObj := v.(*goja.Object)
	if isObj {
		if toJSON, ok := goja.AssertFunction(obj.Get("toJSON")); ok {
			var err error
			if v, err = toJSON(obj, j.rt.vm.ToValue(key)); err != nil {
				return false, err
			}
			if _, isObj = v.(*goja.Object); isObj {
				return false, errWhole
			}
		}
	}
	switch {
	case v == nil || goja.IsUndefined(v):
		return false, nil
	case goja.IsNull(v):
		j.buf = append(j.buf, "null"...)
		return true, nil
	case isObj:
		return j.object(obj, depth)
	case goja.IsString(v):
		if s := v.String(); isASCII(s) {
			j.buf = appendJSONString(j.buf, s)
			return true, nil
		}
	}
	switch v.ExportType() {
	case typeInt64:
		j.buf = strconv.AppendInt(j.buf, v.ToInteger(), 10)
		return true, nil
	case typeFloat64:
		if goja.IsNaN(v) || goja.IsInfinity(v) {
			j.buf = append(j.buf, "null"...)
		} else {
			j.buf = append(j.buf, v.String()...)
		}
		return true, nil
	case typeBool:
		j.buf = strconv.AppendBool(j.buf, v.ToBoolean())
		return true, nil
	}
	if goja.IsBigInt(v) { // its toJSON would need the key
		return false, errWhole
	}
	return j.stringify(v) // a non-ASCII string, a Symbol
}

// object appends a plain object or array, or hands any other object to
// JSON.stringify.
func (j *jsonEncoder) object(obj *goja.Object, depth int) (bool, error) {
	if _, callable := goja.AssertFunction(obj); callable {
		return false, nil
	}
	class, typ := obj.ClassName(), obj.ExportType()
	isArray := class == "Array" && typ == typeJSSlice
	if depth >= maxDepth {
		return false, errTooDeep
	}
	if !isArray && (class != "Object" || typ != typeJSMap) {
		return j.stringify(obj)
	}
	for _, o := range j.stack {
		if o == obj {
			return false, errWhole
		}
	}
	j.stack = append(j.stack, obj)
	defer func() { j.stack = j.stack[:len(j.stack)-1] }()
	if isArray {
		return true, j.array(obj, depth)
	}
	keys := obj.Keys()
	for _, k := range keys {
		if !isASCII(k) {
			return j.stringify(obj)
		}
	}
	j.buf = append(j.buf, '{')
	empty := true
	for _, k := range keys {
		mark := len(j.buf)
		if !empty {
			j.buf = append(j.buf, ',')
		}
		j.buf = append(appendJSONString(j.buf, k), ':')
		ok, err := j.value(obj.Get(k), k, depth+1)
		if err != nil {
			return false, err
		}
		if ok {
			empty = false
		} else {
			j.buf = j.buf[:mark]
		}
	}
	j.buf = append(j.buf, '}')
	return true, nil
}

func (j *jsonEncoder) array(obj *goja.Object, depth int) error {
	n := obj.Get("length").ToInteger()
	j.buf = append(j.buf, '[')
	for i := range n {
		if i > 0 {
			j.buf = append(j.buf, ',')
		}
		k := strconv.FormatInt(i, 10)
		ok, err := j.value(obj.Get(k), k, depth+1)
		if err != nil {
			return err
		}
		if !ok {
			j.buf = append(j.buf, "null"...)
		}
	}
	j.buf = append(j.buf, ']')
	return nil
}

// stringify appends JSON.stringify(v).
func (j *jsonEncoder) stringify(v goja.Value) (bool, error) {
	s, err := j.rt.stringify(goja.Undefined(), v)
	if err != nil || goja.IsUndefined(s) {
		return false, err
	}
	j.buf = append(j.buf, s.String()...)
	return true, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// appendJSONString quotes an ASCII string exactly as JSON.stringify does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
