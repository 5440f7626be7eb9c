// dir.go: a folder of scripts behind one route: /app/x runs x.js, x.lua
// (any language's extension), /app/ and /app/sub/ their folder's index.

package host

import (
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"scriptsrv/cgi"
)

// Dir serves the scripts in a folder: the request path after Prefix names a
// file, with or without its extension (.js, .lua …). Pools start on first use;
// at most MaxPools are kept, the least recently used closed first. A path
// that would leave the folder (.., encoded or not, NUL bytes, symlinks out)
// is a 404.
type Dir struct {
	Prefix   string
	Root     string // the folder
	Config   Config
	Sandbox  bool
	MaxPools int           // default 64
	Watch    time.Duration // poll scripts for changes this often; 0: never

	mu    sync.Mutex
	pools map[string]*dirPool
	tick  uint64
}

type dirPool struct {
	script *Script
	used   uint64
}

// ServeCGI runs the script the path names.
func (d *Dir) ServeCGI(w cgi.ResponseWriter, r *cgi.Request) {
	log := d.Config.Logger
	if log == nil {
		log = slog.Default()
	}
	p, _ := cgi.RequestPath(r.Params)
	rest, _ := matchPrefix(d.Prefix, p)
	file, ok := d.resolve(rest)
	if !ok {
		log.Warn("no script for path", "path", p, "dir", d.Root)
		plain(w, r, http.StatusNotFound, "not found\n")
		return
	}
	script, err := d.script(file)
	if err != nil {
		log.Error("script does not load", "script", file, "error", err)
		plain(w, r, http.StatusServiceUnavailable, "script unavailable\n")
		return
	}
	script.ServeCGI(w, r)
}

// resolve maps the rest of a request path to a script file in the folder:
// NAME with its extension, NAME.EXT, or NAME/index.EXT for a folder (the
// route's own path serves index.EXT).
func (d *Dir) resolve(rest string) (string, bool) {
	name := strings.Trim(path.Clean("/"+rest), "/")
	if strings.Contains(name, "\x00") || name != "" && !fs.ValidPath(name) {
		return "", false
	}
	var candidates []string
	switch {
	case name == "":
		for _, ext := range ScriptExts() {
			candidates = append(candidates, "index"+ext)
		}
	case IsScript(name):
		candidates = []string{name}
	default:
		for _, ext := range ScriptExts() {
			candidates = append(candidates, name+ext)
		}
		for _, ext := range ScriptExts() {
			candidates = append(candidates, name+"/index"+ext)
		}
	}
	for _, c := range candidates {
		f, err := os.OpenInRoot(d.Root, c) // refuses symlinks out of the folder
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		f.Close()
		if err == nil && fi.Mode().IsRegular() {
			return filepath.Join(d.Root, filepath.FromSlash(c)), true
		}
	}
	return "", false
}

func (d *Dir) script(file string) (*Script, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pools == nil {
		d.pools = map[string]*dirPool{}
	}
	d.tick++
	if dp, ok := d.pools[file]; ok {
		dp.used = d.tick
		return dp.script, nil
	}
	d.evictLocked()
	s, err := NewScript(file, d.Root, d.Sandbox, d.Config, d.Watch)
	if err != nil {
		return nil, err // not cached: the next request tries again
	}
	d.pools[file] = &dirPool{script: s, used: d.tick}
	return s, nil
}

func (d *Dir) evictLocked() {
	limit := d.MaxPools
	if limit <= 0 {
		limit = 64
	}
	for len(d.pools) >= limit {
		var oldest string
		for f, dp := range d.pools {
			if oldest == "" || dp.used < d.pools[oldest].used {
				oldest = f
			}
		}
		d.pools[oldest].script.Close()
		delete(d.pools, oldest)
	}
}

// Close closes every pool started so far.
func (d *Dir) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for f, dp := range d.pools {
		dp.script.Close()
		delete(d.pools, f)
	}
}

// Scripts returns the scripts started so far, by file.
func (d *Dir) Scripts() map[string]*Script {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]*Script, len(d.pools))
	for f, dp := range d.pools {
		out[f] = dp.script
	}
	return out
}
