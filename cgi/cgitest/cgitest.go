// Package cgitest provides a recording cgi.ResponseWriter for tests.
package cgitest

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// Recorder is a cgi.ResponseWriter that keeps everything written to it. It
// is safe for concurrent use. The zero value is ready to use.
type Recorder struct {
	mu        sync.Mutex
	header    http.Header
	code      int
	body      bytes.Buffer
	stderr    bytes.Buffer
	flushes   int
	committed http.Header
	detached  chan struct{}
}

// Header returns the header map to be sent.
func (r *Recorder) Header() http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

// WriteHeader records the status and freezes the headers.
func (r *Recorder) WriteHeader(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writeHeaderLocked(code)
}

func (r *Recorder) writeHeaderLocked(code int) {
	if r.code != 0 {
		return
	}
	r.code = code
	if r.header == nil {
		r.header = http.Header{}
	}
	r.committed = r.header.Clone()
}

// Write records body bytes.
func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writeHeaderLocked(http.StatusOK)
	return r.body.Write(p)
}

// Flush counts a flush.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushes++
	return nil
}

// Detach records that the handler ended the request early (cgi.Detacher).
func (r *Recorder) Detach() {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := r.detachedLocked()
	select {
	case <-ch: // already detached
	default:
		close(ch)
	}
}

// Detached is closed once Detach has been called.
func (r *Recorder) Detached() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.detachedLocked()
}

func (r *Recorder) detachedLocked() chan struct{} {
	if r.detached == nil {
		r.detached = make(chan struct{})
	}
	return r.detached
}

// Stderr returns a writer that records error-log output.
func (r *Recorder) Stderr() io.Writer { return stderrWriter{r} }

type stderrWriter struct{ r *Recorder }

func (s stderrWriter) Write(p []byte) (int, error) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	return s.r.stderr.Write(p)
}

// Code is the status sent, or 0 if nothing was sent.
func (r *Recorder) Code() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.code
}

// SentHeader is the header block as it was when the status was sent.
func (r *Recorder) SentHeader() http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.committed.Clone()
}

// Body is the body written so far.
func (r *Recorder) Body() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.body.String()
}

// StderrText is everything written to Stderr.
func (r *Recorder) StderrText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// Flushes is how many times Flush was called.
func (r *Recorder) Flushes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flushes
}
