// postgres.go: the Postgres backend, over pgx's pool.

package sqldb

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

type pgDB struct{ p *pgxpool.Pool }

func openPostgres(ctx context.Context, cfg Config) (*pgDB, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", Redact(cfg.URL), err)
	}
	pc.MaxConns = int32(cfg.MaxOpen)
	pc.MaxConnIdleTime = 5 * time.Minute
	// A cancelled statement (its request timed out, its client left) is
	// cancelled on the server too, and its connection goes back to the
	// pool instead of being closed.
	pc.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %s: %w", Redact(cfg.URL), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("sqldb: connecting to %s: %w", Redact(cfg.URL), err)
	}
	return &pgDB{p: pool}, nil
}

func (db *pgDB) query(ctx context.Context, sql string, args []any, fn RowFunc) error {
	rows, err := db.p.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	return scanPg(rows, fn)
}

func (db *pgDB) exec(ctx context.Context, sql string, args []any) (Result, error) {
	tag, err := db.p.Exec(ctx, sql, args...)
	if err != nil {
		return Result{}, err
	}
	return Result{Changes: tag.RowsAffected()}, nil
}

func (db *pgDB) begin(ctx context.Context) (txBackend, error) {
	tx, err := db.p.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &pgTx{tx: tx}, nil
}

// lockMigrations makes instances starting together apply migrations one
// at a time (a lock held until the transaction ends).
func (db *pgDB) lockMigrations(ctx context.Context, t txBackend) error {
	_, err := t.exec(ctx, "SELECT pg_advisory_xact_lock(7245160398711650481)", nil)
	return err
}

func (db *pgDB) pool() PoolStats {
	s := db.p.Stat()
	return PoolStats{Open: int(s.TotalConns()), InUse: int(s.AcquiredConns()), Idle: int(s.IdleConns()),
		Waits: s.EmptyAcquireCount(), WaitSeconds: s.EmptyAcquireWaitTime().Seconds(), MaxOpenConns: int(s.MaxConns())}
}

func (db *pgDB) close() error {
	db.p.Close()
	return nil
}

type pgTx struct{ tx pgx.Tx }

func (t *pgTx) query(ctx context.Context, sql string, args []any, fn RowFunc) error {
	rows, err := t.tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	return scanPg(rows, fn)
}

func (t *pgTx) exec(ctx context.Context, sql string, args []any) (Result, error) {
	tag, err := t.tx.Exec(ctx, sql, args...)
	if err != nil {
		return Result{}, err
	}
	return Result{Changes: tag.RowsAffected()}, nil
}

func (t *pgTx) execScript(ctx context.Context, src string) error {
	_, err := t.tx.Exec(ctx, src) // no arguments: the simple protocol, several statements
	return err
}

func (t *pgTx) commit(ctx context.Context) error { return t.tx.Commit(ctx) }

// rollback is bounded on its own: it runs when the request's context may
// already be over.
func (t *pgTx) rollback() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return t.tx.Rollback(ctx)
}

// scanPg calls fn for each row and closes rows.
func scanPg(rows pgx.Rows, fn RowFunc) error {
	defer rows.Close()
	fds := rows.FieldDescriptions()
	cols := make([]string, len(fds))
	for i, f := range fds {
		cols[i] = f.Name
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		for i, v := range vals {
			vals[i] = normalisePg(v, fds[i].DataTypeOID)
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// normalisePg turns what pgx decoded into the package's value types.
func normalisePg(v any, oid uint32) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, []byte, map[string]any:
		return v
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int8:
		return int64(x)
	case float32:
		return float64(x)
	case time.Time:
		if oid == pgtype.DateOID {
			return x.Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case [16]byte: // uuid
		h := hex.EncodeToString(x[:])
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	case pgtype.Numeric:
		return numericString(x)
	case []any:
		for i, e := range x {
			x[i] = normalisePg(e, 0)
		}
		return x
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// numericString is a numeric's exact decimal text.
func numericString(n pgtype.Numeric) any {
	if !n.Valid {
		return nil
	}
	if n.NaN {
		return "NaN"
	}
	if n.InfinityModifier != pgtype.Finite {
		if n.InfinityModifier == pgtype.Infinity {
			return "Infinity"
		}
		return "-Infinity"
	}
	b, err := n.MarshalJSON()
	if err != nil {
		return new(big.Int).Set(n.Int).String()
	}
	return string(b)
}
