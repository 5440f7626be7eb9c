// modules.go: a runtime's require: built-ins from the prelude, files
// through the program's loader (require.go), each module run once per
// runtime with a require of its own folder.

package js

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dop251/goja"
)

// bindRequire makes the global require, relative to the script's folder.
func (rt *runtime) bindRequire() {
	dir := path.Dir(filepath.ToSlash(rt.interp.prog.src.Name))
	rt.vm.Set("require", rt.requireFunc(dir))
}

// requireFunc is require for a module in dir (relative to the root).
func (rt *runtime) requireFunc(dir string) *goja.Object {
	vm := rt.vm
	f := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		name := c.Argument(0)
		if !goja.IsString(name) {
			panic(vm.NewTypeError(fmt.Sprintf("require: the module name must be a string, got %s", name)))
		}
		v, err := rt.require(name.String(), dir)
		if err != nil {
			var ie *goja.InterruptedError
			if errors.As(err, &ie) {
				rt.vm.Interrupt(ie.Value())
				panic(rt.newError(err)) // unwinds to the interrupt check
			}
			var ex *goja.Exception
			if errors.As(err, &ex) {
				panic(ex)
			}
			e := rt.newError(fmt.Errorf("require(%q): %w", name.String(), err))
			e.Set("code", "MODULE_NOT_FOUND")
			panic(e)
		}
		return v
	}).(*goja.Object)
	f.DefineDataProperty("name", vm.ToValue("require"), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	f.Set("resolve", func(c goja.FunctionCall) goja.Value {
		name := c.Argument(0).String()
		if _, ok := builtinName(name); ok {
			return vm.ToValue(name)
		}
		p, err := rt.interp.prog.loader.resolve(name, dir)
		if err != nil {
			panic(rt.newError(fmt.Errorf("require.resolve(%q): %w", name, err)))
		}
		return vm.ToValue("/" + strings.TrimPrefix(p, "/"))
	})
	f.Set("cache", vm.NewObject())
	return f
}

// builtinName is the Node built-in a name means ("node:path" or
// "path").
func builtinName(name string) (string, bool) {
	n := strings.TrimPrefix(name, "node:")
	_, ok := nodeModules[n]
	return n, ok
}

// require loads a module: a built-in, or a file, once per runtime.
func (rt *runtime) require(name, dir string) (goja.Value, error) {
	if n, ok := builtinName(name); ok {
		m := nodeModules[n]
		exports, err := rt.loadPart(partOf(m.file))
		if err != nil {
			return nil, err
		}
		return exports.Get(m.export), nil
	}
	if n, ok := strings.CutPrefix(name, "node:"); ok {
		return nil, fmt.Errorf("no built-in module %q (scriptsrv has %s)", n, strings.Join(builtinList(), ", "))
	}
	l := rt.interp.prog.loader
	p, err := l.resolve(name, dir)
	if err != nil {
		var nf *notFound
		if errors.As(err, &nf) && !strings.HasPrefix(name, ".") {
			return nil, fmt.Errorf("%w; it is not a built-in either (%s)", err, strings.Join(builtinList(), ", "))
		}
		return nil, err
	}
	if m, ok := rt.modules[p]; ok {
		return m.Get("exports"), nil
	}
	prog, err := l.program(p)
	if err != nil {
		return nil, err
	}
	return rt.runModule(p, prog)
}

// runModule runs a module's code with its module object, cached first so
// that a cycle gets the exports made so far.
func (rt *runtime) runModule(p string, prog *goja.Program) (goja.Value, error) {
	vm := rt.vm
	module := vm.NewObject()
	exports := vm.NewObject()
	filename := "/" + strings.TrimPrefix(p, "/")
	module.Set("exports", exports)
	module.Set("id", filename)
	module.Set("filename", filename)
	module.Set("path", path.Dir(filename))
	module.Set("loaded", false)
	module.Set("children", vm.NewArray())
	req := rt.requireFunc(path.Dir(p))
	module.Set("require", req)
	if rt.modules == nil {
		rt.modules = moduleCache{}
	}
	rt.modules[p] = module
	fv, err := vm.RunProgram(prog)
	if err == nil {
		fn, _ := goja.AssertFunction(fv)
		_, err = fn(exports, exports, req, module, vm.ToValue(filename), vm.ToValue(path.Dir(filename)))
	}
	if err != nil {
		delete(rt.modules, p)
		return nil, err
	}
	module.Set("loaded", true)
	return module.Get("exports"), nil
}

func builtinList() []string {
	names := make([]string, 0, len(nodeModules))
	for n := range nodeModules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// exportedHandler is the handler an ES module script exports: handle, a
// default function, or a default object with fetch (handler.js).
func (rt *runtime) exportedHandler(exports goja.Value) (goja.Value, error) {
	obj, ok := exports.(*goja.Object)
	if !ok {
		return nil, errors.New("the module has no exports")
	}
	if h := obj.Get("handle"); h != nil && !goja.IsUndefined(h) {
		return h, nil
	}
	def, _ := obj.Get("default").(*goja.Object)
	if def == nil {
		return nil, errors.New("export handle, a default function, or a default object with fetch")
	}
	if _, ok := goja.AssertFunction(def); ok {
		return def, nil
	}
	if _, ok := goja.AssertFunction(def.Get("fetch")); !ok {
		return nil, errors.New("the default export has no fetch method (export default { fetch(request, env, ctx) { … } })")
	}
	parts, err := rt.loadPart(partOf("handler.js"))
	if err != nil {
		return nil, err
	}
	make, _ := goja.AssertFunction(parts.Get("fetchHandler"))
	return make(goja.Undefined(), def)
}
