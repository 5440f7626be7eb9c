// body.go: a request body as the handler reads it.

package httpmin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"time"

	"scriptsrv/cgi"
)

// maxDrain is how much of a body a handler left unread is read and
// discarded to keep the connection; past it the connection is closed.
const maxDrain = 256 << 10

// maxTrailer bounds the trailer after a chunked body.
const maxTrailer = 8 << 10

// body reads a request body of a known length (left bytes) or a chunked
// one from the connection's reader. It tells the connection when it has
// been read to its end, so the client going away can be watched for.
type body struct {
	c       *conn
	w       *response // sends 100 Continue on the first read
	br      *bufio.Reader
	left    int64     // for a known length: bytes still to read
	chunked io.Reader // for a chunked body
	done    bool      // read to its end
	err     error     // a read error, returned again
	// deadline is the handler's (SetReadDeadline), zero if none.
	deadline time.Time
}

// SetReadDeadline bounds later reads (cgi.ReadDeadliner): past t a read
// fails with a 408 BodyError.
func (b *body) SetReadDeadline(t time.Time) error {
	b.deadline = t
	return nil
}

// armDeadline sets the connection's read deadline for one body read: the
// body timeout from now, or sooner the request's or the handler's.
func (b *body) armDeadline() time.Time {
	dl := time.Now().Add(b.c.srv.BodyTimeout)
	if !b.c.readUntil.IsZero() && b.c.readUntil.Before(dl) {
		dl = b.c.readUntil
	}
	if !b.deadline.IsZero() && b.deadline.Before(dl) {
		dl = b.deadline
	}
	b.c.rwc.SetReadDeadline(dl)
	return dl
}

// bodyError says what a failed body read means for the answer.
func bodyError(err error) error {
	switch {
	case err == nil || err == io.EOF:
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &cgi.BodyError{Status: http.StatusRequestTimeout, Err: errors.New("the request body stalled (no data before the read deadline)")}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return err // the client went away
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return err
	}
	return &cgi.BodyError{Status: http.StatusBadRequest, Err: fmt.Errorf("malformed request body: %w", err)}
}

func newBody(c *conn, w *response, h *head) *body {
	b := &body{c: c, w: w, br: c.br, left: h.length}
	if h.length < 0 {
		b.chunked = httputil.NewChunkedReader(c.br)
	}
	return b
}

func (b *body) Read(p []byte) (int, error) {
	switch {
	case b.done:
		return 0, io.EOF
	case b.err != nil:
		return 0, b.err
	case len(p) == 0:
		return 0, nil
	}
	b.w.continue100()
	b.armDeadline()
	var n int
	var err error
	if b.chunked != nil {
		n, err = b.chunked.Read(p)
		if err == io.EOF {
			err = b.trailer()
		}
	} else {
		n, err = b.br.Read(p[:min(int64(len(p)), b.left)])
		b.left -= int64(n)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		} else if b.left == 0 {
			err = io.EOF
		}
	}
	if err == io.EOF {
		b.done = true
		b.c.bodyRead()
		if n > 0 {
			err = nil
		}
	} else if err != nil {
		err = bodyError(err)
		b.err = err
	}
	return n, err
}

// trailer reads the trailer fields after the last chunk (they are not
// passed on, as web servers do not pass them over FastCGI either).
func (b *body) trailer() error {
	budget := maxTrailer
	for {
		line, err := readLine(b.br, &budget)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if len(line) == 0 {
			return io.EOF
		}
	}
}

// undrainable reports whether the rest of the body, if the handler
// leaves it unread, cannot be skipped to keep the connection: the client
// still waits for 100 Continue, or too much (or an unknown amount) is left.
// The response says "Connection: close" then.
func (b *body) undrainable() bool {
	if b.done {
		return false
	}
	return b.err != nil || (b.w.h.expect && !b.w.sent100) || b.chunked != nil || b.left > maxDrain
}

// drain reads what the handler left unread, up to maxDrain, and reports
// whether the connection can serve another request.
func (b *body) drain() bool {
	if b.done {
		return true
	}
	if b.err != nil || !b.w.continued() {
		return false
	}
	n, err := io.CopyN(io.Discard, b, maxDrain+1)
	return err == io.EOF && n <= maxDrain
}
