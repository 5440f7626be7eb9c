// params.go: the ordered CGI param list and the lookups on it.

package cgi

import (
	"strconv"
	"strings"
)

// Param is one CGI param: a name and its value, both arbitrary bytes.
type Param struct {
	Name, Value string
}

// Params is the ordered list of a request's CGI params. Front ends may send
// a name twice (nginx repeats a `fastcgi_param`); the last one wins.
type Params []Param

// Lookup returns the value of the last param called name.
func (ps Params) Lookup(name string) (string, bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Name == name {
			return ps[i].Value, true
		}
	}
	return "", false
}

// Get returns the value of the last param called name, or "".
func (ps Params) Get(name string) string {
	v, _ := ps.Lookup(name)
	return v
}

// Map returns the params as a map, last value winning.
func (ps Params) Map() map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

// ContentLength returns the declared body length: -1 when CONTENT_LENGTH is
// absent, empty or "-1" (all of which real front ends send for a body of
// unknown length), and an error when it is not a number.
func (ps Params) ContentLength() (int64, error) {
	s := strings.TrimSpace(ps.Get("CONTENT_LENGTH"))
	if s == "" || s == "-1" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1, &BadParamError{Name: "CONTENT_LENGTH", Value: s}
	}
	return n, nil
}

// BadParamError reports a param whose value cannot be used.
type BadParamError struct {
	Name, Value string
}

func (e *BadParamError) Error() string {
	return "cgi: bad " + e.Name + " " + strconv.Quote(e.Value)
}

// HeaderName turns a CGI meta-variable name into the lower-case, dashed
// request header name it stands for: HTTP_USER_AGENT → "user-agent",
// CONTENT_TYPE → "content-type". ok is false for params that are not
// headers.
func HeaderName(param string) (name string, ok bool) {
	switch param {
	case "CONTENT_TYPE":
		return "content-type", true
	case "CONTENT_LENGTH":
		return "content-length", true
	}
	rest, found := strings.CutPrefix(param, "HTTP_")
	if !found || rest == "" {
		return "", false
	}
	b := make([]byte, len(rest))
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == '_':
			c = '-'
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b), true
}
