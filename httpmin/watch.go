// watch.go: a request's context, and watching for the client going away
// only once someone waits on it.

package httpmin

import (
	"context"
	"sync"
	"time"
)

// reqCtx is a request's context. It is done when the server shuts down,
// when the request is over, and when the client goes away — but the
// connection is only watched for that once something waits on the context
// (Done, or context.AfterFunc): most requests end before anyone does, and
// watching costs a goroutine and a read. The host registers its watch only
// on requests that run a while.
type reqCtx struct {
	c      *conn
	parent context.Context

	mu     sync.Mutex
	inner  context.Context // set on first wait
	cancel context.CancelCauseFunc
	over   bool
}

func (x *reqCtx) Deadline() (time.Time, bool) { return x.parent.Deadline() }
func (x *reqCtx) Done() <-chan struct{}       { return x.watched().Done() }

func (x *reqCtx) Err() error {
	if in := x.current(); in != nil {
		return in.Err()
	}
	return x.parent.Err()
}

func (x *reqCtx) Value(key any) any {
	if in := x.current(); in != nil {
		return in.Value(key) // context.Cause finds the inner context's cause
	}
	return x.parent.Value(key)
}

// AfterFunc makes context.AfterFunc start the watch without a goroutine
// of its own.
func (x *reqCtx) AfterFunc(f func()) func() bool {
	return context.AfterFunc(x.watched(), f)
}

func (x *reqCtx) current() context.Context {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.inner
}

// watched is the context that is cancelled when the client goes away; the
// first call starts watching.
func (x *reqCtx) watched() context.Context {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.inner == nil {
		x.inner, x.cancel = context.WithCancelCause(x.parent)
		if x.over {
			x.cancel(errRequestEnd)
		} else {
			x.c.watch(x)
		}
	}
	return x.inner
}

// end cancels the context once the request is over.
func (x *reqCtx) end() {
	x.mu.Lock()
	x.over = true
	cancel := x.cancel
	x.mu.Unlock()
	if cancel != nil {
		cancel(errRequestEnd)
	}
}

// watch asks for x's client to be watched; the watcher starts once the
// request's body has been read (it reads the connection itself).
func (c *conn) watch(x *reqCtx) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watchFor = x
	if c.bodyDone {
		c.startWatchLocked()
	}
}

// bodyRead notes that the request's body has been read to its end.
func (c *conn) bodyRead() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodyDone = true
	if c.watchFor != nil {
		c.startWatchLocked()
	}
}

func (c *conn) startWatchLocked() {
	if c.watching || c.stopping || c.br.Buffered() > 0 {
		return // bytes of a next request are here: the client is not gone
	}
	c.watching = true
	c.watchDone = make(chan struct{})
	c.rwc.SetReadDeadline(time.Time{})
	go c.watchLoop(c.watchFor)
}

// watchLoop reads one byte: an error means the client went away (unless
// the request ended and stopped the read); a byte is the next pipelined
// request's first, kept for it.
func (c *conn) watchLoop(x *reqCtx) {
	defer close(c.watchDone)
	n, err := c.rwc.Read(c.stash[:])
	if n == 1 {
		c.stashed = true
		return
	}
	c.mu.Lock()
	stopping := c.stopping
	c.mu.Unlock()
	if err != nil && !stopping {
		c.readErr = err
		x.cancel(errClientGone)
	}
}

// endRequest stops the watcher, if any, and cancels the request's context.
func (c *conn) endRequest(x *reqCtx) {
	c.mu.Lock()
	c.stopping = true
	watching := c.watching
	c.mu.Unlock()
	if watching {
		c.rwc.SetReadDeadline(aLongTimeAgo)
		<-c.watchDone
	}
	x.end()
	c.mu.Lock()
	c.watchFor, c.bodyDone, c.watching, c.stopping = nil, false, false, false
	c.mu.Unlock()
}
