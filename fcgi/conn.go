// conn.go: one web-server connection: the record reader and its dispatch.

package fcgi

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"scriptsrv/cgi"
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

func (c *conn) dispatch(h header, content []byte) error {
	if h.ID == 0 {
		return c.management(h, content)
	}
	switch h.Type {
	case typeBeginRequest:
		return c.begin(h, content)
	case typeGetValues, typeGetValuesResult, typeUnknownType:
		return fmt.Errorf("%w: %s with request id %d", errProtocol, h.Type, h.ID)
	}
	c.mu.Lock()
	r := c.reqs[h.ID]
	c.mu.Unlock()
	if r == nil {
		return nil // inactive id: ignored, as the spec says
	}
	switch h.Type {
	case typeParams:
		return c.params(r, content)
	case typeStdin:
		c.stdin(r, content)
	case typeAbortRequest:
		c.abort(r)
	case typeData:
		// Only the Filter role reads DATA, and it is not supported.
	default:
		c.log.Warn("fastcgi: ignoring unexpected record", "peer", c.peer, "id", h.ID, "type", h.Type.String())
	}
	return nil
}

func (c *conn) begin(h header, content []byte) error {
	if len(content) != 8 {
		return fmt.Errorf("%w: BEGIN_REQUEST of %d bytes, want 8", errProtocol, len(content))
	}
	role := binary.BigEndian.Uint16(content)
	keep := content[2]&flagKeepConn != 0
	c.mu.Lock()
	_, active := c.reqs[h.ID]
	n := len(c.reqs)
	closing := c.closing
	c.mu.Unlock()
	if active {
		return fmt.Errorf("%w: duplicate request id %d", errProtocol, h.ID)
	}
	if closing {
		return nil
	}
	if role != roleResponder && role != roleAuthorizer {
		c.log.Info("fastcgi: unsupported role", "peer", c.peer, "id", h.ID, "role", role)
		c.writeEnd(h.ID, 0, statusUnknownRole, keep)
		return nil
	}
	if n >= c.srv.maxReqsPerConn() || c.srv.liveReqs.Load() >= int64(c.srv.maxReqs()) {
		c.log.Warn("fastcgi: too many requests; answering 503", "peer", c.peer, "id", h.ID,
			"conn_requests", n, "max_reqs", c.srv.maxReqs())
		c.writeStatusOnly(h.ID, 503, keep)
		return nil
	}
	r := newRequest(c, h.ID, keep, cgi.Role(role))
	c.lastActive.Store(r.begun.UnixNano())
	c.mu.Lock()
	c.reqs[h.ID] = r
	c.mu.Unlock()
	if err := context.Cause(c.ctx); err != nil { // abortAll ran before r was in reqs
		r.cancel(err)
	}
	c.srv.liveReqs.Add(1)
	return nil
}

func (c *conn) params(r *request, content []byte) error {
	if r.paramsDone {
		c.log.Warn("fastcgi: ignoring PARAMS after the end of params", "peer", c.peer, "id", r.id)
		return nil
	}
	if time.Since(r.begun) > c.srv.paramsTimeout() {
		c.log.Warn("fastcgi: params did not end in time; answering 408", "peer", c.peer, "id", r.id, "params_timeout", c.srv.paramsTimeout())
		c.failEarly(r, 408)
		return nil
	}
	if len(content) > 0 {
		if len(r.rawParams)+len(content) > c.srv.maxParams() {
			c.log.Warn("fastcgi: params exceed the limit; answering 431", "peer", c.peer, "id", r.id, "limit", c.srv.maxParams())
			c.failEarly(r, 431)
			return nil
		}
		if c.srv.pending.Add(int64(len(content))) > c.srv.maxPending() {
			c.srv.pending.Add(-int64(len(content)))
			c.log.Warn("fastcgi: unfinished params of all requests exceed the server's limit; answering 503", "peer", c.peer, "id", r.id,
				"limit", c.srv.maxPending())
			c.failEarly(r, 503)
			return nil
		}
		r.rawParams = append(r.rawParams, content...)
		return nil
	}
	r.paramsDone = true
	ps, err := decodeParams(r.rawParams)
	r.releaseParams()
	if err != nil {
		c.log.Warn("fastcgi: bad params; answering 400", "peer", c.peer, "id", r.id, "error", err)
		c.failEarly(r, 400)
		return nil
	}
	if r.role == cgi.Authorizer {
		r.stdinDone = true
		r.body.end()
	}
	r.prepare(ps)
	if c.ready != nil { // another request's params ended first: it goes now
		c.ready.goStart()
	}
	c.ready = r
	return nil
}

func (c *conn) stdin(r *request, content []byte) {
	if !r.paramsDone {
		c.log.Warn("fastcgi: STDIN before the end of params; answering 400", "peer", c.peer, "id", r.id)
		c.failEarly(r, 400)
		return
	}
	if r.stdinDone {
		return
	}
	if len(content) == 0 {
		r.stdinDone = true
		r.body.end()
		return
	}
	r.body.write(content)
}

func (c *conn) abort(r *request) {
	r.cancel(ErrAborted)
	if !r.started {
		c.finishUnstarted(r, 0)
	}
}

// failEarly answers a request whose handler has not started.
func (c *conn) failEarly(r *request, status int) {
	r.cancel(errors.New("fcgi: request refused"))
	c.finishUnstarted(r, status)
}

// finishUnstarted ends a request whose handler never ran: a status-only
// response (when status > 0) and END_REQUEST.
func (c *conn) finishUnstarted(r *request, status int) {
	r.releaseParams()
	c.remove(r)
	r.body.close()
	if status > 0 {
		c.writeStatusOnly(r.id, status, r.keepConn)
	} else {
		c.writeEnd(r.id, 1, statusRequestComplete, r.keepConn)
	}
}

// remove makes the request's id inactive. It is called before END_REQUEST
// is written, so the peer may reuse the id as soon as it sees it.
func (c *conn) remove(r *request) {
	c.mu.Lock()
	if c.reqs[r.id] == r {
		delete(c.reqs, r.id)
		c.srv.liveReqs.Add(-1)
	}
	c.mu.Unlock()
}

// write sends b in one Write. After a write error the connection is done:
// every request on it is cancelled and later writes fail at once.
func (c *conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	c.rwc.SetWriteDeadline(time.Now().Add(c.srv.writeTimeout()))
	c.writing.Store(true)
	_, err := c.rwc.Write(b)
	c.writing.Store(false)
	if err != nil {
		c.werr = err
		c.log.Debug("fastcgi: write failed; closing connection", "peer", c.peer, "error", err)
		c.abortAll(ErrAborted)
		return err
	}
	return nil
}

// failWrites makes a write blocked on a peer that does not read fail now:
// the connection is done (a request detached while its handler was stuck
// in that write). A write that is not blocked is left alone.
func (c *conn) failWrites() {
	if c.writing.Load() {
		c.rwc.SetWriteDeadline(aLongTimeAgo)
	}
}

// aLongTimeAgo is a deadline in the past: pending I/O fails at once.
var aLongTimeAgo = time.Unix(1, 0)

// writeEnd sends END_REQUEST for a request that produced no output.
func (c *conn) writeEnd(id uint16, appStatus uint32, protocolStatus uint8, keep bool) {
	c.write(appendEndRequest(nil, id, appStatus, protocolStatus))
	if !keep {
		c.closeAfter()
	}
}

// writeStatusOnly sends a header-only CGI response and END_REQUEST.
func (c *conn) writeStatusOnly(id uint16, status int, keep bool) {
	block := fmt.Sprintf("Status: %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n", status, cgi.StatusText(status))
	if status == 503 {
		block += "Retry-After: 1\r\n"
	}
	block += "\r\n"
	out := appendRecord(nil, typeStdout, id, []byte(block))
	out = appendRecord(out, typeStdout, id, nil)
	out = appendEndRequest(out, id, 1, statusRequestComplete)
	c.write(out)
	if !keep {
		c.closeAfter()
	}
}

// closeAfter is called once a request without KEEP_CONN has ended: stop
// writing, keep reading (and discarding) briefly so the web server's last
// STDIN writes do not fail, then close.
func (c *conn) closeAfter() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.rwc.SetReadDeadline(time.Now().Add(2 * time.Second))
}
