// Package fcgi implements the application side of FastCGI 1.0: a server that
// accepts connections from web servers (Caddy, nginx, lighttpd, Apache,
// HAProxy, cgi-fcgi) and runs a cgi.Handler for each request. It can be
// used on its own, like net/http/fcgi, and fixes what that package leaves
// out:
//
//   - Requests are multiplexed: each has its own context, and the
//     connection reader never waits long for a handler. A request whose body
//     has arrived, alone on its connection (nginx with keep-conn, Caddy),
//     runs on the reader's goroutine; if it runs longer than 10ms, reading
//     moves to another goroutine. Other requests run on their own
//     goroutines. A body the handler has not read yet is buffered in memory
//     up to Server.BodyMemory, then in a temp file that is unlinked at once.
//   - ABORT_REQUEST and a closed connection cancel the request's context at
//     once; END_REQUEST is sent exactly once, after the handler returned
//     or detached the request (the ResponseWriter is a cgi.Detacher).
//   - GET_VALUES is answered with exactly the known names asked for
//     (FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS), at any time.
//     Unknown management types get UNKNOWN_TYPE; UNKNOWN_TYPE is never sent
//     for a non-zero request ID.
//   - Every length is bounded before it is allocated; malformed input closes
//     only the offending connection (or fails only the offending request)
//     with one log line naming the peer and the reason.
//   - The handler starts when PARAMS ends, not at the first STDIN record, and
//     the body ends at the empty STDIN record whatever CONTENT_LENGTH says.
//   - Output goes out in records of at most 65535 bytes, padded to 8, and the
//     last output, the empty STDOUT and END_REQUEST share one write. A
//     header block with an explicit Status line is always sent.
//   - A response is held until the request's STDIN stream has ended: nginx
//     stops sending a body once it has response headers, so a handler that
//     answers while the body is still arriving would otherwise wait for it
//     forever. A front end that never ends STDIN (old HAProxy with bodiless
//     HTTP/2 POSTs) gets its answer when StallTimeout closes the connection.
//
// Roles: RESPONDER and AUTHORIZER are served (an authorizer request has
// Request.Role set to cgi.Authorizer and no body; answering 200 with
// Variable-NAME headers allows it). FILTER is not supported: it is answered
// with END_REQUEST{UNKNOWN_ROLE}, as is any unknown role.
//
// Not supported: the FCGI_LISTENSOCK_FILENO convention of inheriting a
// listening socket on fd 0 (pass any net.Listener to Serve instead).
package fcgi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/internal/accept"
)

// ErrServerClosed is returned by Serve after Shutdown or Close, and is the
// cause of the contexts Close cancels (errors.Is(err, cgi.ErrShutdown)
// holds for it too).
var ErrServerClosed = fmt.Errorf("fcgi: server closed: %w", cgi.ErrShutdown)

// ErrAborted is the cause of a request context cancelled by the web server,
// through ABORT_REQUEST or by closing the connection.
var ErrAborted = fmt.Errorf("fcgi: request aborted: %w", cgi.ErrClientGone)

var errProtocol = errors.New("fcgi: protocol error")

// Server serves FastCGI connections. Set its fields before calling Serve;
// the zero value of every limit means its documented default.
type Server struct {
	// Handler answers requests. It must not be nil.
	Handler cgi.Handler
	// Logger receives one line per protocol error or refused peer.
	// Default: slog.Default().
	Logger *slog.Logger

	// MaxConns is the number of connections served at once; more are
	// closed on accept. Reported as FCGI_MAX_CONNS. Default 1024.
	MaxConns int
	// MaxReqs is the number of requests served at once over all
	// connections; more get a CGI 503 response. Reported as FCGI_MAX_REQS.
	// Default 4096.
	MaxReqs int
	// MaxReqsPerConn is the number of live requests on one connection.
	// Default 256.
	MaxReqsPerConn int
	// MaxParamsBytes bounds one request's whole PARAMS stream; larger
	// requests get 431. Default 1 MiB.
	MaxParamsBytes int
	// MaxPendingParams bounds the PARAMS held for requests whose params
	// have not ended, over all connections; a request that would pass it
	// gets 503. Default 64 MiB.
	MaxPendingParams int64
	// ParamsTimeout is how long a request may take from BEGIN_REQUEST to
	// the end of its params; past it the request gets 408. Default 10 s.
	ParamsTimeout time.Duration
	// BodyMemory is how much unread body one request keeps in memory before
	// spilling to a temp file in TempDir. Default 256 KiB.
	BodyMemory int
	// MaxBody is the largest request body accepted; past it reads fail with
	// cgi.ErrBodyTooLarge and the rest is discarded. 0 means no limit.
	MaxBody int64
	// TempDir is where bodies spill. Default os.TempDir().
	TempDir string

	// IdleTimeout closes a connection with no request in progress after
	// this long. Default 5 minutes, longer than nginx's 60 s keepalive.
	IdleTimeout time.Duration
	// StallTimeout closes a connection that stops sending in the middle of
	// a request (slowloris). Default 60 s.
	StallTimeout time.Duration
	// WriteTimeout bounds one write to the web server. Default 60 s.
	WriteTimeout time.Duration

	// AllowedClients lists the peer addresses allowed to connect over TCP.
	// Empty means FCGI_WEB_SERVER_ADDRS (a comma-separated IP list) when it
	// is set in the environment, else anyone. Unix-socket peers are always
	// allowed: the socket's file mode controls them.
	AllowedClients []netip.Prefix

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	evicting  int // connections of conns closed to make room, not gone yet
	inShut    atomic.Bool
	liveReqs  atomic.Int64
	pending   atomic.Int64 // bytes of unfinished PARAMS
	allowOnce sync.Once
	allow     []netip.Prefix
	wg        sync.WaitGroup
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func (s *Server) maxConns() int                { return orDefault(s.MaxConns, 1024) }
func (s *Server) maxReqs() int                 { return orDefault(s.MaxReqs, 4096) }
func (s *Server) maxReqsPerConn() int          { return orDefault(s.MaxReqsPerConn, 256) }
func (s *Server) maxParams() int               { return orDefault(s.MaxParamsBytes, 1<<20) }
func (s *Server) bodyMemory() int              { return orDefault(s.BodyMemory, 256<<10) }
func (s *Server) maxPending() int64            { return orDefault(s.MaxPendingParams, 64<<20) }
func (s *Server) paramsTimeout() time.Duration { return orDefault(s.ParamsTimeout, 10*time.Second) }
func (s *Server) idleTimeout() time.Duration   { return orDefault(s.IdleTimeout, 5*time.Minute) }
func (s *Server) stallTimeout() time.Duration  { return orDefault(s.StallTimeout, 60*time.Second) }
func (s *Server) writeTimeout() time.Duration  { return orDefault(s.WriteTimeout, 60*time.Second) }

// ListenAndServe listens on addr ("host:port", "[::1]:port" or
// "unix:PATH") and serves. See Listen.
func (s *Server) ListenAndServe(addr string) error {
	l, err := Listen(addr, 0)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Shutdown or Close, serving each on
// its own goroutine. It always returns a non-nil error; after Shutdown or
// Close it is ErrServerClosed. Serve closes l when it returns.
func (s *Server) Serve(l net.Listener) error {
	if s.Handler == nil {
		return errors.New("fcgi: Server.Handler is nil")
	}
	if !s.trackListener(&l, true) {
		l.Close()
		return ErrServerClosed
	}
	defer s.trackListener(&l, false)
	defer l.Close()
	var backoff accept.Backoff
	for {
		rw, err := l.Accept()
		if err != nil {
			if s.inShut.Load() {
				return ErrServerClosed
			}
			if backoff.Retry(err, s.logger(), "fastcgi: accept error; retrying") {
				continue
			}
			return err
		}
		backoff.Reset()
		if !s.allowed(rw) {
			rw.Close()
			continue
		}
		c, ok := s.newConn(rw)
		if !ok {
			continue
		}
		go c.serve()
	}
}

func (s *Server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.inShut.Load() {
			return false
		}
		if s.listeners == nil {
			s.listeners = map[*net.Listener]struct{}{}
		}
		s.listeners[l] = struct{}{}
	} else {
		delete(s.listeners, l)
	}
	return true
}

func (s *Server) newConn(rw net.Conn) (*conn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inShut.Load() {
		rw.Close()
		return nil, false
	}
	if len(s.conns)-s.evicting >= s.maxConns() {
		// Make room by closing the connection idle the longest: a web
		// server's pool of keep-alive connections must not lock out new ones.
		v := s.longestIdleLocked()
		if v == nil {
			s.logger().Warn("fastcgi: too many connections, none idle; closing the new one", "peer", peerName(rw), "max_conns", s.maxConns())
			rw.Close()
			return nil, false
		}
		s.logger().Info("fastcgi: at max_conns; closing the connection idle the longest", "peer", v.peer, "idle", time.Since(time.Unix(0, v.lastActive.Load())).Round(time.Millisecond))
		v.evicted = true
		v.evictNow.Store(true)
		s.evicting++
		v.closeIfIdle()
	}
	if s.conns == nil {
		s.conns = map[*conn]struct{}{}
	}
	c := newConn(s, rw)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c, true
}

func (s *Server) dropConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if c.evicted {
		s.evicting--
	}
	s.mu.Unlock()
	s.wg.Done()
}

// longestIdleLocked is the connection with no request in progress that
// has been quiet the longest, not already being closed; nil if none.
func (s *Server) longestIdleLocked() *conn {
	var best *conn
	for c := range s.conns {
		if c.evicted || !c.idle() {
			continue
		}
		if best == nil || c.lastActive.Load() < best.lastActive.Load() {
			best = c
		}
	}
	return best
}

// Shutdown stops accepting, closes idle connections, lets requests in
// progress finish, and returns when every connection is closed or ctx is
// done (then it returns ctx's error and the rest keep running; call Close to
// cancel them).
func (s *Server) Shutdown(ctx context.Context) error {
	s.inShut.Store(true)
	s.closeListeners()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		for c := range s.conns {
			c.closeIfIdle()
		}
		s.mu.Unlock()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Close stops accepting and closes every connection at once, cancelling
// the contexts of their requests. It waits for the handlers to return.
func (s *Server) Close() error {
	s.inShut.Store(true)
	s.closeListeners()
	s.mu.Lock()
	for c := range s.conns {
		c.abortAll(ErrServerClosed)
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.listeners {
		(*l).Close()
	}
}

// LiveRequests is the number of requests in progress.
func (s *Server) LiveRequests() int { return int(s.liveReqs.Load()) }
