package js

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dop251/goja"

	"scriptsrv/host/engine"
)

// newTestRuntime is a runtime with everything bound, outside any request.
func newTestRuntime(t testing.TB) *runtime {
	t.Helper()
	in := &interp{prog: &program{src: &engine.Source{Name: "t.js"}, loader: newLoader(t.TempDir(), nil, nil)}, host: &engine.Host{}}
	rt, err := newRuntime(in)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// jsFunc compiles a function expression in rt.
func jsFunc(t testing.TB, rt *runtime, src string) goja.Callable {
	t.Helper()
	v, err := rt.vm.RunString("(" + src + ")")
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := goja.AssertFunction(v)
	return fn
}

var urlFields = []string{"href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"}

// TestURLPlatformTests runs the web-platform-tests' URL parsing data
// (testdata/wpt/urltestdata.json) through URL.
func TestURLPlatformTests(t *testing.T) {
	var cases []json.RawMessage
	readJSON(t, "testdata/wpt/urltestdata.json", &cases)
	rt := newTestRuntime(t)
	parse := jsFunc(t, rt, `function (input, base) {
		try {
			const u = base === null ? new URL(input) : new URL(input, base);
			const out = {};
			for (const k of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"]) out[k] = u[k];
			out.canParse = URL.canParse(input, base === null ? undefined : base);
			return JSON.stringify(out);
		} catch (e) {
			if (!(e instanceof TypeError)) return "not a TypeError: " + e;
			return URL.canParse(input, base === null ? undefined : base) ? "canParse disagrees" : "failure";
		}
	}`)
	n := 0
	for _, raw := range cases {
		var c map[string]any
		if json.Unmarshal(raw, &c) != nil {
			continue // a comment
		}
		n++
		base := rt.vm.ToValue(c["base"])
		if c["base"] == nil {
			base = goja.Null()
		}
		v, err := parse(goja.Undefined(), rt.vm.ToValue(c["input"]), base)
		if err != nil {
			t.Fatalf("%q: %v", c["input"], err)
		}
		if c["failure"] == true {
			if v.String() != "failure" {
				t.Errorf("new URL(%q, %v) = %s, want a TypeError", c["input"], c["base"], v)
			}
			continue
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(v.String()), &got); err != nil {
			t.Errorf("new URL(%q, %v): %s", c["input"], c["base"], v)
			continue
		}
		for _, k := range urlFields {
			if want, ok := c[k]; ok && got[k] != want {
				t.Errorf("new URL(%q, %v).%s = %q, want %q", c["input"], c["base"], k, got[k], want)
			}
		}
		if got["canParse"] != true {
			t.Errorf("URL.canParse(%q, %v) = false", c["input"], c["base"])
		}
	}
	if n < 500 {
		t.Fatalf("only %d cases", n)
	}
}

// TestURLSetters runs the web-platform-tests' setter data.
func TestURLSetters(t *testing.T) {
	var data map[string][]map[string]any
	var raw map[string]json.RawMessage
	readJSON(t, "testdata/wpt/setters_tests.json", &raw)
	delete(raw, "comment")
	data = map[string][]map[string]any{}
	for k, v := range raw {
		var cs []map[string]any
		if err := json.Unmarshal(v, &cs); err != nil {
			t.Fatal(err)
		}
		data[k] = cs
	}
	rt := newTestRuntime(t)
	set := jsFunc(t, rt, `function (href, setter, value) {
		const u = new URL(href);
		u[setter] = value;
		const out = {};
		for (const k of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"]) out[k] = u[k];
		return JSON.stringify(out);
	}`)
	for setter, cases := range data {
		if setter == "comment" {
			continue
		}
		for _, c := range cases {
			v, err := set(goja.Undefined(), rt.vm.ToValue(c["href"]), rt.vm.ToValue(setter), rt.vm.ToValue(c["new_value"]))
			if err != nil {
				t.Errorf("%s = %q on %q: %v", setter, c["new_value"], c["href"], err)
				continue
			}
			var got map[string]any
			json.Unmarshal([]byte(v.String()), &got)
			want, _ := c["expected"].(map[string]any)
			for k, w := range want {
				if got[k] != w {
					t.Errorf("u = new URL(%q); u.%s = %q: u.%s = %q, want %q", c["href"], setter, c["new_value"], k, got[k], w)
				}
			}
		}
	}
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// urlHref keeps its last answers: asked again, a URL gives the same href,
// and one that is not absolute stays null; past maxHrefs entries the
// cache starts over instead of growing.
func TestURLHrefCache(t *testing.T) {
	rt := newTestRuntime(t)
	for range 2 {
		if v := rt.urlHref("HTTP://Example.COM:80/a/../b?q#f"); v.String() != "http://example.com/b?q#f" {
			t.Errorf("href %q", v)
		}
		if v := rt.urlHref("/relative"); !goja.IsNull(v) {
			t.Errorf("relative URL: %v, want null", v)
		}
	}
	for i := range maxHrefs + 10 {
		rt.urlHref("http://h/" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	if n := len(rt.hrefs); n > maxHrefs {
		t.Errorf("%d hrefs kept, want at most %d", n, maxHrefs)
	}
	clear(rt.hrefs)
	long := "http://h/" + strings.Repeat("a", maxHrefLen)
	if v := rt.urlHref(long); v.String() != long || len(rt.hrefs) != 0 {
		t.Errorf("a %d-byte URL: %d kept", len(long), len(rt.hrefs))
	}
}
