// api.go: the parts of the script API that are JavaScript's own: console,
// the CGI-style params and stdin globals, the stdin object and req.

package js

import (
	"context"
	"io"
	"log/slog"

	"github.com/dop251/goja"

	"scriptsrv/host/engine"
)

// bindAPI binds stdin and params, and prepares req (console is a
// prelude part: web.go).
func (rt *runtime) bindAPI() error {
	vm := rt.vm
	rt.stdin = rt.newStdin()
	rt.bindReq()
	g := vm.GlobalObject()
	getter := func(f func() goja.Value) goja.Value {
		return vm.ToValue(func(goja.FunctionCall) goja.Value {
			if rt.cur == nil {
				return goja.Undefined()
			}
			return f()
		})
	}
	if err := g.DefineAccessorProperty("params", getter(func() goja.Value {
		return rt.toJS(engine.ParamsMap(rt.cur.Params()), 1)
	}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
		return err
	}
	return g.DefineAccessorProperty("stdin", getter(func() goja.Value { return rt.stdin }), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// consolePrint is console's output (prelude/console.js): kind is the
// method ("log", "warn" …), which sets the level.
func (rt *runtime) consolePrint(kind, s string) {
	level := slog.LevelInfo
	switch kind {
	case "warn":
		level = slog.LevelWarn
	case "error", "trace":
		level = slog.LevelError
	}
	rt.print(level, "console."+kind, s)
}

// print writes s to the server log and, during a request, the web
// server's error log.
func (rt *runtime) print(level slog.Level, msg, s string) {
	if rt.cur != nil {
		rt.cur.Stderr(level, msg, []byte(s+"\n"))
		return
	}
	rt.interp.host.Logger.Log(context.Background(), level, msg, "message", s)
}

// newStdin is the stdin object: read([n]) as a string, readBytes([n]) as
// an ArrayBuffer; "" (or an empty buffer) at the end of the body.
func (rt *runtime) newStdin() *goja.Object {
	vm := rt.vm
	request := func() engine.Request {
		if rt.cur == nil {
			rt.throw(engine.ErrNoRequest)
		}
		rt.noteSlow()
		return rt.cur
	}
	check := func(err error) {
		if err != nil && err != io.EOF {
			rt.throw(err)
		}
	}
	o := vm.NewObject()
	o.Set("read", func(c goja.FunctionCall) goja.Value {
		r := request()
		if n := c.Argument(0); !goja.IsUndefined(n) && !goja.IsNull(n) {
			s, err := r.ReadString(int(n.ToInteger()), false)
			check(err)
			return vm.ToValue(s)
		}
		b, err := r.ReadAll()
		check(err)
		return vm.ToValue(string(b))
	})
	o.Set("readBytes", func(c goja.FunctionCall) goja.Value {
		r := request()
		var b []byte
		var err error
		if n := c.Argument(0); !goja.IsUndefined(n) && !goja.IsNull(n) {
			b, err = r.ReadBytes(int(n.ToInteger()))
		} else {
			b, err = r.ReadAll()
		}
		check(err)
		if b == nil {
			b = []byte{}
		}
		return vm.ToValue(vm.NewArrayBuffer(b))
	})
	return o
}

// reqBinding is what every req object of a runtime shares.
type reqBinding struct {
	fields  []engine.ReqField
	methods map[string]goja.Value
	keys    []string
}

func (rt *runtime) bindReq() {
	fields, methods := engine.Req()
	b := reqBinding{fields: fields, methods: map[string]goja.Value{}}
	for _, f := range fields {
		b.keys = append(b.keys, f.Name)
	}
	b.keys = append(b.keys, "stdin")
	for _, m := range methods {
		if m.Lang == "" || m.Lang == "js" {
			b.methods[m.Name] = rt.native("req", m)
			b.keys = append(b.keys, m.Name)
		}
	}
	rt.req = b
}

// jsReq is req: read-only and lazy, so a request costs only what the script
// looks at.
type jsReq struct {
	rt   *runtime
	r    engine.Request
	vals []goja.Value // converted fields, by index; made on first use
}

func (q *jsReq) Get(k string) goja.Value {
	if k == "stdin" {
		return q.rt.stdin
	}
	for i, f := range q.rt.req.fields {
		if f.Name != k {
			continue
		}
		if q.vals == nil {
			q.vals = make([]goja.Value, len(q.rt.req.fields))
		}
		if q.vals[i] != nil {
			return q.vals[i]
		}
		q.rt.noteSlow()
		v := q.rt.toJS(f.Get(q.r), 1)
		q.vals[i] = v
		return v
	}
	if m, ok := q.rt.req.methods[k]; ok {
		return m
	}
	return nil
}

func (q *jsReq) Set(string, goja.Value) bool { return false }
func (q *jsReq) Has(k string) bool {
	for _, x := range q.rt.req.keys {
		if x == k {
			return true
		}
	}
	return false
}
func (q *jsReq) Delete(string) bool { return false }
func (q *jsReq) Keys() []string     { return q.rt.req.keys }
