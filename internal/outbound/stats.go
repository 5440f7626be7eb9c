// stats.go: outbound requests, errors and durations per host, for the
// status page and metrics.

package outbound

import (
	"sort"
	"sync"
	"time"
)

// DurationBuckets are the upper bounds, in seconds, of HostStats.Buckets.
var DurationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// maxHosts is how many hosts get figures of their own; the rest are
// counted under OtherHosts, so a script cannot grow the table forever.
const maxHosts = 200

// OtherHosts is the host of the figures past the first maxHosts hosts.
const OtherHosts = "other"

// HostStats are one host's figures since start.
type HostStats struct {
	Host     string  `json:"host"` // host:port as the URL named it
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"` // no response, or one that could not be read
	Seconds  float64 `json:"seconds"`
	// Buckets counts requests by duration: Buckets[i] took at most
	// DurationBuckets[i] (not cumulative); the last counts the rest.
	Buckets []uint64 `json:"-"`
}

type statsTable struct {
	mu    sync.Mutex
	hosts map[string]*HostStats
}

func (t *statsTable) record(host string, d time.Duration, failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hosts == nil {
		t.hosts = map[string]*HostStats{}
	}
	h := t.hosts[host]
	if h == nil {
		if len(t.hosts) >= maxHosts {
			host = OtherHosts
			h = t.hosts[host]
		}
		if h == nil {
			h = &HostStats{Host: host, Buckets: make([]uint64, len(DurationBuckets)+1)}
			t.hosts[host] = h
		}
	}
	h.Requests++
	if failed {
		h.Errors++
	}
	s := d.Seconds()
	h.Seconds += s
	i := sort.SearchFloat64s(DurationBuckets, s)
	h.Buckets[i]++
}

// Stats returns every host's figures, sorted by host.
func (c *Client) Stats() []HostStats {
	t := &c.stats
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]HostStats, 0, len(t.hosts))
	for _, h := range t.hosts {
		cp := *h
		cp.Buckets = append([]uint64(nil), h.Buckets...)
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out
}
