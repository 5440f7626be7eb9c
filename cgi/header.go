// header.go: serialising a CGI header block.

package cgi

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// AppendHeaderBlock appends a CGI header block to dst: a "Status: NNN
// Reason" line first unless the status is 200 (Caddy reads only Status,
// never infers 302 from Location, and forwards the Status line to clients
// as a header), the headers in sorted order, then a blank line.
func AppendHeaderBlock(dst []byte, status int, h http.Header) []byte {
	// 200 is what a web server assumes without a Status line; Caddy passes
	// the line on to clients as a header, so it goes only when it says
	// something: another status, a 200 with a Location (without it a 302),
	// or a block that would have no line at all.
	if status != http.StatusOK || h.Get("Location") != "" || len(h) == 0 {
		dst = append(dst, "Status: "...)
		dst = strconv.AppendInt(dst, int64(status), 10)
		dst = append(dst, ' ')
		dst = append(dst, StatusText(status)...)
		dst = append(dst, "\r\n"...)
	}
	dst = AppendHeaderFields(dst, h)
	return append(dst, "\r\n"...)
}

// AppendHeaderFields appends h as "Name: value" lines in sorted order.
// Names that are not HTTP tokens are left out, and CR, LF and NUL in a
// value become spaces, so no handler can start a header line of its own.
func AppendHeaderFields(dst []byte, h http.Header) []byte {
	var small [16]string
	keys := small[:0]
	for k := range h {
		if validName(k) {
			keys = append(keys, k)
		}
	}
	if len(keys) > 1 {
		sort.Strings(keys)
	}
	for _, k := range keys {
		for _, v := range h[k] {
			dst = append(dst, k...)
			dst = append(dst, ": "...)
			for i := 0; i < len(v); i++ {
				c := v[i]
				if c == '\r' || c == '\n' || c == 0 {
					c = ' '
				}
				dst = append(dst, c)
			}
			dst = append(dst, "\r\n"...)
		}
	}
	return dst
}

// validName reports whether a header name is an HTTP token.
func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// StatusText is http.StatusText, with "Status NNN" for codes it lacks.
func StatusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Status " + strconv.Itoa(code)
}
