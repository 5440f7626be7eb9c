package fcgi

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/fcgi/fcgitest"
)

// W1: the canonical request, then the server closes (no KEEP_CONN).
func TestCanonicalRequest(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network, nil)
			c := ts.dial(t)
			c.Write(wireRequest(1, 0, params("/echo?a=1"), nil))
			r := readResponses(t, c, 1)[1]
			code, h, body := httpOf(t, r)
			if code != 200 || h.Get("Content-Type") != "text/plain" || !strings.Contains(body, "method=GET path=/echo query=a=1 len=0") {
				t.Errorf("got %d %v %q", code, h, body)
			}
			if bytes.Contains(r.Stdout, []byte("Status:")) { // 200 goes without one
				t.Errorf("a 200 answer has a Status line: %q", r.Stdout)
			}
			last := r.Records[len(r.Records)-2]
			if last.Type != fcgitest.TypeStdout || len(last.Content) != 0 {
				t.Errorf("no empty STDOUT before END_REQUEST")
			}
			if r.AppStatus != 0 || r.ProtocolStatus != 0 {
				t.Errorf("END_REQUEST %d/%d, want 0/0", r.AppStatus, r.ProtocolStatus)
			}
			expectEOF(t, c)
		})
	}
}

// W2: the same request one byte per write.
func TestByteAtATime(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	c := ts.dial(t)
	for _, b := range wireRequest(1, 0, params("/echo"), []byte("hello")) {
		c.Write([]byte{b})
		time.Sleep(100 * time.Microsecond)
	}
	_, _, body := httpOf(t, readResponses(t, c, 1)[1])
	if want := fmt.Sprintf("len=5 sha=%x", sha256.Sum256([]byte("hello"))); !strings.Contains(body, want) {
		t.Errorf("got %q, want %q in it", body, want)
	}
}

// W3: the PARAMS stream split into two records at every offset, and one
// record per byte.
func TestParamsSplitAnywhere(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	ps := params("/echo?q=1", "HTTP_X", strings.Repeat("v", 200))
	enc := fcgitest.Pairs(ps)
	c := fcgitest.NewClient(ts.dial(t))
	send := func(t *testing.T, parts ...[]byte) {
		b := fcgitest.Begin(1, fcgitest.RoleResponder, fcgitest.FlagKeepConn)
		for _, p := range parts {
			b = append(b, fcgitest.Record(fcgitest.TypeParams, 1, p, -1)...)
		}
		b = append(b, fcgitest.Record(fcgitest.TypeParams, 1, nil, 0)...)
		b = append(b, fcgitest.Record(fcgitest.TypeStdin, 1, nil, 0)...)
		c.Conn.Write(b)
		r, err := c.ReadResponse(1)
		if err != nil {
			t.Fatal(err)
		}
		_, _, body := httpOf(t, r)
		if !strings.Contains(body, "query=q=1") || !strings.Contains(body, "x="+strings.Repeat("v", 200)) {
			t.Fatalf("params lost: %q", body)
		}
	}
	for i := 1; i < len(enc); i++ {
		send(t, enc[:i], enc[i:])
	}
	var bytesEach [][]byte
	for i := range enc {
		bytesEach = append(bytesEach, enc[i:i+1])
	}
	send(t, bytesEach...)
}

// W4, W5, P5, P6: long values, a 60 000-byte cookie over two records, a
// non-canonical 4-byte length, duplicate names (last wins), binary values.
func TestParamsEncodings(t *testing.T) {
	raw := []byte{1, 0x80, 0, 0, 3, 'X', 'a', 'b', 'c'} // 4-byte "3"
	got, err := decodeParams(raw)
	if err != nil || len(got) != 1 || got[0].Value != "abc" {
		t.Fatalf("non-canonical length: %v %v", got, err)
	}
	big := strings.Repeat("c", 60000)
	ps := cgi.Params{{Name: "HTTP_COOKIE", Value: big}, {Name: "A", Value: "1"}, {Name: "A", Value: "2"}, {Name: "BIN", Value: "a\x00\r\n\xff"}, {Name: "EMPTY", Value: ""}}
	got, err = decodeParams(fcgitest.Pairs(ps))
	if err != nil {
		t.Fatal(err)
	}
	if got.Get("HTTP_COOKIE") != big || got.Get("A") != "2" || got.Get("BIN") != "a\x00\r\n\xff" {
		t.Errorf("decoded wrong: A=%q BIN=%q", got.Get("A"), got.Get("BIN"))
	}
	if v, ok := got.Lookup("EMPTY"); !ok || v != "" {
		t.Errorf("empty value lost")
	}
	// Over the wire, the cookie split across two PARAMS records.
	ts := startServer(t, "tcp", nil)
	c := ts.dial(t)
	enc := fcgitest.Pairs(append(params("/echo"), cgi.Param{Name: "HTTP_X", Value: big}))
	b := fcgitest.Begin(1, fcgitest.RoleResponder, 0)
	b = append(b, fcgitest.Record(fcgitest.TypeParams, 1, enc[:40000], -1)...)
	b = append(b, fcgitest.Stream(fcgitest.TypeParams, 1, enc[40000:], 65535)...)
	b = append(b, fcgitest.Stream(fcgitest.TypeStdin, 1, nil, 1)...)
	c.Write(b)
	_, _, body := httpOf(t, readResponses(t, c, 1)[1])
	if !strings.Contains(body, "x="+big) {
		t.Errorf("60 000-byte value split over records was not seen intact")
	}
}

// W6, S1: a 200 000-byte body in records of many shapes, with every
// CONTENT_LENGTH front ends send.
func TestBodyShapes(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	data := bytes.Repeat([]byte("0123456789abcdef"), 12500)
	want := fmt.Sprintf("len=%d sha=%x", len(data), sha256.Sum256(data))
	shapes := []struct {
		name  string
		chunk int
		pad   int
	}{{"65535", 65535, -1}, {"32KiB", 32768, -1}, {"1-byte", 1, -1}, {"pad255", 8000, 255}, {"unpadded", 8184, 0}}
	for _, sh := range shapes {
		for _, cl := range []string{"200000", "", "-1", "absent"} {
			t.Run(sh.name+"/cl="+cl, func(t *testing.T) {
				if sh.chunk == 1 && cl != "" {
					t.Skip("1-byte records once is enough")
				}
				ps := cgi.Params{{Name: "REQUEST_URI", Value: "/echo"}, {Name: "REQUEST_METHOD", Value: "POST"}}
				if cl != "absent" {
					ps = append(ps, cgi.Param{Name: "CONTENT_LENGTH", Value: cl})
				}
				b := fcgitest.Begin(1, fcgitest.RoleResponder, 0)
				b = append(b, fcgitest.Stream(fcgitest.TypeParams, 1, fcgitest.Pairs(ps), 65535)...)
				for rest := data; len(rest) > 0; {
					n := min(sh.chunk, len(rest))
					b = append(b, fcgitest.Record(fcgitest.TypeStdin, 1, rest[:n], sh.pad)...)
					rest = rest[n:]
				}
				b = append(b, fcgitest.Record(fcgitest.TypeStdin, 1, nil, 0)...)
				c := ts.dial(t)
				go c.Write(b)
				_, _, body := httpOf(t, readResponses(t, c, 1)[1])
				if !strings.Contains(body, want) {
					t.Errorf("got %q, want %q", body, want)
				}
			})
		}
	}
	// One maximal record: 65535 content bytes and 255 padding bytes.
	c := ts.dial(t)
	b := fcgitest.Begin(1, fcgitest.RoleResponder, 0)
	b = append(b, fcgitest.Stream(fcgitest.TypeParams, 1, fcgitest.Pairs(params("/echo")), 65535)...)
	b = append(b, fcgitest.Record(fcgitest.TypeStdin, 1, data[:65535], 255)...)
	b = append(b, fcgitest.Record(fcgitest.TypeStdin, 1, nil, 0)...)
	c.Write(b)
	_, _, body := httpOf(t, readResponses(t, c, 1)[1])
	if want := fmt.Sprintf("len=65535 sha=%x", sha256.Sum256(data[:65535])); !strings.Contains(body, want) {
		t.Errorf("max record: got %q", body)
	}
}

// W7, L4: 100 requests all with id 1 on one keep-alive connection, and two
// pipelined in one write.
func TestKeepConnSequential(t *testing.T) {
	ts := startServer(t, "unix", nil)
	c := ts.client(t)
	for i := range 100 {
		r, err := c.Get(fmt.Sprintf("/echo?i=%d", i))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if _, _, body := httpOf(t, r); !strings.Contains(body, fmt.Sprintf("query=i=%d ", i)) {
			t.Fatalf("request %d: %q", i, body)
		}
	}
	two := append(wireRequest(1, fcgitest.FlagKeepConn, params("/echo?p=1"), nil), wireRequest(2, fcgitest.FlagKeepConn, params("/echo?p=2"), nil)...)
	c.Conn.Write(two)
	rs := readResponses(t, c.Conn, 1, 2)
	for id, want := range map[uint16]string{1: "p=1", 2: "p=2"} {
		if _, _, body := httpOf(t, rs[id]); !strings.Contains(body, want) {
			t.Errorf("pipelined id %d: %q", id, body)
		}
	}
	expectNothing(t, c.Conn, 50*time.Millisecond)
}

// W8, W9, M1-M3: GET_VALUES, also in the middle of a request's PARAMS.
func TestGetValues(t *testing.T) {
	ts := startServer(t, "tcp", func(s *Server) { s.MaxConns = 7; s.MaxReqs = 9 })
	c := ts.dial(t)
	gv := fcgitest.Record(fcgitest.TypeGetValues, 0, fcgitest.Pairs(cgi.Params{
		{Name: "FCGI_MAX_CONNS"}, {Name: "FCGI_MAX_REQS"}, {Name: "FCGI_MPXS_CONNS"}, {Name: "FOO"}, {Name: "FCGI_MAX_CONNS"}}), -1)
	check := func() {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		rec, err := fcgitest.ReadRecord(c)
		if err != nil || rec.Type != fcgitest.TypeGetValuesRes || rec.ID != 0 {
			t.Fatalf("got %+v, %v; want GET_VALUES_RESULT on id 0", rec, err)
		}
		got, err := decodeParams(rec.Content)
		if err != nil {
			t.Fatal(err)
		}
		want := cgi.Params{{Name: "FCGI_MAX_CONNS", Value: "7"}, {Name: "FCGI_MAX_REQS", Value: "9"}, {Name: "FCGI_MPXS_CONNS", Value: "1"}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	c.Write(gv)
	check()
	enc := fcgitest.Pairs(params("/echo"))
	b := fcgitest.Begin(1, fcgitest.RoleResponder, 0)
	b = append(b, fcgitest.Record(fcgitest.TypeParams, 1, enc[:10], -1)...)
	b = append(b, gv...)
	c.Write(b)
	check()
	c.Write(append(fcgitest.Stream(fcgitest.TypeParams, 1, enc[10:], 65535), fcgitest.Stream(fcgitest.TypeStdin, 1, nil, 1)...))
	if code, _, _ := httpOf(t, readResponses(t, c, 1)[1]); code != 200 {
		t.Errorf("request around GET_VALUES: %d", code)
	}
}

// W10, M4, X13: unknown management types get UNKNOWN_TYPE; the connection
// stays usable.
func TestUnknownManagementType(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	c := ts.dial(t)
	for _, typ := range []uint8{12, fcgitest.TypeGetValuesRes, fcgitest.TypeUnknownType, fcgitest.TypeParams} {
		c.Write(fcgitest.Record(typ, 0, nil, 0))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		want := fcgitest.Record(fcgitest.TypeUnknownType, 0, []byte{typ, 0, 0, 0, 0, 0, 0, 0}, 0)
		got := make([]byte, len(want))
		if _, err := c.Read(got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("type %d: got % x, %v; want % x", typ, got, err, want)
		}
	}
	c.Write(wireRequest(1, 0, params("/echo"), nil))
	if code, _, _ := httpOf(t, readResponses(t, c, 1)[1]); code != 200 {
		t.Errorf("after unknown types: %d", code)
	}
}

// W11, L6, F7: the authorizer role is served; filter and unknown roles get
// UNKNOWN_ROLE, and without KEEP_CONN the connection closes after it.
func TestRoles(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	c := ts.dial(t)
	b := fcgitest.Begin(1, fcgitest.RoleAuthorizer, fcgitest.FlagKeepConn)
	b = append(b, fcgitest.Stream(fcgitest.TypeParams, 1, fcgitest.Pairs(params("/role")), 65535)...)
	c.Write(b) // no STDIN: an authorizer gets no body
	if _, _, body := httpOf(t, readResponses(t, c, 1)[1]); body != "role=2" {
		t.Errorf("authorizer: got %q", body)
	}
	for _, role := range []uint16{fcgitest.RoleFilter, 9} {
		c.Write(fcgitest.Begin(3, role, fcgitest.FlagKeepConn))
		c.Write(fcgitest.Stream(fcgitest.TypeParams, 3, fcgitest.Pairs(params("/echo")), 65535))
		r := readResponses(t, c, 3)[3]
		if r.ProtocolStatus != 3 || len(r.Stdout) != 0 {
			t.Errorf("role %d: protocol status %d, stdout %q", role, r.ProtocolStatus, r.Stdout)
		}
	}
	expectNothing(t, c, 50*time.Millisecond) // later PARAMS for id 3 were ignored
	c2 := ts.dial(t)
	c2.Write(fcgitest.Begin(1, 9, 0))
	readResponses(t, c2, 1)
	expectEOF(t, c2)
}

// W12, W13, W14, C5: multiplexed requests are independent. A slow request
// and one whose body is still streaming do not hold up a quick one.
func TestMultiplexing(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	c := ts.dial(t)
	b := wireRequest(1, fcgitest.FlagKeepConn, params("/sleep?300ms"), nil)
	b = append(b, wireRequest(2, fcgitest.FlagKeepConn, params("/echo?second"), nil)...)
	c.Write(b)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var order []uint16
	for len(order) < 2 {
		rec, err := fcgitest.ReadRecord(c)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Type == fcgitest.TypeEnd {
			order = append(order, rec.ID)
		}
	}
	if order[0] != 2 {
		t.Errorf("END_REQUEST order %v, want the quick id 2 first", order)
	}
	// Head of line: id 1 ignores a 4 MiB body still streaming; id 2 echoes.
	c.Write(append(fcgitest.Begin(65535, fcgitest.RoleResponder, fcgitest.FlagKeepConn),
		fcgitest.Stream(fcgitest.TypeParams, 65535, fcgitest.Pairs(params("/ignore")), 65535)...))
	c.Write(fcgitest.Record(fcgitest.TypeStdin, 65535, bytes.Repeat([]byte("z"), 65000), -1))
	c.Write(wireRequest(300, fcgitest.FlagKeepConn, params("/echo?hol"), []byte("abc")))
	rs := readResponses(t, c, 300)
	if _, _, body := httpOf(t, rs[300]); !strings.Contains(body, "len=3") {
		t.Errorf("id 300: %q", body)
	}
	// id 65535 answered at once but its output waits for the end of its body
	// (nginx stops sending a body once it has response headers).
	expectNothing(t, c, 50*time.Millisecond)
	c.Write(fcgitest.Record(fcgitest.TypeStdin, 65535, nil, 0))
	if _, _, body := httpOf(t, readResponses(t, c, 65535)[65535]); body != "ok" {
		t.Errorf("id 65535: %q", body)
	}
	// Interleaved bodies for two ids: no cross-talk.
	one, two := bytes.Repeat([]byte("1"), 1<<20), bytes.Repeat([]byte("2"), 1<<20)
	b = append(fcgitest.Begin(1, fcgitest.RoleResponder, fcgitest.FlagKeepConn), fcgitest.Stream(fcgitest.TypeParams, 1, fcgitest.Pairs(params("/echo")), 65535)...)
	b = append(b, fcgitest.Begin(2, fcgitest.RoleResponder, fcgitest.FlagKeepConn)...)
	b = append(b, fcgitest.Stream(fcgitest.TypeParams, 2, fcgitest.Pairs(params("/echo")), 65535)...)
	for i := 0; i < 1<<20; i += 16384 {
		b = append(b, fcgitest.Record(fcgitest.TypeStdin, 1, one[i:i+16384], -1)...)
		b = append(b, fcgitest.Record(fcgitest.TypeStdin, 2, two[i:i+16384], -1)...)
	}
	b = append(b, fcgitest.Record(fcgitest.TypeStdin, 1, nil, 0)...)
	b = append(b, fcgitest.Record(fcgitest.TypeStdin, 2, nil, 0)...)
	go c.Write(b)
	rs = readResponses(t, c, 1, 2)
	for id, data := range map[uint16][]byte{1: one, 2: two} {
		if _, _, body := httpOf(t, rs[id]); !strings.Contains(body, fmt.Sprintf("sha=%x", sha256.Sum256(data))) {
			t.Errorf("id %d body mixed up: %q", id, body)
		}
	}
}

// E1, E11, O5: an empty response still has a header block; big output is
// cut into records of at most 65535 bytes with one empty STDOUT at the end.
func TestOutputRecords(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	c := ts.client(t)
	r, err := c.Get("/empty")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Stdout) != "Status: 200 OK\r\n\r\n" {
		t.Errorf("empty response: %q", r.Stdout)
	}
	for _, n := range []int{0, 65535, 200000} {
		r, err := c.Get(fmt.Sprintf("/big?%d", n))
		if err != nil {
			t.Fatal(err)
		}
		empties := 0
		for _, rec := range r.Records {
			checkRecord(t, rec)
			if rec.Type == fcgitest.TypeStdout && len(rec.Content) == 0 {
				empties++
			}
		}
		if empties != 1 {
			t.Errorf("big %d: %d empty STDOUT records, want 1", n, empties)
		}
		if _, _, body := httpOf(t, r); len(body) != n {
			t.Errorf("big %d: body %d bytes", n, len(body))
		}
	}
}

// E10, O2: STDERR records are not in the body and end with an empty one.
func TestStderr(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	r, err := ts.client(t).Get("/stderr")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Stderr) != "oops on stderr" {
		t.Errorf("stderr %q", r.Stderr)
	}
	if _, _, body := httpOf(t, r); body != "ok" {
		t.Errorf("body %q", body)
	}
	n := len(r.Records)
	if last := r.Records[n-2]; last.Type != fcgitest.TypeStderr || len(last.Content) != 0 {
		t.Errorf("no empty STDERR before END_REQUEST: %+v", last)
	}
}

// A handler panic becomes a 500, an app status of 1 and a log line.
func TestHandlerPanic(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	c := ts.client(t)
	r, err := c.Get("/panic")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := httpOf(t, r); code != 500 || r.AppStatus != 1 {
		t.Errorf("got %d app status %d, want 500 and 1", code, r.AppStatus)
	}
	if !contains(ts.log.String(), "handler panic") {
		t.Errorf("no log line: %s", ts.log)
	}
	if r, _ := c.Get("/echo"); r == nil {
		t.Error("connection unusable after a panic")
	}
}

// A handler that sets a redirect gets an explicit Status line (H1).
func TestStatusLine(t *testing.T) {
	ts := startServer(t, "tcp", nil)
	r, _ := ts.client(t).Get("/status")
	if !bytes.HasPrefix(r.Stdout, []byte("Status: 302 Found\r\nLocation: /elsewhere\r\n\r\n")) {
		t.Errorf("got %q", r.Stdout)
	}
}
