// conn.go: one web-server connection: its state and the record reader
// (records.go does what each record asks).

package fcgi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errDrainDone = errors.New("fcgi: connection drained")
	errMidRecord = errors.New("fcgi: read interrupted in the middle of a record")
)

type conn struct {
	srv    *Server
	rwc    net.Conn
	peer   string
	br     *bufio.Reader
	ctx    context.Context
	cancel context.CancelCauseFunc
	log    *slog.Logger

	wmu  sync.Mutex // serialises whole writes
	werr error
	// lastActive is when the last record arrived (unix ns), and evicted
	// that the server closes it to make room (guarded by the server's mu).
	lastActive atomic.Int64
	evicted    bool
	evictNow   atomic.Bool // evicted, for the reader
	// writing is set while a Write is on the wire (failWrites may cut it).
	writing atomic.Bool

	mu       sync.Mutex // guards reqs and closing
	reqs     map[uint16]*request
	closing  bool // a request without KEEP_CONN ended: drain, then close
	handlers sync.WaitGroup
	next     chan *request // hands a request, or readRole, to an idle goroutine

	// Owned by the reader.
	ready   *request     // params ended; runs once the records already here are read
	reading atomic.Int64 // epoch<<1 | 1 while the reader runs a request itself
	handoff *time.Timer  // moves reading on when that request runs long
}

func newConn(s *Server, rwc net.Conn) *conn {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &conn{srv: s, rwc: rwc, peer: peerName(rwc), ctx: ctx, cancel: cancel, reqs: map[uint16]*request{}, next: make(chan *request)}
	c.lastActive.Store(time.Now().UnixNano())
	c.log = s.logger()
	c.handoff = time.AfterFunc(time.Hour, c.moveReading)
	c.handoff.Stop()
	return c
}

// readerPool holds connection readers. They are small: most records are;
// a record larger than the reader's buffer is read into a bigPool buffer.
var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

var bigPool = sync.Pool{New: func() any { b := make([]byte, maxRecord); return &b }}

// serve reads records until the peer closes, a protocol error, or shutdown.
func (c *conn) serve() {
	c.br = readerPool.Get().(*bufio.Reader)
	c.br.Reset(c.rwc)
	c.work(readRole)
}

// finishReading ends the connection once its reader stops.
func (c *conn) finishReading(err error) {
	defer c.srv.dropConn(c)
	if !errors.Is(err, io.EOF) && !errors.Is(err, errDrainDone) && !errors.Is(err, net.ErrClosed) {
		if errors.Is(err, errProtocol) {
			c.log.Warn("fastcgi: protocol error; closing connection", "peer", c.peer, "error", err)
		} else if context.Cause(c.ctx) != nil {
			// closed by the server (Close, a write error): not the peer's doing
		} else if errors.Is(err, os.ErrDeadlineExceeded) {
			c.log.Info("fastcgi: connection timed out", "peer", c.peer)
		} else {
			c.log.Debug("fastcgi: connection read error", "peer", c.peer, "error", err)
		}
	}
	if r := c.ready; r != nil && errors.Is(err, io.EOF) { // complete: it runs now
		c.ready = nil
		r.goStart()
	}
	if errors.Is(err, io.EOF) && c.peerStillReads() {
		// The peer only closed its sending side (shutdown(SHUT_WR)):
		// complete requests are answered in full, as php-fpm does.
		c.abortIncomplete(ErrAborted)
	} else {
		c.abortAll(ErrAborted)
	}
	c.mu.Lock()
	for _, r := range c.reqs { // the reader owns their raw params
		if !r.paramsDone {
			r.releaseParams()
		}
	}
	c.mu.Unlock()
	if r := c.ready; r != nil { // its body never ended: it runs, cancelled
		c.ready = nil
		r.goStart()
	}
	c.handlers.Wait()
	c.handoff.Stop()
	c.rwc.Close()
	c.br.Reset(nil)
	readerPool.Put(c.br)
}

// peerStillReads tells a peer that closed its sending side only from one
// that closed the connection, which reads the same: a line on a running
// request's STDERR, twice, fails once the peer has gone (its socket
// answers the first with a reset).
func (c *conn) peerStillReads() bool {
	var w *response
	for tries := 0; w == nil && tries < 20; tries++ { // a handler just started may need a moment
		complete := false
		c.mu.Lock()
		for _, r := range c.reqs {
			if r.stdinDone && r.started {
				complete = true
				if w = r.resp.Load(); w != nil {
					break
				}
			}
		}
		c.mu.Unlock()
		if !complete {
			return false
		}
		if w == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if w == nil {
		return false
	}
	const line = "scriptsrv: the web server closed its sending side of the connection; answering the request in full\n"
	if !w.probe(line) {
		return false
	}
	time.Sleep(50 * time.Millisecond)
	return w.probe(line)
}

// abortIncomplete cancels the requests whose params or body never ended.
func (c *conn) abortIncomplete(cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.reqs {
		if !r.stdinDone || !r.started {
			r.cancel(cause)
		}
	}
}

// abortAll cancels every request on the connection and unblocks the reader.
func (c *conn) abortAll(cause error) {
	c.cancel(cause)
	c.mu.Lock()
	for _, r := range c.reqs {
		r.cancel(cause)
	}
	c.mu.Unlock()
	c.rwc.SetReadDeadline(time.Now())
}

// idle reports a connection with no request in progress.
func (c *conn) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.reqs) == 0
}

// closeIfIdle wakes the reader so it exits when no request is in progress.
func (c *conn) closeIfIdle() {
	c.mu.Lock()
	idle := len(c.reqs) == 0
	c.mu.Unlock()
	if idle {
		c.rwc.SetReadDeadline(time.Now())
	}
}

func (c *conn) readLoop() error {
	for {
		// Wait for the first byte under the idle rules, then for the rest
		// of the record under the stall timeout.
		if err := c.setReadDeadline(1); err != nil {
			return err
		}
		_, err := c.br.Peek(1)
		if err == nil {
			if err = c.setReadDeadline(headerLen); err != nil {
				return err
			}
		}
		var hb []byte
		if err == nil {
			hb, err = c.br.Peek(headerLen)
		}
		if err != nil {
			if c.stopReading(err) {
				return err
			}
			continue
		}
		h, err := parseHeader(hb)
		if err != nil {
			return err
		}
		n := headerLen + int(h.ContentLength) + int(h.PaddingLength)
		if err := c.setReadDeadline(min(n, c.br.Size())); err != nil {
			return err
		}
		if err := c.readRecord(h, n); err != nil {
			if errors.Is(err, errProtocol) || errors.Is(err, errMidRecord) || c.stopReading(err) {
				return err
			}
		}
		if c.ready != nil && !c.recordBuffered() && c.runReady() {
			return errReadingMoved
		}
	}
}

// readRecord reads the n-byte record whose header is h and dispatches it.
// Records that fit the reader's buffer are used in place; larger ones are
// copied into a pooled buffer. Dispatch never keeps the content.
func (c *conn) readRecord(h header, n int) error {
	var rec []byte
	var big *[]byte
	var err error
	if n <= c.br.Size() {
		rec, err = c.br.Peek(n)
	} else {
		big = bigPool.Get().(*[]byte)
		defer bigPool.Put(big)
		rec = (*big)[:n]
		if _, err = io.ReadFull(c.br, rec); err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			// part of the record is consumed: the stream cannot resume
			return fmt.Errorf("%w: %w", errMidRecord, err)
		}
	}
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%w: truncated %s record", errProtocol, h.Type)
		}
		return err
	}
	err = c.dispatch(h, rec[headerLen:headerLen+int(h.ContentLength)])
	if big == nil {
		c.br.Discard(n)
	}
	return err
}

// expireParams answers 408 for requests whose params have not ended by
// ParamsTimeout, and reports whether there was any.
func (c *conn) expireParams() bool {
	var late []*request
	c.mu.Lock()
	for _, r := range c.reqs {
		if !r.paramsDone && time.Since(r.begun) >= c.srv.paramsTimeout() {
			late = append(late, r)
		}
	}
	c.mu.Unlock()
	for _, r := range late {
		c.log.Warn("fastcgi: params did not end in time; answering 408", "peer", c.peer, "id", r.id, "params_timeout", c.srv.paramsTimeout())
		c.failEarly(r, 408)
	}
	return len(late) > 0
}

// stopReading decides after a read error: a deadline that fired while
// shutting down with requests still running is not fatal.
func (c *conn) stopReading(err error) bool {
	if c.ctx.Err() != nil {
		return true
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	if c.br.Buffered() == 0 && c.expireParams() {
		return false // requests whose params did not end in time got 408
	}
	c.mu.Lock()
	busy, closing := len(c.reqs) > 0, c.closing
	c.mu.Unlock()
	if closing {
		return true
	}
	if c.srv.inShut.Load() {
		return !busy
	}
	return true
}

// setReadDeadline arms the right timeout before the reader may block
// waiting for need bytes: the stall timeout in the middle of a record or a
// request, the idle timeout between requests, none while handlers run.
func (c *conn) setReadDeadline(need int) error {
	if c.br.Buffered() >= need {
		return nil
	}
	c.mu.Lock()
	stalled, closing := c.br.Buffered() > 0, c.closing
	var paramsBy time.Time // the earliest end of an unfinished request's params
	for _, r := range c.reqs {
		if !r.stdinDone {
			stalled = true
		}
		if !r.paramsDone {
			if by := r.begun.Add(c.srv.paramsTimeout()); paramsBy.IsZero() || by.Before(paramsBy) {
				paramsBy = by
			}
		}
	}
	idle := len(c.reqs) == 0
	c.mu.Unlock()
	if closing {
		return nil // closeAfter set the drain deadline
	}
	if c.srv.inShut.Load() && idle {
		return errDrainDone
	}
	d := c.srv.idleTimeout()
	if stalled {
		d = c.srv.stallTimeout()
	} else if !idle {
		d = 0 // requests are running: their own timeouts apply
	}
	var t time.Time
	if d > 0 {
		t = time.Now().Add(d)
	}
	if !paramsBy.IsZero() && (t.IsZero() || paramsBy.Before(t)) {
		t = paramsBy
	}
	if err := c.rwc.SetReadDeadline(t); err != nil {
		return err
	}
	// abortAll and Shutdown cancel first, then poke the deadline: looking
	// again after setting ours means no wake-up is lost.
	if err := context.Cause(c.ctx); err != nil {
		return err
	}
	if (c.srv.inShut.Load() || c.evictNow.Load()) && idle {
		return errDrainDone
	}
	return nil
}
