// inline.go: running a request on the reader's own goroutine. A request
// whose body has fully arrived, alone on its connection (nginx with
// keep-conn, Caddy, cgi-fcgi) runs right where its records were read: no
// hand-off to another goroutine and back. If it runs longer than inlineFor,
// reading moves to another goroutine, so ABORT_REQUEST, a closed connection
// and multiplexed requests wait at most that long.

package fcgi

import (
	"errors"
	"time"
)

// inlineFor is how long the reader may run a request before reading moves.
// At 1ms, scheduling delays on a busy 2-core machine moved it often, each
// move costing more than the hand-off it saves.
const inlineFor = 10 * time.Millisecond

// readRole, sent on conn.next, tells an idle goroutine to become the reader.
var readRole = new(request)

var errReadingMoved = errors.New("fcgi: reading moved to another goroutine")

// work is the loop of every connection goroutine: it reads while it holds
// the reader role, and runs the requests handed to it.
func (c *conn) work(r *request) {
	for {
		if r == readRole {
			err := c.readLoop()
			if !errors.Is(err, errReadingMoved) {
				c.finishReading(err)
				return
			}
		} else if r != nil {
			r.run()
		}
		select {
		case r = <-c.next:
		case <-c.ctx.Done():
			return
		}
	}
}

// runReady starts the request whose params have ended. With its body
// complete and no other request on the connection it runs here, on the
// reader's goroutine; otherwise on another one. It reports whether reading
// moved to another goroutine meanwhile, leaving this one a plain worker.
func (c *conn) runReady() (moved bool) {
	r := c.ready
	c.ready = nil
	c.mu.Lock()
	alone := len(c.reqs) == 1
	c.mu.Unlock()
	if !r.stdinDone || !alone {
		r.goStart()
		return false
	}
	s := c.reading.Load()
	c.reading.Store(s | 1)
	c.handoff.Reset(inlineFor)
	r.run()
	c.handoff.Stop()
	// Still ours unless moveReading took it: it then bumped the epoch.
	return !c.reading.CompareAndSwap(s|1, s)
}

// moveReading runs when a request on the reader's goroutine runs long: it
// makes an idle goroutine the reader, or becomes the reader itself.
func (c *conn) moveReading() {
	s := c.reading.Load()
	if s&1 == 0 || !c.reading.CompareAndSwap(s, s+1) { // (epoch<<1|1)+1 = (epoch+1)<<1
		return
	}
	select {
	case c.next <- readRole:
	default:
		c.work(readRole)
	}
}

// recordBuffered reports whether a whole record is already in the reader's
// buffer, to be read before a ready request starts.
func (c *conn) recordBuffered() bool {
	n := c.br.Buffered()
	if n < headerLen {
		return false
	}
	hb, _ := c.br.Peek(headerLen)
	h, err := parseHeader(hb)
	if err != nil {
		return true // the loop reports it
	}
	return n >= headerLen+int(h.ContentLength)+int(h.PaddingLength)
}
