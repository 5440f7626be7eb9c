// request.go: the per-request state every host function reads.

package host

import (
	"bufio"
	"io"
	"log/slog"
	"net/url"
	"sync/atomic"

	"scriptsrv/cgi"
)

// reqState is one request as the interpreter sees it. Host functions are
// bound once per interpreter and read the current reqState; rebinding per
// request is one pointer assignment.
type reqState struct {
	r     *cgi.Request
	out   output
	body  *bufio.Reader // lazily wraps the limited body
	lim   limitedBody
	log   *slog.Logger
	path  string
	query map[string]string

	// slow is set by the worker's slow-log timer; the next host call on the
	// interpreter's goroutine then records the script's stack in slowStack.
	slow      atomic.Bool
	slowStack string

	scratch []byte // reused by readString: only the string result is new
}

func (rs *reqState) reset(w cgi.ResponseWriter, r *cgi.Request, maxBody int64, log *slog.Logger) {
	rs.r, rs.log, rs.path, rs.query, rs.slowStack = r, log, "", nil, ""
	rs.slow.Store(false)
	rs.out.reset(w)
	rs.lim = limitedBody{r: r.Body, left: maxBody}
	if rs.body != nil {
		rs.body.Reset(&rs.lim)
	}
}

// stdin returns the buffered request body.
func (rs *reqState) stdin() *bufio.Reader {
	if rs.body == nil {
		rs.body = bufio.NewReaderSize(&rs.lim, 64<<10)
	}
	return rs.body
}

// requestPath is req.path: decoded, without the query.
func (rs *reqState) requestPath() string {
	if rs.path == "" {
		p, err := cgi.RequestPath(rs.r.Params)
		if err != nil {
			p = "/"
		}
		rs.path = p
	}
	return rs.path
}

// parsedQuery is req.query: QUERY_STRING, name → first value.
func (rs *reqState) parsedQuery() map[string]string {
	if rs.query == nil {
		rs.query = parseQuery(rs.r.Params.Get("QUERY_STRING"))
	}
	return rs.query
}

func parseQuery(q string) map[string]string {
	m := map[string]string{}
	for q != "" {
		var kv string
		kv, q, _ = cutAny(q)
		if kv == "" {
			continue
		}
		k, v, _ := cutByte(kv, '=')
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	return m
}

func cutAny(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '&' || s[i] == ';' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func cutByte(s string, c byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// headers is req.headers: HTTP_* and CONTENT_* params, lower-case, dashed.
func (rs *reqState) headers() map[string]string {
	m := make(map[string]string, 16)
	for _, p := range rs.r.Params {
		if n, ok := cgi.HeaderName(p.Name); ok {
			m[n] = p.Value
		}
	}
	return m
}

// limitedBody cuts a body off past max_body with cgi.ErrBodyTooLarge.
type limitedBody struct {
	r    io.Reader
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var b [1]byte
		if n, _ := l.r.Read(b[:]); n > 0 {
			return 0, cgi.ErrBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		l.left = 0
		return 0, cgi.ErrBodyTooLarge
	}
	l.left -= int64(n)
	return n, err
}

// readAll reads the rest of the body.
func (rs *reqState) readAll() ([]byte, error) {
	return io.ReadAll(rs.stdin())
}

// readString reads up to n bytes as a string (with full, exactly n unless
// the body ends first, as Lua's read(n) does), through a reused buffer so a
// large body read in pieces allocates each piece once; io.EOF at the end.
func (rs *reqState) readString(n int, full bool) (string, error) {
	if n <= 0 {
		return "", nil
	}
	if cap(rs.scratch) < n {
		rs.scratch = make([]byte, n)
	}
	b := rs.scratch[:n]
	atLeast := 1
	if full {
		atLeast = n
	}
	got, err := io.ReadAtLeast(rs.stdin(), b, atLeast)
	if got > 0 {
		s := string(b[:got])
		if cap(rs.scratch) > 1<<20 {
			rs.scratch = nil // do not keep a huge buffer around
		}
		return s, nil
	}
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return "", err
}

// readN reads up to n bytes into a new slice (a script may keep it);
// io.EOF when the body is over.
func (rs *reqState) readN(n int) ([]byte, error) {
	if n <= 0 {
		return []byte{}, nil
	}
	b := make([]byte, n)
	got, err := io.ReadAtLeast(rs.stdin(), b, 1)
	if got > 0 {
		return b[:got], nil
	}
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return nil, err
}
