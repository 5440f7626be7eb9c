package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// dbApp writes a config with [db.main] (url) and its migrations folder,
// a script that uses db and kv, and starts the binary on the HTTP front.
func dbApp(t *testing.T, dir, dbURL, kvStore string, migrations map[string]string) (*e2e.Proc, string) {
	t.Helper()
	os.MkdirAll(filepath.Join(dir, "migrations"), 0o755)
	for name, sql := range migrations {
		os.WriteFile(filepath.Join(dir, "migrations", name), []byte(sql), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "notes.js"), []byte(`function handle(req) {
  if (req.query.sql) return String(db.get(req.query.sql).n);
  if (req.method === "POST") db.exec("INSERT INTO notes (body) VALUES ($1)", req.query.body);
  return db.query("SELECT body FROM notes ORDER BY id").map((r) => r.body).join(",") + " visits=" + kv.incr("visits");
}`), 0o644)
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	conf := fmt.Sprintf(`[server]
fastcgi = ""
http = %q
status_path = "/_status"
metrics_path = "/_metrics"

[pool]
timeout = "1s"

[db.main]
url = %q
migrations = "migrations"
max_open = 2

[kv]
store = %q

[[route]]
path = "/notes"
script = "notes.js"
`, addr, dbURL, kvStore)
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	return p, "http://" + addr
}

// A SQLite app through the binary: migrations at start and at SIGHUP, a
// failing one refuses the reload (and stops a start) naming its file and
// the database's message with nothing of it applied, the status page and
// metrics show the database, and the data and the sqlite kv store survive
// a restart.
func TestDBBinary(t *testing.T) {
	dir := t.TempDir()
	create := map[string]string{"001_notes.sql": "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\nINSERT INTO notes (body) VALUES ('seeded');"}
	p, base := dbApp(t, dir, "sqlite:data/app.db", "sqlite:data/kv.db", create)
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	if !strings.Contains(p.Out.String(), "file=migrations/001_notes.sql") {
		t.Errorf("no log line for the migration:\n%s", p.Out.String())
	}
	if code := post(t, base+"/notes?body=first", ""); code != 200 {
		t.Errorf("POST: %d", code)
	}
	if _, body := get(t, base+"/notes"); body != "seeded,first visits=2" {
		t.Errorf("notes: %q", body)
	}

	os.WriteFile(filepath.Join(dir, "migrations", "002_bad.sql"), []byte("INSERT INTO notes (body) VALUES ('half');\nINSERT INTO nowhere VALUES (1);"), 0o644)
	p.Signal(syscall.SIGHUP)
	e2e.WaitLog(t, p, "reload refused", 10*time.Second)
	if log := p.Out.String(); !strings.Contains(log, "002_bad.sql") || !strings.Contains(log, "no such table: nowhere") {
		t.Errorf("the refused reload does not name the file and the error:\n%s", log)
	}
	if _, body := get(t, base+"/notes"); !strings.HasPrefix(body, "seeded,first visits") {
		t.Errorf("after the bad migration: %q (half of it applied?)", body)
	}
	os.Remove(filepath.Join(dir, "migrations", "002_bad.sql"))
	os.WriteFile(filepath.Join(dir, "migrations", "002_more.sql"), []byte("INSERT INTO notes (body) VALUES ('migrated');"), 0o644)
	p.Signal(syscall.SIGHUP)
	e2e.WaitLog(t, p, "file=migrations/002_more.sql", 10*time.Second)
	if _, body := get(t, base+"/notes"); !strings.HasPrefix(body, "seeded,first,migrated visits") {
		t.Errorf("after the second migration: %q", body)
	}
	if _, st := get(t, base+"/_status"); !strings.Contains(st, `"name": "main"`) || !strings.Contains(st, `"kind": "sqlite"`) || !strings.Contains(st, `"queries"`) {
		t.Errorf("status lacks the database: %s", st)
	}
	if _, m := get(t, base+"/_metrics"); !strings.Contains(m, `scriptsrv_db_query_duration_seconds_count{db="main"}`) || !strings.Contains(m, `scriptsrv_db_connections{db="main",state="idle"}`) {
		t.Errorf("metrics lack the database")
	}

	p.Signal(syscall.SIGTERM)
	p.Wait(10 * time.Second)
	p, base = dbApp(t, dir, "sqlite:data/app.db", "sqlite:data/kv.db", nil)
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	if _, body := get(t, base+"/notes"); body != "seeded,first,migrated visits=5" {
		t.Errorf("after a restart: %q (rows and the kv counter should both survive)", body)
	}
	p.Signal(syscall.SIGTERM)
	p.Wait(10 * time.Second)

	os.WriteFile(filepath.Join(dir, "migrations", "003_bad.sql"), []byte("CREATE TABLE half (n INTEGER);\nSELECT broken syntax here;"), 0o644)
	p, _ = dbApp(t, dir, "sqlite:data/app.db", "memory", nil)
	if err := p.Wait(10 * time.Second); err == nil || !strings.Contains(p.Out.String(), "migrations/003_bad.sql") {
		t.Errorf("a start with a failing migration: %v\n%s", err, p.Out.String())
	}
}

// On Postgres through the binary: a statement past the request's 1 s
// timeout answers 504 at 1 s, is cancelled on the server, and the pool
// serves the next requests; kv is on Redis.
func TestPostgresBinary(t *testing.T) {
	pg := e2e.Postgres(t)
	addr, n := e2e.Redis(t)
	dir := t.TempDir()
	create := map[string]string{"001_notes.sql": "CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT NOT NULL);"}
	p, base := dbApp(t, dir, pg, fmt.Sprintf("redis://%s/%d", addr, n), create)
	e2e.WaitLog(t, p, "msg=ready", 20*time.Second)
	post(t, base+"/notes?body=pg", "")
	start := time.Now()
	resp, _ := get(t, base+"/notes?sql="+url.QueryEscape("SELECT pg_sleep(10) IS NULL AS n"))
	if resp.StatusCode != 504 || time.Since(start) > 1800*time.Millisecond {
		t.Errorf("pg_sleep(10) with a 1s timeout: %d after %v", resp.StatusCode, time.Since(start))
	}
	for range 4 { // more than max_open: a connection left stuck would show
		if _, body := get(t, base+"/notes"); !strings.HasPrefix(body, "pg visits=") {
			t.Errorf("after the timeout: %q", body)
		}
	}
	active := base + "/notes?sql=" + url.QueryEscape("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active'")
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, body := get(t, active)
		if body == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled statement still runs on the server: %q", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// post sends a POST and returns its status; a transport error fails the
// test.
func post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := noRedirect.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// [pool] lua_path through the binary: a script requires Debian's dkjson.
func TestLuaPathBinary(t *testing.T) {
	if _, err := os.Stat("/usr/share/lua/5.1/dkjson.lua"); err != nil {
		e2e.Need(t, "/usr/share/lua/5.1/dkjson.lua")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "j.lua"), []byte(`local dkjson = require("dkjson")
function handle(req) return dkjson.encode({ ok = true }) end`), 0o644)
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(fmt.Sprintf("[server]\nfastcgi = \"\"\nhttp = %q\n[pool]\nlua_path = [\"/usr/share/lua/5.1\"]\n[[route]]\npath = \"/\"\nscript = \"j.lua\"\n", addr)), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	if _, body := get(t, "http://"+addr+"/"); body != `{"ok":true}` {
		t.Errorf("got %q", body)
	}
}
