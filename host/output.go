// output.go: a script's output, following the header rules of the script
// API, and the one place a script's raw CGI header block is parsed.

package host

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"scriptsrv/cgi"
)

// Errors a script sees from output functions.
var (
	ErrHeadersSent = errors.New("headers already sent")
	errFenced      = errors.New("request is over (timed out or client gone)")
)

// maxRawHeader bounds a raw CGI header block.
const maxRawHeader = 64 << 10

// BadCGIError is a raw header block a script wrote that is not valid CGI.
type BadCGIError struct {
	Line   string // the offending line, or "" when the block never ended
	Reason string
	// Hint says what to do instead, when the script is a handler that
	// wrote raw output (print, io.write) by mistake.
	Hint string
}

func (e *BadCGIError) Error() string {
	msg := fmt.Sprintf("bad CGI header line %q: %s", e.Line, e.Reason)
	if e.Line == "" {
		msg = "bad CGI output: " + e.Reason
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// handlerRawHint is what a handler that printed its body should do.
const handlerRawHint = "the first output was raw (print, io.write, stdout.write), which in CGI style must start with a header block " +
	`("Content-Type: text/plain\r\n\r\n"); in a handler, send() the body — it sends the headers — or call header() first`

type outState uint8

const (
	outNone outState = iota // nothing yet
	outAPI                  // header()/status() called; nothing sent
	outRaw                  // raw output: collecting the header block
	outBody                 // header block sent; body flowing
)

const defaultContentType = "text/html; charset=utf-8"

// output is shared by the script goroutine and the request goroutine (which
// fences it on timeout), so every method locks.
type output struct {
	mu     sync.Mutex
	w      cgi.ResponseWriter
	state  outState
	status int
	hdr    []headerField // set through header(), in order; reused
	raw    []byte
	fenced bool
	wrote  bool   // anything at all was written by the script
	reqID  string // the request's id, for 5xx answers
}

func (o *output) reset(w cgi.ResponseWriter) {
	o.w, o.state, o.status, o.hdr, o.raw, o.fenced, o.wrote = w, outNone, 0, o.hdr[:0], o.raw[:0], false, false
}

// Header sets a header before output starts (rule 1): a later one of the
// same name replaces the earlier unless add; Set-Cookie always adds. CR,
// LF and NUL are refused in names and values, and names must be HTTP
// tokens.
func (o *output) header(name, value string, add bool) error {
	if err := checkHeader(name, value); err != nil {
		return err
	}
	if len(name) == 6 && strings.EqualFold(name, "Status") { // as CGI's Status line: the status
		code, err := strconv.Atoi(strings.SplitN(strings.TrimSpace(value), " ", 2)[0])
		if err != nil {
			return fmt.Errorf("invalid Status header %q: want a status code (or use status())", value)
		}
		return o.setStatus(code)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.beforeOutputLocked(); err != nil {
		return err
	}
	if !add && len(o.hdr) > 0 && !strings.EqualFold(name, "Set-Cookie") {
		kept := o.hdr[:0]
		for _, f := range o.hdr {
			if !strings.EqualFold(f.name, name) {
				kept = append(kept, f)
			}
		}
		o.hdr = kept
	}
	o.hdr = append(o.hdr, headerField{name, value})
	return nil
}

// headerField is one header() call.
type headerField struct{ name, value string }

func checkHeader(name, value string) error {
	if name == "" {
		return errors.New("empty header name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return fmt.Errorf("invalid header name %q", name)
		}
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("invalid header value for %s: CR, LF and NUL are not allowed", name)
	}
	return nil
}

func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", rune(c))
}

// setStatus sets the status before output starts.
func (o *output) setStatus(code int) error {
	if code < 100 || code > 999 {
		return fmt.Errorf("invalid status %d", code)
	}
	if code < 200 {
		return fmt.Errorf("invalid status %d: 1xx statuses are interim; the final status is 200 or more", code)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.beforeOutputLocked(); err != nil {
		return err
	}
	o.status = code
	return nil
}

// beforeOutputLocked admits header()/status() only before output starts
// (rule 1) and notes that the API, not raw CGI, sets the header block.
func (o *output) beforeOutputLocked() error {
	if o.fenced {
		return errFenced
	}
	if o.state == outBody || o.state == outRaw {
		return ErrHeadersSent
	}
	o.state = outAPI
	return nil
}

// commitLocked sends the header block set through header()/status(), with
// contentType when none was set (rule 2).
func (o *output) commitLocked(contentType string) {
	h := o.w.Header()
	if len(h) > 0 { // the script's headers replace any set before it ran
		for _, f := range o.hdr {
			h.Del(f.name)
		}
	}
	for _, f := range o.hdr {
		h.Add(f.name, f.value)
	}
	if h.Get("Content-Type") == "" && contentType != "" {
		h.Set("Content-Type", contentType)
	}
	status := o.status
	if status == 0 {
		status = http.StatusOK
		if h.Get("Location") != "" {
			status = http.StatusFound
		}
	}
	o.w.WriteHeader(status)
	o.state = outBody
}

// send writes a body (rule 2), emitting the header block first.
func (o *output) send(b []byte, contentType string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.outputLocked(); err != nil {
		return err
	}
	switch o.state {
	case outNone, outAPI:
		if contentType == "" {
			contentType = defaultContentType
		}
		o.commitLocked(contentType)
	case outRaw:
		return o.rawLocked(b)
	}
	_, err := o.w.Write(b)
	return err
}

// write is raw output (stdout.write, io.write, print): a CGI header block
// first unless header()/status() came before (rule 3).
func (o *output) write(b []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.outputLocked(); err != nil {
		return err
	}
	switch o.state {
	case outNone:
		o.state = outRaw
		return o.rawLocked(b)
	case outRaw:
		return o.rawLocked(b)
	case outAPI:
		o.commitLocked(defaultContentType)
	}
	_, err := o.w.Write(b)
	return err
}

// outputLocked admits a body write unless the request is over.
func (o *output) outputLocked() error {
	if o.fenced {
		return errFenced
	}
	o.wrote = true
	return nil
}

// rawLocked collects raw output until the header block ends, then parses
// it and sends the rest as body.
func (o *output) rawLocked(b []byte) error {
	o.raw = append(o.raw, b...)
	end, bodyAt := headerEnd(o.raw)
	if end < 0 {
		if len(o.raw) > maxRawHeader {
			return &BadCGIError{Reason: fmt.Sprintf("no blank line after %d bytes of header block", maxRawHeader)}
		}
		return nil
	}
	if err := parseCGIHeader(o.raw[:end], o.w.Header()); err != nil {
		return err
	}
	h := o.w.Header()
	status, _ := strconv.Atoi(strings.SplitN(h.Get("Status"), " ", 2)[0])
	h.Del("Status")
	if status == 0 {
		status = http.StatusOK
		if h.Get("Location") != "" {
			status = http.StatusFound // RFC 3875 §6.2.3
		}
	}
	o.w.WriteHeader(status)
	o.state = outBody
	rest := o.raw[bodyAt:]
	o.raw = o.raw[:0]
	if len(rest) > 0 {
		_, err := o.w.Write(rest)
		return err
	}
	return nil
}

// headerEnd finds the blank line ending a header block, accepting \n and
// \r\n line ends. It returns the end of the header lines and where the body
// starts, or -1.
func headerEnd(b []byte) (end, body int) {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i == 0 {
			return 0, 1
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 1, i + 2
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 1, i + 3
		}
		if i == 1 && b[0] == '\r' {
			return 0, 2
		}
	}
	return -1, -1
}

// parseCGIHeader parses header lines into h. Status must be a number from
// 100 to 999 and appear at most once, as must Content-Type;
// Transfer-Encoding is dropped (the front frames the body itself).
func parseCGIHeader(block []byte, h http.Header) error {
	seen := map[string]bool{}
	for _, line := range bytes.Split(block, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 {
			return &BadCGIError{Line: string(line), Reason: "not a header line"}
		}
		key := string(name)
		if err := checkHeader(key, string(value)); err != nil {
			return &BadCGIError{Line: string(line), Reason: err.Error()}
		}
		key = http.CanonicalHeaderKey(key)
		val := strings.TrimSpace(string(value))
		switch key {
		case "Status":
			code, err := strconv.Atoi(strings.SplitN(val, " ", 2)[0])
			if err != nil || code < 100 || code > 999 {
				return &BadCGIError{Line: string(line), Reason: "status is not a number from 100 to 999"}
			}
			if code < 200 {
				return &BadCGIError{Line: string(line), Reason: "a 1xx status is interim; the final status is 200 or more"}
			}
			fallthrough
		case "Content-Type":
			if seen[key] {
				return &BadCGIError{Line: string(line), Reason: key + " given twice"}
			}
			seen[key] = true
		case "Transfer-Encoding":
			continue
		}
		h.Add(key, val)
	}
	return nil
}

// flush pushes buffered output to the client.
func (o *output) flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fenced {
		return errFenced
	}
	switch o.state {
	case outRaw:
		return nil // the header block is not complete yet
	case outNone, outAPI:
		o.commitLocked(defaultContentType)
	}
	return o.w.Flush()
}

// finish completes a script's output: an unfinished raw header block is an
// error (rule 4); nothing at all is 200 with an empty body (rule 5).
func (o *output) finish() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch o.state {
	case outRaw:
		return &BadCGIError{Reason: fmt.Sprintf("the header block never ended with a blank line (%q)", truncate(o.raw, 60))}
	case outNone, outAPI:
		ct := ""
		if o.state == outAPI {
			ct = defaultContentType
		}
		o.commitLocked(ct)
	}
	return nil
}

// fail answers with status and a plain-text message when the header block
// has not gone out yet, and fences the output either way. It reports whether
// the status was sent.
func (o *output) fail(status int, msg string, extra http.Header) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fenced = true
	if o.state == outBody {
		return false
	}
	h := o.w.Header()
	clear(h)
	for k, v := range extra {
		h[k] = v
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	msg = withRequestID(h, status, o.reqID, msg)
	o.w.WriteHeader(status)
	o.state = outBody
	o.w.Write([]byte(msg))
	return true
}

// withRequestID puts the request id in a 5xx answer scriptsrv makes: the
// X-Request-Id header and a line of the body, so the user can find the
// log line.
func withRequestID(h http.Header, status int, id, msg string) string {
	if status < 500 || id == "" {
		return msg
	}
	h.Set("X-Request-Id", id)
	return msg + "request id: " + id + "\n"
}

// tryFence fences the output unless a write holds it: a script blocked
// writing to a client that does not read. It reports whether it fenced.
func (o *output) tryFence() bool {
	if !o.mu.TryLock() {
		return false
	}
	o.fenced = true
	o.mu.Unlock()
	return true
}

// fence makes every later output call fail.
func (o *output) fence() {
	o.mu.Lock()
	o.fenced = true
	o.mu.Unlock()
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
