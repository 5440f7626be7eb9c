// sqliteconn.go: one SQLite connection with its prepared statements, and
// how a statement runs on it (binding, interruption, rows).

package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3"
)

// maxStatements is how many prepared statements a connection keeps.
const maxStatements = 256

type sqliteConn struct {
	c     *sqlite3.Conn
	stmts map[string]*prepared
}

// prepared is a statement with what is known of it once.
type prepared struct {
	st   *sqlite3.Stmt
	cols []string
	ro   bool
}

// openConn opens one connection with the pragmas every connection needs;
// the writer also turns WAL on.
func openConn(path string, busy time.Duration, writer bool) (*sqliteConn, error) {
	c, err := sqlite3.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sqldb: opening %s: %w", path, err)
	}
	if err := c.BusyTimeout(busy); err != nil {
		c.Close()
		return nil, err
	}
	pragmas := "PRAGMA foreign_keys = ON;"
	if writer && path != ":memory:" {
		pragmas += "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	}
	if err := c.Exec(pragmas); err != nil {
		c.Close()
		return nil, fmt.Errorf("sqldb: opening %s: %w", path, err)
	}
	return &sqliteConn{c: c, stmts: map[string]*prepared{}}, nil
}

// prepare returns query prepared on this connection, from its cache.
func (sc *sqliteConn) prepare(query string) (*prepared, error) {
	if p, ok := sc.stmts[query]; ok {
		return p, nil
	}
	st, tail, err := sc.c.Prepare(query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("no statement in %q", query)
	}
	if strings.TrimSpace(strings.Trim(skipComments(tail), "; \t\r\n")) != "" {
		st.Close()
		return nil, errSeveral
	}
	p := &prepared{st: st, ro: st.ReadOnly(), cols: make([]string, st.ColumnCount())}
	for i := range p.cols {
		p.cols[i] = st.ColumnName(i)
	}
	if len(sc.stmts) >= maxStatements { // a script making SQL text per request: start over
		for _, old := range sc.stmts {
			old.st.Close()
		}
		clear(sc.stmts)
	}
	sc.stmts[query] = p
	return p, nil
}

// run binds args, steps through the rows calling fn, and resets the
// statement. ctx interrupts it where it runs.
func (sc *sqliteConn) run(ctx context.Context, p *prepared, args []any, fn RowFunc) error {
	sc.c.SetInterrupt(ctx)
	defer sc.c.SetInterrupt(context.Background())
	st := p.st
	defer st.ClearBindings()
	if err := bind(st, args); err != nil {
		return err
	}
	var err error
	for st.Step() {
		if fn == nil {
			continue
		}
		vals := make([]any, len(p.cols))
		for i := range vals {
			vals[i] = sqliteValue(st, i)
		}
		if err = fn(p.cols, vals); err != nil {
			break
		}
	}
	if rerr := st.Reset(); err == nil {
		err = rerr
	}
	if err != nil && ctx.Err() != nil && err != ErrStop {
		return fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}
	return err
}

func (sc *sqliteConn) exec(ctx context.Context, query string, args []any) (Result, error) {
	p, err := sc.prepare(query)
	if err != nil {
		return Result{}, err
	}
	if err := sc.run(ctx, p, args, nil); err != nil {
		return Result{}, err
	}
	return Result{Changes: sc.c.Changes(), LastInsertID: sc.c.LastInsertRowID(), HasLastID: true}, nil
}

// script runs SQL text of one or more statements, without arguments.
func (sc *sqliteConn) script(ctx context.Context, src string) error {
	sc.c.SetInterrupt(ctx)
	defer sc.c.SetInterrupt(context.Background())
	return sc.c.Exec(src)
}

func (sc *sqliteConn) close() error {
	for _, p := range sc.stmts {
		p.st.Close()
	}
	return sc.c.Close()
}

// bind binds args to the statement's placeholders: ? in order, or $N / ?N
// for the N-th argument. Names (:name, @name) are not supported.
func bind(st *sqlite3.Stmt, args []any) error {
	n := st.BindCount()
	used := 0
	for i := 1; i <= n; i++ {
		idx := i - 1
		if name := st.BindName(i); name != "" {
			k, err := strconv.Atoi(name[1:])
			if (name[0] != '$' && name[0] != '?') || err != nil || k < 1 {
				return fmt.Errorf("placeholder %s: use ? or $1, $2 … (named placeholders are not supported)", name)
			}
			idx = k - 1
		}
		if idx >= len(args) {
			return fmt.Errorf("the statement has %d placeholders, got %d values", max(n, idx+1), len(args))
		}
		used = max(used, idx+1)
		if err := bindValue(st, i, args[idx]); err != nil {
			return err
		}
	}
	if len(args) > used {
		return fmt.Errorf("%d values for %d placeholders", len(args), used)
	}
	return nil
}

func bindValue(st *sqlite3.Stmt, i int, v any) error {
	switch x := v.(type) {
	case nil:
		return st.BindNull(i)
	case bool:
		return st.BindBool(i, x)
	case int64:
		return st.BindInt64(i, x)
	case int:
		return st.BindInt64(i, int64(x))
	case float64:
		return st.BindFloat(i, x)
	case string:
		return st.BindText(i, x)
	case []byte:
		if x == nil {
			x = []byte{}
		}
		return st.BindBlob(i, x)
	}
	return fmt.Errorf("cannot bind a %T", v)
}
