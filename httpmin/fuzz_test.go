package httpmin

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzReadHead feeds readHead arbitrary heads. It must not panic, no param
// but the decoded PATH_INFO may carry a CR, LF or NUL (the router refuses
// those paths), and what it accepts net/http must read the
// same way (method, target, path, query, body framing).
func FuzzReadHead(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /a%20b?c=d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nCookie: a\r\ncookie: b\r\n\r\nabc",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"GET http://example.com/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\n\n",
	} {
		f.Add(s)
	}
	ca := newConnAddrs("127.0.0.1:5000", nil)
	f.Fuzz(func(t *testing.T, s string) {
		h, err := readHead(bufio.NewReaderSize(strings.NewReader(s), 4096), 4096, ca)
		if err != nil {
			return
		}
		for _, p := range h.params {
			if p.Name != "PATH_INFO" && strings.ContainsAny(p.Name+p.Value, "\r\n\x00") {
				t.Fatalf("param %q=%q", p.Name, p.Value)
			}
		}
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(s)))
		if err != nil {
			return // stricter elsewhere is fine; laxer is checked below
		}
		if r.Method != h.method || r.RequestURI != h.params.Get("REQUEST_URI") {
			t.Fatalf("method/target: net/http %q %q, ours %q %q", r.Method, r.RequestURI, h.method, h.params.Get("REQUEST_URI"))
		}
		if r.URL.Path != h.params.Get("PATH_INFO") || r.URL.RawQuery != h.params.Get("QUERY_STRING") {
			t.Fatalf("path/query: net/http %q %q, ours %q %q", r.URL.Path, r.URL.RawQuery, h.params.Get("PATH_INFO"), h.params.Get("QUERY_STRING"))
		}
		if chunked := len(r.TransferEncoding) > 0; chunked != (h.length < 0) || (!chunked && r.ContentLength != h.length) {
			t.Fatalf("framing: net/http length %d TE %v, ours %d", r.ContentLength, r.TransferEncoding, h.length)
		}
	})
}

// FuzzServe runs a connection on arbitrary input: bodies, chunks,
// trailers, pipelining and refusals must end without a panic or a hang,
// and whatever is written back must be HTTP responses.
func FuzzServe(f *testing.F) {
	f.Add("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	f.Add("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nab")
	f.Add("GET / HTTP/1.0\r\n\r\n")
	s := &Server{Handler: echo, Logger: slog.New(slog.DiscardHandler), ReadTimeout: time.Second}
	s.setup()
	f.Fuzz(func(t *testing.T, in string) {
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() { newConn(s, server).serve(); close(done) }()
		go func() { io.WriteString(client, in); time.Sleep(10 * time.Millisecond); client.Close() }()
		client.SetReadDeadline(time.Now().Add(5 * time.Second))
		out, _ := io.ReadAll(client)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the connection did not end")
		}
		if len(out) > 0 && !strings.HasPrefix(string(out), "HTTP/1.1 ") {
			t.Fatalf("wrote %q", out)
		}
	})
}
