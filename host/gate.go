// gate.go: reference counting for generations of pools or routes that are
// swapped while requests are using them.

package host

import "sync"

// Gate counts the requests inside a generation (of a pool, of a route set)
// so it is closed only once the last one has left. The zero value is open.
type Gate struct {
	mu     sync.Mutex
	n      int
	closed bool
	onIdle func()
}

// Enter admits a request; false means the gate is closed and the caller
// should use the newer generation.
func (g *Gate) Enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

// Leave ends a request admitted by Enter.
func (g *Gate) Leave() {
	g.mu.Lock()
	g.n--
	var f func()
	if g.closed && g.n == 0 {
		f, g.onIdle = g.onIdle, nil
	}
	g.mu.Unlock()
	if f != nil {
		f()
	}
}

// Close admits no more requests and runs onIdle once none is inside (at
// once if none is). Later calls do nothing.
func (g *Gate) Close(onIdle func()) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	if g.n > 0 {
		g.onIdle = onIdle
		onIdle = nil
	}
	g.mu.Unlock()
	if onIdle != nil {
		onIdle()
	}
}
