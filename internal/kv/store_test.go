package kv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// storeCases is the table every store runs: the semantics scripts see.
func storeCases(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	t.Run("get set", func(t *testing.T) {
		s := open(t)
		if _, ok, _ := s.Get(ctx, "a"); ok {
			t.Fatal("absent key found")
		}
		s.Set(ctx, "a", []byte(`[1,null,3]`), 0)
		if v, ok, _ := s.Get(ctx, "a"); !ok || string(v) != `[1,null,3]` {
			t.Errorf("got %q %v", v, ok)
		}
		s.Set(ctx, "a", []byte(`{}`), 0)
		if v, _, _ := s.Get(ctx, "a"); string(v) != `{}` {
			t.Errorf("overwrite: got %q", v)
		}
	})
	t.Run("add replace delete", func(t *testing.T) {
		s := open(t)
		if ok, _ := s.Replace(ctx, "k", []byte(`1`), 0); ok {
			t.Error("replace of an absent key stored")
		}
		if ok, _ := s.Add(ctx, "k", []byte(`1`), 0); !ok {
			t.Error("add of an absent key refused")
		}
		if ok, _ := s.Add(ctx, "k", []byte(`2`), 0); ok {
			t.Error("add of a present key stored")
		}
		if ok, _ := s.Replace(ctx, "k", []byte(`3`), 0); !ok {
			t.Error("replace of a present key refused")
		}
		if v, _, _ := s.Get(ctx, "k"); string(v) != "3" {
			t.Errorf("got %q", v)
		}
		if ok, _ := s.Delete(ctx, "k"); !ok {
			t.Error("delete of a present key: false")
		}
		if ok, _ := s.Delete(ctx, "k"); ok {
			t.Error("delete of an absent key: true")
		}
	})
	t.Run("incr", func(t *testing.T) {
		s := open(t)
		if n, _ := s.Incr(ctx, "n", 1, 0, 0); n != 1 {
			t.Errorf("first incr %v", n)
		}
		if n, _ := s.Incr(ctx, "n", 2.5, 0, 0); n != 3.5 {
			t.Errorf("second incr %v", n)
		}
		if n, _ := s.Incr(ctx, "m", -1, 10, 0); n != 9 {
			t.Errorf("incr with init %v", n)
		}
		s.Set(ctx, "s", []byte(`"x"`), 0)
		if _, err := s.Incr(ctx, "s", 1, 0, 0); !errors.Is(err, ErrNotNumber) {
			t.Errorf("incr of a string: %v", err)
		}
		if v, _, _ := s.Get(ctx, "n"); string(v) != "3.5" {
			t.Errorf("stored %q", v)
		}
	})
	t.Run("ttl", func(t *testing.T) {
		s := open(t)
		s.Set(ctx, "t", []byte(`1`), 300*time.Millisecond)
		s.Set(ctx, "forever", []byte(`1`), 0)
		left, ok, _ := s.TTL(ctx, "t")
		if !ok || left <= 0 || left > 300*time.Millisecond {
			t.Errorf("ttl %v %v", left, ok)
		}
		if _, ok, _ := s.TTL(ctx, "forever"); ok {
			t.Error("a key without expiry has a ttl")
		}
		if ok, _ := s.Expire(ctx, "forever", time.Hour); !ok {
			t.Error("expire of a present key: false")
		}
		if _, ok, _ := s.TTL(ctx, "forever"); !ok {
			t.Error("expire did not set a ttl")
		}
		time.Sleep(400 * time.Millisecond)
		if _, ok, _ := s.Get(ctx, "t"); ok {
			t.Error("expired key still there")
		}
		if keys, _ := s.Keys(ctx, "", 10); len(keys) != 1 || keys[0] != "forever" {
			t.Errorf("keys %v", keys)
		}
		if ok, _ := s.Add(ctx, "t", []byte(`2`), 0); !ok {
			t.Error("add over an expired key refused")
		}
	})
	t.Run("keys", func(t *testing.T) {
		s := open(t)
		for _, k := range []string{"user:3", "user:1", "item:1", "user:2"} {
			s.Set(ctx, k, []byte(`0`), 0)
		}
		keys, _ := s.Keys(ctx, "user:", 2)
		if fmt.Sprint(keys) != "[user:1 user:2]" {
			t.Errorf("keys %v", keys)
		}
	})
	t.Run("atomic incr and add", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		added := make(chan bool, 100)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 1000 {
					s.Incr(ctx, "c", 1, 0, 0)
				}
				for range 100 / 8 {
					ok, _ := s.Add(ctx, "once", []byte(`1`), 0)
					added <- ok
				}
			}()
		}
		wg.Wait()
		close(added)
		n := 0
		for ok := range added {
			if ok {
				n++
			}
		}
		if v, _, _ := s.Get(ctx, "c"); string(v) != "8000" || n != 1 {
			t.Errorf("counter %s, add stored %d times", v, n)
		}
	})
}

// Past capacity the least recently used entries go; a value over
// max_value is refused with an error naming the limit.
func TestMemoryLimits(t *testing.T) {
	ctx := context.Background()
	s := NewMemory(10*(entryOverhead+10), 100)
	for i := range 10 {
		s.Set(ctx, fmt.Sprintf("k%04d", i), []byte("12345"), 0)
	}
	s.Get(ctx, "k0000") // recently used: survives
	s.Set(ctx, "k0010", []byte("12345"), 0)
	if _, ok, _ := s.Get(ctx, "k0000"); !ok {
		t.Error("the recently used entry was evicted")
	}
	if _, ok, _ := s.Get(ctx, "k0001"); ok {
		t.Error("the least recently used entry is still there")
	}
	if st := s.Stats(); st.Evictions != 1 || st.Bytes > st.Capacity {
		t.Errorf("stats %+v", st)
	}
	err := s.Set(ctx, "big", make([]byte, 101), 0)
	if !errors.Is(err, ErrTooLarge) || err.Error() != "kv: value too large: 101 bytes, more than max_value (100)" {
		t.Errorf("got %v", err)
	}
	if err := CheckKey(string(make([]byte, 513))); err == nil || !errors.Is(err, ErrKey) {
		t.Errorf("a 513-byte key: %v", err)
	}
}

// BenchmarkMemoryFill fills a store with ten times its capacity: the heap
// it holds stays near the capacity.
func BenchmarkMemoryFill(b *testing.B) {
	const capacity = 16 << 20
	ctx := context.Background()
	value := make([]byte, 200)
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := NewMemory(capacity, 1<<20)
		for i := 0; s.Stats().Evictions == 0 || i < 10*capacity/(len(value)+20); i++ {
			s.Set(ctx, fmt.Sprintf("key:%012d", i), value, 0)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/capacity, "heap/capacity")
		runtime.KeepAlive(s)
	}
}

func BenchmarkMemoryGet(b *testing.B) {
	s := NewMemory(64<<20, 1<<20)
	ctx := context.Background()
	s.Set(ctx, "k", []byte(`{"a":1}`), 0)
	for b.Loop() {
		s.Get(ctx, "k")
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	e2e.StopServers()
	os.Exit(code)
}

// stores are the three stores, each fresh.
func stores() map[string]func(t *testing.T) Store {
	return map[string]func(t *testing.T) Store{
		"memory": func(*testing.T) Store { return NewMemory(1<<20, 1<<16) },
		"sqlite": func(t *testing.T) Store {
			s, err := OpenSQLite(t.Context(), "sqlite:kv.db", t.TempDir(), 1<<16)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"redis": func(t *testing.T) Store {
			addr, db := e2e.Redis(t)
			s, err := OpenRedis(t.Context(), fmt.Sprintf("redis://%s/%d", addr, db), 1<<16)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

// The same table on the SQLite and Redis stores, and what only they do:
// incr's init and ttl in one step, max_value, the SQLite store surviving a
// restart and the Redis one shared by two clients.
func TestStores(t *testing.T) {
	ctx := context.Background()
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			storeCases(t, open)
			t.Run("incr init and ttl", func(t *testing.T) {
				s := open(t)
				if n, err := s.Incr(ctx, "fresh", 2, 40, time.Hour); n != 42 || err != nil {
					t.Errorf("incr of an absent key with init 40: %v %v", n, err)
				}
				if left, ok, _ := s.TTL(ctx, "fresh"); !ok || left < 59*time.Minute {
					t.Errorf("ttl after incr with ttl: %v %v", left, ok)
				}
				s.Incr(ctx, "fresh", 1, 0, time.Second) // a present key keeps its ttl
				if left, _, _ := s.TTL(ctx, "fresh"); left < 59*time.Minute {
					t.Errorf("ttl after a second incr: %v", left)
				}
			})
			t.Run("max_value", func(t *testing.T) {
				s := open(t)
				err := s.Set(ctx, "big", make([]byte, 1<<16+1), 0)
				if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max_value (65536)") {
					t.Errorf("a value over max_value: %v", err)
				}
			})
		})
	}
	t.Run("sqlite survives a restart", func(t *testing.T) {
		dir := t.TempDir()
		s, err := OpenSQLite(ctx, "sqlite:kv.db", dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		s.Set(ctx, "kept", []byte(`{"a":1}`), 0)
		s.Incr(ctx, "n", 5, 0, 0)
		s.Close()
		s, _ = OpenSQLite(ctx, "sqlite:kv.db", dir, 0)
		defer s.Close()
		if v, ok, _ := s.Get(ctx, "kept"); !ok || string(v) != `{"a":1}` {
			t.Errorf("after reopening: %q %v", v, ok)
		}
		if n, _ := s.Incr(ctx, "n", 1, 0, 0); n != 6 {
			t.Errorf("counter after reopening: %v", n)
		}
	})
	t.Run("redis shared by instances", func(t *testing.T) {
		addr, db := e2e.Redis(t)
		url := fmt.Sprintf("redis://%s/%d", addr, db)
		a, _ := OpenRedis(ctx, url, 0)
		b, _ := OpenRedis(ctx, url, 0)
		defer a.Close()
		defer b.Close()
		a.Set(ctx, "k", []byte(`"from a"`), 0)
		if v, _, _ := b.Get(ctx, "k"); string(v) != `"from a"` {
			t.Errorf("b sees %q", v)
		}
		var wg sync.WaitGroup
		for _, s := range []Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 500 {
					s.Incr(ctx, "c", 1, 0, 0)
				}
			}()
		}
		wg.Wait()
		if v, _, _ := a.Get(ctx, "c"); string(v) != "1000" {
			t.Errorf("counter from two instances: %s", v)
		}
	})
}
