// sqlite.go: the embedded SQLite backend (github.com/ncruces/go-sqlite3,
// pure Go) — one writer connection, MaxOpen readers, WAL, statements
// prepared once per connection. Its own small pool: a statement costs no
// goroutine, and a cancelled context interrupts it where it runs.

package sqldb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ncruces/go-sqlite3"
)

type sqliteDB struct {
	writer  chan *sqliteConn // one connection: every write and transaction
	readers chan *sqliteConn // up to MaxOpen, opened when needed (the writer's own channel for :memory:)
	mu      sync.Mutex       // guards all and opening readers
	all     []*sqliteConn
	maxOpen int
	path    string
	busy    time.Duration
	memory  bool
	// readOnly remembers, by SQL text, whether a statement only reads (it
	// may run on a reader); a statement not seen yet is tried on a reader.
	readOnly sync.Map
	waits    atomic.Int64
	waitNs   atomic.Int64
}

// openSQLite opens cfg's file, creating it and its folder if needed.
func openSQLite(ctx context.Context, cfg Config) (*sqliteDB, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "sqlite:"), "//")
	if path == "" {
		return nil, fmt.Errorf("sqldb: %q names no file", cfg.URL)
	}
	db := &sqliteDB{memory: path == ":memory:", writer: make(chan *sqliteConn, 1)}
	if !db.memory {
		if !filepath.IsAbs(path) {
			path = filepath.Join(cfg.Dir, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("sqldb: making the folder of %s: %w", path, err)
		}
	}
	w, err := openConn(path, cfg.BusyTimeout, true)
	if err != nil {
		return nil, err
	}
	db.all = append(db.all, w)
	db.writer <- w
	if db.memory { // an in-memory database is one connection's own
		db.readers = db.writer
		return db, nil
	}
	db.readers = make(chan *sqliteConn, cfg.MaxOpen)
	db.maxOpen, db.path, db.busy = cfg.MaxOpen, path, cfg.BusyTimeout
	return db, nil
}

// openReader opens one more reader when fewer than MaxOpen are open: an
// idle server keeps only the connections it has needed (each holds its
// own page cache).
func (db *sqliteDB) openReader() (*sqliteConn, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if len(db.all)-1 >= db.maxOpen {
		return nil, nil
	}
	r, err := openConn(db.path, db.busy, false)
	if err != nil {
		return nil, err
	}
	db.all = append(db.all, r)
	return r, nil
}

// acquire takes a connection from pool, waiting at most until ctx ends.
func (db *sqliteDB) acquire(ctx context.Context, pool chan *sqliteConn) (*sqliteConn, error) {
	select {
	case c := <-pool:
		return c, nil
	default:
	}
	if pool == db.readers && !db.memory {
		if c, err := db.openReader(); c != nil || err != nil {
			return c, err
		}
	}
	start := time.Now()
	db.waits.Add(1)
	defer func() { db.waitNs.Add(int64(time.Since(start))) }()
	select {
	case c := <-pool:
		return c, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a connection: %w", context.Cause(ctx))
	}
}

func (db *sqliteDB) query(ctx context.Context, query string, args []any, fn RowFunc) error {
	pool := db.readers
	if ro, known := db.readOnly.Load(query); known && !ro.(bool) {
		pool = db.writer
	}
	c, err := db.acquire(ctx, pool)
	if err != nil {
		return err
	}
	st, err := c.prepare(query)
	if err == nil && pool != db.writer && !st.ro {
		// It writes: the writer's, from now on.
		db.readOnly.Store(query, false)
		pool <- c
		if c, err = db.acquire(ctx, db.writer); err != nil {
			return err
		}
		pool = db.writer
		st, err = c.prepare(query)
	} else if err == nil {
		db.readOnly.Store(query, st.ro)
	}
	defer func() { pool <- c }()
	if err != nil {
		return err
	}
	return c.run(ctx, st, args, fn)
}

func (db *sqliteDB) exec(ctx context.Context, query string, args []any) (Result, error) {
	c, err := db.acquire(ctx, db.writer)
	if err != nil {
		return Result{}, err
	}
	defer func() { db.writer <- c }()
	return c.exec(ctx, query, args)
}

// begin takes the writer for the whole transaction: BEGIN IMMEDIATE, so
// a transaction that writes never fails half way with SQLITE_BUSY.
func (db *sqliteDB) begin(ctx context.Context) (txBackend, error) {
	c, err := db.acquire(ctx, db.writer)
	if err != nil {
		return nil, err
	}
	if err := c.script(ctx, "BEGIN IMMEDIATE"); err != nil {
		db.writer <- c
		return nil, err
	}
	return &sqliteTx{db: db, c: c}, nil
}

// lockMigrations needs nothing: BEGIN IMMEDIATE already excludes every
// other writer, in this process and others.
func (db *sqliteDB) lockMigrations(context.Context, txBackend) error { return nil }

func (db *sqliteDB) pool() PoolStats {
	idle := len(db.writer)
	if !db.memory {
		idle += len(db.readers)
	}
	db.mu.Lock()
	open := len(db.all)
	db.mu.Unlock()
	return PoolStats{Open: open, InUse: open - idle, Idle: idle, Waits: db.waits.Load(),
		WaitSeconds: time.Duration(db.waitNs.Load()).Seconds(), MaxOpenConns: 1 + db.maxOpen}
}

func (db *sqliteDB) close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var first error
	for _, c := range db.all {
		if err := c.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// sqliteTx is a transaction: it holds the writer until it ends.
type sqliteTx struct {
	db *sqliteDB
	c  *sqliteConn
}

func (t *sqliteTx) query(ctx context.Context, query string, args []any, fn RowFunc) error {
	st, err := t.c.prepare(query)
	if err != nil {
		return err
	}
	return t.c.run(ctx, st, args, fn)
}

func (t *sqliteTx) exec(ctx context.Context, query string, args []any) (Result, error) {
	return t.c.exec(ctx, query, args)
}

func (t *sqliteTx) execScript(ctx context.Context, src string) error { return t.c.script(ctx, src) }

func (t *sqliteTx) commit(ctx context.Context) error {
	err := t.c.script(ctx, "COMMIT")
	if err != nil {
		t.rollback()
		return err
	}
	t.db.writer <- t.c
	return nil
}

// rollback is not bounded by the request's context: it runs when that may
// be over, and must run.
func (t *sqliteTx) rollback() error {
	err := t.c.script(context.Background(), "ROLLBACK")
	if err != nil && t.c.c.GetAutocommit() {
		err = nil // nothing was left to roll back (a failed COMMIT ends it)
	}
	t.db.writer <- t.c
	return err
}

// errSeveral is the error of several statements in one call.
var errSeveral = errors.New("several statements in one call: run them one at a time (a migration file may hold several)")

// sqliteValue is what a column holds, as the package's value types.
func sqliteValue(st *sqlite3.Stmt, i int) any {
	switch st.ColumnType(i) {
	case sqlite3.INTEGER:
		return st.ColumnInt64(i)
	case sqlite3.FLOAT:
		return st.ColumnFloat(i)
	case sqlite3.TEXT:
		return st.ColumnText(i)
	case sqlite3.BLOB:
		return st.ColumnBlob(i, []byte{})
	}
	return nil
}

// skipComments drops leading space and SQL comments.
func skipComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "--"):
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				s = s[i+1:]
				continue
			}
			return ""
		case strings.HasPrefix(s, "/*"):
			if i := strings.Index(s, "*/"); i >= 0 {
				s = s[i+2:]
				continue
			}
			return ""
		}
		return s
	}
}
