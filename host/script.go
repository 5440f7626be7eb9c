// script.go: loading a script once: read, compile, decide its mode.

package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Program is a compiled script, shared by every interpreter of its pools.
type Program struct {
	File    string // the script's path as given
	Name    string // the name in stack traces: the path relative to Root
	Root    string // require() stays inside this folder
	Lang    string // "js" or "lua"
	CGIMode bool   // no global handle: the whole script runs per request
	Sandbox bool

	js  *jsProgram
	lua *luaProgram

	depMu sync.Mutex
	deps  []string
}

// Deps returns the script's file and every module it loaded so far.
func (p *Program) Deps() []string {
	p.depMu.Lock()
	defer p.depMu.Unlock()
	return append([]string{p.File}, p.deps...)
}

func (p *Program) addDep(rel string) {
	p.depMu.Lock()
	defer p.depMu.Unlock()
	f := filepath.Join(p.Root, filepath.FromSlash(rel))
	for _, d := range p.deps {
		if d == f {
			return
		}
	}
	p.deps = append(p.deps, f)
}

// Load reads and compiles the script at file. Its language comes from the
// extension (.js or .lua). root is the folder require() may load from (""
// means the script's own folder). Errors name the file and line.
func Load(file, root string, sandbox bool) (*Program, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, &CompileError{Script: file, Err: err}
	}
	return Compile(file, root, string(src), sandbox)
}

// Compile is Load with the source given.
func Compile(file, root, src string, sandbox bool) (*Program, error) {
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
	p := &Program{File: file, Name: filepath.ToSlash(name), Root: absRoot, Sandbox: sandbox}
	switch strings.ToLower(filepath.Ext(file)) {
	case ".js":
		p.Lang = "js"
		p.js, err = compileJS(p, src)
	case ".lua":
		p.Lang = "lua"
		p.lua, err = compileLua(p, src)
	default:
		err = fmt.Errorf("unknown script type %q: want .js or .lua", filepath.Ext(file))
	}
	if err != nil {
		return nil, &CompileError{Script: file, Err: err}
	}
	return p, nil
}

func (p *Program) newEngine(pool *Pool) (engine, error) {
	if p.js != nil {
		return newJSEngine(p, pool)
	}
	return newLuaEngine(p, pool)
}
