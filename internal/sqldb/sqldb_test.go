package sqldb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

func TestMain(m *testing.M) {
	code := m.Run()
	e2e.StopServers()
	os.Exit(code)
}

// databases opens a fresh SQLite file and a fresh Postgres database (the
// latter skipped without Postgres).
func databases(t *testing.T) map[string]func(t *testing.T) *DB {
	return map[string]func(t *testing.T) *DB{
		"sqlite": func(t *testing.T) *DB {
			return open(t, Config{URL: "sqlite:data/app.db", Dir: t.TempDir()})
		},
		"postgres": func(t *testing.T) *DB {
			return open(t, Config{URL: e2e.Postgres(t)})
		},
	}
}

func open(t *testing.T, cfg Config) *DB {
	t.Helper()
	db, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// all runs a query and returns its rows as text.
func all(t *testing.T, q Querier, sql string, args ...any) string {
	t.Helper()
	var out []string
	err := q.Query(t.Context(), sql, args, func(cols []string, vals []any) error {
		var row []string
		for i, c := range cols {
			row = append(row, fmt.Sprintf("%s=%#v", c, vals[i]))
		}
		out = append(out, strings.Join(row, " "))
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return strings.Join(out, "\n")
}

func mustExec(t *testing.T, q Querier, sql string, args ...any) Result {
	t.Helper()
	r, err := q.Exec(t.Context(), sql, args)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return r
}

// Values go in only through placeholders and come back as they went: a
// quote, "; DROP TABLE" and a NUL are stored literally; null, booleans,
// integers, floats, text, bytes and timestamps map both ways.
func TestValuesRoundTrip(t *testing.T) {
	for name, mk := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := mk(t)
			ph := func(n int) string { return db.placeholder(n) }
			ddl := "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, b BLOB, f REAL, n INTEGER, ok BOOLEAN, at TEXT)"
			if name == "postgres" {
				ddl = "CREATE TABLE t (id BIGINT PRIMARY KEY, s TEXT, b BYTEA, f DOUBLE PRECISION, n BIGINT, ok BOOLEAN, at TIMESTAMPTZ)"
			}
			mustExec(t, db, ddl)
			evil := "it's'; DROP TABLE t; --"
			ins := fmt.Sprintf("INSERT INTO t (id, s, b, f, n, ok, at) VALUES (%s, %s, %s, %s, %s, %s, %s)", ph(1), ph(2), ph(3), ph(4), ph(5), ph(6), ph(7))
			r := mustExec(t, db, ins, int64(1), evil, []byte("a\x00b"), 1.5, int64(9007199254740993), true, "2024-02-03T04:05:06Z")
			if r.Changes != 1 {
				t.Errorf("changes %d", r.Changes)
			}
			nul := "nul\x00inside"
			if name == "postgres" { // Postgres text cannot hold a NUL: bytea can, and the error says so
				_, err := db.Exec(t.Context(), ins, []any{int64(3), nul, nil, nil, nil, false, nil})
				if err == nil || !strings.Contains(err.Error(), "0x00") {
					t.Errorf("a NUL in Postgres text: %v", err)
				}
				nul = "no nul"
			}
			mustExec(t, db, ins, int64(2), nul, nil, nil, nil, false, nil)
			got := all(t, db, "SELECT s, b, f, n, ok, at FROM t ORDER BY id")
			yes, no := "true", "false"
			if name == "sqlite" { // SQLite has no boolean: true is stored as 1
				yes, no = "1", "0"
			}
			want := fmt.Sprintf(`s="it's'; DROP TABLE t; --" b=[]byte{0x61, 0x0, 0x62} f=1.5 n=9007199254740993 ok=%s at="2024-02-03T04:05:06Z"`+"\n"+
				`s=%q b=<nil> f=<nil> n=<nil> ok=%s at=<nil>`, yes, nul, no)
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			if n := all(t, db, "SELECT count(*) AS n FROM t"); n != "n=2" {
				t.Errorf("the table after the quote: %s", n)
			}
		})
	}
}

// A transaction commits when asked and rolls back otherwise; a statement
// after the end is refused.
func TestTransactions(t *testing.T) {
	for name, mk := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := mk(t)
			mustExec(t, db, "CREATE TABLE t (n INTEGER)")
			tx, err := db.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, tx, "INSERT INTO t VALUES (1)")
			if got := all(t, tx, "SELECT n FROM t"); got != "n=1" {
				t.Errorf("inside: %s", got)
			}
			tx.Rollback()
			if _, err := tx.Exec(t.Context(), "INSERT INTO t VALUES (2)", nil); !errors.Is(err, ErrTxDone) {
				t.Errorf("after rollback: %v", err)
			}
			tx, _ = db.Begin(t.Context())
			mustExec(t, tx, "INSERT INTO t VALUES (3)")
			if err := tx.Commit(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := all(t, db, "SELECT n FROM t"); got != "n=3" {
				t.Errorf("after commit: %s", got)
			}
		})
	}
}

// A statement whose context ends returns at once, and the connection is
// usable afterwards (Postgres: the query is cancelled on the server).
func TestCancel(t *testing.T) {
	slow := map[string]string{
		"sqlite":   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
		"postgres": "SELECT pg_sleep(10)",
	}
	for name, mk := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := mk(t)
			db.Exec(t.Context(), "CREATE TABLE t (n INTEGER)", nil)
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := db.Query(ctx, slow[name], nil, func([]string, []any) error { return nil })
			if err == nil || time.Since(start) > 2*time.Second {
				t.Fatalf("the slow query: %v after %v", err, time.Since(start))
			}
			// In a transaction too: the transaction is then rolled back.
			ctx2, cancel2 := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel2()
			tx, err := db.Begin(ctx2)
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, tx, "INSERT INTO t VALUES (1)")
			if err := tx.Query(ctx2, slow[name], nil, func([]string, []any) error { return nil }); err == nil {
				t.Fatal("the slow query in a transaction ended without an error")
			}
			tx.Rollback()
			if got := all(t, db, "SELECT count(*) AS n FROM t"); got != "n=0" && got != "n=int64(0)" {
				t.Errorf("after the cancelled transaction: %s", got)
			}
			if name == "postgres" {
				waitIdle(t, db)
			}
			if s := db.Stats(); s.InUse != 0 || s.Errors < 2 {
				t.Errorf("stats after: %+v", s)
			}
		})
	}
}

// waitIdle waits until the server runs no pg_sleep: the cancel reached it.
func waitIdle(t *testing.T, db *DB) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		busy := all(t, db, "SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'")
		if busy == "n=0" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled query still runs on the server: %s", busy)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Migrations apply once each in name order; one that fails applies none
// of itself and stops the rest.
func TestMigrate(t *testing.T) {
	for name, mk := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := mk(t)
			dir := t.TempDir()
			write := func(n, s string) { os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644) }
			write("001_items.sql", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO items (id, name) VALUES (1, 'first');")
			write("002_more.sql", "INSERT INTO items (id, name) VALUES (2, 'second');")
			write("notes.txt", "not a migration")
			applied, err := db.Migrate(t.Context(), dir)
			if err != nil || strings.Join(applied, ",") != "001_items.sql,002_more.sql" {
				t.Fatalf("first run: %v %v", applied, err)
			}
			if applied, err := db.Migrate(t.Context(), dir); err != nil || len(applied) != 0 {
				t.Fatalf("second run applied %v, %v", applied, err)
			}
			write("003_bad.sql", "INSERT INTO items (id, name) VALUES (3, 'third');\nINSERT INTO nowhere VALUES (1);")
			write("004_after.sql", "INSERT INTO items (id, name) VALUES (4, 'fourth');")
			_, err = db.Migrate(t.Context(), dir)
			var me *MigrationError
			if !errors.As(err, &me) || filepath.Base(me.File) != "003_bad.sql" || !strings.Contains(err.Error(), "nowhere") {
				t.Fatalf("the bad migration: %v", err)
			}
			if got := all(t, db, "SELECT name FROM items ORDER BY id"); got != `name="first"`+"\n"+`name="second"` {
				t.Errorf("after the failure: %s", got)
			}
		})
	}
}

// Instances migrating one Postgres at once apply each file once.
func TestMigrateConcurrently(t *testing.T) {
	url := e2e.Postgres(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "001.sql"), []byte("CREATE TABLE once (n INTEGER);"), 0o644)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(t.Context(), Config{URL: url})
			if err == nil {
				_, err = db.Migrate(t.Context(), dir)
				db.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// SQLite: writers in parallel transactions never fail with SQLITE_BUSY
// (one writer, BEGIN IMMEDIATE), and readers run beside them.
func TestSQLiteConcurrentWriters(t *testing.T) {
	db := open(t, Config{URL: "sqlite:app.db", Dir: t.TempDir(), MaxOpen: 4})
	mustExec(t, db, "CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER)")
	mustExec(t, db, "INSERT INTO c VALUES (1, 0)")
	var wg sync.WaitGroup
	errs := make(chan error, 800)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if w%2 == 0 { // read-modify-write in a transaction
					tx, err := db.Begin(t.Context())
					if err != nil {
						errs <- err
						continue
					}
					var n int64
					tx.Query(t.Context(), "SELECT n FROM c WHERE id = 1", nil, func(_ []string, v []any) error { n = v[0].(int64); return nil })
					if _, err := tx.Exec(t.Context(), "UPDATE c SET n = ? WHERE id = 1", []any{n + 1}); err != nil {
						errs <- err
					}
					if err := tx.Commit(t.Context()); err != nil {
						errs <- err
					}
				} else if err := db.Query(t.Context(), "SELECT n FROM c", nil, func([]string, []any) error { return nil }); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := all(t, db, "SELECT n FROM c"); got != "n=200" {
		t.Errorf("counter %s, want 200", got)
	}
}

// SQLite: a statement that writes, sent through Query, runs on the
// writer (and is remembered there); several statements in one call and
// a count of values that does not match the placeholders are errors.
func TestSQLiteStatements(t *testing.T) {
	db := open(t, Config{URL: "sqlite:app.db", Dir: t.TempDir()})
	mustExec(t, db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
	for range 2 {
		if got := all(t, db, "INSERT INTO t (v) VALUES ($1) RETURNING id", "x"); got != "id=1" && got != "id=2" {
			t.Errorf("insert … returning through Query: %s", got)
		}
	}
	if got := all(t, db, "SELECT v FROM t WHERE id = $2 AND v = $1", "x", int64(2)); got != `v="x"` {
		t.Errorf("$2 before $1: %s", got)
	}
	for q, want := range map[string]string{
		"SELECT 1; SELECT 2":            "several statements in one call",
		"SELECT ?, ?":                   "the statement has 2 placeholders, got 1 values",
		"SELECT :name":                  "placeholder :name: use ? or $1",
		"SELECT 1":                      "1 values for 0 placeholders",
		"SELECT 1; -- and a comment\n;": "",
	} {
		err := db.Query(t.Context(), q, []any{"a"}, func([]string, []any) error { return nil })
		if q == "SELECT 1; -- and a comment\n;" {
			err = db.Query(t.Context(), q, nil, func([]string, []any) error { return nil })
		}
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", q, err, want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"mysql://x", `want sqlite:PATH or postgres://`},
		{"sqlite:", "names no file"},
		{"postgres://u:secret@127.0.0.1:1/x?connect_timeout=2", "u:xxxxx@127.0.0.1:1"},
	} {
		_, err := Open(t.Context(), Config{URL: c.url, Dir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v, want %q (and no password)", c.url, err, c.want)
		}
	}
}

// BenchmarkPrimaryKeyRead reads one row by primary key from a 10,000-row
// table (the db workload of the harness, in Go).
func BenchmarkPrimaryKeyRead(b *testing.B) {
	db, err := Open(b.Context(), Config{URL: "sqlite:bench.db", Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.Exec(b.Context(), "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, qty INTEGER)", nil)
	tx, _ := db.Begin(b.Context())
	for i := 1; i <= 10000; i++ {
		tx.Exec(b.Context(), "INSERT INTO items VALUES (?, ?, ?, ?)", []any{int64(i), fmt.Sprintf("item %d", i), float64(i) * 1.5, int64(i % 7)})
	}
	tx.Commit(b.Context())
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		i = i%10000 + 1
		if err := db.Query(b.Context(), "SELECT id, name, price, qty FROM items WHERE id = ?", []any{i}, func([]string, []any) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
