// Package accept holds what the FastCGI and HTTP servers share in their
// accept loops: which Accept errors are worth retrying, and how long to
// wait before the retry.
package accept

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"time"
)

// Backoff paces retries after Accept errors that can pass (out of file
// descriptors, a connection aborted before it was accepted, a timeout):
// 5 ms, doubling up to 1 s. The zero value is ready to use.
type Backoff struct{ delay time.Duration }

// Retry reports whether err is worth retrying; if so it logs msg with the
// error and sleeps before returning.
func (b *Backoff) Retry(err error, log *slog.Logger, msg string) bool {
	var ne net.Error
	var tmp interface{ Temporary() bool }
	if !(errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &tmp) && tmp.Temporary()) {
		return false
	}
	d := b.next()
	log.Warn(msg, "error", err, "retry_in", d)
	time.Sleep(d)
	return true
}

// next is the delay before the next retry.
func (b *Backoff) next() time.Duration {
	b.delay = min(max(2*b.delay, 5*time.Millisecond), time.Second)
	return b.delay
}

// Reset starts the delays over after a successful Accept.
func (b *Backoff) Reset() { b.delay = 0 }
