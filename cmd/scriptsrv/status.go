// status.go: the health, status and metrics paths, answered on both fronts
// before routing.

package main

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"scriptsrv/cgi"
	"scriptsrv/fcgi"
	"scriptsrv/host"
	"scriptsrv/internal/kv"
	"scriptsrv/internal/outbound"
)

// routeStatus is one route (or one started script of a dir route) in the
// status JSON.
type routeStatus struct {
	Route           string             `json:"route"`
	Script          string             `json:"script"`
	Workers         int                `json:"workers"`
	Idle            int                `json:"idle"`
	Busy            int                `json:"busy"`
	Stuck           int                `json:"stuck"`
	Queued          int                `json:"queued"`
	QueuedMax       int64              `json:"queued_max"`
	Served          int64              `json:"served"`
	Errors          int64              `json:"errors_5xx_script"`
	Timeouts        int64              `json:"errors_5xx_timeout"`
	Overloads       int64              `json:"errors_5xx_overload"`
	MemoryStops     int64              `json:"errors_5xx_memory"`
	Aborts          int64              `json:"aborted"`
	Recycles        int64              `json:"recycles"`
	Reloads         int64              `json:"reloads"`
	LastReloadError string             `json:"last_reload_error"`
	Slowest         []host.SlowRequest `json:"slowest"`
}

type statusDoc struct {
	Version         string        `json:"version"`
	UptimeSeconds   float64       `json:"uptime_seconds"`
	Draining        bool          `json:"draining"`
	ConfigReloads   int64         `json:"config_reloads"`
	LastReloadError string        `json:"last_config_reload_error"`
	Routes          []routeStatus `json:"routes"`
	KV              kv.Stats      `json:"kv"`
	// Fetch is the outbound requests scripts made, per host.
	Fetch []outbound.HostStats `json:"fetch"`
	// DB is every [db.NAME]: connections, waits, statements, errors.
	DB []dbStatus `json:"db"`
}

// statuses lists every pool of the current routes.
func (a *app) statuses() []routeStatus {
	rs := a.routes.Load()
	var out []routeStatus
	add := func(route string, s *host.Script) {
		st := s.Pool().Stats()
		n, last := s.Reloads()
		out = append(out, routeStatus{Route: route, Script: s.File(), Workers: st.Workers, Idle: st.Idle, Busy: st.Busy, Stuck: st.Stuck,
			Queued: st.Queued, QueuedMax: st.QueuedMax, Served: st.Served, Errors: st.Errors, Timeouts: st.Timeouts,
			Overloads: st.Overloads, MemoryStops: st.MemoryStops, Aborts: st.Aborts, Recycles: st.Recycles, Reloads: n, LastReloadError: last, Slowest: st.Slowest})
	}
	for _, r := range rs.scripts {
		add(r.path, r.script)
	}
	for _, d := range rs.dirs {
		scripts := d.dir.Scripts()
		files := make([]string, 0, len(scripts))
		for f := range scripts {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, f := range files {
			add(d.path, scripts[f])
		}
	}
	return out
}

// special answers the health, status and metrics paths; false means the
// request is for the routes.
func (a *app) special(w cgi.ResponseWriter, r *cgi.Request, path string, rs *routeSet) bool {
	s := rs.cfg.Server
	switch {
	case s.HealthPath != "" && path == s.HealthPath:
		if a.draining.Load() {
			plainText(w, http.StatusServiceUnavailable, "draining\n")
		} else {
			plainText(w, http.StatusOK, "ok\n")
		}
	case s.StatusPath != "" && path == s.StatusPath:
		if a.statusAllowed(w, r, rs) {
			doc := statusDoc{Version: versionString(), UptimeSeconds: time.Since(a.started).Seconds(), Draining: a.draining.Load(),
				ConfigReloads: a.reloads.Load(), LastReloadError: a.lastReloadErr(), Routes: a.statuses(), KV: a.platform.KV.Stats(),
				Fetch: a.platform.Fetch.Stats(), DB: a.dbStatuses()}
			b, _ := json.MarshalIndent(doc, "", "  ")
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			w.Write(append(b, '\n'))
		}
	case s.MetricsPath != "" && path == s.MetricsPath:
		if a.statusAllowed(w, r, rs) {
			req, _ := http.NewRequest("GET", path, nil)
			req.Header.Set("Accept", r.Params.Get("HTTP_ACCEPT"))
			a.metrics.handler.ServeHTTP(w, req)
		}
	default:
		return false
	}
	return true
}

// statusAllowed checks REMOTE_ADDR against status_clients.
func (a *app) statusAllowed(w cgi.ResponseWriter, r *cgi.Request, rs *routeSet) bool {
	if len(rs.statusClients) == 0 {
		return true
	}
	remote := r.Params.Get("REMOTE_ADDR")
	if ip, err := netip.ParseAddr(strings.Trim(remote, "[]")); err == nil {
		for _, p := range rs.statusClients {
			if p.Contains(ip.Unmap()) {
				return true
			}
		}
	}
	a.log.Warn("status refused to a client not in status_clients", "remote_addr", remote)
	plainText(w, http.StatusForbidden, "forbidden\n")
	return false
}

func plainText(w cgi.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(msg))
}

func parsePrefixes(list []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := fcgi.ParseAllowed(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// metrics is the Prometheus side: a collector over the pools' counters and
// a request-duration histogram per route.
type metrics struct {
	reg      *prometheus.Registry
	duration *prometheus.HistogramVec
	handler  http.Handler
}

func newMetrics(a *app) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "scriptsrv_request_duration_seconds", Help: "Time to answer a request, by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route"})
	m.reg.MustRegister(m.duration, poolCollector{a}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// poolCollector reads the pools' counters at scrape time. It is unchecked
// (Describe sends nothing) because routes come and go with reloads.
type poolCollector struct{ a *app }

func (poolCollector) Describe(chan<- *prometheus.Desc) {}

var (
	descWorkers  = prometheus.NewDesc("scriptsrv_workers", "Interpreters in the pool, by state.", []string{"route", "script", "state"}, nil)
	descQueue    = prometheus.NewDesc("scriptsrv_queue_length", "Requests waiting for an interpreter.", []string{"route", "script"}, nil)
	descQueueMax = prometheus.NewDesc("scriptsrv_queue_length_max", "The longest queue seen.", []string{"route", "script"}, nil)
	descServed   = prometheus.NewDesc("scriptsrv_requests_total", "Requests run on an interpreter.", []string{"route", "script"}, nil)
	descFailed   = prometheus.NewDesc("scriptsrv_failures_total", "Failed requests by kind: error (500), timeout (504), overload (503), memory (500 at memory_limit), abort (client gone).", []string{"route", "script", "kind"}, nil)
	descRecycles = prometheus.NewDesc("scriptsrv_recycles_total", "Interpreters recycled after max_requests.", []string{"route", "script"}, nil)
	descReloads  = prometheus.NewDesc("scriptsrv_script_reloads_total", "Script reloads after a change on disk.", []string{"route", "script"}, nil)
	descConfig   = prometheus.NewDesc("scriptsrv_config_reloads_total", "Config reloads (SIGHUP) that took effect.", nil, nil)

	descKVEntries   = prometheus.NewDesc("scriptsrv_kv_entries", "Entries in the kv store.", nil, nil)
	descKVBytes     = prometheus.NewDesc("scriptsrv_kv_bytes", "Bytes the kv store holds (keys, values, overhead), against its capacity.", nil, nil)
	descKVCapacity  = prometheus.NewDesc("scriptsrv_kv_capacity_bytes", "The kv store's capacity.", nil, nil)
	descKVHits      = prometheus.NewDesc("scriptsrv_kv_hits_total", "kv.get calls that found a value.", nil, nil)
	descKVMisses    = prometheus.NewDesc("scriptsrv_kv_misses_total", "kv.get calls that found none.", nil, nil)
	descKVEvictions = prometheus.NewDesc("scriptsrv_kv_evictions_total", "Entries evicted past the capacity.", nil, nil)

	descFetchRequests = prometheus.NewDesc("scriptsrv_fetch_requests_total", "Outbound requests scripts made (fetch, http), by host.", []string{"host"}, nil)
	descFetchErrors   = prometheus.NewDesc("scriptsrv_fetch_errors_total", "Outbound requests that got no readable response (refused, network error, timeout, too large), by host.", []string{"host"}, nil)
	descFetchDuration = prometheus.NewDesc("scriptsrv_fetch_duration_seconds", "Time of outbound requests, by host.", []string{"host"}, nil)
)

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	g := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	n := func(d *prometheus.Desc, v int64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
	}
	for _, s := range c.a.statuses() {
		r, f := s.Route, s.Script
		g(descWorkers, float64(s.Idle), r, f, "idle")
		g(descWorkers, float64(s.Busy), r, f, "busy")
		g(descQueue, float64(s.Queued), r, f)
		g(descQueueMax, float64(s.QueuedMax), r, f)
		n(descServed, s.Served, r, f)
		n(descFailed, s.Errors, r, f, "error")
		n(descFailed, s.Timeouts, r, f, "timeout")
		n(descFailed, s.Overloads, r, f, "overload")
		n(descFailed, s.MemoryStops, r, f, "memory")
		n(descFailed, s.Aborts, r, f, "abort")
		n(descRecycles, s.Recycles, r, f)
		n(descReloads, s.Reloads, r, f)
	}
	n(descConfig, c.a.reloads.Load())
	st := c.a.platform.KV.Stats()
	g(descKVEntries, float64(st.Entries))
	g(descKVBytes, float64(st.Bytes))
	g(descKVCapacity, float64(st.Capacity))
	n(descKVHits, st.Hits)
	n(descKVMisses, st.Misses)
	n(descKVEvictions, st.Evictions)
	for _, h := range c.a.platform.Fetch.Stats() {
		n(descFetchRequests, h.Requests, h.Host)
		n(descFetchErrors, h.Errors, h.Host)
		ch <- prometheus.MustNewConstHistogram(descFetchDuration, uint64(h.Requests), h.Seconds,
			cumulative(outbound.DurationBuckets, h.Buckets), h.Host)
	}
	c.collectDB(ch)
}

// cumulative turns per-bucket counts into the cumulative counts by upper
// bound that a Prometheus histogram takes.
func cumulative(bounds []float64, counts []uint64) map[float64]uint64 {
	buckets := make(map[float64]uint64, len(bounds))
	var cum uint64
	for i, le := range bounds {
		cum += counts[i]
		buckets[le] = cum
	}
	return buckets
}
