// cgimode.go: `scriptsrv cgi SCRIPT`: one request from the process
// environment and stdin, answered on stdout, as a CGI interpreter would.

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"

	"scriptsrv/cgi"
	"scriptsrv/host"
)

func runCGI(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: scriptsrv cgi SCRIPT   (params from the environment, body from stdin)")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	prog, err := host.Load(args[0], "", true)
	if err != nil {
		fmt.Fprintln(stderr, "scriptsrv:", err)
		return 1
	}
	pool, err := host.NewPool(prog, host.Config{Workers: 1, Logger: log, Debug: os.Getenv("SCRIPTSRV_DEBUG") != ""})
	if err != nil {
		fmt.Fprintln(stderr, "scriptsrv:", err)
		return 1
	}
	defer pool.Close()
	ps, body := cgiRequest(os.Environ(), stdin)
	bw := bufio.NewWriter(stdout)
	w := &cgiWriter{out: bw, stderr: stderr, header: http.Header{}}
	pool.ServeCGI(w, cgi.NewRequest(ctx, ps, body))
	w.WriteHeader(http.StatusOK)
	bw.Flush()
	if w.status >= 500 {
		return 1
	}
	return 0
}

// cgiRequest is the request a CGI interpreter gets: the params from the
// environment (REQUEST_METHOD GET when it is not set), the body from stdin
// — CONTENT_LENGTH bytes of it when that is set, as RFC 3875 says, else
// all of it.
func cgiRequest(environ []string, stdin io.Reader) (cgi.Params, io.Reader) {
	var ps cgi.Params
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			ps = append(ps, cgi.Param{Name: k, Value: v})
		}
	}
	if ps.Get("REQUEST_METHOD") == "" {
		ps = append(ps, cgi.Param{Name: "REQUEST_METHOD", Value: "GET"})
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(ps.Get("CONTENT_LENGTH")), 10, 64); err == nil && n >= 0 {
		return ps, io.LimitReader(stdin, n)
	}
	return ps, stdin
}

// cgiWriter writes a CGI response: a header block, then the body.
type cgiWriter struct {
	out    *bufio.Writer
	stderr io.Writer
	header http.Header
	status int
}

func (w *cgiWriter) Header() http.Header { return w.header }

func (w *cgiWriter) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	w.out.Write(cgi.AppendHeaderBlock(nil, status, w.header))
}

func (w *cgiWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.out.Write(p)
}

func (w *cgiWriter) Flush() error      { return w.out.Flush() }
func (w *cgiWriter) Stderr() io.Writer { return w.stderr }
