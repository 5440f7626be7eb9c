// stats.go: request ids and the slowest recent requests of a pool.

package host

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

type requestIDKey struct{}

// WithRequestID returns ctx carrying a request id: it names the request
// in the logs, and every 5xx answer carries it (X-Request-Id and the
// body), so a user can find the log line.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id WithRequestID put in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// SlowRequest is one of the slowest recent requests.
type SlowRequest struct {
	Method   string        `json:"method"`
	Path     string        `json:"path"`
	Duration time.Duration `json:"-"`
	Millis   float64       `json:"ms"`
	At       time.Time     `json:"at"`
}

const (
	slowKeep = 5
	slowAge  = 5 * time.Minute
)

// slowest keeps the slowestKeep slowest requests of the last slowAge.
type slowest struct {
	floor atomic.Int64 // a request faster than this cannot enter the list
	mu    sync.Mutex
	items []SlowRequest
}

func (s *slowest) add(rs *reqState, d time.Duration) {
	if int64(d) <= s.floor.Load() {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	s.items = append(s.items, SlowRequest{Method: rs.r.Params.Get("REQUEST_METHOD"), Path: rs.requestPath(), Duration: d,
		Millis: float64(d.Microseconds()) / 1000, At: now})
	sort.Slice(s.items, func(i, j int) bool { return s.items[i].Duration > s.items[j].Duration })
	if len(s.items) > slowKeep {
		s.items = s.items[:slowKeep]
	}
	if len(s.items) == slowKeep {
		s.floor.Store(int64(s.items[slowKeep-1].Duration))
	}
}

func (s *slowest) expireLocked(now time.Time) {
	kept := s.items[:0]
	for _, r := range s.items {
		if now.Sub(r.At) < slowAge {
			kept = append(kept, r)
		}
	}
	if len(kept) < len(s.items) {
		s.floor.Store(0)
	}
	s.items = kept
}

func (s *slowest) list() []SlowRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(time.Now())
	return append([]SlowRequest(nil), s.items...)
}
