// conn.go: one client connection: requests one after another (keep-alive,
// pipelining), their timeouts, and watching for the client going away.

package httpmin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"scriptsrv/cgi"
)

// Connection states, for Shutdown.
const (
	stateNew    int32 = iota // accepted, no request yet
	stateIdle                // between requests
	stateActive              // reading or serving a request
)

var (
	errClientGone = fmt.Errorf("httpmin: %w", cgi.ErrClientGone)
	errRequestEnd = errors.New("httpmin: the request is over")
	aLongTimeAgo  = time.Unix(1, 0)
)

// conn serves the requests of one client connection in turn.
type conn struct {
	srv     *Server
	rwc     net.Conn
	ca      *connAddrs
	br      *bufio.Reader // reads from the conn itself (Read)
	bw      *bufio.Writer
	scratch []byte // the response header being built
	state   atomic.Int32
	born    time.Time
	// lingering: the connection closes with input perhaps unread.
	lingering bool
	readUntil time.Time   // the request's ReadTimeout deadline
	detached  atomic.Bool // its request was detached: it only waits for a stuck handler

	// Watching for the client going away (see watch). mu guards the
	// fields up to watchDone; the rest belong to the watcher while it
	// runs and to the serving goroutine after watchDone is closed.
	mu        sync.Mutex
	watchFor  *reqCtx // the request whose context is watched
	bodyDone  bool    // its body has been read to its end
	watching  bool
	stopping  bool
	watchDone chan struct{}
	stash     [1]byte // a byte the watcher read: the next request's first
	stashed   bool
	readErr   error // what the watcher's read failed with
}

var bufPool = sync.Pool{New: func() any {
	return &bufs{bufio.NewReaderSize(nil, 4<<10), bufio.NewWriterSize(nil, 4<<10)}
}}

type bufs struct {
	r *bufio.Reader
	w *bufio.Writer
}

func newConn(s *Server, rwc net.Conn) *conn {
	c := &conn{srv: s, rwc: rwc, born: time.Now(), scratch: make([]byte, 0, 512)}
	c.ca = newConnAddrs(rwc.RemoteAddr().String(), rwc.LocalAddr())
	b := bufPool.Get().(*bufs)
	b.r.Reset(c)
	b.w.Reset(rwc)
	c.br, c.bw = b.r, b.w
	return c
}

// Read is the source of c.br: the connection, after any byte the watcher
// read ahead.
func (c *conn) Read(p []byte) (int, error) {
	if c.stashed && len(p) > 0 {
		c.stashed = false
		p[0] = c.stash[0]
		return 1, nil
	}
	if c.readErr != nil {
		return 0, c.readErr
	}
	return c.rwc.Read(p)
}

// serve runs the connection until the client or the server ends it.
func (c *conn) serve() {
	defer c.finish()
	for {
		h, err := c.next()
		if err != nil {
			c.reject(err)
			return
		}
		if !c.serveOne(h) {
			return
		}
	}
}

// next waits for a request (under the idle timeout, or the header timeout
// for a connection's first) and reads its head under the header timeout.
func (c *conn) next() (*head, error) {
	s := c.srv
	wait := s.IdleTimeout
	if c.state.Load() == stateNew {
		wait = s.ReadHeaderTimeout
	} else {
		c.state.Store(stateIdle)
	}
	if s.shuttingDown() {
		return nil, io.EOF
	}
	c.rwc.SetReadDeadline(time.Now().Add(wait))
	if _, err := c.br.Peek(1); err != nil {
		return nil, io.EOF // the client closed, or stayed idle too long
	}
	c.state.Store(stateActive)
	c.rwc.SetReadDeadline(time.Now().Add(s.ReadHeaderTimeout))
	return readHead(c.br, s.MaxHeaderBytes, c.ca)
}

// reject answers a request that cannot be served with its status, and
// logs why. Read errors end the connection quietly.
func (c *conn) reject(err error) {
	var se *statusError
	if !errors.As(err, &se) {
		if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
			c.srv.logger().Debug("reading a request failed", "remote_addr", c.ca.remote, "error", err)
		}
		return
	}
	c.srv.logger().Warn("bad request", "remote_addr", c.ca.remote, "status", se.status, "error", se.msg)
	text := http.StatusText(se.status)
	msg := text + ": " + se.msg + "\n"
	b := append(c.scratch[:0], "HTTP/1.1 "...)
	b = append(b, strconv.Itoa(se.status)+" "+text+"\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"...)
	b = append(b, "Content-Length: "+strconv.Itoa(len(msg))+"\r\n\r\n"+msg...)
	c.rwc.SetWriteDeadline(time.Now().Add(time.Second))
	c.bw.Write(b)
	c.bw.Flush()
	c.lingering = true
}

// lingerClose ends the sending side and reads what the client still sends
// (an upload it did not stop) for a moment before the connection closes:
// closing with unread input would reset the connection, and the client
// could lose the answer.
func (c *conn) lingerClose() {
	c.closeWrite()
	c.rwc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	io.Copy(io.Discard, c.rwc)
}

// serveOne runs the handler for one request and reports whether the
// connection can serve another.
func (c *conn) serveOne(h *head) (keep bool) {
	s := c.srv
	s.active.Add(1)
	defer s.active.Add(-1)
	now := time.Now()
	c.readUntil = now.Add(s.ReadTimeout)
	c.rwc.SetReadDeadline(c.readUntil)
	if s.WriteTimeout > 0 {
		c.rwc.SetWriteDeadline(now.Add(s.WriteTimeout))
	}
	ctx := &reqCtx{c: c, parent: s.base}
	w := newResponse(c, h)
	var b *body
	var rbody io.Reader = http.NoBody
	if h.length != 0 {
		b = newBody(c, w, h)
		w.body, rbody = b, b
	} else {
		c.bodyRead()
	}
	defer func() {
		if v := recover(); v != nil {
			s.logger().Error("handler panic", "remote_addr", c.ca.remote, "panic", v, "stack", string(debug.Stack()))
			w.panicked()
			keep = false
		}
		c.endRequest(ctx)
	}()
	s.Handler.ServeCGI(w, cgi.NewRequest(ctx, h.params, rbody))
	keep = w.end()
	if keep && b != nil {
		keep = b.drain()
	}
	c.lingering = !keep && b != nil && !b.done
	return keep
}

// finish closes the connection and returns its buffers.
func (c *conn) finish() {
	if c.lingering {
		c.lingerClose()
	}
	c.rwc.Close()
	c.srv.forget(c)
	c.br.Reset(nil)
	c.bw.Reset(nil)
	bufPool.Put(&bufs{c.br, c.bw})
}

// closeWrite ends the sending side, so the client sees the answer end
// while a detached handler still holds the connection.
func (c *conn) closeWrite() {
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	c.rwc.Close()
}
