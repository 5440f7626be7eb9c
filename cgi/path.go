// path.go: the request path every front end agrees on.

package cgi

import (
	"errors"
	"net/url"
	"path"
	"strings"
)

// ErrBadPath is returned for a request path that cannot be decoded: a bad
// percent escape (answer 400).
var ErrBadPath = errors.New("cgi: bad request path")

// ErrNULInPath is returned for a path with a NUL byte, which no file or
// route can have (answer 404).
var ErrNULInPath = errors.New("cgi: NUL byte in request path")

// RequestPath returns the decoded, cleaned path of a request, without its
// query. It is taken from REQUEST_URI (the query split off first, then
// percent-decoded), else SCRIPT_NAME+PATH_INFO, else DOCUMENT_URI, which is
// what Caddy, nginx, lighttpd, Apache and cgi-fcgi send between them. The
// result always starts with "/" and has no "." or ".." elements; a trailing
// slash is kept.
func RequestPath(ps Params) (string, error) {
	var p string
	if uri := ps.Get("REQUEST_URI"); uri != "" {
		raw, _, _ := strings.Cut(uri, "?")
		if i := strings.Index(raw, "://"); i >= 0 && !strings.HasPrefix(raw, "/") {
			// absolute-form request target: keep only the path.
			rest := raw[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				raw = rest[j:]
			} else {
				raw = "/"
			}
		}
		dec, err := url.PathUnescape(raw)
		if err != nil {
			return "", ErrBadPath
		}
		p = dec
	} else if sn, pi := ps.Get("SCRIPT_NAME"), ps.Get("PATH_INFO"); sn != "" || pi != "" {
		p = sn + pi
	} else {
		p = ps.Get("DOCUMENT_URI")
	}
	return CleanPath(p)
}

// CleanPath makes p absolute and removes "." and ".." elements, keeping a
// trailing slash. It refuses NUL bytes.
func CleanPath(p string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", ErrNULInPath
	}
	if p == "" || p == "/" {
		return "/", nil
	}
	if p[0] != '/' {
		p = "/" + p
	}
	// Fast path: nothing to clean.
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p, nil
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c, nil
}
