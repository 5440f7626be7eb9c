// args.go: a call's arguments as a capability sees them, over each
// engine's own values (ArgSource), with the checks and messages every
// capability shares.

package engine

import (
	"fmt"
	"strings"
)

// ArgSource is an engine's view of the arguments of one call. Indexes
// start at 0; past the last argument Kind is KindUndefined.
type ArgSource interface {
	Len() int
	Kind(i int) Kind
	// String is the text of a string or number argument.
	String(i int) string
	Number(i int) float64
	Bool(i int) bool
	// Bytes is the content of a string or bytes argument, valid while the
	// call runs.
	Bytes(i int) []byte
	// Value converts an argument to a neutral value.
	Value(i int) (any, error)
	// JSON encodes an argument as the language's JSON encoder does; ok is
	// false when that gives nothing (JSON.stringify of a function).
	JSON(i int) (b []byte, ok bool, err error)
	// Func is a function argument.
	Func(i int) Callable
	// Field is a property of an object argument, converted.
	Field(i int, key string) (any, bool, error)
	// FieldNames lists an object argument's keys.
	FieldNames(i int) []string
}

// Args reads a call's arguments with checks that name the call and the
// parameter. The first error sticks: later reads return zero values, and
// Invoke returns it if Do did not fail otherwise.
type Args struct {
	Src  ArgSource
	call *Call
	err  error
}

// Call is the call the arguments are of.
func (a *Args) Call() *Call { return a.call }

// Err is the first error reading the arguments.
func (a *Args) Err() error { return a.err }

// Fail records err as the arguments' error, unless one is recorded.
func (a *Args) Fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// Len is the number of arguments passed.
func (a *Args) Len() int { return a.Src.Len() }

// Kind is the kind of argument i.
func (a *Args) Kind(i int) Kind { return a.Src.Kind(i) }

// Has reports an argument i that is neither absent nor null.
func (a *Args) Has(i int) bool { return a.Src.Kind(i) > KindNull }

func (a *Args) fail(i int, want string) {
	if a.err != nil {
		return
	}
	name := ""
	if a.call != nil && i < len(a.call.Func.Params) {
		name = " (" + strings.TrimSuffix(a.call.Func.Params[i], "?") + ")"
	}
	a.err = fmt.Errorf("argument %d%s: want %s, got %s", i+1, name, want, a.Src.Kind(i))
}

// String reads a string argument (a number is taken as its text).
func (a *Args) String(i int) string {
	switch a.Src.Kind(i) {
	case KindString, KindNumber:
		return a.Src.String(i)
	}
	a.fail(i, "a string")
	return ""
}

// OptString reads an optional string argument.
func (a *Args) OptString(i int, def string) string {
	if !a.Has(i) {
		return def
	}
	return a.String(i)
}

// Number reads a number argument.
func (a *Args) Number(i int) float64 {
	if a.Src.Kind(i) == KindNumber {
		return a.Src.Number(i)
	}
	a.fail(i, "a number")
	return 0
}

// OptNumber reads an optional number argument.
func (a *Args) OptNumber(i int, def float64) float64 {
	if !a.Has(i) {
		return def
	}
	return a.Number(i)
}

// Int reads a whole-number argument.
func (a *Args) Int(i int) int {
	f := a.Number(i)
	if f != float64(int64(f)) && a.err == nil {
		a.fail(i, "a whole number")
	}
	return int(f)
}

// Bool reads a boolean argument (absent or null is false).
func (a *Args) Bool(i int) bool {
	switch a.Src.Kind(i) {
	case KindUndefined, KindNull:
		return false
	case KindBool:
		return a.Src.Bool(i)
	}
	a.fail(i, "a boolean")
	return false
}

// Bytes reads a string or bytes argument; valid while the call runs.
func (a *Args) Bytes(i int) []byte {
	switch a.Src.Kind(i) {
	case KindString, KindBytes, KindNumber:
		return a.Src.Bytes(i)
	}
	a.fail(i, "a string or bytes")
	return nil
}

// Value reads any argument as a neutral value.
func (a *Args) Value(i int) any {
	v, err := a.Src.Value(i)
	if err != nil && a.err == nil {
		a.err = fmt.Errorf("argument %d: %w", i+1, err)
	}
	return v
}

// JSON reads any argument as JSON text.
func (a *Args) JSON(i int) ([]byte, bool) {
	b, ok, err := a.Src.JSON(i)
	if err != nil && a.err == nil {
		a.err = err
	}
	return b, ok
}

// Func reads a function argument.
func (a *Args) Func(i int) Callable {
	if a.Src.Kind(i) == KindFunc {
		return a.Src.Func(i)
	}
	a.fail(i, "a function")
	return nil
}

// Opt reads a named option (nil if not given). Unknown option names in a
// JS object or Lua table are an error naming them.
func (a *Args) Opt(name string) any {
	f := a.call.Func
	base := len(f.Params)
	if a.call.Lang == "lua" && f.LuaOptions == OptionsPositional {
		i := base
		for j, o := range f.Options {
			if o == name {
				i = base + j
			}
		}
		if !a.Has(i) {
			return nil
		}
		return a.Value(i)
	}
	switch a.Src.Kind(base) {
	case KindUndefined, KindNull:
		return nil
	case KindObject:
	default:
		a.fail(base, "an options "+map[bool]string{true: "table", false: "object"}[a.call.Lang == "lua"])
		return nil
	}
	a.checkOptionNames(base)
	key := name
	if a.call.Lang == "lua" {
		key = SnakeCase(name)
	}
	v, ok, err := a.Src.Field(base, key)
	if err != nil && a.err == nil {
		a.err = fmt.Errorf("option %s: %w", key, err)
	}
	if !ok {
		return nil
	}
	return v
}

func (a *Args) checkOptionNames(i int) {
	f := a.call.Func
	for _, k := range a.Src.FieldNames(i) {
		known := false
		for _, o := range f.Options {
			if k == o || a.call.Lang == "lua" && k == SnakeCase(o) {
				known = true
			}
		}
		if !known && a.err == nil {
			want := make([]string, len(f.Options))
			for j, o := range f.Options {
				want[j] = f.Options[j]
				if a.call.Lang == "lua" {
					want[j] = SnakeCase(o)
				}
			}
			a.err = fmt.Errorf("unknown option %q (known: %s)", k, strings.Join(want, ", "))
		}
	}
}

// OptNumberOf reads a numeric option, or def.
func (a *Args) OptNumberOf(name string, def float64) float64 {
	switch v := a.Opt(name).(type) {
	case nil:
		return def
	case float64:
		return v
	case int64:
		return float64(v)
	default:
		if a.err == nil {
			a.err = fmt.Errorf("option %s: want a number, got %T", a.call.LangName(name), v)
		}
		return def
	}
}
