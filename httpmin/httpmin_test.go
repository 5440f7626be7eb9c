package httpmin

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"scriptsrv/cgi"
)

// start serves h on a loopback port.
func start(t *testing.T, h cgi.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, MaxHeaderBytes: 4096, Logger: slog.New(slog.DiscardHandler)}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return "http://" + l.Addr().String()
}

// dump answers with the params it received and the body length.
var dump = cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Add("Set-Cookie", "a=1")
	w.Header().Add("Set-Cookie", "b=2")
	w.WriteHeader(201)
	for _, p := range r.Params {
		fmt.Fprintf(w, "%s=%s\n", p.Name, p.Value)
	}
	fmt.Fprintf(w, "body=%d\n", n)
})

func TestParams(t *testing.T) {
	base := start(t, dump)
	req, _ := http.NewRequest("POST", base+"/a%20b/c?x=1&y=%C3%BC", io.MultiReader(strings.NewReader("chunk"), strings.NewReader("ed")))
	req.ContentLength = -1 // chunked
	req.Header.Set("Proxy", "http://evil.example")
	req.Header.Set("X-Forwarded-For", "10.1.1.1")
	req.Header.Set("X-Custom-Thing", "v")
	req.Header.Add("Cookie", "a=1")
	req.Header.Add("Cookie", "b=2")
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	got := string(body)
	for _, want := range []string{
		"GATEWAY_INTERFACE=CGI/1.1\n", "REQUEST_METHOD=POST\n", "REQUEST_URI=/a%20b/c?x=1&y=%C3%BC\n",
		"QUERY_STRING=x=1&y=%C3%BC\n", "PATH_INFO=/a b/c\n", "SCRIPT_NAME=\n", "REMOTE_ADDR=127.0.0.1\n",
		"SERVER_PROTOCOL=HTTP/1.1\n", "CONTENT_TYPE=text/plain\n", "HTTP_X_FORWARDED_FOR=10.1.1.1\n", "HTTP_X_CUSTOM_THING=v\n", "HTTP_USER_AGENT=Go-http-client/1.1\n",
		"HTTP_COOKIE=a=1; b=2\n", "SERVER_NAME=127.0.0.1\n", "body=7\n",
		"SERVER_ADDR=127.0.0.1\n", "SERVER_PORT=" + base[strings.LastIndex(base, ":")+1:] + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if !regexp.MustCompile(`(?m)^REMOTE_PORT=[1-9][0-9]*$`).MatchString(got) {
		t.Errorf("no REMOTE_PORT in\n%s", got)
	}
	for _, absent := range []string{"HTTP_PROXY", "CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_HOST=\n"} {
		if strings.Contains(got, absent) {
			t.Errorf("%s must not be sent:\n%s", absent, got)
		}
	}
	if resp.StatusCode != 201 || len(resp.Header.Values("Set-Cookie")) != 2 {
		t.Errorf("status %d, Set-Cookie %v", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	// A body with a known length.
	resp, _ = http.Post(base+"/p", "application/octet-stream", bytes.NewReader(make([]byte, 1000)))
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "CONTENT_LENGTH=1000\n") || !strings.Contains(string(body), "body=1000\n") {
		t.Errorf("known length: %s", body)
	}
}

// Headers larger than MaxHeaderBytes get 431, before the handler runs.
func TestHeaderCap(t *testing.T) {
	ran := false
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) { ran = true }))
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 20000))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 431 || ran {
		t.Errorf("got %d (handler ran: %v), want 431", resp.StatusCode, ran)
	}
}

// A handler that writes nothing still answers 200.
func TestEmpty(t *testing.T) {
	base := start(t, cgi.HandlerFunc(func(cgi.ResponseWriter, *cgi.Request) {}))
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("got %d", resp.StatusCode)
	}
}

// stuckHandler answers from another goroutine and detaches, as the host does
// for a script stuck in a native call, while the handler itself stays
// blocked until release. With stream, it has already sent part of a body.
func stuckHandler(stream bool, release <-chan struct{}, lateErr chan<- error) cgi.HandlerFunc {
	return func(w cgi.ResponseWriter, r *cgi.Request) {
		if stream {
			w.Write(bytes.Repeat([]byte("x"), holdMax+1))
			w.Flush()
		}
		go func() {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(504)
			io.WriteString(w, "timed out\n")
			w.(cgi.Detacher).Detach()
		}()
		<-release
		_, err := io.WriteString(w, "late")
		lateErr <- err
	}
}

// A detached request gets its whole answer at once, on a connection marked
// to close; the handler's late return and writes change nothing.
func TestDetach(t *testing.T) {
	release, lateErr := make(chan struct{}), make(chan error, 1)
	base := start(t, stuckHandler(false, release, lateErr))
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 504 || string(body) != "timed out\n" || !resp.Close {
		t.Errorf("got %d %q (err %v, Connection: close %v)", resp.StatusCode, body, err, resp.Close)
	}
	close(release)
	if err := <-lateErr; err == nil {
		t.Error("a write after Detach succeeded")
	}
}

// A request detached in the middle of a streamed body is cut short: the
// client sees an error, not a hang.
func TestDetachWhileStreaming(t *testing.T) {
	release, lateErr := make(chan struct{}), make(chan error, 1)
	defer close(release)
	base := start(t, stuckHandler(true, release, lateErr))
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("the cut-short body read without an error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the client still waits for the rest of the body")
	}
}

// Flush sends what is held at once: a streaming handler's first part
// reaches the client while the handler still runs.
func TestFlushStreams(t *testing.T) {
	got := make(chan struct{})
	base := start(t, cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) {
		io.WriteString(w, "first\n")
		w.Flush()
		select {
		case <-got:
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, "second\n")
	}))
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 6)
	start := time.Now()
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first\n" {
		t.Fatalf("first part: %q, %v", buf, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the flushed part arrived only after %v, when the handler gave up waiting", d)
	}
	close(got)
	if rest, _ := io.ReadAll(resp.Body); string(rest) != "second\n" {
		t.Errorf("rest: %q", rest)
	}
}
