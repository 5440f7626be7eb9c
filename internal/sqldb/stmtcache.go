// stmtcache.go: prepared statements kept by their text, so a script's
// query is parsed once, not per request.

package sqldb

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// maxStatements is how many prepared statements a pool keeps; the least
// recently used go past it.
const maxStatements = 256

type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	order *list.List // of *cachedStmt, most recent first
	byKey map[string]*list.Element
}

type cachedStmt struct {
	query   string
	st      *sql.Stmt
	users   int  // statements running on it
	evicted bool // closed when the last user is done
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns query prepared, and the function to call when the caller is
// done with it. A statement that does not prepare is not kept: its error
// says what is wrong with it.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, func(), error) {
	c.mu.Lock()
	if e, ok := c.byKey[query]; ok {
		c.order.MoveToFront(e)
		cs := e.Value.(*cachedStmt)
		cs.users++
		c.mu.Unlock()
		return cs.st, func() { c.release(cs) }, nil
	}
	c.mu.Unlock()
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[query]; ok { // prepared meanwhile by another request
		st.Close()
		cs := e.Value.(*cachedStmt)
		cs.users++
		return cs.st, func() { c.release(cs) }, nil
	}
	cs := &cachedStmt{query: query, st: st, users: 1}
	c.byKey[query] = c.order.PushFront(cs)
	for c.order.Len() > maxStatements {
		old := c.order.Remove(c.order.Back()).(*cachedStmt)
		delete(c.byKey, old.query)
		old.evicted = true
		if old.users == 0 {
			old.st.Close()
		}
	}
	return st, func() { c.release(cs) }, nil
}

// peek returns query's statement if it is prepared already (a transaction
// holds the only writer connection: it cannot prepare on the pool).
func (c *stmtCache) peek(query string) (*sql.Stmt, func(), bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[query]
	if !ok {
		return nil, nil, false
	}
	c.order.MoveToFront(e)
	cs := e.Value.(*cachedStmt)
	cs.users++
	return cs.st, func() { c.release(cs) }, true
}

func (c *stmtCache) release(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.users--
	if cs.evicted && cs.users == 0 {
		cs.st.Close()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.byKey {
		e.Value.(*cachedStmt).st.Close()
	}
	clear(c.byKey)
	c.order.Init()
}
