// Package fcgitest is a small FastCGI client for tests, benchmarks and load
// tools: raw record builders for wire-level tests and a Client that sends
// whole requests on one keep-alive connection.
package fcgitest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"scriptsrv/cgi"
)

// Record types and roles, as numbered by the FastCGI 1.0 spec.
const (
	TypeBegin        = 1
	TypeAbort        = 2
	TypeEnd          = 3
	TypeParams       = 4
	TypeStdin        = 5
	TypeStdout       = 6
	TypeStderr       = 7
	TypeData         = 8
	TypeGetValues    = 9
	TypeGetValuesRes = 10
	TypeUnknownType  = 11

	RoleResponder  = 1
	RoleAuthorizer = 2
	RoleFilter     = 3

	FlagKeepConn = 1
)

// Record returns one record of type t for request id with the given
// content and pad bytes of padding (pad < 0: pad to a multiple of 8).
func Record(t uint8, id uint16, content []byte, pad int) []byte {
	if pad < 0 {
		pad = -len(content) & 7
	}
	b := make([]byte, 8, 8+len(content)+pad)
	b[0], b[1] = 1, t
	binary.BigEndian.PutUint16(b[2:], id)
	binary.BigEndian.PutUint16(b[4:], uint16(len(content)))
	b[6] = byte(pad)
	b = append(b, content...)
	return append(b, make([]byte, pad)...)
}

// Begin returns a BEGIN_REQUEST record.
func Begin(id uint16, role uint16, flags byte) []byte {
	body := make([]byte, 8)
	binary.BigEndian.PutUint16(body, role)
	body[2] = flags
	return Record(TypeBegin, id, body, -1)
}

// Pairs encodes name-value pairs, using 4-byte lengths above 127.
func Pairs(ps cgi.Params) []byte {
	var b []byte
	for _, p := range ps {
		b = appendLen(b, len(p.Name))
		b = appendLen(b, len(p.Value))
		b = append(b, p.Name...)
		b = append(b, p.Value...)
	}
	return b
}

func appendLen(b []byte, n int) []byte {
	if n < 128 {
		return append(b, byte(n))
	}
	return binary.BigEndian.AppendUint32(b, uint32(n)|1<<31)
}

// Stream returns data as records of type t of at most chunk bytes each,
// followed by the empty record that ends the stream.
func Stream(t uint8, id uint16, data []byte, chunk int) []byte {
	var b []byte
	for len(data) > 0 {
		n := min(chunk, len(data))
		b = append(b, Record(t, id, data[:n], -1)...)
		data = data[n:]
	}
	return append(b, Record(t, id, nil, -1)...)
}

// Rec is one record read back from a server.
type Rec struct {
	Type    uint8
	ID      uint16
	Content []byte
	Padding int
}

// ReadRecord reads one record.
func ReadRecord(r io.Reader) (Rec, error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Rec{}, err
	}
	if h[0] != 1 {
		return Rec{}, fmt.Errorf("fcgitest: version %d", h[0])
	}
	n := int(binary.BigEndian.Uint16(h[4:]))
	pad := int(h[6])
	buf := make([]byte, n+pad)
	if _, err := io.ReadFull(r, buf); err != nil {
		return Rec{}, fmt.Errorf("fcgitest: truncated record: %w", err)
	}
	return Rec{Type: h[1], ID: binary.BigEndian.Uint16(h[2:]), Content: buf[:n], Padding: pad}, nil
}

// Response is what the server sent for one request.
type Response struct {
	Stdout, Stderr []byte
	AppStatus      uint32
	ProtocolStatus uint8
	Records        []Rec // every record, in order
}

// HTTP parses the CGI output into a status, headers and body. A missing
// Status header means 200.
func (r *Response) HTTP() (int, http.Header, []byte, error) {
	return ParseCGI(r.Stdout)
}

// ParseCGI parses a CGI response: a header block, a blank line, a body.
func ParseCGI(out []byte) (int, http.Header, []byte, error) {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(out)))
	mh, err := tp.ReadMIMEHeader()
	if err != nil {
		return 0, nil, nil, fmt.Errorf("fcgitest: bad header block: %w", err)
	}
	h := http.Header(mh)
	code := 200
	if s := h.Get("Status"); s != "" {
		code, err = strconv.Atoi(strings.SplitN(s, " ", 2)[0])
		if err != nil {
			return 0, nil, nil, fmt.Errorf("fcgitest: bad status %q", s)
		}
		h.Del("Status")
	}
	body, _ := io.ReadAll(tp.R)
	return code, h, body, nil
}

// Client sends requests one at a time on one connection, with KEEP_CONN
// unless KeepConn is false. It is not safe for concurrent use.
type Client struct {
	Conn     net.Conn
	KeepConn bool
	ID       uint16 // request id to use; 0 means 1
	br       *bufio.Reader
	wbuf     []byte
}

// Dial connects to a FastCGI server: network "tcp" or "unix".
func Dial(network, addr string) (*Client, error) {
	c, err := net.Dial(network, addr)
	if err != nil {
		return nil, err
	}
	return NewClient(c), nil
}

// NewClient wraps an open connection.
func NewClient(c net.Conn) *Client {
	return &Client{Conn: c, KeepConn: true, br: bufio.NewReaderSize(c, 70000)}
}

// Close closes the connection.
func (c *Client) Close() error { return c.Conn.Close() }

// Do sends one request (params, then body as STDIN) and reads the response
// up to END_REQUEST.
func (c *Client) Do(params cgi.Params, body []byte) (*Response, error) {
	id := c.ID
	if id == 0 {
		id = 1
	}
	var flags byte
	if c.KeepConn {
		flags = FlagKeepConn
	}
	b := append(c.wbuf[:0], Begin(id, RoleResponder, flags)...)
	b = append(b, Stream(TypeParams, id, Pairs(params), 65535)...)
	b = append(b, Stream(TypeStdin, id, body, 65528)...)
	c.wbuf = b
	if _, err := c.Conn.Write(b); err != nil {
		return nil, err
	}
	return c.ReadResponse(id)
}

// ReadResponse reads records for id until its END_REQUEST.
func (c *Client) ReadResponse(id uint16) (*Response, error) {
	resp := &Response{}
	for {
		rec, err := ReadRecord(c.br)
		if err != nil {
			return resp, err
		}
		resp.Records = append(resp.Records, rec)
		if rec.ID != id {
			return resp, fmt.Errorf("fcgitest: record for id %d, want %d", rec.ID, id)
		}
		switch rec.Type {
		case TypeStdout:
			resp.Stdout = append(resp.Stdout, rec.Content...)
		case TypeStderr:
			resp.Stderr = append(resp.Stderr, rec.Content...)
		case TypeEnd:
			if len(rec.Content) != 8 {
				return resp, errors.New("fcgitest: END_REQUEST body is not 8 bytes")
			}
			resp.AppStatus = binary.BigEndian.Uint32(rec.Content)
			resp.ProtocolStatus = rec.Content[4]
			return resp, nil
		default:
			return resp, fmt.Errorf("fcgitest: unexpected record type %d", rec.Type)
		}
	}
}

// Get is a convenience for a GET of uri (path and query) with extra params.
func (c *Client) Get(uri string, extra ...cgi.Param) (*Response, error) {
	return c.Do(GetParams(uri, extra...), nil)
}

// GetParams returns the params nginx would send for a GET of uri.
func GetParams(uri string, extra ...cgi.Param) cgi.Params {
	path, query, _ := strings.Cut(uri, "?")
	ps := cgi.Params{
		{Name: "REQUEST_METHOD", Value: "GET"},
		{Name: "REQUEST_URI", Value: uri},
		{Name: "SCRIPT_NAME", Value: path},
		{Name: "QUERY_STRING", Value: query},
		{Name: "CONTENT_LENGTH", Value: ""},
		{Name: "CONTENT_TYPE", Value: ""},
		{Name: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
		{Name: "REMOTE_ADDR", Value: "127.0.0.1"},
		{Name: "HTTP_HOST", Value: "localhost"},
	}
	return append(ps, extra...)
}
