package fcgi

import (
	"io"
	"net/http"
	"testing"

	"scriptsrv/cgi"
	"scriptsrv/fcgi/fcgitest"
)

// nginxParams is what nginx's stock fastcgi_params sends for a GET.
var nginxParams = cgi.Params{
	{Name: "QUERY_STRING", Value: "name=world"}, {Name: "REQUEST_METHOD", Value: "GET"},
	{Name: "CONTENT_TYPE", Value: ""}, {Name: "CONTENT_LENGTH", Value: ""},
	{Name: "SCRIPT_NAME", Value: "/work"}, {Name: "REQUEST_URI", Value: "/work?name=world"},
	{Name: "DOCUMENT_URI", Value: "/work"}, {Name: "DOCUMENT_ROOT", Value: "/usr/share/nginx/html"},
	{Name: "SERVER_PROTOCOL", Value: "HTTP/1.1"}, {Name: "REQUEST_SCHEME", Value: "http"},
	{Name: "GATEWAY_INTERFACE", Value: "CGI/1.1"}, {Name: "SERVER_SOFTWARE", Value: "nginx/1.22.1"},
	{Name: "REMOTE_ADDR", Value: "127.0.0.1"}, {Name: "REMOTE_PORT", Value: "51234"},
	{Name: "SERVER_ADDR", Value: "127.0.0.1"}, {Name: "SERVER_PORT", Value: "8080"},
	{Name: "SERVER_NAME", Value: "localhost"}, {Name: "REDIRECT_STATUS", Value: "200"},
	{Name: "HTTP_HOST", Value: "127.0.0.1:8080"}, {Name: "HTTP_USER_AGENT", Value: "wrk/4.1.0"},
	{Name: "HTTP_ACCEPT", Value: "*/*"}, {Name: "HTTP_CONNECTION", Value: "keep-alive"},
}

func BenchmarkDecodeParams(b *testing.B) {
	enc := fcgitest.Pairs(nginxParams)
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := decodeParams(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeResponse(b *testing.B) {
	h := http.Header{"Content-Type": {"text/plain"}}
	body := []byte("Hello, anchor world\n")
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out := appendRecord(buf[:0], typeStdout, 1, append(cgi.AppendHeaderBlock(buf[2048:2048], 200, h), body...))
		out = appendRecord(out, typeStdout, 1, nil)
		_ = appendEndRequest(out, 1, 0, 0)
	}
}

// BenchmarkRoundTripUnix is one whole keep-conn request over a unix socket
// to a native Go handler: the ceiling for anything served through fcgi.
func BenchmarkRoundTripUnix(b *testing.B) {
	ts := startServer(b, "unix", func(s *Server) {
		s.Handler = cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "Hello, anchor world\n")
		})
	})
	c := ts.client(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Do(nginxParams, nil); err != nil {
			b.Fatal(err)
		}
	}
}
