// dbtx.go: db.transaction(fn): fn gets a tx with query, get and exec on
// one transaction, committed when fn returns and rolled back when it
// throws, or when the request ends first.

package caps

import (
	"fmt"

	"scriptsrv/host/engine"
	"scriptsrv/internal/sqldb"
)

// txKey keeps a request's open transactions, by database.
type txKey struct{}

type openTxs map[*Database]*sqldb.Tx

// openTx is the request's open transaction on d, if any.
func openTx(c *engine.Call, d *Database) *sqldb.Tx {
	if c.Req == nil {
		return nil
	}
	txs, _ := c.Req.Local(txKey{}).(openTxs)
	return txs[d]
}

func dbTransaction(c *engine.Call, a *engine.Args, d *Database) (any, error) {
	fn := a.Func(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	c.Req.Waiting(true)
	tx, err := d.DB.Begin(c.Context())
	c.Req.Waiting(false)
	if err != nil {
		return nil, dbError(c, err)
	}
	txs, _ := c.Req.Local(txKey{}).(openTxs)
	if txs == nil {
		txs = openTxs{}
		c.Req.SetLocal(txKey{}, txs)
		c.Req.OnEnd(func() { // a transaction its request left open is rolled back
			for _, tx := range txs {
				tx.Rollback()
			}
		})
	}
	txs[d] = tx
	defer delete(txs, d)
	out, err := fn.Call(txObject(d, tx))
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	c.Req.Waiting(true)
	err = tx.Commit(c.Context())
	c.Req.Waiting(false)
	if err != nil {
		return nil, dbError(c, fmt.Errorf("commit: %w", err))
	}
	return out, nil
}

// txObject is the tx a transaction's function gets.
func txObject(d *Database, tx *sqldb.Tx) *engine.Object {
	sqlArgs := []string{"sql", "args..."}
	return &engine.Object{Name: "tx", Methods: []*engine.Func{
		{Name: "query", Params: sqlArgs, Fallible: true, Do: func(c *engine.Call, a *engine.Args) (any, error) { return dbQuery(c, a, d, tx, 0) }},
		{Name: "get", Params: sqlArgs, Fallible: true, Do: func(c *engine.Call, a *engine.Args) (any, error) { return dbQuery(c, a, d, tx, 1) }},
		{Name: "exec", Params: sqlArgs, Fallible: true, Do: func(c *engine.Call, a *engine.Args) (any, error) { return dbExec(c, a, tx) }},
	}}
}
