package host

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"scriptsrv/host/caps"
	"scriptsrv/internal/e2e"
	"scriptsrv/internal/outbound"
	"scriptsrv/internal/sqldb"
)

// dbPlatform is a platform with the databases main and other, on SQLite
// files in a temp folder or on a Postgres the test binary runs.
func dbPlatform(t testing.TB, kind string, maxRows int) *caps.Platform {
	t.Helper()
	p := fetchPlatform(t, outbound.Config{DenyPrivate: true})
	dbs := map[string]*caps.Database{}
	dir := t.TempDir()
	for _, name := range []string{"main", "other"} {
		cfg := sqldb.Config{URL: "sqlite:" + filepath.Join("data", name+".db"), Dir: dir}
		if kind == "postgres" {
			cfg = sqldb.Config{URL: e2e.Postgres(t)}
		}
		db, err := sqldb.Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[name] = caps.NewDatabase(name, db, maxRows)
	}
	p.SetDatabases(dbs)
	return p
}

// A query longer than its request's timeout answers 504 at the timeout
// and its connection goes back to the pool usable (Postgres: the query is
// cancelled on the server); a transaction its request left open (the
// script timed out inside it) is rolled back.
func TestDBCancelledWithItsRequest(t *testing.T) {
	slow := map[string]string{
		"sqlite":   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c",
		"postgres": "SELECT pg_sleep(10) IS NULL AS n",
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, lang := range []string{"js", "lua"} {
			t.Run(kind+"/"+lang, func(t *testing.T) {
				plat := dbPlatform(t, kind, 100)
				p, _ := poolFor(t, apiFile("db."+lang), Config{Workers: 1, Timeout: time.Second, Platform: plat})
				start := time.Now()
				r := do(p, "GET", "/?case=slow&sql="+url.QueryEscape(slow[kind]), "")
				if took := time.Since(start); r.Code() != 504 || took > 1500*time.Millisecond {
					t.Errorf("the slow query: %d after %v, want 504 at 1s", r.Code(), took)
				}
				r = do(p, "GET", "/?case=left%20open", "")
				if r.Code() != 504 {
					t.Errorf("the transaction left open: %d, want 504", r.Code())
				}
				main := plat.Databases()["main"].DB
				waitFor(t, "the connections back in the pool", func() bool { return main.Stats().InUse == 0 })
				rows := -1
				main.Query(t.Context(), "SELECT count(*) FROM notes", nil, func(_ []string, v []any) error { rows = int(v[0].(int64)); return nil })
				if rows != 0 {
					t.Errorf("%d rows after the transaction left open, want 0 (rolled back)", rows)
				}
				if r := do(p, "GET", "/?case=crud", ""); r.Code() != 200 {
					t.Errorf("after: %d %q", r.Code(), r.Body())
				}
				if kind == "postgres" {
					n := -1
					waitFor(t, "the server to stop the cancelled query", func() bool {
						main.Query(t.Context(), "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'", nil,
							func(_ []string, v []any) error { n = int(v[0].(int64)); return nil })
						return n == 0
					})
				}
			})
		}
	}
}
