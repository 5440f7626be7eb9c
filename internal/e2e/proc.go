// proc.go: starting and stopping real processes for tests.

package e2e

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// SyncBuffer is a bytes.Buffer safe for a process's output and a test.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Proc is a process started by a test; it is stopped (by its PID) when the
// test ends.
type Proc struct {
	Cmd  *exec.Cmd
	Out  *SyncBuffer // stdout and stderr
	done chan error
}

// Start runs name with args in dir and stops it at the end of the test.
func Start(t testing.TB, dir, name string, args ...string) *Proc {
	t.Helper()
	return StartEnv(t, dir, nil, name, args...)
}

// StartEnv is Start with extra environment variables ("K=V").
func StartEnv(t testing.TB, dir string, env []string, name string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out := &SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &Proc{Cmd: cmd, Out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		p.Signal(syscall.SIGKILL)
		p.Wait(5 * time.Second)
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return p
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig os.Signal) {
	if p.Cmd.Process != nil {
		p.Cmd.Process.Signal(sig)
	}
}

// Wait waits up to d for the process to exit and returns its exit error
// (nil for status 0), or an error when it is still running.
func (p *Proc) Wait(d time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(d):
		return fmt.Errorf("still running after %v", d)
	}
}

// WaitHTTP polls url until it answers (any status) or d passes.
func WaitHTTP(t testing.TB, url string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not answering after %v: %v", url, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitLog polls a process's output for s.
func WaitLog(t testing.TB, p *Proc, s string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(p.Out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output after %v:\n%s", s, d, p.Out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
