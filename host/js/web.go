// web.go: the Web and Node globals written in JavaScript (prelude/*.js),
// loaded into a runtime the first time a script uses one of their names,
// so a handler that uses none pays nothing; and the natives they are
// written over.

package js

import (
	"embed"
	"fmt"
	"strings"
	"sync"
	"time"

	goruntime "runtime"

	"github.com/dop251/goja"

	"scriptsrv/host/engine"
)

//go:embed prelude/*.js
var preludeFS embed.FS

// part is one prelude file: an expression of a function of (native,
// need) returning its exports, some of which are globals; or, with load,
// exports made in Go.
type part struct {
	file    string
	globals []string
	needs   []string // parts whose exports it takes, by file
	load    func(rt *runtime) (*goja.Object, error)

	once sync.Once
	prog *goja.Program
	err  error
}

var parts = []*part{
	{file: "performance", globals: []string{"performance"}, load: newPerformance},
	{file: "url.js", globals: []string{"URL", "URLSearchParams"}},
	{file: "web.js", globals: []string{"Event", "EventTarget", "DOMException", "AbortController", "AbortSignal",
		"TextEncoder", "TextDecoder", "structuredClone", "atob", "btoa"}},
	{file: "buffer.js", needs: []string{"web.js"}, globals: []string{"Buffer"}},
	{file: "util.js", needs: []string{"web.js"}},
	{file: "console.js", needs: []string{"util.js"}, globals: []string{"console"}},
	{file: "formdata.js", needs: []string{"web.js"}, globals: []string{"Blob", "File", "FormData"}},
	{file: "fetch.js", needs: []string{"web.js", "url.js", "formdata.js"}, globals: []string{"fetch", "Headers", "Request", "Response", "ReadableStream"}},
	{file: "crypto.js", needs: []string{"web.js", "buffer.js"}, globals: []string{"crypto"}},
	{file: "events.js"},
	{file: "process.js", needs: []string{"events.js"}, globals: []string{"process"}},
	{file: "path.js"},
	{file: "querystring.js", needs: []string{"buffer.js"}},
	{file: "nodeurl.js", needs: []string{"url.js", "querystring.js", "path.js"}},
	{file: "string_decoder.js", needs: []string{"buffer.js"}},
	{file: "fs.js"},
	{file: "timers.js"},
	{file: "handler.js", needs: []string{"fetch.js"}},
}

// nodeModules are the Node built-ins require() gives (also as
// "node:NAME"): the part that makes each and the name of its export.
var nodeModules = map[string]struct{ file, export string }{
	"buffer": {"buffer.js", "buffer"}, "crypto": {"crypto.js", "cryptoModule"}, "events": {"events.js", "events"},
	"path": {"path.js", "path"}, "querystring": {"querystring.js", "querystring"}, "url": {"nodeurl.js", "url"},
	"util": {"util.js", "util"}, "process": {"process.js", "process"}, "string_decoder": {"string_decoder.js", "string_decoder"},
	"fs": {"fs.js", "fs"}, "fs/promises": {"fs.js", "fs/promises"},
	"timers": {"timers.js", "timers"}, "timers/promises": {"timers.js", "timers/promises"},
}

func partOf(file string) *part {
	for _, p := range parts {
		if p.file == file {
			return p
		}
	}
	panic("no prelude part " + file)
}

// program compiles the part once for every runtime.
func (p *part) program() (*goja.Program, error) {
	p.once.Do(func() {
		src, err := preludeFS.ReadFile("prelude/" + p.file)
		if err != nil {
			p.err = err
			return
		}
		p.prog, p.err = goja.Compile("scriptsrv:"+p.file, string(src), true)
	})
	return p.prog, p.err
}

// bindLazyGlobals defines every part's globals as accessors that load the
// part on first use; assigning one replaces it, as with any global.
func (rt *runtime) bindLazyGlobals() error {
	rt.bindNatives()
	g := rt.vm.GlobalObject()
	for _, p := range parts {
		for _, name := range p.globals {
			get := rt.vm.ToValue(func(goja.FunctionCall) goja.Value {
				exports, err := rt.loadPart(p)
				if err != nil {
					panic(rt.newError(err))
				}
				return exports.Get(name)
			})
			set := rt.vm.ToValue(func(c goja.FunctionCall) goja.Value {
				g.DefineDataProperty(name, c.Argument(0), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
				return goja.Undefined()
			})
			if err := g.DefineAccessorProperty(name, get, set, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadPart runs a part (and what it needs) in this runtime once, and
// turns its globals into plain properties.
func (rt *runtime) loadPart(p *part) (*goja.Object, error) {
	if v, ok := rt.lazy[p.file]; ok {
		return v.(*goja.Object), nil
	}
	need := rt.vm.NewObject()
	for _, n := range p.needs {
		exports, err := rt.loadPart(partOf(n))
		if err != nil {
			return nil, err
		}
		for _, k := range exports.Keys() {
			need.Set(k, exports.Get(k))
		}
	}
	exports, err := rt.runPart(p, need)
	if err != nil {
		return nil, fmt.Errorf("prelude %s: %w", p.file, err)
	}
	if rt.lazy == nil {
		rt.lazy = map[string]goja.Value{}
	}
	rt.lazy[p.file] = exports
	g := rt.vm.GlobalObject()
	for _, name := range p.globals {
		g.DefineDataProperty(name, exports.Get(name), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	return exports, nil
}

func (rt *runtime) runPart(p *part, need *goja.Object) (*goja.Object, error) {
	if p.load != nil {
		return p.load(rt)
	}
	prog, err := p.program()
	if err != nil {
		return nil, err
	}
	fv, err := rt.vm.RunProgram(prog)
	if err != nil {
		return nil, err
	}
	fn, ok := goja.AssertFunction(fv)
	if !ok {
		return nil, fmt.Errorf("not a function")
	}
	ev, err := fn(goja.Undefined(), rt.internal, need)
	if err != nil {
		return nil, err
	}
	return ev.ToObject(rt.vm), nil
}

// newPerformance is performance: now() in milliseconds since the server
// started (timeOrigin), with microsecond resolution.
func newPerformance(rt *runtime) (*goja.Object, error) {
	vm := rt.vm
	p := vm.NewObject()
	p.Set("now", rt.internal.Get("now"))
	p.Set("timeOrigin", float64(start.UnixMicro())/1e3)
	p.Set("toJSON", func() goja.Value {
		o := vm.NewObject()
		o.Set("timeOrigin", p.Get("timeOrigin"))
		return o
	})
	exports := vm.NewObject()
	exports.Set("performance", p)
	return exports, nil
}

// stringFunc is a native of one string argument, bound without
// reflection (goja calls a func(FunctionCall) Value directly; other
// signatures cost microseconds a call).
func stringFunc(f func(string) goja.Value) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value { return f(c.Argument(0).String()) }
}

// isToken reports whether s is an HTTP token (a header name, a method).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// nodeArch is process.arch for GOARCH.
var nodeArch = map[string]string{"amd64": "x64", "386": "ia32", "arm64": "arm64", "arm": "arm", "ppc64le": "ppc64", "s390x": "s390x", "riscv64": "riscv64"}

// start is when performance.now() counts from.
var start = time.Now()

// headerValue is a header value with its surrounding white space gone,
// or false when it holds NUL, CR or LF.
func headerValue(s string) (string, bool) {
	s = strings.Trim(s, "\t\n\r ")
	return s, !strings.ContainsAny(s, "\x00\r\n")
}

// bindNatives adds the engine's own natives the prelude is written over
// to rt.internal (the capabilities' internal functions are there too).
func (rt *runtime) bindNatives() {
	rt.bindURLNatives()
	rt.bindBufferNatives()
	vm, n := rt.vm, rt.internal
	n.Set("now", func(goja.FunctionCall) goja.Value { return vm.ToValue(float64(time.Since(start).Nanoseconds()) / 1e6) })
	n.Set("utf8Encode", stringFunc(func(s string) goja.Value {
		return vm.ToValue(vm.NewArrayBuffer([]byte(s)))
	}))
	n.Set("utf8Decode", func(c goja.FunctionCall) goja.Value {
		s, rest, ok := decodeUTF8(bytesOf(c.Argument(0)), c.Argument(1).ToBoolean(), c.Argument(2).ToBoolean())
		if !ok {
			return goja.Null()
		}
		return vm.NewArray(s, rest)
	})
	n.Set("bodyJSON", rt.bodyJSON)
	n.Set("latin1", func(c goja.FunctionCall) goja.Value { return vm.ToValue(latin1(bytesOf(c.Argument(0)))) })
	n.Set("atob", stringFunc(func(s string) goja.Value {
		b, ok := forgivingBase64(s)
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(latin1(b))
	}))
	n.Set("btoa", stringFunc(func(s string) goja.Value {
		b, ok := fromLatin1(s)
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(stdBase64(b))
	}))
	n.Set("print", rt.consolePrint)
	n.Set("respond", func(c goja.FunctionCall) goja.Value {
		ok, pumping := rt.sendResponse(c.Argument(0))
		if !ok {
			rt.invoke("", apiFunc("send"), []goja.Value{c.Argument(0)})
		}
		if pumping != nil {
			return pumping // a stream body: the Promise of its end
		}
		return goja.Undefined()
	})
	n.Set("headerName", stringFunc(func(s string) goja.Value {
		if !isToken(s) {
			return goja.Null()
		}
		return vm.ToValue(strings.ToLower(s))
	}))
	n.Set("headerValue", stringFunc(func(s string) goja.Value {
		v, ok := headerValue(s)
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(v)
	}))
	// headerPair(name, value) is [lower-case name, trimmed value], or null
	// when either is not valid: one call per header for Headers.
	n.Set("headerPair", func(c goja.FunctionCall) goja.Value {
		name, value := c.Argument(0).String(), c.Argument(1).String()
		v, ok := headerValue(value)
		if !ok || !isToken(name) {
			return goja.Null()
		}
		return vm.NewArray(strings.ToLower(name), v)
	})
	n.Set("env", func() goja.Value {
		env := vm.NewObject()
		for _, k := range engine.SortedKeys(rt.interp.host.Env) {
			env.Set(k, rt.interp.host.Env[k])
		}
		return env
	})
	n.Set("platform", goruntime.GOOS)
	n.Set("arch", nodeArch[goruntime.GOARCH])
	n.Set("promiseState", func(p *goja.Promise) goja.Value {
		o := vm.NewObject()
		switch p.State() {
		case goja.PromiseStatePending:
			o.Set("state", "pending")
		case goja.PromiseStateFulfilled:
			o.Set("state", "fulfilled")
			o.Set("value", p.Result())
		default:
			o.Set("state", "rejected")
			o.Set("value", p.Result())
		}
		return o
	})
	n.Set("cancel", func(p *goja.Object) {
		if cancel, ok := rt.loop.cancels[p]; ok {
			cancel()
		}
	})
}
