package host

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"scriptsrv/host/caps"
	"scriptsrv/internal/kv"
)

// kv is shared by every interpreter and is atomic: 8 workers × 10,000
// increments from concurrent requests end at exactly 80,000, and 1,000
// concurrent adds of one key store it once.
func TestKVAtomicAcrossInterpreters(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			store := kv.NewMemory(1<<20, 1<<10)
			p, _ := poolFor(t, apiFile("counter."+lang), Config{Workers: 8, Platform: &caps.Platform{KV: store}})
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() { defer wg.Done(); do(p, "GET", "/?n=10000", "") }()
			}
			wg.Wait()
			if r := do(p, "GET", "/?n=0", ""); r.Body() != "0" {
				t.Fatalf("body %q", r.Body())
			}
			v, _, _ := store.Get(t.Context(), "hits")
			if string(v) != "80000" {
				t.Errorf("counter %s, want 80000", v)
			}
			stored := make(chan string, 1000)
			for i := range 1000 {
				wg.Add(1)
				go func() { defer wg.Done(); stored <- do(p, "GET", fmt.Sprintf("/?add=%d", i), "").Body() }()
			}
			wg.Wait()
			close(stored)
			n := 0
			for b := range stored {
				if b == "true" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("add stored %d times, want once", n)
			}
		})
	}
}

// A value with a ttl is gone after it: every interpreter sees it vanish.
func TestKVExpiry(t *testing.T) {
	for _, lang := range []string{"js", "lua"} {
		t.Run(lang, func(t *testing.T) {
			p, _ := poolFor(t, apiFile("kv."+lang), Config{Workers: 2})
			if r := do(p, "GET", "/?case=expiry&step=1", ""); r.Body() != "soon" {
				t.Fatalf("got %q", r.Body())
			}
			time.Sleep(300 * time.Millisecond)
			if r := do(p, "GET", "/?case=expiry", ""); !strings.Contains("null nil", r.Body()) {
				t.Errorf("after the ttl: %q", r.Body())
			}
		})
	}
}
