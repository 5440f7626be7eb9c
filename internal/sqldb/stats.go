// stats.go: a database's figures for the status page and metrics.

package sqldb

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// DurationBuckets are the upper bounds, in seconds, of Stats.Buckets.
var DurationBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// PoolStats are a database's connections now and its waits since start.
type PoolStats struct {
	Open  int `json:"open"`
	InUse int `json:"in_use"`
	Idle  int `json:"idle"`
	// Waits counts the times a statement waited for a free connection.
	Waits        int64   `json:"waits"`
	WaitSeconds  float64 `json:"wait_seconds"`
	MaxOpenConns int     `json:"max_open"`
}

// Stats are a database's figures since start.
type Stats struct {
	PoolStats
	Queries int64 `json:"queries"`
	// Errors counts statements that failed, cancelled ones included.
	Errors  int64   `json:"errors"`
	Seconds float64 `json:"seconds"`
	// Buckets counts statements by duration: Buckets[i] took at most
	// DurationBuckets[i] (not cumulative); the last counts the rest.
	Buckets []uint64 `json:"-"`
}

type stats struct {
	mu      sync.Mutex
	queries int64
	errors  int64
	seconds float64
	buckets [17]uint64 // len(DurationBuckets)+1
}

// record counts a statement that started at start, and passes err on.
// ErrStop (a query ended early on purpose) is no error.
func (s *stats) record(start time.Time, err error) error {
	if errors.Is(err, ErrStop) {
		err = nil
	}
	d := time.Since(start).Seconds()
	s.mu.Lock()
	s.queries++
	if err != nil {
		s.errors++
	}
	s.seconds += d
	s.buckets[sort.SearchFloat64s(DurationBuckets, d)]++
	s.mu.Unlock()
	return err
}

// Stats returns the database's figures.
func (db *DB) Stats() Stats {
	s := &db.stats
	s.mu.Lock()
	out := Stats{Queries: s.queries, Errors: s.errors, Seconds: s.seconds, Buckets: append([]uint64(nil), s.buckets[:]...)}
	s.mu.Unlock()
	out.PoolStats = db.b.pool()
	return out
}

// isCancel reports an error caused by its context ending.
func isCancel(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
