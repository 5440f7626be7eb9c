// mux.go: routes: the longest matching path prefix picks the handler.

package host

import (
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"scriptsrv/cgi"
)

// Route maps a path prefix to a handler. Path "/hello" matches "/hello" and
// "/hello/..."; "/app/" matches "/app" and "/app/...".
type Route struct {
	Path    string
	Handler cgi.Handler
}

// Mux routes requests by the path cgi.RequestPath finds. A request that
// matches no route gets 404 and a log line; an undecodable path gets 400.
type Mux struct {
	routes []Route // longest path first
	log    *slog.Logger
}

// NewMux returns a mux over routes. A nil logger means slog.Default().
func NewMux(routes []Route, log *slog.Logger) *Mux {
	if log == nil {
		log = slog.Default()
	}
	rs := append([]Route(nil), routes...)
	sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].Path) > len(rs[j].Path) })
	return &Mux{routes: rs, log: log}
}

// Match returns the route for a cleaned request path and the rest of the
// path after the route's prefix.
func (m *Mux) Match(path string) (Route, string, bool) {
	for _, r := range m.routes {
		if rest, ok := matchPrefix(r.Path, path); ok {
			return r, rest, true
		}
	}
	return Route{}, "", false
}

func matchPrefix(prefix, path string) (string, bool) {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return path, true
	}
	if path == p {
		return "", true
	}
	if strings.HasPrefix(path, p+"/") {
		return path[len(p):], true
	}
	return "", false
}

// ServeCGI dispatches to the matching route.
func (m *Mux) ServeCGI(w cgi.ResponseWriter, r *cgi.Request) {
	path, err := cgi.RequestPath(r.Params)
	if err != nil {
		m.log.Warn("bad request path", "request_uri", r.Params.Get("REQUEST_URI"), "error", err)
		badPath(w, r, err)
		return
	}
	route, _, ok := m.Match(path)
	if !ok {
		m.log.Warn("no route", "method", r.Params.Get("REQUEST_METHOD"), "path", path)
		plain(w, r, http.StatusNotFound, "not found\n")
		return
	}
	route.Handler.ServeCGI(w, r)
}

// badPath answers a path cgi.RequestPath refused: 404 for a NUL byte (no
// such file can exist), 400 for a bad escape.
func badPath(w cgi.ResponseWriter, r *cgi.Request, err error) {
	if errors.Is(err, cgi.ErrNULInPath) {
		plain(w, r, http.StatusNotFound, "not found\n")
		return
	}
	plain(w, r, http.StatusBadRequest, "bad request path\n")
}
