// body.go: a request's STDIN, buffered so the connection reader never waits
// for the handler: in memory up to a bound, then in an unlinked temp file.

package fcgi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"scriptsrv/cgi"
)

// body is written by the connection reader and read by the handler. Writes
// never block. Unread data beyond memLimit spills to a temp file that is
// unlinked as soon as it is created, so it is removed whatever happens.
type body struct {
	mu       sync.Mutex
	wake     chan struct{}
	ctx      context.Context
	mem      []byte
	r        int // read offset in mem
	file     *os.File
	fileW    int64
	fileR    int64
	total    int64
	memLimit int
	max      int64 // 0: unlimited
	tempDir  string
	eof      bool  // the empty STDIN record arrived
	err      error // sticky error for the reader
	closed   bool  // the handler is done: discard what still arrives
	deadline time.Time
	done     chan struct{}
	doneOnce sync.Once
}

func newBody(ctx context.Context, memLimit int, max int64, tempDir string) *body {
	return &body{ctx: ctx, wake: make(chan struct{}, 1), memLimit: memLimit, max: max, tempDir: tempDir, done: make(chan struct{})}
}

func (b *body) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// write appends p; it is called by the connection reader only.
func (b *body) write(p []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.err != nil {
		return nil
	}
	b.total += int64(len(p))
	if b.max > 0 && b.total > b.max {
		b.err = cgi.ErrBodyTooLarge
		b.releaseLocked()
		b.signal()
		return nil
	}
	if b.file == nil && len(b.mem)-b.r+len(p) <= b.memLimit {
		if b.r == len(b.mem) {
			b.mem, b.r = b.mem[:0], 0
		}
		b.mem = append(b.mem, p...)
		b.signal()
		return nil
	}
	if b.file == nil {
		f, err := os.CreateTemp(b.tempDir, "scriptsrv-body-*")
		if err != nil {
			b.err = spoolError(err)
			b.signal()
			return err
		}
		os.Remove(f.Name()) // the open file lives on; nothing is left on disk
		b.file = f
	}
	n, err := b.file.WriteAt(p, b.fileW)
	b.fileW += int64(n)
	if err != nil {
		b.err = spoolError(err)
	}
	b.signal()
	return err
}

// end marks the end of the stream (the empty STDIN record).
func (b *body) end() {
	b.mu.Lock()
	b.eof = true
	b.mu.Unlock()
	b.signal()
	b.doneOnce.Do(func() { close(b.done) })
}

// spoolError is a body that cannot be kept (the temp folder is full): the
// server's fault, 503.
func spoolError(err error) error {
	return &cgi.BodyError{Status: http.StatusServiceUnavailable, Err: fmt.Errorf("spooling the request body: %w", err)}
}

// SetReadDeadline bounds later reads (cgi.ReadDeadliner): past t a read
// waiting for data fails with a 408 BodyError.
func (b *body) SetReadDeadline(t time.Time) error {
	b.mu.Lock()
	b.deadline = t
	b.mu.Unlock()
	b.signal()
	return nil
}

// Read implements io.Reader for the handler. It blocks until data arrives,
// the stream ends, the read deadline passes, or the request is cancelled.
func (b *body) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		b.mu.Lock()
		n, err, ok := b.readLocked(p)
		deadline := b.deadline
		b.mu.Unlock()
		if ok {
			return n, err
		}
		var expired <-chan time.Time
		if !deadline.IsZero() {
			wait := time.Until(deadline)
			if wait <= 0 {
				return 0, &cgi.BodyError{Status: http.StatusRequestTimeout, Err: errors.New("the request body stalled (no data before the read deadline)")}
			}
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			expired = timer.C
		}
		select {
		case <-b.wake:
		case <-expired:
		case <-b.ctx.Done():
			return 0, context.Cause(b.ctx)
		}
	}
}

// readLocked returns ok=false when the caller must wait for more data.
func (b *body) readLocked(p []byte) (int, error, bool) {
	if b.closed {
		return 0, io.ErrClosedPipe, true
	}
	if b.r < len(b.mem) {
		n := copy(p, b.mem[b.r:])
		b.r += n
		return n, nil, true
	}
	if b.file != nil && b.fileR < b.fileW {
		want := min(int64(len(p)), b.fileW-b.fileR)
		n, err := b.file.ReadAt(p[:want], b.fileR)
		b.fileR += int64(n)
		if err == io.EOF {
			err = nil
		}
		return n, err, true
	}
	if b.err != nil {
		return 0, b.err, true
	}
	if b.eof {
		return 0, io.EOF, true
	}
	return 0, nil, false
}

// close releases the buffer; data arriving later is discarded.
func (b *body) close() {
	b.mu.Lock()
	b.closed = true
	b.releaseLocked()
	b.mu.Unlock()
	b.signal()
}

func (b *body) releaseLocked() {
	b.mem, b.r = nil, 0
	if b.file != nil {
		b.file.Close()
		b.file = nil
	}
}

// spilled reports whether the body went to a temp file (for tests).
func (b *body) spilled() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.file != nil
}
