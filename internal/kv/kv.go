// Package kv is the store behind scripts' kv: keys to JSON values with
// optional expiry, shared by every interpreter of a server.
//
// [Memory] keeps entries in memory up to a capacity, evicting the least
// recently used past it. Values are JSON text; Incr works on values that
// are JSON numbers. All operations on one store are atomic with respect to
// each other.
//
// Not here: persistence and sharing between processes (SQLite and Redis
// stores come later).
package kv

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxKey is the longest key, in bytes.
const MaxKey = 512

// Store is a kv store. A ttl of 0 means no expiry.
type Store interface {
	// Get returns a key's value; ok is false when it is absent or expired.
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores a value.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Add stores a value only if the key is absent; it reports whether it did.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Replace stores a value only if the key is present.
	Replace(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Incr adds delta to a number, an absent key starting at init (and then
	// getting ttl), and returns the new value. A value that is not a
	// number is ErrNotNumber.
	Incr(ctx context.Context, key string, delta, init float64, ttl time.Duration) (float64, error)
	// Delete removes a key and reports whether it existed.
	Delete(ctx context.Context, key string) (bool, error)
	// TTL returns the time left; ok is false when the key is absent or has
	// no expiry.
	TTL(ctx context.Context, key string) (left time.Duration, ok bool, err error)
	// Expire sets a new expiry (0 removes it) and reports whether the key
	// exists.
	Expire(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Keys returns at most limit keys with the prefix, sorted.
	Keys(ctx context.Context, prefix string, limit int) ([]string, error)
	// Stats returns the store's figures.
	Stats() Stats
	// Close releases the store.
	Close() error
}

// Stats are a store's figures.
type Stats struct {
	Entries   int64 `json:"entries"`
	Bytes     int64 `json:"bytes"`
	Capacity  int64 `json:"capacity"`
	Hits      int64 `json:"hits"`
	Misses    int64 `json:"misses"`
	Evictions int64 `json:"evictions"`
	Expired   int64 `json:"expired"`
}

// Errors of the stores.
var (
	ErrNotNumber = errors.New("kv: value is not a number")
	ErrKey       = errors.New("kv: bad key")
	ErrTooLarge  = errors.New("kv: value too large")
)

// CheckKey checks a key's length.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrKey)
	}
	if len(key) > MaxKey {
		return fmt.Errorf("%w: %d bytes, more than the %d a key may have", ErrKey, len(key), MaxKey)
	}
	return nil
}
