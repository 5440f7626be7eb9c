// sqlite.go: the embedded SQLite backend — one writer connection, MaxOpen
// readers, WAL, a statement cache per pool.

package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers "sqlite"
)

type sqliteDB struct {
	writer, readers *sql.DB
	wcache, rcache  *stmtCache
	memory          bool // ":memory:": one connection for everything
}

// openSQLite opens cfg's file, creating it and its folder if needed.
func openSQLite(ctx context.Context, cfg Config) (*sqliteDB, error) {
	path := strings.TrimPrefix(cfg.URL, "sqlite:")
	path = strings.TrimPrefix(path, "//")
	memory := path == ":memory:"
	if path == "" {
		return nil, fmt.Errorf("sqldb: %q names no file", cfg.URL)
	}
	if !memory {
		if !filepath.IsAbs(path) {
			path = filepath.Join(cfg.Dir, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("sqldb: making the folder of %s: %w", path, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	dsn := "file:" + path
	if memory {
		dsn = "file::memory:"
	}
	w := url.Values{"_txlock": {"immediate"}}
	for k, v := range q {
		w[k] = v
	}
	writer, err := sql.Open("sqlite", dsn+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqldb: opening %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	db := &sqliteDB{writer: writer, wcache: newStmtCache(writer), memory: memory}
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqldb: opening %s: %w", path, err)
	}
	if memory { // an in-memory database is one connection's own
		db.readers, db.rcache = writer, db.wcache
		return db, nil
	}
	readers, err := sql.Open("sqlite", dsn+"?"+q.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqldb: opening %s: %w", path, err)
	}
	readers.SetMaxOpenConns(cfg.MaxOpen)
	readers.SetMaxIdleConns(cfg.MaxOpen)
	db.readers, db.rcache = readers, newStmtCache(readers)
	return db, nil
}

// forStatement picks the pool a statement runs on: readers for what
// only reads, the writer for anything else.
func (db *sqliteDB) forStatement(query string) *stmtCache {
	if readOnly(query) {
		return db.rcache
	}
	return db.wcache
}

func (db *sqliteDB) query(ctx context.Context, query string, args []any, fn RowFunc) error {
	st, release, err := db.forStatement(query).get(ctx, query)
	if err != nil {
		return err
	}
	defer release()
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	return scanRows(rows, fn)
}

func (db *sqliteDB) exec(ctx context.Context, query string, args []any) (Result, error) {
	st, release, err := db.wcache.get(ctx, query)
	if err != nil {
		return Result{}, err
	}
	defer release()
	r, err := st.ExecContext(ctx, args...)
	return sqlResult(r, err)
}

func (db *sqliteDB) begin(ctx context.Context) (txBackend, error) {
	tx, err := db.writer.BeginTx(ctx, nil) // _txlock=immediate: BEGIN IMMEDIATE
	if err != nil {
		return nil, err
	}
	return &sqliteTx{tx: tx, cache: db.wcache}, nil
}

// lockMigrations needs nothing: BEGIN IMMEDIATE already excludes every
// other writer, in this process and others.
func (db *sqliteDB) lockMigrations(context.Context, txBackend) error { return nil }

func (db *sqliteDB) pool() PoolStats {
	w, r := db.writer.Stats(), db.readers.Stats()
	if db.memory {
		r = sql.DBStats{}
	}
	return PoolStats{Open: w.OpenConnections + r.OpenConnections, InUse: w.InUse + r.InUse, Idle: w.Idle + r.Idle,
		Waits: w.WaitCount + r.WaitCount, WaitSeconds: (w.WaitDuration + r.WaitDuration).Seconds(),
		MaxOpenConns: w.MaxOpenConnections + r.MaxOpenConnections}
}

func (db *sqliteDB) close() error {
	db.rcache.close()
	if !db.memory {
		db.wcache.close()
		db.readers.Close()
	}
	return db.writer.Close()
}

type sqliteTx struct {
	tx    *sql.Tx
	cache *stmtCache
}

func (t *sqliteTx) query(ctx context.Context, query string, args []any, fn RowFunc) error {
	st, done, err := t.stmt(ctx, query)
	if err != nil {
		return err
	}
	defer done()
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	return scanRows(rows, fn)
}

func (t *sqliteTx) exec(ctx context.Context, query string, args []any) (Result, error) {
	st, done, err := t.stmt(ctx, query)
	if err != nil {
		return Result{}, err
	}
	defer done()
	r, err := st.ExecContext(ctx, args...)
	return sqlResult(r, err)
}

// stmt is query prepared for the transaction: the cached statement when
// there is one, else prepared on the transaction's own connection (and
// closed with it).
func (t *sqliteTx) stmt(ctx context.Context, query string) (*sql.Stmt, func(), error) {
	if st, release, ok := t.cache.peek(query); ok {
		return t.tx.StmtContext(ctx, st), release, nil
	}
	st, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	return st, func() { st.Close() }, nil
}

func (t *sqliteTx) execScript(ctx context.Context, src string) error {
	_, err := t.tx.ExecContext(ctx, src)
	return err
}

func (t *sqliteTx) commit(context.Context) error { return t.tx.Commit() }
func (t *sqliteTx) rollback() error              { return t.tx.Rollback() }

func sqlResult(r sql.Result, err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	n, _ := r.RowsAffected()
	id, idErr := r.LastInsertId()
	return Result{Changes: n, LastInsertID: id, HasLastID: idErr == nil}, nil
}

// scanRows calls fn for each row and closes rows.
func scanRows(rows *sql.Rows, fn RowFunc) error {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	ptrs := make([]any, len(cols))
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			vals[i] = normalise(v)
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// normalise turns a driver value into one of the package's value types.
func normalise(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case []byte:
		return append([]byte(nil), x...)
	}
	return v
}

// readOnly reports a statement that only reads: it may run on a reader.
// Anything it is unsure of goes to the writer, where it is always right.
func readOnly(query string) bool {
	s := strings.ToUpper(skipComments(query))
	word := s
	if i := strings.IndexFunc(s, func(r rune) bool { return !(r >= 'A' && r <= 'Z') }); i >= 0 {
		word = s[:i]
	}
	switch word {
	case "SELECT", "VALUES", "EXPLAIN":
	case "WITH":
		for _, w := range []string{"INSERT", "UPDATE", "DELETE", "REPLACE"} {
			if strings.Contains(s, w) {
				return false
			}
		}
	default:
		return false
	}
	return !strings.Contains(s, "RETURNING")
}

// skipComments drops leading space and SQL comments.
func skipComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n(")
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
