// response.go: the cgi.ResponseWriter of the HTTP front.

package httpmin

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"scriptsrv/cgi"
)

// holdMax is how much of a response is held back before the header goes
// out: enough for most answers, which then go out whole with a
// Content-Length in one write, and can still be completed by Detach.
const holdMax = 4 << 10

var (
	errDetached  = errors.New("httpmin: the request was detached (its handler was stuck)")
	errFinished  = errors.New("httpmin: write after the handler returned")
	crlf         = []byte("\r\n")
	lastChunk    = []byte("0\r\n\r\n")
	continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")
)

var holdPool = sync.Pool{New: func() any { b := make([]byte, 0, holdMax); return &b }}

// response writes one answer on the connection. It holds the status and
// the first holdMax bytes until the handler returns, flushes or writes
// more, so that most answers go out whole with a Content-Length, and a
// request detached by a handler stuck in a native call (cgi.Detacher) can
// still get a complete one. A longer answer is streamed: chunked for
// HTTP/1.1 unless the handler set a Content-Length, up to the connection's
// close for HTTP/1.0. Every method may be called from any goroutine.
type response struct {
	mu     sync.Mutex
	c      *conn
	h      *head
	body   *body // nil when the request has none
	header http.Header
	status int // 0: WriteHeader not called
	held   *[]byte

	sent      bool        // the header is written
	streaming atomic.Bool // sent, for Detach without the lock
	noBody    bool        // HEAD, 1xx, 204, 304: what the handler writes is dropped
	chunked   bool        // the body is sent in chunks
	declared  int64       // the Content-Length the handler set for a streamed body, or -1
	overran   bool        // the handler wrote past declared (logged once)
	written   int64       // body bytes written after the header
	sent100   bool
	close     bool // the connection closes after this response
	detached  bool
	finished  bool  // end has run: the connection may serve the next request
	err       error // the connection failed
}

func newResponse(c *conn, h *head) *response {
	return &response{c: c, h: h, header: make(http.Header, 4), declared: -1, close: !h.keepAlive}
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 && code >= 100 && code <= 999 {
		w.status = code
	}
}

func (w *response) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return 0, err
	}
	if !w.sent {
		if w.held == nil {
			w.held = holdPool.Get().(*[]byte)
		}
		if len(*w.held)+len(p) <= holdMax {
			*w.held = append(*w.held, p...)
			return len(p), nil
		}
		w.sendHeaderLocked(false)
	}
	return w.bodyLocked(p)
}

func (w *response) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return err
	}
	if !w.sent {
		w.sendHeaderLocked(false)
	}
	if w.err == nil {
		w.err = w.c.bw.Flush()
	}
	return w.err
}

// usableLocked is why the response can no longer be written, if it cannot.
func (w *response) usableLocked() error {
	switch {
	case w.detached:
		return errDetached
	case w.finished:
		return errFinished
	}
	return w.err
}

// Stderr discards: on this front there is no web server error log, and the
// host already writes a script's stderr to the server log.
func (w *response) Stderr() io.Writer { return io.Discard }

// end finishes the response once the handler has returned, and reports
// whether the connection can serve another request.
func (w *response) end() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.detached {
		return false
	}
	w.finished = true
	if !w.sent {
		w.sendHeaderLocked(true)
	} else if w.chunked && w.err == nil {
		_, w.err = w.c.bw.Write(lastChunk)
	}
	if w.declared >= 0 && w.written != w.declared && !w.noBody {
		w.close = true // the client sees a body cut short
	}
	if w.err == nil {
		w.err = w.c.bw.Flush()
	}
	return w.err == nil && !w.close
}

// Detach ends the request while its handler still runs (cgi.Detacher): a
// held answer goes out complete with "Connection: close"; one already
// streaming is cut short. Either way the connection's sending side is
// closed, so the client is not kept waiting; the connection itself closes
// when the stuck handler returns.
func (w *response) Detach() {
	if w.streaming.Load() {
		// A write blocked on a client that does not read holds w.mu:
		// fail it now rather than wait for it.
		w.c.rwc.SetWriteDeadline(aLongTimeAgo)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.detached {
		return
	}
	if !w.sent {
		w.close = true
		w.sendHeaderLocked(true)
		if w.err == nil {
			w.err = w.c.bw.Flush()
		}
	}
	w.detached = true
	w.c.detached.Store(true)
	w.c.closeWrite()
}

// panicked answers 500 for a handler that panicked, if nothing was sent
// yet. An answer already under way is left cut short: the connection
// closes without ending it, so the client sees it incomplete.
func (w *response) panicked() {
	w.mu.Lock()
	if w.sent || w.detached {
		w.finished = true
		w.mu.Unlock()
		return
	}
	w.status, w.close = http.StatusInternalServerError, true
	clear(w.header)
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	if w.held == nil {
		w.held = holdPool.Get().(*[]byte)
	}
	*w.held = append((*w.held)[:0], "internal server error\n"...)
	w.mu.Unlock()
	w.end()
}

// continue100 sends "100 Continue" before the body of a request that
// expects it is first read, unless the answer has already started.
func (w *response) continue100() {
	if !w.h.expect {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent100 || w.sent || w.finished || w.err != nil {
		return
	}
	w.sent100 = true
	if _, w.err = w.c.bw.Write(continueLine); w.err == nil {
		w.err = w.c.bw.Flush()
	}
}

// continued reports whether the client was free to send the body: it did
// not ask to wait for 100 Continue, or got it.
func (w *response) continued() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.h.expect || w.sent100
}

// bodyLocked writes body bytes after the header.
func (w *response) bodyLocked(p []byte) (int, error) {
	if w.noBody || len(p) == 0 {
		return len(p), nil
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		// As nginx does: the declared length goes out, the rest is dropped.
		keep := w.declared - w.written
		if !w.overran {
			w.overran = true
			w.c.srv.logger().Warn("response longer than its Content-Length; cut to it", "remote_addr", w.c.ca.remote,
				"request_uri", w.h.params.Get("REQUEST_URI"), "content_length", w.declared)
		}
		if keep <= 0 {
			return len(p), nil
		}
		if _, err := w.bodyLocked(p[:keep]); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	bw := w.c.bw
	if w.chunked {
		var hex [16]byte
		bw.Write(strconv.AppendInt(hex[:0], int64(len(p)), 16))
		bw.Write(crlf)
	}
	n, err := bw.Write(p)
	if w.chunked && err == nil {
		_, err = bw.Write(crlf)
	}
	w.written += int64(n)
	if err != nil {
		w.err = err
	}
	return n, err
}

// sendHeaderLocked writes the status line and header, then what is held.
// With complete, the held bytes are the whole body.
func (w *response) sendHeaderLocked(complete bool) {
	w.sent = true
	w.streaming.Store(true)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	held := 0
	if w.held != nil {
		held = len(*w.held)
	}
	w.frame(complete, held)
	bw := w.c.bw
	b := w.c.scratch[:0]
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(w.status), 10)
	b = append(b, ' ')
	b = append(b, cgi.StatusText(w.status)...)
	b = append(b, crlf...)
	if _, ok := w.header["Date"]; !ok {
		b = append(b, "Date: "...)
		b = appendDate(b)
		b = append(b, crlf...)
	}
	b = cgi.AppendHeaderFields(b, w.header)
	b = append(b, crlf...)
	w.c.scratch = b[:0]
	_, w.err = bw.Write(b)
	if w.held != nil {
		if w.err == nil && held > 0 {
			w.bodyLocked(*w.held)
		}
		*w.held = (*w.held)[:0]
		holdPool.Put(w.held)
		w.held = nil
	}
}

// frame settles the body's framing and the connection headers.
func (w *response) frame(complete bool, held int) {
	h := w.header
	delete(h, "Transfer-Encoding")
	w.noBody = w.h.method == "HEAD" || w.status < 200 || w.status == 204 || w.status == 304
	switch {
	case w.status < 200 || w.status == 204:
		delete(h, "Content-Length")
	case complete && (held > 0 || !w.noBody):
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil && n >= 0 && n != int64(held) && !w.noBody {
			w.c.srv.logger().Warn("response body and its Content-Length differ; the length sent is the body's", "remote_addr", w.c.ca.remote,
				"request_uri", w.h.params.Get("REQUEST_URI"), "content_length", n, "body", held)
			if n < int64(held) { // as nginx does: no more than declared
				*w.held = (*w.held)[:n]
				held = int(n)
			}
		}
		h["Content-Length"] = []string{strconv.Itoa(held)}
	case complete, w.noBody:
	default:
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
			w.declared = n
			break
		}
		delete(h, "Content-Length")
		if w.h.minor >= 1 {
			w.chunked = true
			h["Transfer-Encoding"] = []string{"chunked"}
		} else {
			w.close = true // the body ends when the connection does
		}
	}
	if !w.close && w.body != nil && w.body.undrainable() {
		w.close = true
	}
	for _, v := range h["Connection"] {
		if asciiEqualFold([]byte(v), "close") {
			w.close = true
		}
	}
	if w.c.srv.shuttingDown() {
		w.close = true
	}
	switch {
	case w.close:
		h["Connection"] = []string{"close"}
	case w.h.minor == 0:
		h["Connection"] = []string{"keep-alive"}
	}
}

// date is the Date header's value, formatted at most once a second.
type date struct {
	sec int64
	b   []byte
}

var lastDate atomic.Pointer[date]

func appendDate(b []byte) []byte {
	now := time.Now()
	d := lastDate.Load()
	if d == nil || d.sec != now.Unix() {
		d = &date{now.Unix(), now.UTC().AppendFormat(nil, http.TimeFormat)}
		lastDate.Store(d)
	}
	return append(b, d.b...)
}
