// Package sqldb is the SQL behind scripts' db: an embedded SQLite file
// (modernc.org/sqlite, pure Go) or a Postgres server (pgx's pool), behind
// one small API — Query, Exec and transactions, every call bounded by its
// context — with migrations and figures for the status page.
//
// SQLite runs in WAL mode with a busy timeout, one writer connection (every
// transaction and every statement that writes goes to it; transactions
// begin IMMEDIATE) and MaxOpen reader connections, so readers never wait
// for the writer and a transaction never fails with SQLITE_BUSY half way.
//
// Values go in only as placeholder arguments. Results are normalised to
// nil, bool, int64, float64, string, []byte, []any (Postgres arrays) and
// map[string]any (Postgres json); timestamps become ISO 8601 strings.
//
// Not supported: MySQL; LISTEN/NOTIFY and COPY; savepoints (nested
// transactions).
package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config is one database.
type Config struct {
	// URL is "sqlite:PATH" (relative to Dir), "sqlite::memory:", or a
	// Postgres URL ("postgres://USER@HOST:PORT/NAME",
	// "postgres:///NAME?host=/run/postgresql").
	URL string
	// Dir is the folder a relative SQLite path is relative to.
	Dir string
	// MaxOpen is the connections kept: Postgres connections, or SQLite
	// readers (beside the one writer). Default 4.
	MaxOpen int
	// BusyTimeout is how long a SQLite statement waits for a lock.
	// Default 5s.
	BusyTimeout time.Duration
}

// Result is what a statement changed.
type Result struct {
	Changes int64
	// LastInsertID is SQLite's last rowid; Postgres has none (HasLastID
	// false: use RETURNING).
	LastInsertID int64
	HasLastID    bool
}

// RowFunc receives each row of a query: the column names (the same slice
// for every row) and the row's values, which it may keep. An error stops
// the query and is returned by it.
type RowFunc func(columns []string, values []any) error

// ErrStop, returned by a RowFunc, ends a query early without an error.
var ErrStop = errors.New("sqldb: stop")

// Querier runs statements: a database or one of its transactions.
type Querier interface {
	// Query runs a statement and calls fn for each row.
	Query(ctx context.Context, sql string, args []any, fn RowFunc) error
	// Exec runs a statement that returns no rows (or ignores them).
	Exec(ctx context.Context, sql string, args []any) (Result, error)
}

// DB is an open database, safe for concurrent use.
type DB struct {
	kind  string // "sqlite" or "postgres"
	b     backend
	stats stats
}

// Tx is a transaction; it holds a connection until Commit or Rollback.
type Tx struct {
	db   *DB
	t    txBackend
	done bool
}

type backend interface {
	query(ctx context.Context, sql string, args []any, fn RowFunc) error
	exec(ctx context.Context, sql string, args []any) (Result, error)
	begin(ctx context.Context) (txBackend, error)
	lockMigrations(ctx context.Context, t txBackend) error
	pool() PoolStats
	close() error
}

type txBackend interface {
	query(ctx context.Context, sql string, args []any, fn RowFunc) error
	exec(ctx context.Context, sql string, args []any) (Result, error)
	// execScript runs several statements, unprepared (a migration).
	execScript(ctx context.Context, sql string) error
	commit(ctx context.Context) error
	rollback() error
}

// Open opens (and for SQLite creates) the database cfg names, and checks
// that it answers.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.MaxOpen <= 0 {
		cfg.MaxOpen = 4
	}
	if cfg.BusyTimeout <= 0 {
		cfg.BusyTimeout = 5 * time.Second
	}
	var (
		b    backend
		kind string
		err  error
	)
	switch {
	case strings.HasPrefix(cfg.URL, "sqlite:"):
		kind = "sqlite"
		b, err = openSQLite(ctx, cfg)
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		kind = "postgres"
		b, err = openPostgres(ctx, cfg)
	default:
		return nil, fmt.Errorf("sqldb: %q: want sqlite:PATH or postgres://…", Redact(cfg.URL))
	}
	if err != nil {
		return nil, err
	}
	return &DB{kind: kind, b: b}, nil
}

// Kind is "sqlite" or "postgres".
func (db *DB) Kind() string { return db.kind }

// Query runs a statement and calls fn for each row.
func (db *DB) Query(ctx context.Context, sql string, args []any, fn RowFunc) error {
	start := time.Now()
	err := db.b.query(ctx, sql, args, fn)
	return db.stats.record(start, err)
}

// Exec runs a statement that returns no rows.
func (db *DB) Exec(ctx context.Context, sql string, args []any) (Result, error) {
	start := time.Now()
	r, err := db.b.exec(ctx, sql, args)
	return r, db.stats.record(start, err)
}

// Begin starts a transaction (on SQLite, BEGIN IMMEDIATE on the writer).
// It is rolled back if ctx ends before Commit.
func (db *DB) Begin(ctx context.Context) (*Tx, error) {
	start := time.Now()
	t, err := db.b.begin(ctx)
	if err := db.stats.record(start, err); err != nil {
		return nil, err
	}
	return &Tx{db: db, t: t}, nil
}

// Close closes the database's connections.
func (db *DB) Close() error { return db.b.close() }

// Query runs a statement in the transaction.
func (tx *Tx) Query(ctx context.Context, sql string, args []any, fn RowFunc) error {
	if tx.done {
		return ErrTxDone
	}
	start := time.Now()
	return tx.db.stats.record(start, tx.t.query(ctx, sql, args, fn))
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, sql string, args []any) (Result, error) {
	if tx.done {
		return Result{}, ErrTxDone
	}
	start := time.Now()
	r, err := tx.t.exec(ctx, sql, args)
	return r, tx.db.stats.record(start, err)
}

// Commit commits the transaction.
func (tx *Tx) Commit(ctx context.Context) error {
	if tx.done {
		return ErrTxDone
	}
	tx.done = true
	start := time.Now()
	return tx.db.stats.record(start, tx.t.commit(ctx))
}

// Rollback rolls the transaction back; after Commit it does nothing.
func (tx *Tx) Rollback() error {
	if tx.done {
		return nil
	}
	tx.done = true
	return tx.t.rollback()
}

// ErrTxDone is the error of a transaction used after it ended.
var ErrTxDone = errors.New("the transaction is over (committed or rolled back)")

// Redact hides the password of a database URL, for messages.
func Redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return url
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return url
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}
