// script.go: loading a script once: read, pick its language, compile,
// decide its mode.

package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"scriptsrv/host/engine"
)

// Program is a compiled script, shared by every interpreter of its pools.
type Program struct {
	File    string // the script's path as given
	Name    string // the name in stack traces: the path relative to Root
	Root    string // require() stays inside this folder
	Lang    string // the language's name: "js", "lua"
	CGIMode bool   // no global handle: the whole script runs per request
	Sandbox bool

	compiled engine.Program

	depMu sync.Mutex
	deps  []string
}

// Deps returns the script's file and every module it loaded so far.
func (p *Program) Deps() []string {
	p.depMu.Lock()
	defer p.depMu.Unlock()
	return append([]string{p.File}, p.deps...)
}

func (p *Program) addDep(file string) {
	p.depMu.Lock()
	defer p.depMu.Unlock()
	for _, d := range p.deps {
		if d == file {
			return
		}
	}
	p.deps = append(p.deps, file)
}

// IsScript reports whether a file is a script of a known language (by its
// extension, in any case).
func IsScript(file string) bool {
	_, ok := engine.ForFile(file)
	return ok
}

// ScriptExts lists the extensions of the known languages.
func ScriptExts() []string { return engine.Exts() }

// ScriptExtList is ScriptExts for a message: ".js or .lua".
func ScriptExtList() string { return engine.ExtList() }

// Load reads and compiles the script at file. Its language comes from the
// extension. root is the folder require() may load from ("" means the
// script's own folder). Errors name the file and line.
func Load(file, root string, sandbox bool) (*Program, error) {
	return LoadWith(file, root, sandbox, engine.Options{})
}

// LoadWith is Load with language options.
func LoadWith(file, root string, sandbox bool, opts engine.Options) (*Program, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, &CompileError{Script: file, Err: err}
	}
	return compileWith(file, root, string(src), sandbox, opts)
}

// Compile is Load with the source given.
func Compile(file, root, src string, sandbox bool) (*Program, error) {
	return compileWith(file, root, src, sandbox, engine.Options{})
}

func compileWith(file, root, src string, sandbox bool, opts engine.Options) (*Program, error) {
	if root == "" {
		root = filepath.Dir(file)
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, &CompileError{Script: file, Err: err}
	}
	absFile, err := filepath.Abs(file)
	if err != nil {
		return nil, &CompileError{Script: file, Err: err}
	}
	name, err := filepath.Rel(absRoot, absFile)
	if err != nil || strings.HasPrefix(name, "..") {
		name = filepath.Base(file)
	}
	lang, ok := engine.ForFile(file)
	if !ok {
		return nil, &CompileError{Script: file, Err: fmt.Errorf("unknown script type %q: want %s", filepath.Ext(file), engine.ExtList())}
	}
	p := &Program{File: file, Name: filepath.ToSlash(name), Root: absRoot, Lang: lang.Name, Sandbox: sandbox}
	p.compiled, err = lang.Compile(&engine.Source{File: file, Name: p.Name, Root: absRoot, Text: src, Sandbox: sandbox,
		Options: opts, Dep: p.addDep})
	if err != nil {
		return nil, &CompileError{Script: file, Err: err}
	}
	p.CGIMode = p.compiled.CGIMode()
	return p, nil
}
