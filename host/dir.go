// dir.go: a folder of scripts behind one route: /app/x runs x.js or x.lua.

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

	"scriptsrv/cgi"
)

// Dir serves the scripts in a folder: the request path after Prefix names a
// file, with or without its .js/.lua extension. Pools start on first use;
// at most MaxPools are kept, the least recently used closed first. A path
// that would leave the folder (.., encoded or not, NUL bytes, symlinks out)
// is a 404.
type Dir struct {
	Prefix   string
	Root     string // the folder
	Config   Config
	Sandbox  bool
	MaxPools int // default 64

	mu    sync.Mutex
	pools map[string]*dirPool
	tick  uint64
	log   *slog.Logger
}

type dirPool struct {
	pool *Pool
	used uint64
	err  error
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
		plain(w, http.StatusNotFound, "not found\n")
		return
	}
	pool, err := d.pool(file)
	if err != nil {
		log.Error("script does not load", "script", file, "error", err)
		plain(w, http.StatusServiceUnavailable, "script unavailable\n")
		return
	}
	pool.ServeCGI(w, r)
}

// resolve maps the rest of a request path to a script file in the folder.
func (d *Dir) resolve(rest string) (string, bool) {
	name := strings.Trim(path.Clean("/"+rest), "/")
	if name == "" || strings.Contains(name, "\x00") || !fs.ValidPath(name) {
		return "", false
	}
	candidates := []string{name + ".js", name + ".lua"}
	if ext := path.Ext(name); ext == ".js" || ext == ".lua" {
		candidates = []string{name}
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

func (d *Dir) pool(file string) (*Pool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pools == nil {
		d.pools = map[string]*dirPool{}
	}
	d.tick++
	if dp, ok := d.pools[file]; ok {
		dp.used = d.tick
		return dp.pool, dp.err
	}
	d.evictLocked()
	dp := &dirPool{used: d.tick}
	prog, err := Load(file, d.Root, d.Sandbox)
	if err == nil {
		dp.pool, err = NewPool(prog, d.Config)
	}
	if err != nil {
		return nil, err // not cached: the next request tries again
	}
	d.pools[file] = dp
	return dp.pool, nil
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
		d.pools[oldest].pool.Close()
		delete(d.pools, oldest)
	}
}

// Close closes every pool started so far.
func (d *Dir) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for f, dp := range d.pools {
		dp.pool.Close()
		delete(d.pools, f)
	}
}

// Pools returns the pools started so far, by file.
func (d *Dir) Pools() map[string]*Pool {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]*Pool, len(d.pools))
	for f, dp := range d.pools {
		out[f] = dp.pool
	}
	return out
}
