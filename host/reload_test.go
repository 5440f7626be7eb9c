package host

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A load running while the script (and a module it requires) is rewritten
// 20 times sees zero failed requests and only old-or-new outputs; a broken
// version is refused and the old one keeps serving.
func TestReloadUnderLoad(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "h."+lang)
			mod := filepath.Join(dir, "m."+lang)
			write := func(v int) {
				if lang == "js" {
					os.WriteFile(mod, []byte(fmt.Sprintf("module.exports = %d;", v)), 0o644)
					os.WriteFile(file, []byte(fmt.Sprintf("const m = require('./m.js');\nfunction handle(){ return 'v%d/' + m; }", v)), 0o644)
				} else {
					os.WriteFile(mod, []byte(fmt.Sprintf("return %d", v)), 0o644)
					os.WriteFile(file, []byte(fmt.Sprintf("local m = require 'm'\nfunction handle() return 'v%d/' .. m end", v)), 0o644)
				}
			}
			write(0)
			lb := &logBuf{}
			s, err := NewScript(file, "", true, Config{Workers: 2, Logger: slog.New(slog.NewTextHandler(lb, nil))}, 10*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var stop atomic.Bool
			var failures, served atomic.Int64
			var mu sync.Mutex
			seen := map[string]bool{}
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for !stop.Load() {
						r := serveMux(s, "/")
						served.Add(1)
						body := r.Body()
						var a, b int
						if r.Code() != 200 || fmt.Sprint(fmt.Sscanf(body, "v%d/%d", &a, &b)) != "2 <nil>" {
							failures.Add(1)
							t.Errorf("got %d %q", r.Code(), body)
						}
						mu.Lock()
						seen[body] = true
						mu.Unlock()
					}
				}()
			}
			for v := 1; v <= 20; v++ {
				write(v)
				want := fmt.Sprintf("v%d/%d", v, v)
				waitFor(t, want, func() bool { return serveMux(s, "/").Body() == want })
			}
			os.WriteFile(file, []byte("function handle( broken"), 0o644)
			waitFor(t, "the refusal", func() bool { return strings.Contains(lb.String(), "reload refused") })
			if r := serveMux(s, "/"); r.Body() != "v20/20" {
				t.Errorf("after a broken version: %q, want the old one", r.Body())
			}
			stop.Store(true)
			wg.Wait()
			if n, last := s.Reloads(); n < 20 || !strings.Contains(last, "h."+lang) {
				t.Errorf("reloads %d, last error %q", n, last)
			}
			if failures.Load() > 0 {
				t.Errorf("%d of %d requests failed", failures.Load(), served.Load())
			}
			t.Logf("%d requests, %d distinct outputs", served.Load(), len(seen))
		})
	}
}

// An atomic symlink-swap deploy (ln -sfn release-2 current.tmp && mv -T)
// is reloaded even when the new files have the size and time of the old.
func TestReloadSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	when := time.Now().Add(-time.Hour)
	for _, rel := range []string{"release-1", "release-2"} {
		os.MkdirAll(filepath.Join(dir, rel), 0o755)
		f := filepath.Join(dir, rel, "h.js")
		os.WriteFile(f, []byte("function handle() { return '"+rel+"'; }"), 0o644)
		os.Chtimes(f, when, when)
	}
	current := filepath.Join(dir, "current")
	os.Symlink("release-1", current)
	s, err := NewScript(filepath.Join(current, "h.js"), "", true, Config{Workers: 1, Logger: slog.New(slog.DiscardHandler)}, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := do(s.Pool(), "GET", "/", ""); r.Body() != "release-1" {
		t.Fatalf("got %q", r.Body())
	}
	os.Symlink("release-2", current+".tmp")
	if err := os.Rename(current+".tmp", current); err != nil { // mv -T
		t.Fatal(err)
	}
	waitFor(t, "the swap to be served", func() bool { return do(s.Pool(), "GET", "/", "").Body() == "release-2" })
}
