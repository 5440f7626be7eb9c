// response.go: the cgi.ResponseWriter that turns a handler's output into
// STDOUT/STDERR records and END_REQUEST.

package fcgi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"scriptsrv/cgi"
)

// Output buffers start small (most responses are) and grow by append up to
// one full record plus the empty STDOUT and END_REQUEST of the final write.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

var errAfterEnd = errors.New("fcgi: write after the response ended")

// response accumulates STDOUT content after an 8-byte gap reserved for the
// record header, so a record goes out with one Write and no copy.
type response struct {
	r           *request
	mu          sync.Mutex
	header      http.Header
	status      int
	wroteHeader bool
	failed      bool
	ended       bool
	stderrUsed  bool
	errHeld     []byte // STDERR records waiting for the next STDOUT write
	bodyDone    bool
	bufp        *[]byte
	buf         []byte
	err         error
	over        atomic.Bool // end has run (the handler returned or detached)
}

// awaitBody holds output until the request body has fully arrived. nginx
// stops sending the body once it has response headers, so a script that
// answers before reading everything would otherwise wait for the rest
// forever. The connection reader keeps spooling the body meanwhile, so
// this never deadlocks; it also drains the body of an early answer (413).
func (w *response) awaitBody() {
	if w.bodyDone {
		return
	}
	select {
	case <-w.r.body.done:
	case <-w.r.ctx.Done():
	}
	w.bodyDone = true
}

func newResponse(r *request) *response {
	w := &response{r: r}
	w.bufp = bufPool.Get().(*[]byte)
	w.buf = append((*w.bufp)[:0], zeros[:headerLen]...)
	return w
}

func (w *response) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *response) WriteHeader(status int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeaderLocked(status)
}

func (w *response) writeHeaderLocked(status int) {
	if w.wroteHeader || w.ended {
		return
	}
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	w.wroteHeader = true
	w.status = status
	w.appendContent(cgi.AppendHeaderBlock(nil, status, w.header))
}

func (w *response) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return 0, errAfterEnd
	}
	if !w.wroteHeader {
		w.writeHeaderLocked(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	w.appendContent(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// appendContent adds STDOUT content, sending a record each time 65535
// bytes are buffered.
func (w *response) appendContent(p []byte) {
	for len(p) > 0 && w.err == nil {
		room := headerLen + maxContent - len(w.buf)
		n := min(room, len(p))
		w.buf = append(w.buf, p[:n]...)
		p = p[n:]
		if len(w.buf) == headerLen+maxContent {
			w.emit(false)
		}
	}
}

// emit sends the buffered content as one STDOUT record; with final, the
// empty STDOUT, STDERR end and END_REQUEST go in the same write.
func (w *response) emit(final bool) {
	w.awaitBody()
	n := len(w.buf) - headerLen
	out := w.buf
	if n > 0 {
		pad := padFor(n)
		putHeader(out, typeStdout, w.r.id, n, pad)
		out = append(out, zeros[:pad]...)
	} else {
		out = out[headerLen:]
	}
	if final {
		out = appendRecord(out, typeStdout, w.r.id, nil)
		if w.stderrUsed {
			out = appendRecord(out, typeStderr, w.r.id, nil)
		}
		var app uint32
		if w.failed || w.status >= 500 || errors.Is(context.Cause(w.r.ctx), ErrAborted) {
			app = 1 // not a success: an error, or a request the web server aborted
		}
		out = appendEndRequest(out, w.r.id, app, statusRequestComplete)
	}
	if len(w.errHeld) > 0 { // STDERR first, in the same write
		out = append(w.errHeld, out...)
		w.errHeld = nil
	}
	if len(out) > 0 && w.err == nil {
		w.err = w.r.c.write(out)
	}
	w.buf = append(w.buf[:0], zeros[:headerLen]...)
}

func (w *response) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return errAfterEnd
	}
	if !w.wroteHeader {
		w.writeHeaderLocked(http.StatusOK)
	}
	if len(w.buf) > headerLen {
		w.emit(false)
	}
	return w.err
}

// finish ends the response: a header block if none was sent, the rest of
// the output, and END_REQUEST, in one write.
func (w *response) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.wroteHeader {
		w.writeHeaderLocked(http.StatusOK)
	}
	w.emit(true)
	w.ended = true
	*w.bufp = w.buf[:0]
	bufPool.Put(w.bufp)
	w.bufp, w.buf = nil, nil
}

func (w *response) Stderr() io.Writer { return &stderr{w} }

// probe writes a line to the request's STDERR while its handler runs, to
// learn whether the web server still reads the connection; false when the
// response has ended (nothing to learn from it) or the write failed.
func (w *response) probe(line string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended || w.over.Load() {
		return false
	}
	w.stderrUsed = true
	return w.r.c.write(appendRecord(nil, typeStderr, w.r.id, []byte(line))) == nil
}

type stderr struct{ w *response }

// Write sends p as STDERR records with the next STDOUT write (or at once
// past maxHeldStderr). HAProxy 2.6.12's FastCGI mux crashes on a STDERR
// record that arrives alone before the STDOUT of a failing answer
// (haproxy/haproxy#2150, fixed in 2.6.14); in one write it does not, and
// every other front end reads the records the same either way.
func (s *stderr) Write(p []byte) (int, error) {
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return 0, errAfterEnd
	}
	w.stderrUsed = true
	var out []byte
	for rest := p; len(rest) > 0; {
		n := min(len(rest), maxContent)
		out = appendRecord(out, typeStderr, w.r.id, rest[:n])
		rest = rest[n:]
	}
	if len(w.errHeld)+len(out) <= maxHeldStderr {
		w.errHeld = append(w.errHeld, out...)
		return len(p), nil
	}
	out = append(w.errHeld, out...)
	w.errHeld = nil
	if err := w.r.c.write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// maxHeldStderr is how much STDERR waits for the next STDOUT write.
const maxHeldStderr = 64 << 10
