// convert.go: engine-neutral values to JavaScript values and back.

package js

import (
	"fmt"
	"math"
	"sort"

	"github.com/dop251/goja"

	"scriptsrv/host/engine"
	"scriptsrv/internal/jsondec"
)

// maxDepth bounds the nesting of converted values (and of JSON).
const maxDepth = 1000

// toJS converts a neutral value; depth 0 is a function's result, where nil
// means undefined (deeper it is null).
func (rt *runtime) toJS(v any, depth int) goja.Value {
	vm := rt.vm
	switch v {
	case nil:
		if depth == 0 {
			return goja.Undefined()
		}
		return goja.Null()
	case engine.Null:
		return goja.Null()
	case engine.Undefined:
		return goja.Undefined()
	}
	switch x := v.(type) {
	case goja.Value:
		return x
	case bool, float64, int64, int, string:
		return vm.ToValue(x)
	case []byte:
		return vm.ToValue(vm.NewArrayBuffer(x))
	case []any:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = rt.toJS(e, depth+1)
		}
		return vm.NewArray(items...)
	case engine.Map:
		obj := vm.NewObject()
		for _, f := range x {
			obj.Set(f.Key, rt.toJS(f.Value, depth+1))
		}
		return obj
	case map[string]any:
		obj := vm.NewObject()
		for _, k := range engine.SortedKeys(x) {
			obj.Set(k, rt.toJS(x[k], depth+1))
		}
		return obj
	case map[string]string:
		return vm.NewDynamicObject(&jsMap{vm: vm, m: x})
	case engine.StringMap:
		return vm.NewDynamicObject(&jsStringMap{vm: vm, m: x})
	case engine.JSON:
		out, err := jsondec.Decode[goja.Value](x, jsonBuilder{vm})
		if err != nil {
			rt.throw(err)
		}
		return out
	case *engine.Object:
		return rt.object(x, depth)
	case *jsCallable:
		return x.v
	case engine.Callable:
		return vm.ToValue(func(c goja.FunctionCall) goja.Value {
			args := make([]any, len(c.Arguments))
			for i, a := range c.Arguments {
				v, err := rt.fromJS(a, 1)
				if err != nil {
					rt.throw(err)
				}
				args[i] = v
			}
			out, err := x.Call(args...)
			if err != nil {
				rt.throw(err)
			}
			return rt.toJS(out, 0)
		})
	case engine.Native:
		if gv, ok := x.V.(goja.Value); ok {
			return gv
		}
		return vm.ToValue(x.V)
	case error:
		return rt.jsError(x)
	}
	return vm.ToValue(v)
}

// object makes an engine.Object: its fields, then its methods.
func (rt *runtime) object(o *engine.Object, depth int) goja.Value {
	obj := rt.vm.NewObject()
	for _, f := range o.Fields {
		if l, ok := f.Value.(engine.Lazy); ok {
			rt.lazyField(obj, f.Key, l, depth)
			continue
		}
		obj.Set(f.Key, rt.toJS(f.Value, depth+1))
	}
	for _, m := range o.Methods {
		obj.Set(m.Name, rt.native(o.Name, m))
	}
	return obj
}

// lazyField makes key a getter that computes l once, then keeps its
// value as a plain property.
func (rt *runtime) lazyField(obj *goja.Object, key string, l engine.Lazy, depth int) {
	get := rt.vm.ToValue(func(goja.FunctionCall) goja.Value {
		v, err := l()
		if err != nil {
			rt.throw(err)
		}
		jv := rt.toJS(v, depth+1)
		obj.DefineDataProperty(key, jv, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		return jv
	})
	obj.DefineAccessorProperty(key, get, nil, goja.FLAG_TRUE, goja.FLAG_TRUE)
}

// fromJS converts a script value to a neutral one.
func (rt *runtime) fromJS(v goja.Value, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxDepth)
	}
	switch kindOf(v) {
	case engine.KindUndefined:
		if depth == 0 {
			return engine.Undefined, nil
		}
		return nil, nil
	case engine.KindNull:
		return nil, nil
	case engine.KindBool:
		return v.ToBoolean(), nil
	case engine.KindString:
		return v.String(), nil
	case engine.KindNumber:
		if v.ExportType() == typeInt64 {
			return v.ToInteger(), nil
		}
		f := v.ToFloat()
		if f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int64(f), nil
		}
		return f, nil
	case engine.KindBytes:
		return append([]byte(nil), bytesOf(v)...), nil
	case engine.KindFunc:
		fn, _ := goja.AssertFunction(v)
		return &jsCallable{rt: rt, fn: fn, v: v}, nil
	case engine.KindOther:
		return nil, fmt.Errorf("cannot pass %s", v.String())
	}
	obj := v.(*goja.Object)
	switch obj.ClassName() {
	case "Array":
		n := obj.Get("length").ToInteger()
		out := make([]any, n)
		for i := range n {
			e, err := rt.fromJS(obj.Get(fmt.Sprint(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case "Date":
		iso, _ := goja.AssertFunction(obj.Get("toISOString"))
		s, err := iso(obj)
		if err != nil {
			return nil, err
		}
		return s.String(), nil
	case "Promise":
		return nil, fmt.Errorf("cannot pass a Promise (await it first)")
	}
	keys := obj.Keys()
	out := make(engine.Map, 0, len(keys))
	for _, k := range keys {
		pv := obj.Get(k)
		if pv == nil || goja.IsUndefined(pv) {
			continue
		}
		if _, isFn := goja.AssertFunction(pv); isFn {
			continue
		}
		e, err := rt.fromJS(pv, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, engine.Field{Key: k, Value: e})
	}
	return out, nil
}

// jsMap is a read-only object over a string map (req.query, req.headers).
type jsMap struct {
	vm *goja.Runtime
	m  map[string]string
}

func (j *jsMap) Get(k string) goja.Value {
	if v, ok := j.m[k]; ok {
		return j.vm.ToValue(v)
	}
	return nil
}
func (j *jsMap) Set(string, goja.Value) bool { return false }
func (j *jsMap) Has(k string) bool           { _, ok := j.m[k]; return ok }
func (j *jsMap) Delete(string) bool          { return false }
func (j *jsMap) Keys() []string {
	keys := make([]string, 0, len(j.m))
	for k := range j.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsStringMap is a read-only object over an engine.StringMap (req.params).
type jsStringMap struct {
	vm *goja.Runtime
	m  engine.StringMap
}

func (j *jsStringMap) Get(k string) goja.Value {
	if v, ok := j.m.Lookup(k); ok {
		return j.vm.ToValue(v)
	}
	return nil
}
func (j *jsStringMap) Set(string, goja.Value) bool { return false }
func (j *jsStringMap) Has(k string) bool           { _, ok := j.m.Lookup(k); return ok }
func (j *jsStringMap) Delete(string) bool          { return false }
func (j *jsStringMap) Keys() []string              { return j.m.Keys() }

// jsonBuilder makes goja values for jsondec: JSON text (a kv value) to
// JavaScript without going through JSON.parse's token reader.
type jsonBuilder struct{ vm *goja.Runtime }

func (b jsonBuilder) Null() goja.Value           { return goja.Null() }
func (b jsonBuilder) Bool(v bool) goja.Value     { return b.vm.ToValue(v) }
func (b jsonBuilder) String(s string) goja.Value { return b.vm.ToValue(s) }
func (b jsonBuilder) Number(f float64) goja.Value {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 && (f != 0 || !math.Signbit(f)) {
		return b.vm.ToValue(int64(f))
	}
	return b.vm.ToValue(f)
}
func (b jsonBuilder) Array(items []goja.Value) goja.Value {
	vals := make([]any, len(items))
	for i, v := range items {
		vals[i] = v
	}
	return b.vm.NewArray(vals...)
}
func (b jsonBuilder) Object(keys []string, vals []goja.Value) goja.Value {
	obj := b.vm.NewObject()
	for i, k := range keys {
		if k == "__proto__" { // an own property, as JSON.parse makes it
			obj.DefineDataProperty(k, vals[i], goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
			continue
		}
		obj.Set(k, vals[i])
	}
	return obj
}
