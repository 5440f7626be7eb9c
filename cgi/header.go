// header.go: serialising a CGI header block.

package cgi

import (
	"net/http"
	"sort"
	"strconv"
)

// AppendHeaderBlock appends a CGI header block to dst: an explicit
// "Status: NNN Reason" line first (Caddy reads only Status and never infers
// 302 from Location), the headers in sorted order, then a blank line.
func AppendHeaderBlock(dst []byte, status int, h http.Header) []byte {
	dst = append(dst, "Status: "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(status)...)
	dst = append(dst, "\r\n"...)
	var small [16]string
	keys := small[:0]
	for k := range h {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		sort.Strings(keys)
	}
	for _, k := range keys {
		for _, v := range h[k] {
			dst = append(dst, k...)
			dst = append(dst, ": "...)
			dst = append(dst, v...)
			dst = append(dst, "\r\n"...)
		}
	}
	return append(dst, "\r\n"...)
}

// StatusText is http.StatusText, with "Status NNN" for codes it lacks.
func StatusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Status " + strconv.Itoa(code)
}
