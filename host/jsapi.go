// jsapi.go: the script API's globals and request object for JavaScript.

package host

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/require"

	"scriptsrv/cgi"
)

// bindAPI binds the globals once per interpreter; each reads e.cur.
func (e *jsEngine) bindAPI() error {
	vm := e.vm
	fn := func(f func(goja.FunctionCall) goja.Value) goja.Value { return vm.ToValue(f) }
	check := func(err error) {
		if err != nil {
			e.throw(err)
		}
	}
	g := vm.GlobalObject()
	g.Set("header", fn(func(c goja.FunctionCall) goja.Value {
		check(e.req().out.header(c.Argument(0).String(), c.Argument(1).String()))
		return goja.Undefined()
	}))
	g.Set("status", fn(func(c goja.FunctionCall) goja.Value {
		check(e.req().out.setStatus(int(c.Argument(0).ToInteger())))
		return goja.Undefined()
	}))
	g.Set("send", fn(func(c goja.FunctionCall) goja.Value {
		check(e.send(c.Argument(0)))
		return goja.Undefined()
	}))
	g.Set("flush", fn(func(c goja.FunctionCall) goja.Value {
		check(e.req().out.flush())
		return goja.Undefined()
	}))
	stdout := vm.NewObject()
	stdout.Set("write", fn(func(c goja.FunctionCall) goja.Value {
		check(e.req().out.write(e.bytesOf(c.Argument(0))))
		return goja.Undefined()
	}))
	g.Set("stdout", stdout)
	stderr := vm.NewObject()
	stderr.Set("write", fn(func(c goja.FunctionCall) goja.Value {
		s := string(e.bytesOf(c.Argument(0)))
		rs := e.req()
		io.WriteString(rs.out.w.Stderr(), s)
		e.pool.log.Info("stderr", "message", strings.TrimRight(s, "\n"))
		return goja.Undefined()
	}))
	g.Set("stderr", stderr)
	e.stdin = e.newStdin()
	getter := func(f func() goja.Value) goja.Value {
		return fn(func(goja.FunctionCall) goja.Value {
			if e.cur == nil {
				return goja.Undefined()
			}
			return f()
		})
	}
	if err := g.DefineAccessorProperty("params", getter(func() goja.Value {
		return vm.NewDynamicObject(&jsParams{vm: vm, ps: e.cur.r.Params})
	}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
		return err
	}
	return g.DefineAccessorProperty("stdin", getter(func() goja.Value { return e.stdin }), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// newStdin is the stdin object: read([n]) as a string, readBytes([n]) as
// an ArrayBuffer; "" (or an empty buffer) at the end of the body.
func (e *jsEngine) newStdin() *goja.Object {
	vm := e.vm
	read := func(c goja.FunctionCall) []byte {
		rs := e.req()
		var b []byte
		var err error
		if n := c.Argument(0); goja.IsUndefined(n) || goja.IsNull(n) {
			b, err = rs.readAll()
		} else {
			b, err = rs.readN(int(n.ToInteger()))
		}
		if err != nil && err != io.EOF {
			e.throw(err)
		}
		return b
	}
	o := vm.NewObject()
	o.Set("read", func(c goja.FunctionCall) goja.Value {
		n := c.Argument(0)
		if goja.IsUndefined(n) || goja.IsNull(n) {
			return vm.ToValue(string(read(c)))
		}
		s, err := e.req().readString(int(n.ToInteger()), false)
		if err != nil && err != io.EOF {
			e.throw(err)
		}
		return vm.ToValue(s)
	})
	o.Set("readBytes", func(c goja.FunctionCall) goja.Value {
		b := read(c)
		if b == nil {
			b = []byte{}
		}
		return vm.ToValue(vm.NewArrayBuffer(b))
	})
	return o
}

// jsReq is req: read-only and lazy, so a request costs only what the script
// looks at.
type jsReq struct {
	e                      *jsEngine
	rs                     *reqState
	params, query, headers goja.Value
}

var jsReqKeys = []string{"params", "method", "path", "query", "headers", "stdin"}

func (r *jsReq) Get(k string) goja.Value {
	vm := r.e.vm
	switch k {
	case "params":
		if r.params == nil {
			r.params = vm.NewDynamicObject(&jsParams{vm: vm, ps: r.rs.r.Params})
		}
		return r.params
	case "method":
		return vm.ToValue(r.rs.r.Params.Get("REQUEST_METHOD"))
	case "path":
		return vm.ToValue(r.rs.requestPath())
	case "query":
		if r.query == nil {
			r.query = vm.NewDynamicObject(&jsMap{vm: vm, m: r.rs.parsedQuery()})
		}
		return r.query
	case "headers":
		if r.headers == nil {
			r.headers = vm.NewDynamicObject(&jsMap{vm: vm, m: r.rs.headers()})
		}
		return r.headers
	case "stdin":
		return r.e.stdin
	}
	return nil
}

func (r *jsReq) Set(string, goja.Value) bool { return false }
func (r *jsReq) Has(k string) bool {
	for _, x := range jsReqKeys {
		if x == k {
			return true
		}
	}
	return false
}
func (r *jsReq) Delete(string) bool { return false }
func (r *jsReq) Keys() []string     { return jsReqKeys }

// jsParams is req.params: read-only over the received params.
type jsParams struct {
	vm *goja.Runtime
	ps cgi.Params
}

func (p *jsParams) Get(k string) goja.Value {
	if v, ok := p.ps.Lookup(k); ok {
		return p.vm.ToValue(v)
	}
	return nil
}
func (p *jsParams) Set(string, goja.Value) bool { return false }
func (p *jsParams) Has(k string) bool           { _, ok := p.ps.Lookup(k); return ok }
func (p *jsParams) Delete(string) bool          { return false }
func (p *jsParams) Keys() []string {
	seen := make(map[string]bool, len(p.ps))
	keys := make([]string, 0, len(p.ps))
	for _, x := range p.ps {
		if !seen[x.Name] {
			seen[x.Name] = true
			keys = append(keys, x.Name)
		}
	}
	return keys
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

// errOutsideRoot is the error of a require() that would leave the root.
var errOutsideRoot = errors.New("outside the scripts' root")

// newJSRegistry makes require() load CommonJS modules from root only:
// relative names resolve against the requiring file, and absolute paths,
// ".." escapes and symlinks out of root are refused (os.OpenInRoot).
func newJSRegistry(root string, loaded func(string)) *require.Registry {
	load := func(p string) ([]byte, error) {
		clean := path.Clean(p)
		if path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, errOutsideRoot
		}
		f, err := os.OpenInRoot(root, clean)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, require.ModuleFileDoesNotExistError
			}
			return nil, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || fi.IsDir() {
			return nil, require.ModuleFileDoesNotExistError
		}
		loaded(clean)
		return io.ReadAll(f)
	}
	return require.NewRegistry(
		require.WithLoader(load),
		require.WithPathResolver(func(base, p string) string { return path.Join(base, p) }),
	)
}
