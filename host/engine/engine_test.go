package engine

import (
	"strings"
	"testing"
)

func TestSnakeCase(t *testing.T) {
	cases := map[string]string{
		"setCookie": "set_cookie", "escapeHTML": "escape_html", "lastInsertId": "last_insert_id",
		"queryAll": "query_all", "get": "get", "maxAge": "max_age", "HTMLParser": "html_parser", "randomUUID": "random_uuid",
	}
	for in, want := range cases {
		if got := SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// Argument checks name the call and the parameter; options are read from
// a JS object, a Lua table or Lua positions.
func TestArgs(t *testing.T) {
	f := &Func{Name: "setThing", Params: []string{"key", "value"}, Options: []string{"ttl", "maxAge"}, TopLevel: true}
	cases := []struct {
		name, lang string
		args       ValueArgs
		fn         func(a *Args) any
		want       any
		err        string
	}{
		{"string", "js", ValueArgs{"k"}, func(a *Args) any { return a.String(0) }, "k", ""},
		{"number as string", "js", ValueArgs{int64(5)}, func(a *Args) any { return a.String(0) }, "5", ""},
		{"wrong kind", "js", ValueArgs{true}, func(a *Args) any { return a.String(0) }, "", "m.setThing: argument 1 (key): want a string, got a boolean"},
		{"lua name", "lua", ValueArgs{nil, Map{}}, func(a *Args) any { return a.Number(1) }, float64(0), "m.set_thing: argument 2 (value): want a number, got an object"},
		{"js option", "js", ValueArgs{"k", "v", Map{{"ttl", int64(3)}}}, func(a *Args) any { return a.OptNumberOf("ttl", 0) }, float64(3), ""},
		{"lua positional option", "lua", ValueArgs{"k", "v", nil, int64(9)}, func(a *Args) any { return a.OptNumberOf("maxAge", 0) }, float64(9), ""},
		{"unknown option", "js", ValueArgs{"k", "v", Map{{"tll", 1}}}, func(a *Args) any { return a.Opt("ttl") }, nil, `unknown option "tll" (known: ttl, maxAge)`},
		{"whole number", "js", ValueArgs{1.5}, func(a *Args) any { return a.Int(0) }, 1, "want a whole number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got any
			fn := *f
			fn.Do = func(_ *Call, a *Args) (any, error) { got = c.fn(a); return nil, nil }
			_, err := Invoke(&Call{Lang: c.lang, Func: &fn, Module: "m"}, &Args{Src: c.args})
			if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("error %v, want %q", err, c.err)
			}
			if c.err == "" && got != c.want {
				t.Errorf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestNoRequest(t *testing.T) {
	f := &Func{Name: "header", Do: func(*Call, *Args) (any, error) { return nil, nil }}
	_, err := Invoke(&Call{Lang: "js", Func: f}, &Args{Src: ValueArgs{}})
	if err == nil || !strings.Contains(err.Error(), "header: no request in progress") {
		t.Errorf("got %v", err)
	}
}

func TestMarshalJSONKeepsOrder(t *testing.T) {
	b, err := MarshalJSON(Map{{"z", 1}, {"a", []any{nil, "x", Null}}, {"m", map[string]any{"b": 2, "a": 1}}})
	if err != nil || string(b) != `{"z":1,"a":[null,"x",null],"m":{"a":1,"b":2}}` {
		t.Errorf("got %s %v", b, err)
	}
}
