// response.go: the cgi.ResponseWriter of the HTTP front.

package httpmin

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// holdMax is how much of a response is held back before the header goes
// out: enough for most answers, which then go out with a Content-Length
// and can still be completed by Detach.
const holdMax = 4 << 10

var errDetached = errors.New("httpmin: the request was detached (its handler was stuck)")

var holdPool = sync.Pool{New: func() any { b := make([]byte, 0, holdMax); return &b }}

// response adapts http.ResponseWriter to cgi.ResponseWriter. It holds the
// status and the first holdMax bytes until the handler returns, flushes or
// writes more, so that a request detached by a handler stuck in a native
// call (cgi.Detacher) can still get a complete response.
type response struct {
	mu       sync.Mutex
	rw       http.ResponseWriter
	status   int // 0: WriteHeader not called
	held     *[]byte
	sent     bool // the header went to net/http
	detached bool
}

func newResponse(rw http.ResponseWriter) *response {
	return &response{rw: rw}
}

func (w *response) Header() http.Header { return w.rw.Header() }

func (w *response) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 {
		w.status = code
	}
}

func (w *response) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.detached {
		return 0, errDetached
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.sent {
		if w.held == nil {
			w.held = holdPool.Get().(*[]byte)
		}
		if len(*w.held)+len(p) <= holdMax {
			*w.held = append(*w.held, p...)
			return len(p), nil
		}
		if err := w.sendLocked(); err != nil {
			return 0, err
		}
	}
	return w.rw.Write(p)
}

// sendLocked passes the status and the held bytes to net/http.
func (w *response) sendLocked() error {
	w.sent = true
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.rw.WriteHeader(w.status)
	if w.held == nil {
		return nil
	}
	_, err := w.rw.Write(*w.held)
	*w.held = (*w.held)[:0]
	holdPool.Put(w.held)
	w.held = nil
	return err
}

func (w *response) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.detached {
		return errDetached
	}
	if !w.sent {
		if err := w.sendLocked(); err != nil {
			return err
		}
	}
	return flush(w.rw)
}

func flush(rw http.ResponseWriter) error {
	err := http.NewResponseController(rw).Flush()
	if err == http.ErrNotSupported {
		return nil
	}
	return err
}

// end sends what is held once the handler has returned; net/http adds the
// Content-Length of a body it has whole.
func (w *response) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.detached && !w.sent {
		w.sendLocked()
	}
}

// Detach ends the request while the handler is still running
// (cgi.Detacher): a held response goes out complete, with its length and
// "Connection: close" — the connection stays with the stuck handler until
// it returns. A response already streaming cannot be completed: the
// connection is closed, so the client sees it cut short rather than
// waiting for the rest.
func (w *response) Detach() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.detached {
		return
	}
	w.detached = true
	if !w.sent {
		h := w.rw.Header()
		h.Set("Connection", "close")
		n := 0
		if w.held != nil {
			n = len(*w.held)
		}
		h.Set("Content-Length", strconv.Itoa(n))
		w.sendLocked()
		flush(w.rw)
		return
	}
	if conn, _, err := http.NewResponseController(w.rw).Hijack(); err == nil {
		conn.Close()
	}
}

// Stderr discards: on this front there is no web server error log, and the
// host already writes a script's stderr to the server log.
func (w *response) Stderr() io.Writer { return io.Discard }
