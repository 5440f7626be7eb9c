// sqlite.go: the store in a SQLite file (store = "sqlite:PATH"): it
// survives restarts. Expired entries are skipped when read and deleted
// in the background.

package kv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"scriptsrv/internal/sqldb"
)

// SQLite is the store in a SQLite file. Every operation is one statement
// or one transaction on the database's single writer, so incr and add are
// atomic, across processes too.
type SQLite struct {
	db       *sqldb.DB
	maxValue int64
	now      func() time.Time
	hits     atomic.Int64
	misses   atomic.Int64
	expired  atomic.Int64
	stop     chan struct{}
	wg       sync.WaitGroup
}

// sweepEvery is how often expired entries are deleted.
const sweepEvery = 30 * time.Second

// OpenSQLite opens (creating) the store at url ("sqlite:PATH", relative
// to dir), refusing values over maxValue bytes (0: no limit).
func OpenSQLite(ctx context.Context, url, dir string, maxValue int64) (*SQLite, error) {
	db, err := sqldb.Open(ctx, sqldb.Config{URL: url, Dir: dir, MaxOpen: 2})
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires INTEGER) WITHOUT ROWID`, nil); err != nil {
		db.Close()
		return nil, fmt.Errorf("kv: making the table in %s: %w", url, err)
	}
	s := &SQLite{db: db, maxValue: maxValue, now: time.Now, stop: make(chan struct{})}
	s.wg.Add(1)
	go s.sweep()
	return s, nil
}

// SetMaxValue changes the largest value (a reload).
func (s *SQLite) SetMaxValue(n int64) { atomic.StoreInt64(&s.maxValue, n) }

func (s *SQLite) sweep() {
	defer s.wg.Done()
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if r, err := s.db.Exec(ctx, "DELETE FROM kv WHERE expires IS NOT NULL AND expires <= $1", []any{s.ms()}); err == nil {
				s.expired.Add(r.Changes)
			}
			cancel()
		}
	}
}

// ms is now in unix milliseconds, as expires holds it.
func (s *SQLite) ms() int64 { return s.now().UnixMilli() }

func (s *SQLite) expiry(ttl time.Duration) any {
	if ttl <= 0 {
		return nil
	}
	return s.now().Add(ttl).UnixMilli()
}

const live = "(expires IS NULL OR expires > $2)"

func (s *SQLite) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var v []byte
	found := false
	err := s.db.Query(ctx, "SELECT value FROM kv WHERE key = $1 AND "+live, []any{key, s.ms()}, func(_ []string, vals []any) error {
		v, found = asBytes(vals[0]), true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if found {
		s.hits.Add(1)
	} else {
		s.misses.Add(1)
	}
	return v, found, nil
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}

func (s *SQLite) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkValue(value, atomic.LoadInt64(&s.maxValue)); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `INSERT INTO kv (key, value, expires) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires`, []any{key, value, s.expiry(ttl)})
	return err
}

// Add stores only over an absent or expired entry, in one statement.
func (s *SQLite) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := checkValue(value, atomic.LoadInt64(&s.maxValue)); err != nil {
		return false, err
	}
	r, err := s.db.Exec(ctx, `INSERT INTO kv (key, value, expires) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires
		WHERE kv.expires IS NOT NULL AND kv.expires <= $4`, []any{key, value, s.expiry(ttl), s.ms()})
	return r.Changes == 1, err
}

func (s *SQLite) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := checkValue(value, atomic.LoadInt64(&s.maxValue)); err != nil {
		return false, err
	}
	r, err := s.db.Exec(ctx, "UPDATE kv SET value = $3, expires = $4 WHERE key = $1 AND "+live, []any{key, s.ms(), value, s.expiry(ttl)})
	return r.Changes == 1, err
}

// Incr reads and writes in one transaction (on the one writer: atomic).
func (s *SQLite) Incr(ctx context.Context, key string, delta, init float64, ttl time.Duration) (float64, error) {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n, expires := init, s.expiry(ttl)
	err = tx.Query(ctx, "SELECT value, expires FROM kv WHERE key = $1 AND "+live, []any{key, s.ms()}, func(_ []string, vals []any) error {
		v, err := ParseNumber(asBytes(vals[0]))
		n, expires = v, vals[1]
		return err
	})
	if err != nil {
		return 0, err
	}
	n += delta
	if _, err := tx.Exec(ctx, `INSERT INTO kv (key, value, expires) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires`, []any{key, FormatNumber(n), expires}); err != nil {
		return 0, err
	}
	return n, tx.Commit(ctx)
}

func (s *SQLite) Delete(ctx context.Context, key string) (bool, error) {
	r, err := s.db.Exec(ctx, "DELETE FROM kv WHERE key = $1 AND "+live, []any{key, s.ms()})
	if err == nil && r.Changes == 0 { // an expired entry goes too, quietly
		_, err = s.db.Exec(ctx, "DELETE FROM kv WHERE key = $1", []any{key})
	}
	return r.Changes == 1, err
}

func (s *SQLite) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	var left time.Duration
	ok := false
	err := s.db.Query(ctx, "SELECT expires FROM kv WHERE key = $1 AND expires IS NOT NULL AND expires > $2", []any{key, s.ms()}, func(_ []string, vals []any) error {
		if ms, isInt := vals[0].(int64); isInt {
			left, ok = time.UnixMilli(ms).Sub(s.now()), true
		}
		return nil
	})
	return left, ok, err
}

func (s *SQLite) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	r, err := s.db.Exec(ctx, "UPDATE kv SET expires = $3 WHERE key = $1 AND "+live, []any{key, s.ms(), s.expiry(ttl)})
	return r.Changes == 1, err
}

func (s *SQLite) Keys(ctx context.Context, prefix string, limit int) ([]string, error) {
	q, args := "SELECT key FROM kv WHERE "+live+" AND key >= $1", []any{prefix, s.ms()}
	if end, ok := prefixEnd(prefix); ok {
		q += " AND key < $3"
		args = append(args, end)
	}
	q += " ORDER BY key"
	keys := []string{}
	err := s.db.Query(ctx, q, args, func(_ []string, vals []any) error {
		if limit >= 0 && len(keys) == limit {
			return sqldb.ErrStop
		}
		keys = append(keys, string(asBytes(vals[0])))
		return nil
	})
	if errors.Is(err, sqldb.ErrStop) {
		err = nil
	}
	return keys, err
}

// prefixEnd is the least string greater than every string with prefix
// (false when there is none: all 0xff, or empty).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

func (s *SQLite) Stats() Stats {
	st := Stats{Hits: s.hits.Load(), Misses: s.misses.Load(), Expired: s.expired.Load()}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.db.Query(ctx, "SELECT count(*), coalesce(sum(length(key) + length(value)), 0) FROM kv", nil, func(_ []string, vals []any) error {
		st.Entries, _ = vals[0].(int64)
		st.Bytes, _ = vals[1].(int64)
		return nil
	})
	return st
}

func (s *SQLite) Close() error {
	close(s.stop)
	s.wg.Wait()
	return s.db.Close()
}

// checkValue refuses a value over maxValue (0: no limit).
func checkValue(v []byte, maxValue int64) error {
	if maxValue > 0 && int64(len(v)) > maxValue {
		return fmt.Errorf("%w: %d bytes, more than max_value (%d)", ErrTooLarge, len(v), maxValue)
	}
	return nil
}
