package fcgi

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"scriptsrv/cgi"
	"scriptsrv/fcgi/fcgitest"
)

// X1-X11, X16-X18: malformed input closes only the offending connection or
// fails only the offending request, with one clear log line.
func TestMalformedInput(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	begin := func(id uint16, flags byte) []byte { return fcgitest.Begin(id, fcgitest.RoleResponder, flags) }
	pend := func(id uint16) []byte { return fcgitest.Record(fcgitest.TypeParams, id, nil, 0) }
	inend := func(id uint16) []byte { return fcgitest.Record(fcgitest.TypeStdin, id, nil, 0) }
	p := func(id uint16, ps cgi.Params) []byte {
		return fcgitest.Record(fcgitest.TypeParams, id, fcgitest.Pairs(ps), -1)
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	badLen := func(n int) []byte {
		b := fcgitest.Record(fcgitest.TypeBegin, 1, make([]byte, n), 0)
		return b
	}
	tests := []struct {
		name   string
		input  []byte
		closed bool   // the server closes the connection
		status int    // else: the HTTP status of request 1
		log    string // a line the log must have
	}{
		{"truncated header", []byte{1, 1, 0}, true, 0, ""},
		{"truncated body", []byte{1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0}, true, 0, "truncated BEGIN_REQUEST"},
		{"version 2", fcgitest.Record(fcgitest.TypeBegin, 1, make([]byte, 8), 0), true, 0, ""},
		{"begin length 0", badLen(0), true, 0, "BEGIN_REQUEST of 0 bytes"},
		{"begin length 7", badLen(7), true, 0, "BEGIN_REQUEST of 7 bytes"},
		{"begin length 9", badLen(9), true, 0, "BEGIN_REQUEST of 9 bytes"},
		{"begin id 0", begin(0, 0), true, 0, "request id 0"},
		{"duplicate active id", cat(begin(1, 0), p(1, params("/echo")), begin(1, 0)), true, 0, "duplicate request id 1"},
		{"params after end", cat(begin(1, 0), p(1, params("/echo")), pend(1), p(1, cgi.Params{{Name: "HTTP_X", Value: "2"}}), inend(1)), false, 200, "PARAMS after the end"},
		{"stdin before params end", cat(begin(1, 0), p(1, params("/echo")), fcgitest.Record(fcgitest.TypeStdin, 1, []byte("x"), -1)), false, 400, "STDIN before the end of params"},
		{"huge name length", cat(begin(1, 0), fcgitest.Record(fcgitest.TypeParams, 1, []byte{0x8f, 0xff, 0xff, 0xff, 0}, -1), pend(1)), false, 400, "bad params"},
		{"lengths past the end", cat(begin(1, 0), fcgitest.Record(fcgitest.TypeParams, 1, []byte{10, 10, 's', 'h', 'o', 'r', 't'}, -1), pend(1)), false, 400, "bad params"},
		{"unknown type on active id", cat(begin(1, 0), p(1, params("/echo")), pend(1), fcgitest.Record(12, 1, nil, 0), inend(1)), false, 200, "unexpected record"},
		{"records for ids never begun", cat(fcgitest.Record(fcgitest.TypeAbort, 7, nil, 0), p(7, params("/x")), inend(7), begin(1, 0), p(1, params("/echo")), pend(1), inend(1)), false, 200, ""},
		{"nonzero reserved and padding", cat(func() []byte {
			b := begin(1, 0)
			b[7] = 0xff
			return b
		}(), func() []byte {
			b := fcgitest.Record(fcgitest.TypeParams, 1, fcgitest.Pairs(params("/echo")), 13)
			for i := len(b) - 13; i < len(b); i++ {
				b[i] = 0xee
			}
			return b
		}(), pend(1), inend(1)), false, 200, ""},
		{"flags 0xff", cat(begin(1, 0xff), p(1, params("/echo")), pend(1), inend(1)), false, 200, ""},
		{"END_REQUEST from the client", cat(fcgitest.Record(fcgitest.TypeEnd, 1, make([]byte, 8), 0), begin(1, 0), p(1, params("/echo")), pend(1), inend(1)), false, 200, ""},
	}
	tests[2].input[0] = 2
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, "tcp", nil)
			c := ts.dial(t)
			c.Write(tt.input)
			if tt.closed {
				if cw, ok := c.(interface{ CloseWrite() error }); ok && strings.HasPrefix(tt.name, "truncated") {
					cw.CloseWrite()
				}
				expectEOF(t, c)
			} else {
				r := readResponses(t, c, 1)[1]
				code, _, body := httpOf(t, r)
				if code != tt.status {
					t.Errorf("got status %d (%q), want %d", code, body, tt.status)
				}
				if strings.Contains(body, "x=2") {
					t.Errorf("the script saw params sent after the end")
				}
			}
			if tt.log != "" {
				waitFor(t, "log line "+tt.log, func() bool { return strings.Contains(ts.log.String(), tt.log) })
			}
		})
	}
}

// X9, X10, P3: forged lengths and oversized params never allocate what they
// declare.
func TestParamsLimit(t *testing.T) {
	ts := startServer(t, "tcp", func(s *Server) { s.MaxParamsBytes = 100 << 10 })
	c := ts.dial(t)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b := fcgitest.Begin(1, fcgitest.RoleResponder, 0)
	chunk := bytes.Repeat([]byte{'a'}, 60000)
	for range 4 {
		b = append(b, fcgitest.Record(fcgitest.TypeParams, 1, chunk, -1)...)
	}
	go c.Write(b)
	r := readResponses(t, c, 1)[1]
	if code, _, _ := httpOf(t, r); code != 431 {
		t.Errorf("got %d, want 431", code)
	}
	runtime.ReadMemStats(&ms1)
	if grew := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc); grew > 10<<20 {
		t.Errorf("heap grew %d bytes", grew)
	}
	if !strings.Contains(ts.log.String(), "limit=102400") {
		t.Errorf("log does not name the limit: %s", ts.log)
	}
}

// X18, P8: more live requests on one connection than allowed get a 503 each.
func TestTooManyRequestsPerConn(t *testing.T) {
	ts := startServer(t, "tcp", func(s *Server) { s.MaxReqsPerConn = 4 })
	c := ts.dial(t)
	var b []byte
	for id := uint16(1); id <= 6; id++ {
		b = append(b, fcgitest.Begin(id, fcgitest.RoleResponder, fcgitest.FlagKeepConn)...)
	}
	c.Write(b)
	rs := readResponses(t, c, 5, 6)
	for id, r := range rs {
		if code, h, _ := httpOf(t, r); code != 503 || h.Get("Retry-After") == "" {
			t.Errorf("id %d: got %d %v, want 503 with Retry-After", id, code, h)
		}
	}
}

// A random stream never panics, hangs or leaks (seeded from the cases above).
func FuzzConn(f *testing.F) {
	f.Add(wireRequest(1, 0, params("/echo?a=1"), []byte("body")))
	f.Add(append(wireRequest(1, 1, params("/echo"), nil), wireRequest(2, 1, params("/big?70000"), nil)...))
	f.Add(fcgitest.Record(fcgitest.TypeGetValues, 0, fcgitest.Pairs(cgi.Params{{Name: "FCGI_MAX_CONNS"}}), -1))
	f.Add([]byte{1, 4, 0, 1, 0, 5, 0, 0, 0x8f, 0xff, 0xff, 0xff, 0})
	f.Add(fcgitest.Record(12, 0, nil, 0))
	f.Add([]byte{1, 1, 0, 1, 0, 8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0})
	echo := cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d %s", n, r.Params.Get("REQUEST_URI"))
		w.Stderr().Write([]byte("e"))
	})
	srv := &Server{Handler: echo, Logger: discardLogger(), StallTimeout: time.Second}
	f.Fuzz(func(t *testing.T, in []byte) {
		a, b := netPipe()
		srv.wg.Add(1)
		c := newConn(srv, a)
		done := make(chan struct{})
		go func() { c.serve(); close(done) }()
		go func() {
			b.Write(in)
			b.Close()
		}()
		go func() {
			buf := make([]byte, 4096)
			for {
				if _, err := b.Read(buf); err != nil {
					return
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("connection did not finish")
		}
	})
}

func FuzzDecodeParams(f *testing.F) {
	f.Add(fcgitest.Pairs(params("/x?y")))
	f.Add([]byte{0x80, 0, 0, 3, 1, 'a', 'b', 'c', 'd'})
	f.Add([]byte{10, 10, 's'})
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := decodeParams(b)
		if err != nil {
			return
		}
		again, err := decodeParams(fcgitest.Pairs(ps))
		if err != nil || len(again) != len(ps) {
			t.Fatalf("re-encoding %v: %v, %d pairs", ps, err, len(again))
		}
	})
}

// Params that never end are bounded: over all connections by
// MaxPendingParams (503 past it, the budget given back when a connection
// goes), and in time by ParamsTimeout (408).
func TestUnfinishedParamsBounded(t *testing.T) {
	ts := startServer(t, "tcp", func(s *Server) { s.MaxPendingParams = 2 << 20 })
	chunk := fcgitest.Record(fcgitest.TypeParams, 1, bytes.Repeat([]byte{'a'}, 60000), -1)
	var held []net.Conn
	for range 2 { // 2 × 900 kB of params that never end: under the budget
		c := ts.dial(t)
		c.Write(fcgitest.Begin(1, fcgitest.RoleResponder, 0))
		for range 15 {
			c.Write(chunk)
		}
		held = append(held, c)
	}
	waitFor(t, "the params to arrive", func() bool { return ts.srv.pending.Load() == 2*15*60000 })
	c := ts.dial(t) // a third pushes past 2 MiB
	b := fcgitest.Begin(1, fcgitest.RoleResponder, 0)
	for range 15 {
		b = append(b, chunk...)
	}
	go c.Write(b)
	if code, _, _ := httpOf(t, readResponses(t, c, 1)[1]); code != 503 {
		t.Errorf("past the server's budget: %d, want 503", code)
	}
	for _, h := range held {
		h.Close()
	}
	waitFor(t, "the budget given back", func() bool { return ts.srv.pending.Load() == 0 })
	ts = startServer(t, "tcp", func(s *Server) { s.ParamsTimeout = 300 * time.Millisecond })
	slow := ts.dial(t) // params that end too late
	slow.Write(append(fcgitest.Begin(1, fcgitest.RoleResponder, 0), chunk...))
	time.Sleep(400 * time.Millisecond)
	go slow.Write(chunk)
	if code, _, _ := httpOf(t, readResponses(t, slow, 1)[1]); code != 408 {
		t.Errorf("params past ParamsTimeout: %d, want 408", code)
	}
}
