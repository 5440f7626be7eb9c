// require.go: require() of CommonJS modules and packages, as Node
// resolves them (relative files, node_modules folders up to the scripts'
// root, package.json "exports" and "main"), and of the Node built-ins
// (web.go), never reading outside the root.
//
// goja_nodejs's require was replaced: it finds the requiring module from
// the call stack, has no package "exports", and its errors say only
// "Invalid module".

package js

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/dop251/goja"
)

// errOutsideRoot is the error of a require() that would leave the root.
var errOutsideRoot = errors.New("outside the scripts' root")

// loader finds and compiles modules for every runtime of a program.
type loader struct {
	root  string
	extra []string // folders searched after the node_modules walk
	dep   func(string)

	mu       sync.Mutex
	compiled map[string]*goja.Program // by path, relative to root
	resolved map[[2]string]string     // {dir, name} → path, found before
}

func newLoader(root string, extra []string, dep func(string)) *loader {
	return &loader{root: root, extra: extra, dep: dep, compiled: map[string]*goja.Program{}, resolved: map[[2]string]string{}}
}

// module is a loaded module: its module object, by resolved path.
type moduleCache map[string]*goja.Object

// openFile opens a file of the root: rel is slash-separated, relative
// to root, or absolute inside an extra folder.
func (l *loader) readFile(rel string) ([]byte, error) {
	var f *os.File
	var err error
	if path.IsAbs(rel) {
		f, err = l.openExtra(rel)
	} else {
		f, err = os.OpenInRoot(l.root, rel)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		return nil, fs.ErrNotExist
	}
	if l.dep != nil {
		l.dep(l.abs(rel))
	}
	return io.ReadAll(f)
}

func (l *loader) openExtra(p string) (*os.File, error) {
	for _, dir := range l.extra {
		d := filepath.ToSlash(dir)
		if rel, ok := strings.CutPrefix(p, d+"/"); ok {
			return os.OpenInRoot(dir, rel)
		}
	}
	return nil, errOutsideRoot
}

// isFile reports whether rel names a regular file.
func (l *loader) isFile(rel string) bool {
	var fi fs.FileInfo
	var err error
	if path.IsAbs(rel) {
		var f *os.File
		if f, err = l.openExtra(rel); err == nil {
			fi, err = f.Stat()
			f.Close()
		}
	} else {
		var r *os.Root
		if r, err = os.OpenRoot(l.root); err == nil {
			fi, err = r.Stat(rel)
			r.Close()
		}
	}
	return err == nil && fi.Mode().IsRegular()
}

func (l *loader) abs(rel string) string {
	if path.IsAbs(rel) {
		return filepath.FromSlash(rel)
	}
	return filepath.Join(l.root, filepath.FromSlash(rel))
}

// notFound is the error of a module that is nowhere.
type notFound struct {
	name   string
	looked []string
}

func (e *notFound) Error() string {
	return fmt.Sprintf("cannot find module %q (looked in %s)", e.name, strings.Join(e.looked, ", "))
}

// resolve finds the file a require(name) from dir means, looking on disk
// once per program (a require in a handler runs per request).
func (l *loader) resolve(name, dir string) (string, error) {
	key := [2]string{dir, name}
	l.mu.Lock()
	p, ok := l.resolved[key]
	l.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := l.find(name, dir)
	if err == nil {
		l.mu.Lock()
		l.resolved[key] = p
		l.mu.Unlock()
	}
	return p, err
}

// find is resolve's look on disk.
func (l *loader) find(name, dir string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", errOutsideRoot
	}
	if strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") || name == "." || name == ".." {
		p := path.Join(dir, name)
		if p == ".." || strings.HasPrefix(p, "../") {
			return "", errOutsideRoot
		}
		if f, ok := l.fileOrDir(p); ok {
			return f, nil
		}
		return "", &notFound{name: name, looked: []string{l.abs(p) + " (also .js, .json, .cjs, /index.js, package.json main)"}}
	}
	var looked []string
	for d := dir; ; d = path.Dir(d) {
		nm := path.Join(d, "node_modules")
		if path.Base(d) == "node_modules" {
			nm = d
		}
		looked = append(looked, l.abs(nm))
		if f, ok, err := l.inPackages(nm, name); ok || err != nil {
			return f, err
		}
		if d == "." {
			break
		}
	}
	for _, e := range l.extra {
		nm := filepath.ToSlash(e)
		looked = append(looked, e)
		if f, ok, err := l.inPackages(nm, name); ok || err != nil {
			return f, err
		}
	}
	return "", &notFound{name: name, looked: dedupe(looked)}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// inPackages resolves a package name (with its subpath) in a
// node_modules folder.
func (l *loader) inPackages(nm, name string) (string, bool, error) {
	pkg, sub := name, ""
	parts := strings.SplitN(name, "/", 3)
	switch {
	case strings.HasPrefix(name, "@") && len(parts) >= 2:
		pkg = parts[0] + "/" + parts[1]
		if len(parts) == 3 {
			sub = parts[2]
		}
	case len(parts) >= 2:
		pkg, sub = parts[0], strings.Join(parts[1:], "/")
	}
	dir := path.Join(nm, pkg)
	meta, err := l.packageJSON(dir)
	if err != nil {
		return "", false, err
	}
	if meta != nil && meta.Exports != nil {
		target, err := exportsTarget(meta.Exports, "./"+sub, name)
		if err != nil {
			return "", false, err
		}
		p := path.Join(dir, target)
		if !l.isFile(p) {
			return "", false, fmt.Errorf("package %s: its \"exports\" maps %q to %s, which does not exist", pkg, "./"+sub, target)
		}
		return p, true, nil
	}
	f, ok := l.fileOrDir(path.Join(dir, sub))
	return f, ok, nil
}

// packageMeta is what require reads of a package.json.
type packageMeta struct {
	Main    any             `json:"main"` // a string; some packages have false
	Type    string          `json:"type"`
	Exports json.RawMessage `json:"exports"`
}

func (l *loader) packageJSON(dir string) (*packageMeta, error) {
	p := path.Join(dir, "package.json")
	if !l.isFile(p) {
		return nil, nil
	}
	b, err := l.readFile(p)
	if err != nil {
		return nil, err
	}
	var m packageMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", l.abs(p), err)
	}
	if string(m.Exports) == "null" {
		m.Exports = nil
	}
	return &m, nil
}

// conditions are the package "exports" conditions require() matches,
// in order of preference.
// "import" comes last: an ES module is lowered to CommonJS (lower.go).
var conditions = []string{"require", "node", "default", "import"}

// exportsTarget maps a subpath ("." or "./x") through a package's
// "exports".
func exportsTarget(raw json.RawMessage, sub, name string) (string, error) {
	if sub == "./" {
		sub = "."
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil && len(m) > 0 && !strings.HasPrefix(firstKey(m), ".") {
		m = map[string]json.RawMessage{".": raw} // conditions only: the "." export
	} else if m == nil {
		m = map[string]json.RawMessage{".": raw} // a string or an array
	}
	if v, ok := m[sub]; ok {
		return conditionTarget(v, "", name, sub)
	}
	best := ""
	for k := range m { // "./lib/*": the longest prefix wins
		if i := strings.IndexByte(k, '*'); i >= 0 && strings.HasPrefix(sub, k[:i]) && strings.HasSuffix(sub, k[i+1:]) && len(k) > len(best) {
			best = k
		}
	}
	if best != "" {
		i := strings.IndexByte(best, '*')
		return conditionTarget(m[best], sub[i:len(sub)-len(best)+i+1], name, sub)
	}
	return "", fmt.Errorf("package subpath %q is not exported by %q", sub, name)
}

func firstKey(m map[string]json.RawMessage) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0]
}

// conditionTarget picks the target of an export: a string, an array of
// alternatives, or conditions.
func conditionTarget(raw json.RawMessage, star, name, sub string) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.ReplaceAll(s, "*", star), nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		for _, alt := range list {
			if t, err := conditionTarget(alt, star, name, sub); err == nil {
				return t, nil
			}
		}
	}
	var conds map[string]json.RawMessage
	if json.Unmarshal(raw, &conds) == nil {
		for _, c := range conditions {
			if v, ok := conds[c]; ok {
				if t, err := conditionTarget(v, star, name, sub); err == nil {
					return t, nil
				}
			}
		}
	}
	return "", fmt.Errorf("package subpath %q of %q has no target for require", sub, name)
}

// fileOrDir is Node's LOAD_AS_FILE then LOAD_AS_DIRECTORY.
func (l *loader) fileOrDir(p string) (string, bool) {
	for _, c := range []string{p, p + ".js", p + ".json", p + ".cjs"} {
		if l.isFile(c) {
			return c, true
		}
	}
	if meta, err := l.packageJSON(p); err == nil && meta != nil && meta.Main != nil && meta.Main != "" {
		main, _ := meta.Main.(string)
		m := path.Join(p, main)
		for _, c := range []string{m, m + ".js", m + ".json", m + "/index.js"} {
			if l.isFile(c) {
				return c, true
			}
		}
	}
	for _, c := range []string{p + "/index.js", p + "/index.json"} {
		if l.isFile(c) {
			return c, true
		}
	}
	return "", false
}

// program compiles a module file once for every runtime.
func (l *loader) program(p string) (*goja.Program, error) {
	l.mu.Lock()
	prog, ok := l.compiled[p]
	l.mu.Unlock()
	if ok {
		return prog, nil
	}
	src, err := l.readFile(p)
	if err != nil {
		return nil, err
	}
	text := string(src)
	if strings.HasPrefix(text, "#!") {
		text = "//" + text // keeps the line numbers
	}
	name := p
	if strings.HasSuffix(p, ".json") {
		text = "module.exports = JSON.parse(" + jsString(text) + ")"
	}
	prog, err = compileModule(name, text)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.compiled[p] = prog
	l.mu.Unlock()
	return prog, nil
}

// compileModule compiles a module's code as the body of its function;
// code goja cannot compile is lowered by esbuild first (lower.go).
func compileModule(name, text string) (*goja.Program, error) {
	const head = "(function(exports, require, module, __filename, __dirname) {"
	prog, err := goja.Compile(name, head+text+"\n})", false)
	if err == nil {
		return prog, nil
	}
	lowered, lerr := lower(name, text)
	if lerr != nil {
		return nil, err // goja's error, which names the line
	}
	return goja.Compile(name, head+lowered+"\n})", false)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
