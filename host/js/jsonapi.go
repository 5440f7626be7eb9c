// jsonapi.go: JSON.parse and JSON.stringify with a nesting limit. goja's
// own recurse without bound: "[" × 400,000 keeps a core busy long after
// the request timed out, and deeper still can overflow the Go stack.

package js

import (
	"bytes"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// bindJSON replaces JSON.parse and JSON.stringify. parse decodes in one
// pass (internal/jsondec), up to maxDepth levels; with a reviver the text
// is checked for depth, then goja's parse runs. stringify is the send()
// encoder (exactly JSON.stringify's output) unless a replacer or an indent
// is given, when the value is checked for depth and goja's runs.
func (rt *runtime) bindJSON() {
	vm := rt.vm
	obj := vm.Get("JSON").ToObject(vm)
	parse := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		text := c.Argument(0).String()
		if reviver := c.Argument(1); !goja.IsUndefined(reviver) {
			if jsonDepth(text) > maxDepth {
				rt.throwSyntax("JSON.parse: " + errTooDeep.Error())
			}
			v, err := rt.parse(goja.Undefined(), c.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		}
		return rt.decodeJSON([]byte(text))
	})

	stringify := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		if len(c.Arguments) > 1 && (!goja.IsUndefined(c.Argument(1)) && !goja.IsNull(c.Argument(1)) || !goja.IsUndefined(c.Argument(2))) {
			if !shallow(c.Argument(0), 0) {
				panic(vm.NewTypeError("JSON.stringify: " + errTooDeep.Error()))
			}
			v, err := rt.stringify(goja.Undefined(), c.Arguments...)
			if err != nil {
				panic(err)
			}
			return v
		}
		b, ok, err := (&jsonEncoder{rt: rt}).encode(c.Argument(0))
		if err != nil {
			if ex, isEx := err.(*goja.Exception); isEx {
				panic(ex)
			}
			panic(vm.NewTypeError(err.Error()))
		}
		if !ok {
			return goja.Undefined()
		}
		return vm.ToValue(string(b))
	})
	obj.DefineDataProperty("parse", parse, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	obj.DefineDataProperty("stringify", stringify, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// decodeJSON is JSON.parse of b without a reviver.
func (rt *runtime) decodeJSON(b []byte) goja.Value {
	v, err := rt.jsonDec.Decode(b, jsonBuilder{rt.vm})
	if err != nil {
		rt.throwSyntax("JSON.parse: " + err.Error())
	}
	return v
}

// bodyJSON is a body's json(): its UTF-8 text parsed straight from the
// bytes (a byte order mark dropped), with no string between.
func (rt *runtime) bodyJSON(c goja.FunctionCall) goja.Value {
	b := bytesOf(c.Argument(0))
	if !utf8.Valid(b) { // replaced as TextDecoder does, then parsed
		s, _, _ := decodeUTF8(b, false, false)
		b = []byte(s)
	}
	return rt.decodeJSON(bytes.TrimPrefix(b, byteOrderMark))
}

// byteOrderMark is U+FEFF in UTF-8.
var byteOrderMark = []byte("\uFEFF")

// throwSyntax throws a SyntaxError.
func (rt *runtime) throwSyntax(msg string) {
	ctor, _ := goja.AssertConstructor(rt.vm.Get("SyntaxError"))
	e, err := ctor(nil, rt.vm.ToValue(msg))
	if err != nil {
		panic(err)
	}
	panic(e)
}

// jsonDepth is the deepest nesting of brackets in JSON text, outside
// strings.
func jsonDepth(s string) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// shallow reports whether a value's plain objects and arrays nest at most
// maxDepth levels.
func shallow(v goja.Value, depth int) bool {
	obj, ok := v.(*goja.Object)
	if !ok {
		return true
	}
	if depth >= maxDepth {
		return false
	}
	switch obj.ClassName() {
	case "Array", "Object":
		for _, k := range obj.Keys() {
			if !shallow(obj.Get(k), depth+1) {
				return false
			}
		}
	}
	return true
}
