// reload.go: a script route that reloads itself when its file, or a module
// it requires, changes on disk.

package host

import (
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"scriptsrv/cgi"
)

// Script serves one script file on a pool. With Watch set, it polls the
// file and the modules it required; a new version is compiled and its pool
// started, then swapped in: requests in progress finish on the old
// interpreters, new ones go to the new. A version that does not compile or
// whose top level throws is refused and the old one keeps serving.
type Script struct {
	file    string
	root    string
	sandbox bool
	cfg     Config
	log     *slog.Logger

	cur      atomic.Pointer[generation]
	reloads  atomic.Int64
	lastErr  atomic.Pointer[string]
	mu       sync.Mutex // serialises reloads
	stop     chan struct{}
	stopOnce sync.Once
}

type generation struct {
	pool *Pool
	gate Gate
	deps []stamp
}

// stamp is what a change of a file is seen by: its modification time, size
// and identity (device and inode), so an atomic symlink swap to a release
// whose files have the same size and time is a change too.
type stamp struct {
	file     string
	mod      time.Time
	size     int64
	dev, ino uint64
}

// NewScript loads file and starts its pool. root bounds require() ("" is
// the script's folder). watch > 0 polls for changes at that interval.
func NewScript(file, root string, sandbox bool, cfg Config, watch time.Duration) (*Script, error) {
	cfg = cfg.withDefaults()
	s := &Script{file: file, root: root, sandbox: sandbox, cfg: cfg, log: cfg.Logger.With("script", file), stop: make(chan struct{})}
	g, err := s.load(nil)
	for tries := 0; errors.Is(err, errChanging) && tries < 50; tries++ {
		time.Sleep(20 * time.Millisecond)
		g, err = s.load(nil)
	}
	if err != nil {
		return nil, err
	}
	s.cur.Store(g)
	if watch > 0 {
		go s.watch(watch)
	}
	return s, nil
}

// errChanging means the files changed while they were being loaded.
var errChanging = errors.New("host: script files changed while loading")

// load compiles the script and starts a pool. Files are stamped before and
// after: if one changed in between (an editor half-way through writing the
// next version), the result is thrown away with errChanging.
func (s *Script) load(known []string) (*generation, error) {
	before := stamps(append([]string{s.file}, known...))
	prog, err := LoadWith(s.file, s.root, s.sandbox, s.cfg.Options)
	if err != nil {
		if !sameStamps(before, stamps(depFiles(before))) {
			return nil, errChanging
		}
		return nil, err
	}
	pool, err := NewPool(prog, s.cfg)
	after := stamps(prog.Deps())
	if err != nil {
		if !sameStamps(before, stamps(depFiles(before))) {
			return nil, errChanging
		}
		return nil, err
	}
	for _, a := range after {
		for _, b := range before {
			if a.file == b.file && a != b {
				pool.Close()
				return nil, errChanging
			}
		}
	}
	return &generation{pool: pool, deps: after}, nil
}

func stamps(files []string) []stamp {
	out := make([]stamp, 0, len(files))
	for _, f := range files {
		st := stamp{file: f}
		if fi, err := os.Stat(f); err == nil {
			st.mod, st.size = fi.ModTime(), fi.Size()
			st.dev, st.ino = fileID(fi)
		}
		out = append(out, st)
	}
	return out
}

func changed(deps []stamp) bool {
	for _, d := range deps {
		fi, err := os.Stat(d.file)
		if err != nil {
			if !d.mod.IsZero() {
				return true
			}
			continue
		}
		if dev, ino := fileID(fi); !fi.ModTime().Equal(d.mod) || fi.Size() != d.size || dev != d.dev || ino != d.ino {
			return true
		}
	}
	return false
}

// ServeCGI runs the request on the current generation.
func (s *Script) ServeCGI(w cgi.ResponseWriter, r *cgi.Request) {
	for range 100 {
		g := s.cur.Load()
		if g.gate.Enter() {
			g.pool.ServeCGI(w, r)
			g.gate.Leave()
			return
		}
		// swapped between Load and Enter: take the new generation
	}
	plain(w, r, http.StatusServiceUnavailable, "script reloading, retry\n")
}

// settle is how long files must stay unchanged before a reload: an editor
// or a copy may be half-way through writing them.
const settle = 100 * time.Millisecond

func (s *Script) watch(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var pending []stamp
	var since time.Time
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		g := s.cur.Load()
		if !changed(g.deps) {
			pending = nil
			continue
		}
		now := stamps(depFiles(g.deps))
		if pending == nil || !sameStamps(pending, now) || anyEmpty(now) {
			pending, since = now, time.Now()
			continue
		}
		if time.Since(since) < max(settle, every) {
			continue
		}
		pending = nil
		s.Reload()
	}
}

// anyEmpty reports an empty file: one being written, not a new version.
func anyEmpty(st []stamp) bool {
	for _, x := range st {
		if x.size == 0 {
			return true
		}
	}
	return false
}

func depFiles(deps []stamp) []string {
	out := make([]string, len(deps))
	for i, d := range deps {
		out[i] = d.file
	}
	return out
}

func sameStamps(a, b []stamp) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Reload loads the script again and swaps it in. On error the old version
// stays in service, and the error is logged and returned.
func (s *Script) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.cur.Load()
	g, err := s.load(depFiles(old.deps))
	if errors.Is(err, errChanging) {
		return err // the watcher tries again once the files are still
	}
	if err != nil {
		msg := err.Error()
		s.lastErr.Store(&msg)
		old.deps = stamps(depFiles(old.deps)) // do not retry until it changes again
		s.log.Error("reload refused; the old version stays in service", "error", err)
		return err
	}
	s.cur.Store(g)
	s.reloads.Add(1)
	empty := ""
	s.lastErr.Store(&empty)
	old.gate.Close(old.pool.Close)
	s.log.Info("script reloaded")
	return nil
}

// Close stops watching and closes the pool once its requests are done.
func (s *Script) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	g := s.cur.Load()
	g.gate.Close(g.pool.Close)
}

// Pool is the current generation's pool.
func (s *Script) Pool() *Pool { return s.cur.Load().pool }

// Reloads is how many times the script was reloaded, and the last reload
// error ("" after a success or before any reload).
func (s *Script) Reloads() (int64, string) {
	e := ""
	if p := s.lastErr.Load(); p != nil {
		e = *p
	}
	return s.reloads.Load(), e
}

// File is the script's path.
func (s *Script) File() string { return s.file }

// fileID is a file's device and inode (zero where the system has none).
func fileID(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), st.Ino
	}
	return 0, 0
}
