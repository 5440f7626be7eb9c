// memory.go: the in-memory store, bounded by a capacity with LRU eviction.

package kv

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// entryOverhead is what an entry costs beside its key and value bytes (the
// entry, its map slot, allocation rounding); capacity counts it.
const entryOverhead = 128

// Memory is the in-memory store. Its zero value is not usable: use
// NewMemory.
type Memory struct {
	mu       sync.Mutex
	m        map[string]*entry
	lru      entry // sentinel: lru.next is the most recently used
	bytes    int64
	capacity int64
	maxValue int64
	now      func() time.Time
	stats    Stats
}

type entry struct {
	key        string
	value      []byte
	expires    int64 // unix nanoseconds; 0: never
	prev, next *entry
}

func (e *entry) size() int64 { return int64(len(e.key)+len(e.value)) + entryOverhead }

// NewMemory returns a store holding at most capacity bytes of keys and
// values (least recently used entries are evicted past it), refusing
// values over maxValue bytes (0: no limit but the capacity).
func NewMemory(capacity, maxValue int64) *Memory {
	s := &Memory{m: map[string]*entry{}, capacity: capacity, maxValue: maxValue, now: time.Now}
	s.lru.prev, s.lru.next = &s.lru, &s.lru
	return s
}

// SetLimits changes the capacity and the largest value (a reload).
func (s *Memory) SetLimits(capacity, maxValue int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.capacity, s.maxValue = capacity, maxValue
	s.evictLocked()
}

func (s *Memory) checkValue(v []byte) error {
	if s.maxValue > 0 && int64(len(v)) > s.maxValue {
		return fmt.Errorf("%w: %d bytes, more than max_value (%d)", ErrTooLarge, len(v), s.maxValue)
	}
	if s.capacity > 0 && int64(len(v))+entryOverhead > s.capacity {
		return fmt.Errorf("%w: %d bytes, more than the store's capacity (%d)", ErrTooLarge, len(v), s.capacity)
	}
	return nil
}

// lookupLocked finds a live entry, dropping it if it expired.
func (s *Memory) lookupLocked(key string) *entry {
	e := s.m[key]
	if e == nil {
		return nil
	}
	if e.expires != 0 && s.now().UnixNano() >= e.expires {
		s.removeLocked(e)
		s.stats.Expired++
		return nil
	}
	return e
}

func (s *Memory) removeLocked(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	delete(s.m, e.key)
	s.bytes -= e.size()
}

func (s *Memory) touchLocked(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	s.pushLocked(e)
}

func (s *Memory) pushLocked(e *entry) {
	e.next, e.prev = s.lru.next, &s.lru
	s.lru.next.prev = e
	s.lru.next = e
}

func (s *Memory) evictLocked() {
	for s.capacity > 0 && s.bytes > s.capacity && s.lru.prev != &s.lru {
		s.removeLocked(s.lru.prev)
		s.stats.Evictions++
	}
}

func (s *Memory) expiry(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return s.now().Add(ttl).UnixNano()
}

// storeLocked puts a value under key (new or replacing), then evicts.
func (s *Memory) storeLocked(key string, value []byte, expires int64) {
	v := append([]byte(nil), value...)
	if e := s.m[key]; e != nil {
		s.bytes += int64(len(v) - len(e.value))
		e.value, e.expires = v, expires
		s.touchLocked(e)
	} else {
		e := &entry{key: key, value: v, expires: expires}
		s.m[key] = e
		s.bytes += e.size()
		s.pushLocked(e)
	}
	s.evictLocked()
}

// Get returns the value; the slice must not be modified.
func (s *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookupLocked(key)
	if e == nil {
		s.stats.Misses++
		return nil, false, nil
	}
	s.stats.Hits++
	s.touchLocked(e)
	return e.value, true, nil
}

func (s *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if err := s.checkValue(value); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeLocked(key, value, s.expiry(ttl))
	return nil
}

func (s *Memory) Add(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := s.checkValue(value); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookupLocked(key) != nil {
		return false, nil
	}
	s.storeLocked(key, value, s.expiry(ttl))
	return true, nil
}

func (s *Memory) Replace(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := s.checkValue(value); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookupLocked(key) == nil {
		return false, nil
	}
	s.storeLocked(key, value, s.expiry(ttl))
	return true, nil
}

func (s *Memory) Incr(_ context.Context, key string, delta, init float64, ttl time.Duration) (float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, expires := init, s.expiry(ttl)
	if e := s.lookupLocked(key); e != nil {
		v, err := ParseNumber(e.value)
		if err != nil {
			return 0, err
		}
		n, expires = v, e.expires
	}
	n += delta
	s.storeLocked(key, FormatNumber(n), expires)
	return n, nil
}

func (s *Memory) Delete(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookupLocked(key)
	if e == nil {
		return false, nil
	}
	s.removeLocked(e)
	return true, nil
}

func (s *Memory) TTL(_ context.Context, key string) (time.Duration, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookupLocked(key)
	if e == nil || e.expires == 0 {
		return 0, false, nil
	}
	return time.Duration(e.expires - s.now().UnixNano()), true, nil
}

func (s *Memory) Expire(_ context.Context, key string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookupLocked(key)
	if e == nil {
		return false, nil
	}
	e.expires = s.expiry(ttl)
	return true, nil
}

func (s *Memory) Keys(_ context.Context, prefix string, limit int) ([]string, error) {
	s.mu.Lock()
	now := s.now().UnixNano()
	var keys []string
	for k, e := range s.m {
		if strings.HasPrefix(k, prefix) && (e.expires == 0 || now < e.expires) {
			keys = append(keys, k)
		}
	}
	s.mu.Unlock()
	sort.Strings(keys)
	if limit >= 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	return keys, nil
}

func (s *Memory) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Entries, st.Bytes, st.Capacity = int64(len(s.m)), s.bytes, s.capacity
	return st
}

func (s *Memory) Close() error { return nil }

// ParseNumber reads a value that is a JSON number.
func ParseNumber(v []byte) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, ErrNotNumber
	}
	return f, nil
}

// FormatNumber writes a number as JSON does (integers without exponent).
func FormatNumber(f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.AppendFloat(nil, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64)
}
