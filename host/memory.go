// memory.go: memory_limit. A Go allocation that fails is fatal, so a
// script must be stopped before the process runs out: one sampler reads
// the heap every few milliseconds while requests with a limit run,
// attributes its growth to them, and stops one whose estimate passes its
// limit once a garbage collection has confirmed the heap is really live.
//
// What is exact: an allocation the host makes or a checked built-in is
// about to make ("x".repeat(n), string.rep, body reads, kv values) is
// refused before it happens when it alone would pass the limit (Grow).
// What is an estimate: growth between samples is shared among the requests
// that ran script code in that interval, by the time each ran; waiting
// (sleep, I/O) does not count. Heap profiles carry no goroutine labels, so
// nothing better is possible inside one process.

package host

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// sampleEvery is the sampler's period while requests with a limit run.
const sampleEvery = 5 * time.Millisecond

// procStart is the origin of the meters' clocks.
var procStart = time.Now()

func monoNow() int64 { return int64(time.Since(procStart)) }

// meter is a worker's memory accounting for the request it runs.
type meter struct {
	limit int64
	base  int64 // the least live heap since the request started (sampler's)

	charge   atomic.Int64 // heap growth attributed to the request (with garbage)
	share    atomic.Int64 // its share of what the last collection found live
	pending  atomic.Int64 // bytes Grow admitted since the last sample
	segStart atomic.Int64 // when script code began running (monoNow); 0: waiting or idle
	acc      atomic.Int64 // script time since the last sample, of ended segments
	// stopped marks a request stopped at its limit whose script has not
	// returned yet: a copy in progress may still be growing the heap, and
	// that growth is its own, not that of the requests beside it.
	stopped atomic.Bool
}

func (m *meter) start(at int64) {
	m.base = heap.live.Load()
	m.charge.Store(0)
	m.share.Store(0)
	m.pending.Store(0)
	m.stopped.Store(false)
	m.segStart.Store(at)
}

// pause ends a segment of script time: the request waits, or is over.
func (m *meter) pause() {
	if s := m.segStart.Swap(0); s != 0 {
		m.acc.Add(monoNow() - max(s, heap.lastTick.Load()))
	}
}

// used is the request's estimated memory, garbage included.
func (m *meter) used() int64 { return m.charge.Load() + m.pending.Load() }

// held is the request's estimated live memory: its share of the live heap,
// and what it was admitted since the last sample.
func (m *meter) held() int64 { return m.share.Load() + m.pending.Load() }

// heapWatch is the process-wide sampler.
type heapWatch struct {
	mu       sync.Mutex
	workers  map[*worker]*Pool
	wake     chan struct{}
	lastTick atomic.Int64
	live     atomic.Int64 // the live heap at the last collection
	server   atomic.Int64 // [server] memory_limit, 0: none

	sample    []metrics.Sample
	lastHeap  int64
	lastFree  time.Time
	running   []candidate
	freeing   bool  // a FreeOSMemory is scheduled
	steered   int64 // the soft limit set last
	freeAgain bool  // another FreeOSMemory is wanted after the pending one
}

type candidate struct {
	wk     *worker
	p      *Pool
	weight int64
	hog    bool // stopped at its limit, still running
}

var heap = &heapWatch{workers: map[*worker]*Pool{}, wake: make(chan struct{}, 1),
	sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}}

var startWatch sync.Once

// SetServerMemoryLimit is [server] memory_limit: the Go runtime's soft
// limit, and a heap past which the largest request is stopped. 0 removes it.
func SetServerMemoryLimit(n int64) {
	heap.server.Store(n)
	if n <= 0 {
		n = math.MaxInt64
	}
	debug.SetMemoryLimit(n) // the sampler lowers it while requests run
}

func (h *heapWatch) register(wk *worker, p *Pool) {
	startWatch.Do(func() {
		_, live := h.read()
		h.live.Store(live)
		go h.loop()
	})
	h.mu.Lock()
	h.workers[wk] = p
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *heapWatch) unregister(wk *worker) {
	h.mu.Lock()
	delete(h.workers, wk)
	h.mu.Unlock()
}

// read returns the heap (live and unswept objects) and what the last
// collection found live.
func (h *heapWatch) read() (heap, live int64) {
	metrics.Read(h.sample)
	return int64(h.sample[0].Value.Uint64()), int64(h.sample[1].Value.Uint64())
}

// loop samples while any worker with a limit exists.
func (h *heapWatch) loop() {
	h.lastHeap, _ = h.read()
	h.lastTick.Store(monoNow())
	for {
		h.mu.Lock()
		n := len(h.workers)
		h.mu.Unlock()
		if n == 0 {
			<-h.wake
			h.lastHeap, _ = h.read()
			h.lastTick.Store(monoNow())
		}
		time.Sleep(sampleEvery)
		h.tick()
	}
}

// tick attributes the heap's growth since the last tick and stops the
// request past its limit, if one is.
//
// The heap between collections includes garbage, so it only weighs the
// requests against each other (charge). What counts is the live heap the
// last collection found: what became live since a request started is
// shared among the requests running by their charges; a request whose
// share passes its limit is stopped. No collection is forced: one has to
// stop the world, which waits for a bomb's long copy to end, stalling
// everything; the bomb's own allocations bring collections soon enough.
func (h *heapWatch) tick() {
	now, last := monoNow(), h.lastTick.Load()
	cur, live := h.read()
	delta, prev := cur-h.lastHeap, h.lastHeap
	h.lastHeap = cur
	h.lastTick.Store(now)
	h.live.Store(live)
	h.attribute(now, last, cur, prev, delta)
	var total float64
	for _, c := range h.running {
		total += float64(max(c.wk.mem.used(), 1))
	}
	var worst *candidate
	var worstRatio float64
	stopped := false
	for i := range h.running {
		c := &h.running[i]
		m := &c.wk.mem
		m.base = min(m.base, live) // memory freed since it started was not its own
		used := float64(max(m.used(), 1))
		share := float64(max(live-m.base, 0)) * used / total
		m.share.Store(int64(share))
		if c.hog {
			continue // already stopped
		}
		r := share / float64(m.limit)
		if r > 1 { // every request past its limit stops now, not one a tick
			c.p.stopForMemory(c.wk, int64(share))
			stopped = true
		} else if worst == nil || r > worstRatio {
			worst, worstRatio = c, r
		}
	}
	h.stopTogether(live, stopped)
	h.steer()
	if server := h.server.Load(); !stopped && worst != nil && server > 0 && live > server {
		worst.p.stopForMemory(worst.wk, worst.wk.mem.share.Load())
		return
	}
}

// steer sets the collector's soft limit to what the running requests may
// hold between them above the live heap they started with: a request
// growing past its allowance makes the collector run at once, and the
// live heap it reports is the sampler's evidence. With nothing running,
// the limit is [server] memory_limit (or none).
func (h *heapWatch) steer() {
	target := h.server.Load()
	if len(h.running) > 0 {
		base, allowance := int64(math.MaxInt64), int64(0)
		for _, c := range h.running {
			base = min(base, c.wk.mem.base)
			allowance += c.wk.mem.limit
		}
		t := base + allowance + steerSlack
		if target == 0 || t < target {
			target = t
		}
	}
	if target == 0 {
		target = math.MaxInt64
	}
	if target != h.steered {
		h.steered = target
		debug.SetMemoryLimit(target)
	}
}

// steerSlack is room above the requests' allowances before the collector
// is pushed.
const steerSlack = 32 << 20

// stopTogether is the net under the shares: when the live heap grew by
// more than the running requests may hold between them (each at most its
// limit, and at most what it allocated), every one past its limit counting
// garbage is stopped. Two bombs that split the growth between them are not
// each under their limits.
func (h *heapWatch) stopTogether(live int64, stopped bool) {
	if stopped || len(h.running) == 0 {
		return
	}
	base, allowance := int64(math.MaxInt64), int64(0)
	for _, c := range h.running {
		m := &c.wk.mem
		base = min(base, m.base)
		allowance += min(m.limit, max(m.used(), 0))
	}
	if live-base <= allowance {
		return
	}
	for _, c := range h.running {
		if m := &c.wk.mem; m.used() > m.limit {
			c.p.stopForMemory(c.wk, m.share.Load())
		}
	}
}

// attribute shares the heap's growth among the requests that ran script
// code since the last tick, by the time each ran; a shrinking heap shrinks
// every charge alike.
func (h *heapWatch) attribute(now, last, cur, prev, delta int64) {
	clear(h.running) // no stale pointer may keep a retired worker's memory
	h.running = h.running[:0]
	var total, hogs int64
	h.mu.Lock()
	for wk, p := range h.workers {
		m := &wk.mem
		w := m.acc.Swap(0)
		if s := m.segStart.Load(); s != 0 {
			w += now - max(s, last)
		}
		total += w
		switch st := wk.state.Load(); {
		case st == stRunning && !m.stopped.Load():
			h.running = append(h.running, candidate{wk: wk, p: p, weight: w})
		case m.stopped.Load() && (st == stInterrupted || st == stAbandoned):
			h.running = append(h.running, candidate{wk: wk, p: p, weight: max(w, 1), hog: true})
			hogs += max(w, 1)
		}
	}
	h.mu.Unlock()
	for _, c := range h.running {
		m := &c.wk.mem
		switch {
		case delta > 0 && hogs > 0: // a stopped script still copying grows the heap
			if c.hog {
				m.charge.Add(int64(float64(delta) * float64(c.weight) / float64(hogs)))
			}
		case delta > 0 && total > 0:
			m.charge.Add(int64(float64(delta) * float64(c.weight) / float64(total)))
		case delta < 0 && prev > 0:
			m.scale(float64(cur) / float64(prev))
		}
		m.pending.Store(0)
	}
}

func (m *meter) scale(f float64) { m.charge.Store(int64(float64(m.charge.Load()) * f)) }

// freeMemory gives the memory of a stopped script back to the system once
// its interpreter is gone: at once, or a second after the last time; a
// request for it while one is pending runs it once more afterwards.
func (h *heapWatch) freeMemory() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.freeing {
		h.freeAgain = true
		return
	}
	h.freeing = true
	wait := time.Until(h.lastFree.Add(time.Second))
	var run func()
	run = func() {
		debug.FreeOSMemory()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.lastFree = time.Now()
		if h.freeAgain {
			h.freeAgain = false
			time.AfterFunc(time.Second, run)
			return
		}
		h.freeing = false
	}
	time.AfterFunc(max(wait, 0), run)
}
