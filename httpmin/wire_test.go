package httpmin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"scriptsrv/cgi"
)

// dial opens a raw connection to a server started by start.
func dial(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// echo answers with the method, path, query and the body it read.
var echo = cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(400)
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "%s %s ?%s body=%q", r.Params.Get("REQUEST_METHOD"), r.Params.Get("PATH_INFO"), r.Params.Get("QUERY_STRING"), body)
})

func readResponse(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp, string(b)
}

// Requests the server refuses, each with its status, before the handler
// runs; the connection is closed after the answer.
func TestRefused(t *testing.T) {
	ran := false
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) { ran = true }))
	h := "Host: x\r\n"
	for _, tc := range []struct {
		name, req string
		status    int
	}{
		{"content-length and chunked", "POST / HTTP/1.1\r\n" + h + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"conflicting content-lengths", "POST / HTTP/1.1\r\n" + h + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"signed content-length", "POST / HTTP/1.1\r\n" + h + "Content-Length: +3\r\n\r\nabc", 400},
		{"content-length list", "POST / HTTP/1.1\r\n" + h + "Content-Length: 3, 3\r\n\r\nabc", 400},
		{"unknown transfer-encoding", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"chunked in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
		{"obsolete line folding", "GET / HTTP/1.1\r\n" + h + "X-A: 1\r\n 2\r\n\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\n" + h + "X-A : 1\r\n\r\n", 400},
		{"no colon", "GET / HTTP/1.1\r\n" + h + "X-A\r\n\r\n", 400},
		{"control character in value", "GET / HTTP/1.1\r\n" + h + "X-A: a\x01b\r\n\r\n", 400},
		{"control character in target", "GET /a\x01b HTTP/1.1\r\n" + h + "\r\n", 400},
		{"missing Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"bad Host", "GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"HTTP/2.0", "GET / HTTP/2.0\r\n" + h + "\r\n", 505},
		{"garbage", "hello\r\n\r\n", 400},
		{"bad method", "G(T / HTTP/1.1\r\n" + h + "\r\n", 400},
		{"bad target", "GET x HTTP/1.1\r\n" + h + "\r\n", 400},
		{"bad escape", "GET /%zz HTTP/1.1\r\n" + h + "\r\n", 400},
		{"unknown expectation", "GET / HTTP/1.1\r\n" + h + "Expect: teapot\r\n\r\n", 417},
		{"too many fields", "GET / HTTP/1.1\r\n" + h + strings.Repeat("X-A: 1\r\n", maxHeaderFields) + "\r\n", 431},
		{"request line too long", "GET /" + strings.Repeat("a", 5000) + " HTTP/1.1\r\n" + h + "\r\n", 414},
		{"header too large", "GET / HTTP/1.1\r\n" + h + "X-Big: " + strings.Repeat("x", 5000) + "\r\n\r\n", 431},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, base)
			io.WriteString(c, tc.req)
			br := bufio.NewReader(c)
			resp, body := readResponse(t, br, "GET")
			if resp.StatusCode != tc.status || !resp.Close || body == "" {
				t.Errorf("got %d (close %v) %q, want %d and Connection: close", resp.StatusCode, resp.Close, body, tc.status)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("the connection stays open after a refused request (%v)", err)
			}
		})
	}
	if ran {
		t.Error("the handler ran for a refused request")
	}
}

// Requests written back to back on one connection (pipelined, one of them
// with a chunked body and a trailer) are answered in order.
func TestPipelined(t *testing.T) {
	c := dial(t, start(t, echo))
	io.WriteString(c, "GET /a?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"+
		"POST /c HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nfg"+
		"HEAD /d HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /e%20f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	br := bufio.NewReader(c)
	for _, want := range []string{`GET /a ?x=1 body=""`, `POST /b ? body="abcde"`, `POST /c ? body="fg"`, ``, `GET /e f ? body=""`} {
		method := strings.Fields(want + " HEAD")[0]
		resp, body := readResponse(t, br, method)
		if resp.StatusCode != 200 || body != want {
			t.Errorf("got %d %q, want %q", resp.StatusCode, body, want)
		}
		if method == "HEAD" && resp.ContentLength != int64(len(`HEAD /d ? body=""`)) {
			t.Errorf("HEAD: Content-Length %d", resp.ContentLength)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("Connection: close did not close (%v)", err)
	}
}

// HTTP/1.0 keeps the connection only when asked to, and a streamed body
// then ends with the connection.
func TestHTTP10(t *testing.T) {
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		w.Write([]byte(strings.Repeat("y", holdMax+10)))
	}))
	c := dial(t, base)
	io.WriteString(c, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	br := bufio.NewReader(c)
	resp, body := readResponse(t, br, "GET")
	// Streamed without a length: HTTP/1.0 cannot chunk, so it closes.
	if len(body) != holdMax+10 || !resp.Close || resp.TransferEncoding != nil {
		t.Errorf("got %d bytes, close %v, TE %v", len(body), resp.Close, resp.TransferEncoding)
	}

	held := start(t, echo)
	c = dial(t, held)
	io.WriteString(c, "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n")
	br = bufio.NewReader(c)
	resp, _ = readResponse(t, br, "GET")
	if resp.Close || resp.Header.Get("Connection") != "keep-alive" {
		t.Errorf("keep-alive not kept: %v", resp.Header)
	}
	if resp, _ = readResponse(t, br, "GET"); !resp.Close {
		t.Error("HTTP/1.0 without keep-alive kept the connection")
	}
}

// A body past holdMax is streamed in chunks; a Content-Length the handler
// set is used instead; a HEAD answer has no body.
func TestStreamedFraming(t *testing.T) {
	big := strings.Repeat("z", 3*holdMax)
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		if r.Params.Get("QUERY_STRING") == "cl" {
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		}
		w.Header().Set("X-Evil", "a\r\nSet-Cookie: injected=1")
		for i := 0; i < len(big); i += 1000 {
			w.Write([]byte(big[i:min(i+1000, len(big))]))
		}
	}))
	c := dial(t, base)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /?cl HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, body := readResponse(t, br, "GET")
	if body != big || len(resp.TransferEncoding) != 1 || resp.Close {
		t.Errorf("chunked: %d bytes, TE %v, close %v", len(body), resp.TransferEncoding, resp.Close)
	}
	if resp.Header.Get("Set-Cookie") != "" || !strings.HasPrefix(resp.Header.Get("X-Evil"), "a  Set-Cookie") {
		t.Errorf("header injection: %v", resp.Header)
	}
	resp, body = readResponse(t, br, "GET")
	if body != big || resp.ContentLength != int64(len(big)) || resp.TransferEncoding != nil {
		t.Errorf("declared length: %d bytes, length %d, TE %v", len(body), resp.ContentLength, resp.TransferEncoding)
	}
	resp, body = readResponse(t, br, "HEAD")
	if body != "" || resp.StatusCode != 200 {
		t.Errorf("HEAD: %d %q", resp.StatusCode, body)
	}
}

// Expect: 100-continue: the client is told to go on when the handler
// reads the body; a handler that answers without reading it closes the
// connection, since the client never sent the body.
func TestExpectContinue(t *testing.T) {
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		if r.Params.Get("PATH_INFO") == "/read" {
			echo(w, r)
			return
		}
		w.WriteHeader(413)
	}))
	c := dial(t, base)
	io.WriteString(c, "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	line, _ := br.ReadString('\n')
	if line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("got %q, want 100 Continue", line)
	}
	br.ReadString('\n')
	io.WriteString(c, "hello")
	if resp, body := readResponse(t, br, "POST"); resp.StatusCode != 200 || body != `POST /read ? body="hello"` || resp.Close {
		t.Errorf("got %d %q close %v", resp.StatusCode, body, resp.Close)
	}
	io.WriteString(c, "POST /no HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 413 || !resp.Close {
		t.Errorf("got %d close %v, want 413 and Connection: close", resp.StatusCode, resp.Close)
	}
}

// A body the handler leaves unread is skipped when small, so the
// connection serves the next request; a large one closes the connection.
func TestUnreadBody(t *testing.T) {
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) { io.WriteString(w, "ok") }))
	c := dial(t, base)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	for range 2 {
		if resp, body := readResponse(t, br, "GET"); body != "ok" || resp.Close {
			t.Errorf("got %q close %v", body, resp.Close)
		}
	}
	c = dial(t, base)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", maxDrain+1)
	go c.Write(make([]byte, maxDrain+1))
	if resp, _ := readResponse(t, bufio.NewReader(c), "GET"); !resp.Close {
		t.Error("a large unread body kept the connection")
	}
}

// The client going away cancels the context of a request that waits on
// it; a pipelined request is not mistaken for that, and is served.
func TestClientGoneContext(t *testing.T) {
	causes := make(chan error, 2)
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		ctx := r.Context()
		select {
		case <-ctx.Done():
			causes <- context.Cause(ctx)
		case <-time.After(300 * time.Millisecond):
			causes <- nil
		}
		io.WriteString(w, r.Params.Get("PATH_INFO"))
	}))
	c := dial(t, base)
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond) // the handler waits and watches
	io.WriteString(c, "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	for _, want := range []string{"/1", "/2"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Errorf("got %q, want %q", body, want)
		}
		if err := <-causes; err != nil {
			t.Errorf("%s: context ended (%v) while the client was there", want, err)
		}
	}
	c = dial(t, base)
	io.WriteString(c, "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-causes:
		if !errors.Is(err, errClientGone) {
			t.Errorf("cause %v, want the client gone", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the context did not end when the client went away")
	}
}

// Shutdown lets a request in progress finish (its answer closes the
// connection), closes idle connections, and Serve returns
// http.ErrServerClosed.
func TestShutdown(t *testing.T) {
	release := make(chan struct{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		if r.Params.Get("PATH_INFO") == "/slow" {
			<-release
		}
		io.WriteString(w, "done")
	})}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	base := "http://" + l.Addr().String()
	idle := dial(t, base)
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	ibr := bufio.NewReader(idle)
	readResponse(t, ibr, "GET")
	busy := dial(t, base)
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	if _, err := ibr.ReadByte(); err != io.EOF {
		t.Errorf("the idle connection stays open (%v)", err)
	}
	close(release)
	if resp, body := readResponse(t, bufio.NewReader(busy), "GET"); body != "done" || !resp.Close {
		t.Errorf("in progress: %q close %v", body, resp.Close)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Errorf("Serve returned %v", err)
	}
}

// A handler that panics before answering gets a 500 sent for it; one that
// panics mid-stream leaves the answer visibly cut short. Either way the
// connection closes and the server keeps serving.
func TestHandlerPanic(t *testing.T) {
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		if r.Params.Get("PATH_INFO") == "/stream" {
			w.Write([]byte(strings.Repeat("s", 2*holdMax)))
		}
		panic("boom")
	}))
	c := dial(t, base)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := readResponse(t, bufio.NewReader(c), "GET"); resp.StatusCode != 500 || !resp.Close || body != "internal server error\n" {
		t.Errorf("got %d close %v %q", resp.StatusCode, resp.Close, body)
	}
	resp, err := http.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("a body cut short by a panic read as complete")
	}
	resp.Body.Close()
}

// A write after the handler returned fails, and cannot leak into the next
// answer on the connection.
func TestWriteAfterReturn(t *testing.T) {
	late := make(chan cgi.ResponseWriter, 1)
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		io.WriteString(w, r.Params.Get("PATH_INFO"))
		if r.Params.Get("PATH_INFO") == "/1" {
			late <- w
		}
	}))
	c := dial(t, base)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
	readResponse(t, br, "GET")
	if _, err := io.WriteString(<-late, "LEAK"); !errors.Is(err, errFinished) {
		t.Errorf("late write: %v", err)
	}
	io.WriteString(c, "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResponse(t, br, "GET"); body != "/2" {
		t.Errorf("next answer %q", body)
	}
}

// Detach does not wait for a handler whose write is blocked on a client
// that does not read: the write fails and the handler gets free.
func TestDetachBlockedWrite(t *testing.T) {
	blocked, freed := make(chan cgi.ResponseWriter, 1), make(chan error, 1)
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		chunk := make([]byte, 64<<10)
		w.Write(chunk)
		blocked <- w
		for {
			if _, err := w.Write(chunk); err != nil {
				freed <- err
				return
			}
		}
	}))
	c := dial(t, base)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	w := <-blocked
	time.Sleep(200 * time.Millisecond) // the socket buffers fill up
	done := make(chan struct{})
	go func() { w.(cgi.Detacher).Detach(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Detach waits for a write blocked on the client")
	}
	select {
	case <-freed:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler's write stays blocked after Detach")
	}
}

// The header, body and idle timeouts close connections that stall.
func TestStallTimeouts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: echo, Logger: slog.New(slog.DiscardHandler),
		ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, IdleTimeout: 200 * time.Millisecond}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	base := "http://" + l.Addr().String()
	closedSoon := func(t *testing.T, c net.Conn, br *bufio.Reader) {
		t.Helper()
		start := time.Now()
		if _, err := io.ReadAll(br); err != nil || time.Since(start) > 2*time.Second {
			t.Errorf("not closed in time (%v, %v)", time.Since(start), err)
		}
	}
	t.Run("header", func(t *testing.T) {
		c := dial(t, base)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n") // the head never ends
		closedSoon(t, c, bufio.NewReader(c))
	})
	t.Run("idle", func(t *testing.T) {
		c := dial(t, base)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		readResponse(t, br, "GET")
		closedSoon(t, c, br)
	})
	t.Run("body", func(t *testing.T) {
		c := dial(t, base)
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345") // and stalls
		br := bufio.NewReader(c)
		if resp, _ := readResponse(t, br, "POST"); resp.StatusCode != 400 || !resp.Close {
			t.Errorf("a stalled body: %d close %v, want the handler's 400 and Connection: close", resp.StatusCode, resp.Close)
		}
		closedSoon(t, c, br)
	})
}

// A body longer than the Content-Length the handler set goes out cut to
// that length, as nginx sends it, and the connection serves on.
func TestContentLengthOverrun(t *testing.T) {
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		w.Header().Set("Content-Length", "2")
		size := 10
		if r.Params.Get("QUERY_STRING") == "big" {
			size = 10 << 10 // streamed: past the held first 4 KiB
		}
		w.Write([]byte(strings.Repeat("ab", size/2)))
	}))
	c := dial(t, base)
	br := bufio.NewReader(c)
	for _, q := range []string{"big", "small", "big"} {
		fmt.Fprintf(c, "GET /?%s HTTP/1.1\r\nHost: x\r\n\r\n", q)
		resp, body := readResponse(t, br, "GET")
		if body != "ab" || resp.ContentLength != 2 || resp.Close {
			t.Errorf("%s: body %q, length %d, close %v; want \"ab\", 2, kept", q, body, resp.ContentLength, resp.Close)
		}
	}
}
