// Package httpmin is scriptsrv's minimal HTTP front: an HTTP/1.1 server of
// its own that reads each request's line and header straight into exactly
// the CGI params a web server would send over FastCGI (RFC 3875 names,
// HTTP_* headers), streams the body, and writes a handler's response back.
// The same cgi.Handler serves both fronts unchanged.
//
// It does only what a script server behind nothing needs, and refuses the
// rest with a status: HTTP/1.0 and 1.1 (keep-alive, pipelining, chunked
// request bodies, Expect: 100-continue), no TLS, no HTTP/2, no upgrades.
// Requests that smuggle (Content-Length with Transfer-Encoding, differing
// Content-Lengths, obsolete line folding) get 400. Per request it costs a
// fraction of net/http's: no maps of headers, no goroutine per request
// (the client going away is watched for only once the handler waits on the
// request's context), one write per answer.
//
// A response's status and first 4 KiB are held until the handler returns,
// flushes or writes more, so most responses go out whole with a
// Content-Length, and a request detached by a handler stuck in a native
// call (cgi.Detacher) still gets a complete answer.
//
// The Proxy request header is never passed as HTTP_PROXY (httpoxy).
package httpmin

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/internal/accept"
)

// Server is an HTTP server for a cgi.Handler. Set its fields before Serve;
// zero durations and sizes mean the documented defaults.
type Server struct {
	Handler cgi.Handler
	Logger  *slog.Logger // default slog.Default()

	ReadHeaderTimeout time.Duration // default 10s
	ReadTimeout       time.Duration // whole request, body included; default 5m
	BodyTimeout       time.Duration // one body read waiting for data; default 60s
	WriteTimeout      time.Duration // default 0: none, so responses may stream
	IdleTimeout       time.Duration // keep-alive; default 2m
	MaxHeaderBytes    int           // request line and header; default 64 KiB

	init      sync.Once
	base      context.Context
	cancel    context.CancelCauseFunc
	closing   atomic.Bool
	active    atomic.Int64 // requests being served
	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) setup() {
	s.init.Do(func() {
		s.base, s.cancel = context.WithCancelCause(context.Background())
		s.ReadHeaderTimeout = orDefault(s.ReadHeaderTimeout, 10*time.Second)
		s.ReadTimeout = orDefault(s.ReadTimeout, 5*time.Minute)
		s.BodyTimeout = orDefault(s.BodyTimeout, 60*time.Second)
		s.IdleTimeout = orDefault(s.IdleTimeout, 2*time.Minute)
		if s.MaxHeaderBytes <= 0 {
			s.MaxHeaderBytes = 64 << 10
		}
		s.listeners = map[net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
	})
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (s *Server) shuttingDown() bool { return s.closing.Load() }

// Serve accepts HTTP connections on l and serves each on its own
// goroutine. It returns http.ErrServerClosed after Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	s.setup()
	s.mu.Lock()
	if s.shuttingDown() {
		s.mu.Unlock()
		l.Close()
		return http.ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()
	var backoff accept.Backoff
	for {
		rwc, err := l.Accept()
		if err != nil {
			if s.shuttingDown() {
				return http.ErrServerClosed
			}
			if backoff.Retry(err, s.logger(), "accept failed; retrying") {
				continue
			}
			return err
		}
		backoff.Reset()
		c := newConn(s, rwc)
		if !s.track(c) {
			c.finish()
			continue
		}
		go c.serve()
	}
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown() {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown stops accepting, closes idle connections, and waits for the
// requests in progress (each connection closes after its answer). When ctx
// ends first, the requests still running are cancelled with
// cgi.ErrShutdown, so handlers can answer 503, and get a moment to do so
// before the connections close.
func (s *Server) Shutdown(ctx context.Context) error {
	s.setup()
	s.stopListening()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.closeIdle() {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			s.cancel(cgi.ErrShutdown)
			for end := time.Now().Add(time.Second); s.active.Load() > 0 && time.Now().Before(end); {
				time.Sleep(10 * time.Millisecond)
			}
			s.closeAll()
			return ctx.Err()
		}
	}
}

// Close closes every connection at once; requests in progress are
// cancelled with cgi.ErrShutdown.
func (s *Server) Close() error {
	s.setup()
	s.stopListening()
	s.cancel(cgi.ErrShutdown)
	s.closeAll()
	return nil
}

func (s *Server) stopListening() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing.Store(true)
	for l := range s.listeners {
		l.Close()
	}
}

// closeIdle closes the connections waiting for a request (and those that
// never sent one for 5 s), and reports whether none are left but those
// whose request was detached: their answer is out, and their handler,
// stuck where it cannot be interrupted, holds nothing up.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	live := 0
	for c := range s.conns {
		switch st := c.state.Load(); {
		case c.detached.Load():
			c.rwc.Close()
			continue
		case st == stateIdle, st == stateNew && time.Since(c.born) > 5*time.Second:
			c.rwc.Close()
		}
		live++
	}
	return live == 0
}

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.rwc.Close()
	}
}

// connAddrs are a connection's addresses as CGI params, computed once per
// connection rather than per request.
type connAddrs struct {
	remote                 string // host:port
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
