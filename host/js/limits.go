// limits.go: checked built-ins. A small call that makes one huge
// allocation ("x".repeat(2**30), new ArrayBuffer(2**40), Array(1e9).fill(0))
// cannot be interrupted while it runs: its size is checked against the
// request's memory_limit first.

package js

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/dlclark/regexp2/v2"

	"github.com/dop251/goja"

	"scriptsrv/host/engine"
)

// slotBytes is what one element of a dense array costs goja.
const slotBytes = 16

// grow asks for n bytes against the memory limit; past it, the script stops.
func (rt *runtime) grow(n float64) {
	if n <= 0 {
		return
	}
	if n > math.MaxInt64/2 {
		n = math.MaxInt64 / 2
	}
	var err error
	if rt.cur != nil {
		err = rt.cur.Grow(int64(n))
	} else if l := rt.interp.host.MemoryLimit; l > 0 && int64(n) > l {
		err = &engine.Fatal{Err: fmt.Errorf("%w: an allocation of %.0f bytes at the top level (memory_limit %d)", engine.ErrMemoryLimit, n, l)}
	}
	if err != nil {
		rt.throw(err)
	}
}

// checkBuiltins replaces the built-ins that allocate in one native call
// with checked versions.
func (rt *runtime) checkBuiltins() {
	vm := rt.vm
	proto := func(ctor string) *goja.Object { return vm.Get(ctor).ToObject(vm).Get("prototype").ToObject(vm) }
	str, arr := proto("String"), proto("Array")
	rt.wrapMethod(str, "repeat", func(this goja.Value, a []goja.Value) float64 {
		return rt.stringBytes(this) * arg(a, 0)
	})
	padded := func(this goja.Value, a []goja.Value) float64 {
		return arg(a, 0) * rt.charBytes(this)
	}
	rt.wrapMethod(str, "padStart", padded)
	rt.wrapMethod(str, "padEnd", padded)
	rt.wrapMethod(str, "split", func(this goja.Value, a []goja.Value) float64 {
		if len(a) > 0 && goja.IsString(a[0]) && a[0].String() == "" {
			return rt.stringBytes(this) * 2 * slotBytes
		}
		return 0
	})
	rt.wrapMethod(arr, "join", rt.joinBytes)
	rt.wrapMethod(arr, "fill", func(this goja.Value, a []goja.Value) float64 {
		n := float64(this.ToObject(vm).Get("length").ToInteger())
		return n * slotBytes
	})
	arrayCtor := vm.Get("Array").ToObject(vm)
	rt.wrapMethod(arrayCtor, "from", func(_ goja.Value, a []goja.Value) float64 {
		if len(a) > 0 {
			if o, ok := a[0].(*goja.Object); ok {
				if l := o.Get("length"); l != nil && goja.IsNumber(l) {
					return l.ToFloat() * slotBytes
				}
			}
		}
		return 0
	})
	rt.wrapConstructor("ArrayBuffer", 1)
	for name, size := range map[string]float64{"Int8Array": 1, "Uint8Array": 1, "Uint8ClampedArray": 1, "Int16Array": 2, "Uint16Array": 2,
		"Int32Array": 4, "Uint32Array": 4, "Float32Array": 4, "Float64Array": 8, "BigInt64Array": 8, "BigUint64Array": 8} {
		rt.wrapConstructor(name, size)
	}
}

func arg(a []goja.Value, i int) float64 {
	if i < len(a) && goja.IsNumber(a[i]) {
		return a[i].ToFloat()
	}
	return 0
}

// charBytes is 1 for an ASCII string, 2 for others (goja keeps UTF-16).
func (rt *runtime) charBytes(v goja.Value) float64 {
	s := v.String()
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return 2
		}
	}
	return 1
}

func (rt *runtime) stringBytes(v goja.Value) float64 {
	return float64(len(v.String())) * rt.charBytes(v)
}

// joinBytes estimates a join: the separators, and the elements that are
// strings, from 16 of them evenly spaced (an array of the same huge string
// repeated is caught; so is one of many huge strings).
func (rt *runtime) joinBytes(this goja.Value, a []goja.Value) float64 {
	obj := this.ToObject(rt.vm)
	n := obj.Get("length").ToInteger()
	sep := 1.0
	if len(a) > 0 && !goja.IsUndefined(a[0]) {
		sep = float64(len(a[0].String()))
	}
	const sampled = 16
	var sum float64
	k := min(n, sampled)
	for j := range k {
		i := j * n / k
		if v := obj.Get(strconv.FormatInt(i, 10)); v != nil && goja.IsString(v) {
			sum += float64(len(v.String()))
		}
	}
	if k > 0 {
		sum = sum * float64(n) / float64(k)
	}
	return sum + float64(n)*sep
}

// wrapMethod replaces obj[name] with a version that first asks for the
// bytes size estimates.
func (rt *runtime) wrapMethod(obj *goja.Object, name string, size func(this goja.Value, args []goja.Value) float64) {
	orig, ok := goja.AssertFunction(obj.Get(name))
	if !ok {
		return
	}
	checked := rt.vm.ToValue(func(c goja.FunctionCall) goja.Value {
		rt.grow(size(c.This, c.Arguments))
		v, err := orig(c.This, c.Arguments...)
		if err != nil {
			panic(err)
		}
		return v
	})
	checked.ToObject(rt.vm).DefineDataProperty("name", rt.vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	obj.DefineDataProperty(name, checked, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// wrapConstructor makes new NAME(n) ask for n × elem bytes first; the
// constructor stays itself for instanceof (a Proxy).
func (rt *runtime) wrapConstructor(name string, elem float64) {
	vm := rt.vm
	ctor, ok := vm.Get(name).(*goja.Object)
	if !ok {
		return
	}
	// goja's Proxy has no [[HasInstance]] of its own: instanceof asks the
	// target instead, or, for a subclass (class Buffer extends
	// Uint8Array), walks the prototype chain as OrdinaryHasInstance does.
	var p *goja.Object
	hasInstance := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		this, _ := c.This.(*goja.Object)
		if this == nil || this.SameAs(p) {
			return vm.ToValue(vm.InstanceOf(c.Argument(0), ctor))
		}
		return vm.ToValue(ordinaryHasInstance(this, c.Argument(0)))
	})
	proxy := vm.NewProxy(ctor, &goja.ProxyTrapConfig{
		GetSym: func(target *goja.Object, sym *goja.Symbol, receiver goja.Value) goja.Value {
			switch sym {
			case goja.SymHasInstance:
				return hasInstance
			case goja.SymSpecies: // the getter returns its receiver: a subclass's species is itself
				return receiver
			}
			return target.GetSymbol(sym)
		},
		Construct: func(target *goja.Object, args []goja.Value, newTarget *goja.Object) *goja.Object {
			rt.grow(arg(args, 0) * elem)
			c, _ := goja.AssertConstructor(target)
			obj, err := c(newTarget, args...)
			if err != nil {
				panic(err)
			}
			return obj
		},
	})
	p = vm.ToValue(proxy).(*goja.Object)
	vm.Set(name, p)
}

// ordinaryHasInstance is v instanceof c for a c whose prototype chain
// reaches a checked constructor.
func ordinaryHasInstance(c *goja.Object, v goja.Value) bool {
	obj, ok := v.(*goja.Object)
	proto, _ := c.Get("prototype").(*goja.Object)
	if !ok || proto == nil {
		return false
	}
	for o := obj.Prototype(); o != nil; o = o.Prototype() {
		if o.SameAs(proto) {
			return true
		}
	}
	return false
}

// SetMatchTimeout bounds one match of a backtracking regular expression
// (regexp2, which goja uses for lookarounds and backreferences): past it
// the match gives up, so a runaway pattern in a script that timed out
// stops burning its CPU. It must be called before any script runs (it sets
// a package variable regexp2 reads without locking); the default is
// forever.
func SetMatchTimeout(d time.Duration) { regexp2.DefaultMatchTimeout = d }
