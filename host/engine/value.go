// value.go: the engine-neutral values that cross between scripts and Go.

package engine

import (
	"errors"
	"sort"
	"strings"
	"unicode"

	"scriptsrv/cgi"
)

// A value crossing between a script and Go is one of:
//
//	nil                  as a Func's result: nothing (JS undefined); inside
//	                     a list or map: null
//	Null                 JS null, Lua nil
//	Undefined            JS undefined (Lua nil)
//	bool
//	float64, int64, int  numbers (JS numbers, Lua numbers)
//	string
//	[]byte               bytes: a JS ArrayBuffer, a Lua string
//	[]any                a list: a JS Array, a Lua sequence table
//	Map                  an object with its keys in order: a JS object, a Lua table
//	map[string]any       an object; its keys sorted
//	map[string]string    a read-only string map (req.query), bound lazily
//	StringMap            the same over any source (req.params)
//	JSON                 JSON text the engine decodes into its own values
//	*Object              an object with methods (a database handle)
//	Lazy                 as an Object's field: computed when first read (an
//	                     upload's data)
//	Callable             a script function Go may call on the interpreter's goroutine
//	Native               an engine's own value, passed back unchanged
//
// Engines convert script values to these (Args.Value) and back.

// Undefined is JS undefined.
var Undefined = undefined{}

type undefined struct{}

// Map is an object whose keys keep their order (a row's columns).
type Map []Field

// Field is one key of a Map.
type Field struct {
	Key   string
	Value any
}

// Get returns the value of key.
func (m Map) Get(key string) (any, bool) {
	for _, f := range m {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// JSON is JSON text; an engine decodes it into its own values.
type JSON []byte

// StringMap is a read-only string map bound without copying.
type StringMap interface {
	Lookup(key string) (string, bool)
	Keys() []string
}

// Object is a value with methods (and plain fields).
type Object struct {
	// Name prefixes its methods' names in messages ("db.open(\"x\")").
	Name    string
	Fields  Map
	Methods []*Func
}

// Lazy is an Object field computed when the script first reads it, then
// kept: what is costly and often unread (an upload's data). Its error is
// thrown at the read.
type Lazy func() (any, error)

// Callable is a script function. Call runs it on the interpreter's
// goroutine (from inside a Func's Do) with neutral arguments; a JS
// function that returns a Promise (an async function) is ErrAsyncCallback:
// Go waits for no Promise.
type Callable interface {
	Call(args ...any) (any, error)
}

// ErrAsyncCallback is the error of a callback that returned a Promise.
var ErrAsyncCallback = errors.New("the function returned a Promise: pass a plain (not async) function; these calls do not wait for Promises")

// Native is an engine's own value, which it gets back unchanged.
type Native struct{ V any }

// SortedKeys returns m's keys in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Kind is the kind of a script value, as Args sees it.
type Kind uint8

// The kinds of script values.
const (
	KindUndefined Kind = iota // absent, JS undefined
	KindNull                  // JS null, Lua nil
	KindBool
	KindNumber
	KindString
	KindBytes  // JS ArrayBuffer or typed array
	KindObject // JS object or array, Lua table
	KindFunc
	KindOther // a Symbol, a userdata …
)

var kindNames = [...]string{"nothing", "null", "a boolean", "a number", "a string", "bytes", "an object", "a function", "a value of another kind"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "?"
}

// SnakeCase turns a JS name into its Lua spelling: setCookie →
// set_cookie, escapeHTML → escape_html, lastInsertId → last_insert_id.
func SnakeCase(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && !unicode.IsUpper(rs[i-1])
			nextLower := i > 0 && i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if i > 0 && rs[i-1] != '_' && (prevLower || nextLower) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// luaName is how Lua spells a JS name.
func luaName(js, lua string) string {
	if lua != "" {
		return lua
	}
	return SnakeCase(js)
}

// ParamsMap is req.params over the received params, without copying.
type ParamsMap cgi.Params

// Lookup returns the last value of a param.
func (p ParamsMap) Lookup(k string) (string, bool) { return cgi.Params(p).Lookup(k) }

// Keys lists the params' names once each, in order.
func (p ParamsMap) Keys() []string {
	seen := make(map[string]bool, len(p))
	keys := make([]string, 0, len(p))
	for _, x := range p {
		if !seen[x.Name] {
			seen[x.Name] = true
			keys = append(keys, x.Name)
		}
	}
	return keys
}
