// records.go: what a connection does with each record it reads (begin,
// params, stdin, abort) and the records it writes back.

package fcgi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"scriptsrv/cgi"
)

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
