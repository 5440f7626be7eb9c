// Package httpmin is scriptsrv's minimal HTTP front. It runs on net/http's
// server (no HTTP parsing of its own), turns each request into exactly the
// CGI params a web server would send over FastCGI (RFC 3875 names, HTTP_*
// headers), streams the body, and passes a handler's response through to
// the client. The same cgi.Handler serves both fronts unchanged.
//
// A response's status and first 4 KiB are held until the handler returns,
// flushes or writes more, so most responses go out whole with a
// Content-Length, and a request detached by a handler stuck in a native
// call (cgi.Detacher) still gets a complete answer.
//
// The Proxy request header is never passed as HTTP_PROXY (httpoxy). There
// is no TLS: put a web server in front for that.
package httpmin

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"scriptsrv/cgi"
)

// Server is an HTTP server for a cgi.Handler. Set its fields before Serve;
// zero durations and sizes mean the documented defaults.
type Server struct {
	Handler cgi.Handler
	Logger  *slog.Logger // default slog.Default()

	ReadHeaderTimeout time.Duration // default 10s
	ReadTimeout       time.Duration // whole request, body included; default 5m
	WriteTimeout      time.Duration // default 0: none, so responses may stream
	IdleTimeout       time.Duration // keep-alive; default 2m
	MaxHeaderBytes    int           // default 64 KiB

	srv    *http.Server
	base   context.Context
	cancel context.CancelCauseFunc
	active sync.WaitGroup
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (s *Server) httpServer() *http.Server {
	if s.srv == nil {
		s.base, s.cancel = context.WithCancelCause(context.Background())
		mhb := s.MaxHeaderBytes
		if mhb <= 0 {
			mhb = 64 << 10
		}
		s.srv = &http.Server{
			Handler:           s,
			ReadHeaderTimeout: orDefault(s.ReadHeaderTimeout, 10*time.Second),
			ReadTimeout:       orDefault(s.ReadTimeout, 5*time.Minute),
			WriteTimeout:      s.WriteTimeout,
			IdleTimeout:       orDefault(s.IdleTimeout, 2*time.Minute),
			MaxHeaderBytes:    mhb,
			ErrorLog:          slog.NewLogLogger(s.logger().Handler(), slog.LevelWarn),
			BaseContext:       func(net.Listener) context.Context { return s.base },
			ConnContext: func(ctx context.Context, c net.Conn) context.Context {
				return context.WithValue(ctx, connKey{}, newConnAddrs(c.RemoteAddr().String(), c.LocalAddr()))
			},
		}
	}
	return s.srv
}

// Serve accepts HTTP connections on l; see http.Server.Serve. It returns
// http.ErrServerClosed after Shutdown or Close.
func (s *Server) Serve(l net.Listener) error { return s.httpServer().Serve(l) }

// Shutdown stops accepting and waits for requests in progress; see
// http.Server.Shutdown. When ctx ends first, the requests still running are
// cancelled with cgi.ErrShutdown, so handlers can answer 503, and get a
// moment to do so before the connections close.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.httpServer().Shutdown(ctx)
	if err != nil {
		s.cancel(cgi.ErrShutdown)
		done := make(chan struct{})
		go func() { s.active.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Second):
		}
		s.srv.Close()
	}
	return err
}

// Close closes every connection at once; requests in progress are
// cancelled with cgi.ErrShutdown.
func (s *Server) Close() error {
	srv := s.httpServer()
	s.cancel(cgi.ErrShutdown)
	return srv.Close()
}

// ServeHTTP serves one request through the handler.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	s.active.Add(1)
	defer s.active.Done()
	// Scripts may answer while still reading the body (HTTP/1.1 allows it).
	http.NewResponseController(rw).EnableFullDuplex()
	req := cgi.NewRequest(r.Context(), Params(r), r.Body)
	w := newResponse(rw)
	s.Handler.ServeCGI(w, req)
	w.end()
}

// Params returns the CGI params a web server would send for r.
func Params(r *http.Request) cgi.Params {
	ps := make(cgi.Params, 0, 20+len(r.Header))
	add := func(k, v string) { ps = append(ps, cgi.Param{Name: k, Value: v}) }
	add("GATEWAY_INTERFACE", "CGI/1.1")
	add("SERVER_SOFTWARE", "scriptsrv")
	add("SERVER_PROTOCOL", r.Proto)
	add("REQUEST_METHOD", r.Method)
	add("REQUEST_URI", r.RequestURI)
	add("REQUEST_SCHEME", "http")
	add("SCRIPT_NAME", "")
	add("PATH_INFO", r.URL.Path)
	add("QUERY_STRING", r.URL.RawQuery)
	ca, ok := r.Context().Value(connKey{}).(*connAddrs)
	if !ok || ca.remote != r.RemoteAddr {
		la, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		ca = newConnAddrs(r.RemoteAddr, la)
	}
	add("REMOTE_ADDR", ca.remoteHost)
	add("REMOTE_PORT", ca.remotePort)
	if ca.serverAddr != "" {
		add("SERVER_ADDR", ca.serverAddr)
		add("SERVER_PORT", ca.serverPort)
	}
	sn := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		sn = h
	}
	add("SERVER_NAME", sn)
	if r.ContentLength >= 0 && (r.ContentLength > 0 || r.Body != http.NoBody) {
		add("CONTENT_LENGTH", strconv.FormatInt(r.ContentLength, 10))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		add("CONTENT_TYPE", ct)
	}
	if r.Host != "" {
		add("HTTP_HOST", r.Host)
	}
	for k, vs := range r.Header {
		switch k {
		case "Content-Type", "Content-Length", "Proxy", "Host":
			continue
		}
		sep := ", "
		if k == "Cookie" {
			sep = "; "
		}
		v := vs[0]
		if len(vs) > 1 {
			v = strings.Join(vs, sep)
		}
		add(cgiHeaderName(k), v)
	}
	return ps
}

// connKey is the context key of a connection's *connAddrs.
type connKey struct{}

// connAddrs are a connection's addresses as CGI params, computed once per
// connection rather than per request.
type connAddrs struct {
	remote                 string // as in http.Request.RemoteAddr
	remoteHost, remotePort string
	serverAddr, serverPort string
}

func newConnAddrs(remote string, local net.Addr) *connAddrs {
	ca := &connAddrs{remote: remote}
	ca.remoteHost, ca.remotePort, _ = net.SplitHostPort(remote)
	if local != nil {
		if h, p, err := net.SplitHostPort(local.String()); err == nil {
			ca.serverAddr, ca.serverPort = h, p
		}
	}
	return ca
}

// commonHeaders maps the request headers browsers and proxies send most to
// their CGI names, computed once.
var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection",
		"Cookie", "Dnt", "If-Modified-Since", "If-None-Match", "Origin", "Pragma", "Referer", "Sec-Ch-Ua",
		"Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site",
		"Sec-Fetch-User", "Upgrade-Insecure-Requests", "User-Agent", "Authorization", "X-Forwarded-For",
		"X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "X-Requested-With"} {
		m[k] = "HTTP_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
	}
	return m
}()

// cgiHeaderName is the CGI param name of a canonical request header name.
func cgiHeaderName(k string) string {
	if n, ok := commonHeaders[k]; ok {
		return n
	}
	return "HTTP_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
}
