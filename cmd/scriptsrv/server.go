// server.go: wiring config to scripts, routes and listeners; signals,
// reload and graceful shutdown.

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/fcgi"
	"scriptsrv/host"
	"scriptsrv/host/caps"
	"scriptsrv/host/engine"
	"scriptsrv/httpmin"
)

// routeSet is one generation of routes: a SIGHUP builds a new one and the
// old one closes once its requests are done.
type routeSet struct {
	gate host.Gate
	cfg  *Config
	// statusClients is cfg's status_clients, parsed.
	statusClients []netip.Prefix
	mux           *host.Mux
	scripts       []scriptRoute
	dirs          []dirRoute
	maxBody       int64
}

type scriptRoute struct {
	path   string
	script *host.Script
}

type dirRoute struct {
	path string
	dir  *host.Dir
}

func (rs *routeSet) close() {
	rs.gate.Close(func() {
		for _, s := range rs.scripts {
			s.script.Close()
		}
		for _, d := range rs.dirs {
			d.dir.Close()
		}
	})
}

// buildRoutes compiles every script and starts its pool. With check, the
// scripts of dir routes are compiled too, so -check reports them.
func buildRoutes(cfg *Config, log *slog.Logger, plat *caps.Platform, check bool) (*routeSet, error) {
	rs := &routeSet{cfg: cfg, statusClients: parsePrefixes(cfg.Server.StatusClients)}
	env := cfg.environment(log)
	var routes []host.Route
	watch := time.Duration(0)
	if cfg.Server.Reload && !check {
		watch = 500 * time.Millisecond
	}
	var errs []error // -check reports every script that does not load
	for i, r := range cfg.Routes {
		hc, sandbox := cfg.hostConfig(r)
		hc.Logger = log.With("route", r.Path)
		hc.Platform, hc.Env = plat, env
		rs.maxBody = max(rs.maxBody, hc.MaxBody)
		if r.Dir != "" {
			d := &host.Dir{Prefix: r.Path, Root: cfg.abs(r.Dir), Config: hc, Sandbox: sandbox, Watch: watch}
			if check {
				if err := checkDir(d.Root, sandbox, hc.Options); err != nil {
					errs = append(errs, fmt.Errorf("route[%d] %s: %w", i, r.Path, err))
				}
			}
			rs.dirs = append(rs.dirs, dirRoute{r.Path, d})
			routes = append(routes, host.Route{Path: r.Path, Handler: d})
			continue
		}
		s, err := host.NewScript(cfg.abs(r.Script), "", sandbox, hc, watch)
		if err != nil {
			errs = append(errs, fmt.Errorf("route[%d] %s: %w", i, r.Path, err))
			if !check {
				break
			}
			continue
		}
		rs.scripts = append(rs.scripts, scriptRoute{r.Path, s})
		routes = append(routes, host.Route{Path: r.Path, Handler: s})
	}
	if len(errs) > 0 {
		rs.close()
		return nil, errors.Join(errs...)
	}
	rs.mux = host.NewMux(routes, log)
	return rs, nil
}

// checkDir compiles every script in a dir route's folder.
func checkDir(root string, sandbox bool, opts engine.Options) error {
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if host.IsScript(p) {
			_, err := host.LoadWith(p, root, sandbox, opts)
			return err
		}
		return nil
	})
}

// app is the running server: the current routes, swapped on reload.
type app struct {
	log       *slog.Logger
	platform  *caps.Platform // outlives reloads
	routes    atomic.Pointer[routeSet]
	reloads   atomic.Int64
	reloadErr atomic.Pointer[string]
	draining  atomic.Bool
	started   time.Time
	metrics   *metrics
	nextID    atomic.Uint64
	idPrefix  string // this process's: "3f9a2c-"
}

func (a *app) lastReloadErr() string {
	if p := a.reloadErr.Load(); p != nil {
		return *p
	}
	return ""
}

// newIDPrefix is a random prefix for this process's request ids, so ids
// of several instances (or restarts) do not collide in shared logs.
func newIDPrefix() string {
	var b [3]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "-"
}

// requestID is the front end's request id (an X-Request-Id header, as
// nginx's $request_id or Caddy's {http.request.uuid} set it) when it sent
// a plausible one, else one of scriptsrv's own: this process's prefix and
// a counter.
func (a *app) requestID(ps cgi.Params) string {
	if id := ps.Get("HTTP_X_REQUEST_ID"); len(id) > 0 && len(id) <= 128 && strings.Trim(id, idChars) == "" {
		return id
	}
	return a.idPrefix + strconv.FormatUint(a.nextID.Add(1), 10)
}

const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:"

// ServeCGI answers one request from either front.
func (a *app) ServeCGI(w cgi.ResponseWriter, r *cgi.Request) {
	id := a.requestID(r.Params)
	r = r.WithContext(host.WithRequestID(r.Context(), id))
	path, err := cgi.RequestPath(r.Params)
	if err != nil {
		a.log.Warn("bad request path", "request_id", id, "request_uri", r.Params.Get("REQUEST_URI"), "error", err)
		if errors.Is(err, cgi.ErrNULInPath) {
			plainText(w, http.StatusNotFound, "not found\n")
		} else {
			plainText(w, http.StatusBadRequest, "bad request path\n")
		}
		return
	}
	var rs *routeSet
	for rs = a.routes.Load(); !rs.gate.Enter(); rs = a.routes.Load() {
	}
	defer rs.gate.Leave()
	if a.special(w, r, path, rs) {
		return
	}
	route, _, ok := rs.mux.Match(path)
	if !ok {
		a.log.Warn("no route", "request_id", id, "method", r.Params.Get("REQUEST_METHOD"), "path", path)
		plainText(w, http.StatusNotFound, "not found\n")
		return
	}
	start := time.Now()
	var sw *statusWriter
	if rs.cfg.Server.AccessLog {
		sw = &statusWriter{ResponseWriter: w}
		w = sw
	}
	route.Handler.ServeCGI(w, r)
	d := time.Since(start)
	a.metrics.duration.WithLabelValues(route.Path).Observe(d.Seconds())
	if sw != nil {
		status := sw.code()
		if errors.Is(context.Cause(r.Context()), cgi.ErrClientGone) {
			status = 499 // as nginx logs it: the client closed the request
		}
		a.log.Info("request", "request_id", id, "method", r.Params.Get("REQUEST_METHOD"), "path", path, "route", route.Path,
			"status", status, "duration", d, "remote_addr", r.Params.Get("REMOTE_ADDR"))
		if a.log.Enabled(r.Context(), slog.LevelDebug) {
			a.log.Debug("request params", append([]any{"request_id", id}, redacted(r.Params)...)...)
		}
	}
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	cgi.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusWriter) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// redacted lists params for a log line, hiding cookies and credentials.
func redacted(ps cgi.Params) []any {
	out := make([]any, 0, 2*len(ps))
	for _, p := range ps {
		v := p.Value
		switch p.Name {
		case "HTTP_COOKIE", "HTTP_AUTHORIZATION", "HTTP_PROXY_AUTHORIZATION", "HTTP_X_API_KEY", "REMOTE_USER_PASSWORD":
			v = "[redacted]"
		}
		out = append(out, p.Name, v)
	}
	return out
}

// reload reads the config file again; a bad one leaves the old in service.
func (a *app) reload() {
	old := a.routes.Load().cfg
	if old.file == "" {
		a.log.Info("reload: nothing to reload without a config file")
		return
	}
	cfg, err := loadConfig(old.file)
	var rs *routeSet
	var commitDBs func()
	if err == nil {
		commitDBs, err = reloadDatabases(context.Background(), a.platform, old, cfg, a.log)
	}
	if err == nil {
		updatePlatform(a.platform, old, cfg, a.log)
		commitDBs()
		rs, err = buildRoutes(cfg, a.log, a.platform, false)
	}
	if err != nil {
		msg := err.Error()
		a.reloadErr.Store(&msg)
		a.log.Error("reload refused; the old config stays in service", "error", err)
		return
	}
	if cfg.Server.FastCGI != old.Server.FastCGI || cfg.Server.HTTP != old.Server.HTTP {
		a.log.Warn("reload: listener addresses changed; they take effect at the next restart")
		cfg.Server.FastCGI, cfg.Server.HTTP = old.Server.FastCGI, old.Server.HTTP
	}
	a.routes.Swap(rs).close() // its pools close once their requests are done
	a.reloads.Add(1)
	empty := ""
	a.reloadErr.Store(&empty)
	a.log.Info("config reloaded", "file", cfg.file, "routes", len(cfg.Routes))
}

// serve runs the server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, cfg *Config, log *slog.Logger) error {
	start := time.Now()
	host.SetServerMemoryLimit(int64(cfg.Server.MemoryLimit))
	host.SetRegexpTimeout(cfg.longestTimeout())
	plat, err := newPlatform(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closePlatform(plat)
	rs, err := buildRoutes(cfg, log, plat, false)
	if err != nil {
		return err
	}
	a := &app{log: log, platform: plat, started: start, idPrefix: newIDPrefix()}
	a.metrics = newMetrics(a)
	a.routes.Store(rs)
	startPprof(log)
	defer func() { a.routes.Load().close() }()

	fl, hl, err := listeners(cfg, log)
	if err != nil {
		return err
	}
	var fs *fcgi.Server
	var hs *httpmin.Server
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	if fl != nil {
		fs = &fcgi.Server{Handler: a, Logger: log, AllowedClients: parsePrefixes(cfg.Server.AllowedClients), MaxBody: rs.maxBody + 1}
		wg.Add(1)
		go func() { defer wg.Done(); errc <- ignoreClosed(fs.Serve(fl)) }()
	}
	if hl != nil {
		hs = &httpmin.Server{Handler: a, Logger: log}
		wg.Add(1)
		go func() { defer wg.Done(); errc <- ignoreClosed(hs.Serve(hl)) }()
	}
	log.Info("ready", "routes", len(cfg.Routes), "config", cfg.name(), "startup", time.Since(start).Round(time.Microsecond))

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var runErr error
loop:
	for {
		select {
		case <-hup:
			a.reload()
		case err := <-errc:
			runErr = err
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	a.draining.Store(true)
	shutdown(cfg.Server.ShutdownTimeout.Duration, fs, hs, log)
	wg.Wait()
	return runErr
}

// listeners opens the FastCGI and HTTP listeners: the sockets systemd
// passed (socket activation: the first is FastCGI, a second is HTTP), or
// the configured addresses.
func listeners(cfg *Config, log *slog.Logger) (fl, hl net.Listener, err error) {
	if ls, err := systemdListeners(); err != nil {
		return nil, nil, err
	} else if len(ls) > 0 {
		log.Info("serving FastCGI on a socket from systemd", "address", ls[0].Addr().String())
		if len(ls) > 1 {
			log.Info("serving HTTP on a socket from systemd", "address", ls[1].Addr().String())
			return ls[0], ls[1], nil
		}
		return ls[0], nil, nil
	}
	if cfg.Server.FastCGI != "" {
		mode, _ := strconv.ParseUint(cfg.Server.SocketMode, 8, 32)
		if fl, err = fcgi.Listen(cfg.Server.FastCGI, os.FileMode(mode)); err != nil {
			return nil, nil, err
		}
		if path, isUnix := strings.CutPrefix(cfg.Server.FastCGI, "unix:"); isUnix {
			if err := setSocketGroup(path, cfg.Server.SocketGroup); err != nil {
				fl.Close()
				return nil, nil, err
			}
			log.Info("serving FastCGI", "address", cfg.Server.FastCGI, "who_can_connect", whoCanConnect(path))
		} else {
			log.Info("serving FastCGI", "address", listenName(cfg.Server.FastCGI, fl))
		}
	}
	if cfg.Server.HTTP != "" {
		if hl, err = net.Listen("tcp", cfg.Server.HTTP); err != nil {
			if fl != nil {
				fl.Close()
			}
			return nil, nil, fmt.Errorf("listening on %s: %w", cfg.Server.HTTP, err)
		}
		log.Info("serving HTTP", "address", "http://"+hl.Addr().String())
	}
	return fl, hl, nil
}

// systemdListeners returns the listening sockets passed by systemd
// (LISTEN_PID, LISTEN_FDS; fds from 3).
func systemdListeners() ([]net.Listener, error) {
	pid, err := strconv.Atoi(os.Getenv("LISTEN_PID"))
	if err != nil || pid != os.Getpid() {
		return nil, nil
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n < 1 {
		return nil, nil
	}
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	var out []net.Listener
	for fd := 3; fd < 3+n; fd++ {
		syscall.CloseOnExec(fd)
		f := os.NewFile(uintptr(fd), "systemd-socket-"+strconv.Itoa(fd))
		l, err := net.FileListener(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("socket activation: fd %d: %w", fd, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// shutdown stops accepting, lets requests in progress finish for timeout,
// then interrupts the rest.
func shutdown(timeout time.Duration, fs *fcgi.Server, hs *httpmin.Server, log *slog.Logger) {
	log.Info("shutting down", "grace", timeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	if fs != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fs.Shutdown(ctx); err != nil {
				log.Warn("grace period over; interrupting FastCGI requests", "live", fs.LiveRequests())
				fs.Close()
			}
		}()
	}
	if hs != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hs.Shutdown(ctx); err != nil {
				log.Warn("grace period over; interrupted HTTP requests")
			}
		}()
	}
	wg.Wait()
	log.Info("stopped")
}

func ignoreClosed(err error) error {
	if errors.Is(err, fcgi.ErrServerClosed) || errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func listenName(addr string, l net.Listener) string {
	if _, ok := l.(*net.UnixListener); ok {
		return addr
	}
	return l.Addr().String()
}
