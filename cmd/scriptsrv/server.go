// server.go: wiring config to pools, routes and listeners; signals,
// reload and graceful shutdown.

package main

import (
	"context"
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
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/fcgi"
	"scriptsrv/host"
	"scriptsrv/httpmin"
)

// routeSet is one generation of routes and the pools behind them.
type routeSet struct {
	mux     *host.Mux
	pools   []*host.Pool
	dirs    []*host.Dir
	maxBody int64
}

func (rs *routeSet) close() {
	for _, p := range rs.pools {
		p.Close()
	}
	for _, d := range rs.dirs {
		d.Close()
	}
}

// buildRoutes compiles every script and starts its pool. With check, dir
// routes are compiled file by file too, so -check reports them.
func buildRoutes(cfg *Config, log *slog.Logger, check bool) (*routeSet, error) {
	rs := &routeSet{}
	var routes []host.Route
	for i, r := range cfg.Routes {
		hc, sandbox := cfg.hostConfig(r)
		hc.Logger = log.With("route", r.Path)
		rs.maxBody = max(rs.maxBody, hc.MaxBody)
		if r.Dir != "" {
			d := &host.Dir{Prefix: r.Path, Root: cfg.abs(r.Dir), Config: hc, Sandbox: sandbox}
			if check {
				if err := checkDir(d.Root, sandbox); err != nil {
					rs.close()
					return nil, fmt.Errorf("route[%d] %s: %w", i, r.Path, err)
				}
			}
			rs.dirs = append(rs.dirs, d)
			routes = append(routes, host.Route{Path: r.Path, Handler: d})
			continue
		}
		prog, err := host.Load(cfg.abs(r.Script), "", sandbox)
		var pool *host.Pool
		if err == nil {
			pool, err = host.NewPool(prog, hc)
		}
		if err != nil {
			rs.close()
			return nil, fmt.Errorf("route[%d] %s: %w", i, r.Path, err)
		}
		rs.pools = append(rs.pools, pool)
		routes = append(routes, host.Route{Path: r.Path, Handler: pool})
	}
	rs.mux = host.NewMux(routes, log)
	return rs, nil
}

// checkDir compiles every script in a dir route's folder.
func checkDir(root string, sandbox bool) error {
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext == ".js" || ext == ".lua" {
			_, err := host.Load(p, root, sandbox)
			return err
		}
		return nil
	})
}

// app is the running server: the current routes, swapped on reload.
type app struct {
	cfgFile string
	log     *slog.Logger
	routes  atomic.Pointer[routeSet]
	reloads atomic.Int64
}

func (a *app) ServeCGI(w cgi.ResponseWriter, r *cgi.Request) {
	a.routes.Load().mux.ServeCGI(w, r)
}

// reload reads the config file again; a bad one leaves the old in service.
func (a *app) reload() {
	if a.cfgFile == "" {
		a.log.Info("reload: nothing to reload without a config file")
		return
	}
	cfg, err := loadConfig(a.cfgFile)
	var rs *routeSet
	if err == nil {
		rs, err = buildRoutes(cfg, a.log, false)
	}
	if err != nil {
		a.log.Error("reload refused; the old config stays in service", "error", err)
		return
	}
	old := a.routes.Swap(rs)
	old.close() // idle interpreters now; busy ones when their request ends
	a.reloads.Add(1)
	a.log.Info("config reloaded", "file", a.cfgFile, "routes", len(cfg.Routes))
}

// serve runs the server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, cfg *Config, log *slog.Logger) error {
	start := time.Now()
	rs, err := buildRoutes(cfg, log, false)
	if err != nil {
		return err
	}
	a := &app{cfgFile: cfg.file, log: log}
	a.routes.Store(rs)
	defer func() { a.routes.Load().close() }()

	var fs *fcgi.Server
	var hs *httpmin.Server
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	if cfg.Server.FastCGI != "" {
		mode, _ := strconv.ParseUint(cfg.Server.SocketMode, 8, 32)
		l, err := fcgi.Listen(cfg.Server.FastCGI, os.FileMode(mode))
		if err != nil {
			return err
		}
		allow := make([]netip.Prefix, 0, len(cfg.Server.AllowedClients))
		for _, s := range cfg.Server.AllowedClients {
			p, _ := fcgi.ParseAllowed(s)
			allow = append(allow, p)
		}
		fs = &fcgi.Server{Handler: a, Logger: log, AllowedClients: allow, MaxBody: rs.maxBody + 1}
		wg.Add(1)
		go func() { defer wg.Done(); errc <- ignoreClosed(fs.Serve(l)) }()
		log.Info("serving FastCGI", "address", listenName(cfg.Server.FastCGI, l))
	}
	if cfg.Server.HTTP != "" {
		l, err := net.Listen("tcp", cfg.Server.HTTP)
		if err != nil {
			if fs != nil {
				fs.Close()
			}
			return fmt.Errorf("listening on %s: %w", cfg.Server.HTTP, err)
		}
		hs = &httpmin.Server{Handler: a, Logger: log}
		wg.Add(1)
		go func() { defer wg.Done(); errc <- ignoreClosed(hs.Serve(l)) }()
		log.Info("serving HTTP", "address", "http://"+l.Addr().String())
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
	shutdown(cfg.Server.ShutdownTimeout.Duration, fs, hs, log)
	wg.Wait()
	return runErr
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
				log.Warn("grace period over; closing HTTP connections")
				hs.Close()
			}
		}()
	}
	wg.Wait()
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
