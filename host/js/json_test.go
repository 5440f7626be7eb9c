package js

import (
	"fmt"
	"scriptsrv/host/engine"
	"strconv"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// newJSONEngine is a bare interpreter with the encoder wired as in newJSEngine.
func newJSONEngine(t testing.TB) *runtime {
	vm := goja.New()
	e := &runtime{vm: vm}
	e.stringify, _ = goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))
	e.json.rt = e
	return e
}

// sameAsStringify checks that the encoder gives exactly what
// JSON.stringify(v) gives: the same text, the same undefined, the same error.
func sameAsStringify(t testing.TB, e *runtime, src string, v goja.Value) {
	t.Helper()
	want, wantErr := e.stringify(goja.Undefined(), v)
	got, ok, err := e.json.encode(v)
	switch {
	case wantErr != nil || err != nil:
		if fmt.Sprint(wantErr) != fmt.Sprint(err) {
			t.Errorf("%s: error %v, JSON.stringify's is %v", src, err, wantErr)
		}
	case goja.IsUndefined(want):
		if ok {
			t.Errorf("%s: got %s, JSON.stringify gives undefined", src, got)
		}
	case !ok || string(got) != want.String():
		t.Errorf("%s:\n got %s (ok=%v)\nwant %s", src, got, ok, want)
	}
}

func TestJSJSONMatchesStringify(t *testing.T) {
	cases := []string{
		`({name: "world", count: 80, ok: true, tags: ["a", "b", "c"], data: "x,y"})`,
		`[]`, `({})`, `[[[]], {}, [{}]]`, `"plain"`, `42`, `null`, `true`,
		`({a: undefined, b: function () {}, c: Symbol("s"), d: 1})`,
		`[undefined, function () {}, Symbol("s"), null]`,
		`[NaN, Infinity, -Infinity, -0, 0.1, 1e21, 1e-7, 2 ** 53, -5, 1.5e300, 123456789012]`,
		`({s: "q\"b\\s/\b\f\n\r\t\u0000\u001f\u007f end"})`,
		`({s: "héllo wörld ✓ 😀", "ключ": 1})`,
		`({s: "lone \ud800 and \udfff"})`,
		`({[Symbol("k")]: 1, 2: "two", 1: "one", b: "b", a: "a"})`,
		`[1, , 3]`,
		`(() => { const a = [1, 2]; a.extra = 3; return a })()`,
		`Object.defineProperty({a: 1}, "hidden", {value: 2, enumerable: false})`,
		`Object.assign(Object.create(null), {x: 1})`,
		`Object.assign(Object.create({inherited: 1}), {own: 2})`,
		`new (class P { constructor() { this.x = 1 } get y() { return 2 } })()`,
		`({get g() { return "got" }})`,
		`({d: new Date(0)})`,
		`({t: {toJSON(k) { return "key=" + k }}, arr: [{toJSON(k) { return "idx=" + k }}]})`,
		`({t: {toJSON() { return {inner: {toJSON() { return "inner" }}} }}})`,
		`({t: {toJSON() { return new Date(0) }}})`,
		`({t: {toJSON() { return undefined }}, u: 1})`,
		`({toJSON: 5, a: 1})`,
		`({m: new Map([[1, 2]]), s: new Set([1]), r: /re/g, e: new Error("x")})`,
		`({n: new Number(3), s: new String("str"), b: new Boolean(false)})`,
		`({p: new Proxy({a: 1}, {}), pa: new Proxy([1, 2], {})})`,
		`({i16: new Int16Array([1, 2]), u8: new Uint8Array([1])})`,
		`({f: function () {}, a: [function () {}]})`,
		`(() => { let o = {}; for (let i = 0; i < 100; i++) o = {o: [o]}; return o })()`,
		`({big: 10n})`,
		`[1n]`,
		`(() => { const o = {a: 1}; o.self = o; return o })()`,
		`(() => { const a = [1]; a.push({back: a}); return a })()`,
		`(() => { const o = {}; return {x: o, y: o} })()`,
		`({k: {toJSON(k) { throw new Error("boom " + k) }}})`,
		`({get g() { throw new TypeError("getter") }})`,
	}
	e := newJSONEngine(t)
	// inner encodes from inside an encoding, as send() called by a toJSON does.
	e.vm.Set("inner", func(v goja.Value) string {
		b, _, _ := e.json.encode(v)
		return string(b)
	})
	cases = append(cases, `({a: [1, {toJSON() { return inner({nested: [2, 3], s: "x"}) }}, 4], b: "after"})`)
	for _, src := range cases {
		v, err := e.vm.RunString(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					// A throwing getter unwinds the encoder as the
					// exception itself; JSON.stringify must throw too.
					if _, err := e.stringify(goja.Undefined(), v); err == nil {
						t.Errorf("%s: encoder threw %v, JSON.stringify did not", src, r)
					}
				}
			}()
			sameAsStringify(t, e, src, v)
		}()
	}
}

// The encoder's buffer is reused: a second, shorter value is not polluted
// by the first.
func TestJSJSONReuse(t *testing.T) {
	e := newJSONEngine(t)
	for _, src := range []string{`({long: "abcdefghijklmnopqrstuvwxyz"})`, `[1]`} {
		v, _ := e.vm.RunString(src)
		sameAsStringify(t, e, src, v)
	}
}

// FuzzJSJSON feeds arbitrary strings through JSON.parse (every shape of
// plain data) and as a string value (every character to quote).
func FuzzJSJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x\u0001"],"b":{"c":null}}`, `"\ud800"`, `[1e400]`, "tab\there", `{"1":1,"a":2,"0":3}`} {
		f.Add(s)
	}
	e := newJSONEngine(f)
	parse, _ := goja.AssertFunction(e.vm.Get("JSON").ToObject(e.vm).Get("parse"))
	wrap, _ := e.vm.RunString(`(s) => ({k: s, [s]: [s, {s}]})`)
	wrapFn, _ := goja.AssertFunction(wrap)
	f.Fuzz(func(t *testing.T, s string) {
		str := e.vm.ToValue(s)
		sameAsStringify(t, e, "string", str)
		if obj, err := wrapFn(goja.Undefined(), str); err == nil {
			sameAsStringify(t, e, "object", obj)
		}
		if v, err := parse(goja.Undefined(), str); err == nil {
			sameAsStringify(t, e, s, v)
		}
	})
}

// JSON.parse is goja's, but for the nesting limit: the same values, or an
// error for the same inputs.
func TestJSONParseAsGoja(t *testing.T) {
	in := &interp{prog: &program{src: &engine.Source{Name: "t.js"}, loader: newLoader(t.TempDir(), nil, nil)}, host: &engine.Host{}}
	rt, err := newRuntime(in)
	if err != nil {
		t.Fatal(err)
	}
	cases := []string{`{"a":[1,2,{"b":null}],"c":"é\u00e9\\n"}`, `[]`, `{}`, `1e3`, `-0`, `"x"`, `true`, `{"__proto__":{"polluted":1}}`,
		`{"a":1,"a":2}`, ``, `[1,]`, `{'a':1}`, `nul`, `[1] 2`, `"\ud800"`}
	for _, c := range cases {
		ours, err1 := rt.vm.RunString(`JSON.stringify(JSON.parse(` + strconv.Quote(c) + `))`)
		theirs, err2 := rt.parse(goja.Undefined(), rt.vm.ToValue(c))
		if (err1 != nil) != (err2 != nil) {
			t.Errorf("%q: error %v, goja's %v", c, err1, err2)
			continue
		}
		if err1 == nil {
			want, _ := rt.stringify(goja.Undefined(), theirs)
			if ours.String() != want.String() {
				t.Errorf("%q: %s, goja's %s", c, ours, want)
			}
		}
	}
	if v, _ := rt.vm.RunString(`({}).polluted`); !goja.IsUndefined(v) {
		t.Error("a __proto__ key set the prototype")
	}
	for _, src := range []string{`JSON.parse("[".repeat(400000) + "]".repeat(400000))`, `let a = []; for (let i = 0; i < 2000; i++) a = [a]; JSON.stringify(a)`,
		`JSON.parse("[".repeat(2000) + "]".repeat(2000), (k, v) => v)`} {
		if _, err := rt.vm.RunString(src); err == nil || !strings.Contains(err.Error(), "nested more than 1000 levels deep") {
			t.Errorf("%s: %v", src[:20], err)
		}
	}
}
