// Package engine is the contract between host's engine-neutral core and the
// interpreters that run scripts (goja for JavaScript in package host/js,
// gopher-lua for Lua in package host/lua).
//
// A language registers itself with [Register]: its name, its file
// extensions and a Compile function. The core asks [ForFile] which language
// a file is, compiles it once into a [Program], and starts an [Interpreter]
// from it per worker. An Interpreter serves one [Request] at a time.
//
// What scripts may call — header, send, kv.get, crypto … — is declared once
// as a [Module] of [Func]s over engine-neutral values (see value.go) and
// registered with [Define]; every engine binds every module into its
// language, converting arguments and results. A new host function for both
// languages is one Func; a new language is one package that registers
// itself and binds the modules.
//
// Not here: the pool, the watchdogs, output rules, reload (package host).
package engine

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Language is one scripting language.
type Language struct {
	// Name is the short name used in logs and config ("js", "lua").
	Name string
	// Exts are the file extensions it runs, lower case, with the dot.
	Exts []string
	// Compile compiles a script once; the result is shared by every
	// interpreter of its pools.
	Compile func(src *Source) (Program, error)
}

var (
	langMu sync.RWMutex
	langs  []*Language
)

// Register adds a language. It panics if an extension is taken: two
// languages cannot claim one file.
func Register(l *Language) {
	langMu.Lock()
	defer langMu.Unlock()
	for _, ext := range l.Exts {
		for _, o := range langs {
			if slices.Contains(o.Exts, ext) {
				panic(fmt.Sprintf("engine: %s and %s both claim %s", o.Name, l.Name, ext))
			}
		}
	}
	langs = append(langs, l)
}

// ForFile returns the language of a file by its extension (any case).
func ForFile(file string) (*Language, bool) {
	ext := strings.ToLower(filepath.Ext(file))
	langMu.RLock()
	defer langMu.RUnlock()
	for _, l := range langs {
		if slices.Contains(l.Exts, ext) {
			return l, true
		}
	}
	return nil, false
}

// Names lists the registered languages' names, in registration order.
func Names() []string {
	langMu.RLock()
	defer langMu.RUnlock()
	out := make([]string, len(langs))
	for i, l := range langs {
		out[i] = l.Name
	}
	return out
}

// Exts lists every registered extension, in registration order.
func Exts() []string {
	langMu.RLock()
	defer langMu.RUnlock()
	var out []string
	for _, l := range langs {
		out = append(out, l.Exts...)
	}
	return out
}

// ExtList is Exts for a message: ".js, .mjs or .lua".
func ExtList() string {
	e := Exts()
	switch len(e) {
	case 0:
		return "(no languages registered)"
	case 1:
		return e[0]
	}
	return strings.Join(e[:len(e)-1], ", ") + " or " + e[len(e)-1]
}

// Source is a script to compile, with what its modules may use.
type Source struct {
	File    string // the script's path as given
	Name    string // its name in stack traces: the path relative to Root
	Root    string // absolute; require()/import never leave it
	Text    string // the source
	Sandbox bool   // see SCRIPT_API.md
	// Options are the language options from the config.
	Options Options
	// Dep is called with every other file the script loaded (a module),
	// absolute, so reload can watch it. Safe from any goroutine.
	Dep func(file string)
}

// Options are per-route settings languages read at compile time.
type Options struct {
	// Modules are extra folders (absolute) that JavaScript imports and
	// require() of packages may read, besides node_modules folders from the
	// script's folder up to Root.
	Modules []string
	// LuaPath are extra folders (absolute) Lua's require may read.
	LuaPath []string
	// JSXFactory and JSXFragment are what JSX compiles to ("" is
	// React.createElement and React.Fragment); a file's own
	// /** @jsx h */ comment, or a tsconfig.json jsxFactory, wins.
	JSXFactory, JSXFragment string
}

// Program is a compiled script.
type Program interface {
	// CGIMode reports a script without a handle function: it runs whole per
	// request.
	CGIMode() bool
	// NewInterpreter starts an interpreter and, in handler mode, runs the
	// script's top level on it.
	NewInterpreter(h *Host) (Interpreter, error)
}

// Interpreter is one warm interpreter. Its methods are called from one
// goroutine at a time, except Interrupt.
type Interpreter interface {
	// Serve runs the script for one request. Its error is a *ScriptError
	// for an uncaught error in the script.
	Serve(r Request) error
	// Interrupt stops a running Serve as soon as the interpreter polls. It
	// may be called from any goroutine, also when nothing runs.
	Interrupt(cause error)
	// Close frees the interpreter; it is never used again.
	Close()
}

// Host is what an interpreter gets from the server when it starts.
type Host struct {
	// Logger is the route's logger (with route and script).
	Logger *slog.Logger
	// Platform holds the server-wide services capabilities use (package
	// host/caps defines it); nil in tests that need none.
	Platform any
	// Env is what scripts see of the environment ([env]): process.env,
	// os.getenv.
	Env map[string]string
	// MemoryLimit is what one request may allocate (0: no limit). Checked
	// built-ins refuse a single allocation past it even at the top level.
	MemoryLimit int64
}
