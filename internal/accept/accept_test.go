package accept

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestRetry(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		err   error
		retry bool
	}{
		{timeoutErr{}, true},
		{fmt.Errorf("accept: %w", os.ErrDeadlineExceeded), true},
		{&net.OpError{Op: "accept", Err: os.NewSyscallError("accept4", syscall.EMFILE)}, true},
		{net.ErrClosed, false},
		{errors.New("something else"), false},
	} {
		var b Backoff
		if got := b.Retry(tc.err, log, "retrying"); got != tc.retry {
			t.Errorf("Retry(%v) = %v, want %v", tc.err, got, tc.retry)
		}
	}
	var b Backoff
	var got []time.Duration
	for range 9 {
		got = append(got, b.next())
	}
	want := "[5ms 10ms 20ms 40ms 80ms 160ms 320ms 640ms 1s]"
	if fmt.Sprint(got) != want {
		t.Errorf("delays %v, want %s", got, want)
	}
	b.Reset()
	if d := b.next(); d != 5*time.Millisecond {
		t.Errorf("after Reset the first delay is %v, want 5ms", d)
	}
}
