// db.go: db, SQL on the [db.NAME] databases (PLATFORM.md, "SQL"), over
// package internal/sqldb. db is the database named main; db.open(NAME)
// another. Calls wait inline in both languages (no Promise): each is
// bounded by the request's deadline and cancelled with it.

package caps

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"scriptsrv/host/engine"
	"scriptsrv/internal/sqldb"
)

// Database is one [db.NAME] as scripts reach it.
type Database struct {
	DB *sqldb.DB
	// MaxRows bounds what one query returns (an error past it).
	MaxRows atomic.Int64
	name    string
	methods []*engine.Func // query, get, exec, transaction on this database
}

// NewDatabase wraps an open database named name.
func NewDatabase(name string, db *sqldb.DB, maxRows int) *Database {
	d := &Database{DB: db, name: name}
	d.MaxRows.Store(int64(maxRows))
	d.methods = dbMethods(func(*engine.Call) (*Database, error) { return d, nil })
	return d
}

func init() {
	main := func(c *engine.Call) (*Database, error) { return database(c, "main") }
	funcs := append(dbMethods(main), &engine.Func{Name: "open", Params: []string{"name"}, TopLevel: true, Do: dbOpen})
	engine.Define(&engine.Module{Name: "db", Funcs: funcs})
}

// dbMethods are query, get, exec and transaction on the database which
// finds.
func dbMethods(which func(*engine.Call) (*Database, error)) []*engine.Func {
	on := func(do func(c *engine.Call, a *engine.Args, d *Database) (any, error)) func(*engine.Call, *engine.Args) (any, error) {
		return func(c *engine.Call, a *engine.Args) (any, error) {
			d, err := which(c)
			if err != nil {
				return nil, err
			}
			if tx := openTx(c, d); tx != nil {
				return nil, fmt.Errorf("a transaction on %s is open in this request: use the tx its function was given (a statement outside it would wait for it)", d.name)
			}
			return do(c, a, d)
		}
	}
	sqlArgs := []string{"sql", "args..."}
	return []*engine.Func{
		{Name: "query", Params: sqlArgs, Fallible: true, Do: on(func(c *engine.Call, a *engine.Args, d *Database) (any, error) { return dbQuery(c, a, d, d.DB, 0) })},
		{Name: "get", Params: sqlArgs, Fallible: true, Do: on(func(c *engine.Call, a *engine.Args, d *Database) (any, error) { return dbQuery(c, a, d, d.DB, 1) })},
		{Name: "exec", Params: sqlArgs, Fallible: true, Do: on(func(c *engine.Call, a *engine.Args, d *Database) (any, error) { return dbExec(c, a, d.DB) })},
		{Name: "transaction", Params: []string{"fn"}, Fallible: true, Do: on(dbTransaction)},
	}
}

// database finds a configured database, or says which config key is
// missing.
func database(c *engine.Call, name string) (*Database, error) {
	d := platform(c).Databases()[name]
	if d == nil {
		return nil, fmt.Errorf("no database %q: add [db.%s] with a url (\"sqlite:data/app.db\" or \"postgres://…\") to config.toml", name, name)
	}
	return d, nil
}

func dbOpen(c *engine.Call, a *engine.Args) (any, error) {
	name := a.String(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	d, err := database(c, name)
	if err != nil {
		return nil, err
	}
	return &engine.Object{Name: "db.open(" + strconv.Quote(name) + ")", Methods: d.methods}, nil
}

// sqlArguments reads the SQL text and its placeholder values.
func sqlArguments(a *engine.Args) (string, []any) {
	q := a.String(0)
	args := make([]any, 0, max(a.Len()-1, 0))
	for i := 1; i < a.Len(); i++ {
		v := a.Value(i)
		if v == engine.Null || v == engine.Undefined {
			v = nil
		}
		switch x := v.(type) {
		case string:
			if a.Call().Lang == "lua" && (!utf8.ValidString(x) || strings.IndexByte(x, 0) >= 0) {
				v = []byte(x) // Lua strings are bytes: binary ones bind as a blob (bytea)
			}
		case nil, bool, int64, float64, []byte:
		case int:
			v = int64(x)
		default:
			a.Fail(fmt.Errorf("argument %d: want null, a boolean, a number, a string or bytes for a placeholder, got %s", i+1, a.Kind(i)))
		}
		args = append(args, v)
	}
	return q, args
}

// dbQuery runs a query: all rows (limit 0) or the first (limit 1).
func dbQuery(c *engine.Call, a *engine.Args, d *Database, q sqldb.Querier, limit int) (any, error) {
	sql, args := sqlArguments(a)
	if a.Err() != nil {
		return nil, a.Err()
	}
	maxRows := int(d.MaxRows.Load())
	rows := []any{}
	c.Req.Waiting(true)
	err := q.Query(c.Context(), sql, args, func(cols []string, vals []any) error {
		if len(rows) == maxRows {
			return fmt.Errorf("more than max_rows (%d) rows: add a LIMIT, or raise [db.%s] max_rows", maxRows, d.name)
		}
		row, size := rowValue(cols, vals)
		if err := c.Req.Grow(size); err != nil {
			return err
		}
		rows = append(rows, row)
		if limit > 0 && len(rows) == limit {
			return sqldb.ErrStop
		}
		return nil
	})
	c.Req.Waiting(false)
	if errors.Is(err, sqldb.ErrStop) {
		err = nil
	}
	if err != nil {
		return nil, dbError(c, err)
	}
	if limit == 1 {
		if len(rows) == 0 {
			return engine.Null, nil
		}
		return rows[0], nil
	}
	return rows, nil
}

func dbExec(c *engine.Call, a *engine.Args, q sqldb.Querier) (any, error) {
	sql, args := sqlArguments(a)
	if a.Err() != nil {
		return nil, a.Err()
	}
	c.Req.Waiting(true)
	r, err := q.Exec(c.Context(), sql, args)
	c.Req.Waiting(false)
	if err != nil {
		return nil, dbError(c, err)
	}
	var last any = engine.Null
	if r.HasLastID {
		last = dbNumber(r.LastInsertID)
	}
	return &engine.Object{Fields: engine.Map{{Key: "changes", Value: dbNumber(r.Changes)}, {Key: "lastInsertId", Value: last}}}, nil
}

// dbError is a statement's error as the script sees it. One that ended
// with its request stops the script (the request is over); a memory
// limit too.
func dbError(c *engine.Call, err error) error {
	if engine.IsFatal(err) {
		return err
	}
	if ctxErr := c.Context().Err(); ctxErr != nil {
		return &engine.Fatal{Err: fmt.Errorf("cancelled with its request: %w", ctxErr)}
	}
	return err
}

// rowValue makes a row an object of its columns, in order, and estimates
// what it holds.
func rowValue(cols []string, vals []any) (engine.Map, int64) {
	row := make(engine.Map, len(cols))
	size := int64(16 * len(cols))
	for i, col := range cols {
		v := sqlValue(vals[i])
		switch x := v.(type) {
		case string:
			size += int64(len(x))
		case []byte:
			size += int64(len(x))
		}
		row[i] = engine.Field{Key: col, Value: v}
	}
	return row, size
}

// sqlValue is a database value as scripts get it: an integer beyond 2^53
// as a decimal string (a script's numbers cannot hold it exactly).
func sqlValue(v any) any {
	switch x := v.(type) {
	case nil:
		return engine.Null
	case int64:
		return dbNumber(x)
	case []any:
		for i, e := range x {
			x[i] = sqlValue(e)
		}
		return x
	}
	return v
}

func dbNumber(n int64) any {
	if n > 1<<53 || n < -(1<<53) {
		return strconv.FormatInt(n, 10)
	}
	return n
}
