// dbstatus.go: the databases' figures on the status page and as metrics.

package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"scriptsrv/internal/sqldb"
)

// dbStatus is one database on the status page.
type dbStatus struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // sqlite or postgres
	sqldb.Stats
}

// dbStatuses lists the databases, by name.
func (a *app) dbStatuses() []dbStatus {
	dbs := a.platform.Databases()
	out := make([]dbStatus, 0, len(dbs))
	for _, name := range engineSorted(dbs) {
		d := dbs[name].DB
		out = append(out, dbStatus{Name: name, Kind: d.Kind(), Stats: d.Stats()})
	}
	return out
}

var (
	descDBConns    = prometheus.NewDesc("scriptsrv_db_connections", "A database's connections, by state (in_use, idle).", []string{"db", "state"}, nil)
	descDBMaxOpen  = prometheus.NewDesc("scriptsrv_db_connections_max", "The connections a database keeps at most.", []string{"db"}, nil)
	descDBWaits    = prometheus.NewDesc("scriptsrv_db_waits_total", "Statements that waited for a free connection.", []string{"db"}, nil)
	descDBWaitTime = prometheus.NewDesc("scriptsrv_db_wait_seconds_total", "Time statements waited for a free connection.", []string{"db"}, nil)
	descDBErrors   = prometheus.NewDesc("scriptsrv_db_errors_total", "Statements that failed (cancelled ones included).", []string{"db"}, nil)
	descDBDuration = prometheus.NewDesc("scriptsrv_db_query_duration_seconds", "Time of statements (query, exec, begin, commit), by database.", []string{"db"}, nil)
)

// collectDB sends the databases' metrics.
func (c poolCollector) collectDB(ch chan<- prometheus.Metric) {
	for _, d := range c.a.dbStatuses() {
		ch <- prometheus.MustNewConstMetric(descDBConns, prometheus.GaugeValue, float64(d.InUse), d.Name, "in_use")
		ch <- prometheus.MustNewConstMetric(descDBConns, prometheus.GaugeValue, float64(d.Idle), d.Name, "idle")
		ch <- prometheus.MustNewConstMetric(descDBMaxOpen, prometheus.GaugeValue, float64(d.MaxOpenConns), d.Name)
		ch <- prometheus.MustNewConstMetric(descDBWaits, prometheus.CounterValue, float64(d.Waits), d.Name)
		ch <- prometheus.MustNewConstMetric(descDBWaitTime, prometheus.CounterValue, d.WaitSeconds, d.Name)
		ch <- prometheus.MustNewConstMetric(descDBErrors, prometheus.CounterValue, float64(d.Errors), d.Name)
		ch <- prometheus.MustNewConstHistogram(descDBDuration, uint64(d.Queries), d.Seconds,
			cumulative(sqldb.DurationBuckets, d.Buckets), d.Name)
	}
}
