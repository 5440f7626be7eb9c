// request.go: reading an HTTP/1.x request head straight into CGI params.

package httpmin

import (
	"bufio"
	"bytes"
	"io"
	"net/url"
	"strconv"
	"strings"

	"scriptsrv/cgi"
)

// maxHeaderFields caps the number of header fields in a request (Apache's
// LimitRequestFields is 100).
const maxHeaderFields = 256

// head is one request's line and header block, read and checked.
type head struct {
	params    cgi.Params
	method    string
	minor     int   // HTTP/1.minor
	length    int64 // the body's length; -1: chunked
	keepAlive bool  // the client allows another request on the connection
	expect    bool  // Expect: 100-continue
}

// statusError is a request the server refuses with status.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func refuse(status int, msg string) error { return &statusError{status, msg} }

var errHeadTooLarge = refuse(431, "request header fields too large")

// readHead reads a request line and its header block, at most max bytes,
// into the CGI params a web server would send (RFC 3875 names, HTTP_*
// headers). ca are the connection's addresses.
func readHead(br *bufio.Reader, max int, ca *connAddrs) (*head, error) {
	budget := max
	line, err := readLine(br, &budget)
	if err != nil {
		if err == errHeadTooLarge {
			return nil, refuse(414, "request line too long")
		}
		return nil, err
	}
	h := &head{params: make(cgi.Params, 0, 24)}
	target, host, err := h.requestLine(line)
	if err != nil {
		return nil, err
	}
	te, hostSeen, err := h.headerFields(br, &budget, &host)
	if err != nil {
		return nil, err
	}
	if err := h.framing(te); err != nil {
		return nil, err
	}
	if h.minor >= 1 && !hostSeen && host == "" {
		return nil, refuse(400, "missing Host header")
	}
	return h, h.addFixed(target, host, ca)
}

// readLine reads one line of the head without its CRLF (or bare LF). The
// bytes are valid until the next read.
func readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull && len(long) <= *budget {
			line, err = br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if *budget -= len(line); *budget < 0 {
		return nil, errHeadTooLarge
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// requestLine parses "METHOD target HTTP/1.x". It returns the target, and
// the host of an absolute-form target.
func (h *head) requestLine(line []byte) (target, host string, err error) {
	method, rest, ok1 := bytes.Cut(line, []byte(" "))
	tgt, proto, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok1 || !ok2 || len(method) == 0 || !isToken(method) || len(tgt) == 0 {
		return "", "", refuse(400, "malformed request line")
	}
	switch string(proto) {
	case "HTTP/1.1":
		h.minor, h.keepAlive = 1, true
	case "HTTP/1.0":
		h.minor = 0
	default:
		if bytes.HasPrefix(proto, []byte("HTTP/")) && len(proto) == 8 && proto[6] == '.' && proto[5] >= '2' && proto[5] <= '9' {
			return "", "", refuse(505, "HTTP version not supported")
		}
		return "", "", refuse(400, "malformed HTTP version")
	}
	h.method = internMethod(method)
	target = string(tgt)
	if target[0] != '/' && target != "*" {
		u, err := url.ParseRequestURI(target)
		if err != nil || u.Host == "" {
			return "", "", refuse(400, "malformed request target")
		}
		host = u.Host
	}
	return target, host, nil
}

// internMethod avoids an allocation for the common methods.
func internMethod(m []byte) string {
	for _, s := range [...]string{"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"} {
		if string(m) == s {
			return s
		}
	}
	return string(m)
}

// headerFields reads the header block up to its empty line. It returns the
// Transfer-Encoding, and sets *host from the Host header unless an
// absolute-form target already gave it.
func (h *head) headerFields(br *bufio.Reader, budget *int, host *string) (te string, hostSeen bool, err error) {
	first := len(h.params)
	var clSeen, teSeen bool
	var cl string
	for n := 0; ; n++ {
		line, err := readLine(br, budget)
		if err != nil {
			return "", false, err
		}
		if len(line) == 0 {
			break
		}
		if n == maxHeaderFields {
			return "", false, errHeadTooLarge
		}
		if line[0] == ' ' || line[0] == '\t' {
			return "", false, refuse(400, "obsolete line folding in the header")
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || !isToken(name) {
			return "", false, refuse(400, "malformed header field")
		}
		value = bytes.Trim(value, " \t")
		if !validValue(value) {
			return "", false, refuse(400, "invalid character in the value of header "+string(name))
		}
		v := string(value)
		switch {
		case asciiEqualFold(name, "Host"):
			if hostSeen {
				return "", false, refuse(400, "more than one Host header")
			}
			hostSeen = true
			if !validHost(value) {
				return "", false, refuse(400, "malformed Host header")
			}
			if *host == "" {
				*host = v
			}
			continue
		case asciiEqualFold(name, "Content-Length"):
			if clSeen && v != cl {
				return "", false, refuse(400, "conflicting Content-Length headers")
			}
			clSeen, cl = true, v
			continue
		case asciiEqualFold(name, "Transfer-Encoding"):
			if teSeen {
				return "", false, refuse(501, "unsupported Transfer-Encoding")
			}
			teSeen, te = true, v
			continue
		case asciiEqualFold(name, "Content-Type"):
			h.params = append(h.params, cgi.Param{Name: "CONTENT_TYPE", Value: v})
			continue
		case asciiEqualFold(name, "Proxy"): // httpoxy: never HTTP_PROXY
			continue
		case asciiEqualFold(name, "Connection"):
			h.connection(v)
		case asciiEqualFold(name, "Expect"):
			if !asciiEqualFold([]byte(v), "100-continue") {
				return "", false, refuse(417, "unsupported Expect header")
			}
			h.expect = h.minor >= 1
		}
		h.addHeader(first, cgiName(name), v)
	}
	if clSeen {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 || cl[0] == '+' {
			return "", false, refuse(400, "malformed Content-Length")
		}
		h.length = n
		if teSeen {
			return "", false, refuse(400, "both Content-Length and Transfer-Encoding")
		}
	}
	return te, hostSeen, nil
}

// connection applies a Connection header's tokens.
func (h *head) connection(v string) {
	for tok := range strings.SplitSeq(v, ",") {
		switch tok = strings.TrimSpace(tok); {
		case strings.EqualFold(tok, "close"):
			h.keepAlive = false
		case strings.EqualFold(tok, "keep-alive") && h.minor == 0:
			h.keepAlive = true
		}
	}
}

// framing settles how the body is delimited.
func (h *head) framing(te string) error {
	if te == "" {
		return nil
	}
	if !strings.EqualFold(te, "chunked") || h.minor == 0 {
		return refuse(501, "unsupported Transfer-Encoding")
	}
	h.length = -1
	return nil
}

// addHeader adds an HTTP_* param, joining a repeated header's values with
// ", " ("; " for cookies) as web servers do.
func (h *head) addHeader(first int, name, v string) {
	for i := first; i < len(h.params); i++ {
		if h.params[i].Name == name {
			sep := ", "
			if name == "HTTP_COOKIE" {
				sep = "; "
			}
			h.params[i].Value += sep + v
			return
		}
	}
	h.params = append(h.params, cgi.Param{Name: name, Value: v})
}

// addFixed adds the params that do not come from header fields.
func (h *head) addFixed(target, host string, ca *connAddrs) error {
	path, query, err := splitTarget(target)
	if err != nil {
		return err
	}
	proto := "HTTP/1.1"
	if h.minor == 0 {
		proto = "HTTP/1.0"
	}
	add := func(k, v string) { h.params = append(h.params, cgi.Param{Name: k, Value: v}) }
	add("GATEWAY_INTERFACE", "CGI/1.1")
	add("SERVER_SOFTWARE", "scriptsrv")
	add("SERVER_PROTOCOL", proto)
	add("REQUEST_METHOD", h.method)
	add("REQUEST_URI", target)
	add("REQUEST_SCHEME", "http")
	add("SCRIPT_NAME", "")
	add("PATH_INFO", path)
	add("QUERY_STRING", query)
	add("REMOTE_ADDR", ca.remoteHost)
	add("REMOTE_PORT", ca.remotePort)
	if ca.serverAddr != "" {
		add("SERVER_ADDR", ca.serverAddr)
		add("SERVER_PORT", ca.serverPort)
	}
	if host != "" {
		add("HTTP_HOST", host)
		add("SERVER_NAME", hostName(host))
	} else {
		add("SERVER_NAME", ca.serverAddr)
	}
	if h.length > 0 {
		add("CONTENT_LENGTH", strconv.FormatInt(h.length, 10))
	}
	return nil
}

// splitTarget returns the decoded path and the raw query of a request
// target, as net/url reads it.
func splitTarget(target string) (path, query string, err error) {
	for i := 0; i < len(target); i++ {
		if c := target[i]; c < ' ' || c == 0x7f {
			return "", "", refuse(400, "control character in the request target")
		}
	}
	p, q, _ := strings.Cut(target, "?")
	if target[0] == '/' && !strings.Contains(p, "%") {
		return p, q, nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return "", "", refuse(400, "malformed request target")
	}
	return u.Path, u.RawQuery, nil
}

// hostName is a Host header without its port.
func hostName(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}

// cgiName is the CGI param name of a header field name: HTTP_ and the name
// upper-cased with '-' as '_'. Common names are computed once.
func cgiName(name []byte) string {
	if n, ok := commonHeaders[string(name)]; ok {
		return n
	}
	b := make([]byte, 0, 5+len(name))
	b = append(b, "HTTP_"...)
	for _, c := range name {
		switch {
		case c == '-':
			c = '_'
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// commonHeaders maps the header names clients send most, as sent
// (canonical or lower case), to their CGI names.
var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection",
		"Cookie", "Dnt", "If-Modified-Since", "If-None-Match", "Origin", "Pragma", "Referer", "Sec-Ch-Ua",
		"Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site",
		"Sec-Fetch-User", "Upgrade-Insecure-Requests", "User-Agent", "Authorization", "X-Forwarded-For",
		"X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "X-Requested-With"} {
		n := "HTTP_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
		m[k], m[strings.ToLower(k)] = n, n
	}
	return m
}()

// isToken reports whether b is an RFC 9110 token (method, header name).
func isToken(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// validHost reports whether a Host header has only the characters a host,
// an IP literal and a port can have.
func validHost(b []byte) bool {
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!$&'()*+,;=:[]-._~%", c) >= 0) {
			return false
		}
	}
	return true
}

// validValue reports whether a header value has no control characters
// other than tab.
func validValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// asciiEqualFold compares a header name with a lower- or mixed-case one.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
