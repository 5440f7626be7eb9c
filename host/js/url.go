// url.go: the natives under URL and URLSearchParams (prelude/url.js): a
// WHATWG URL parser (github.com/nlnwa/whatwg-url, which passes the
// web-platform-tests' URL data) and the application/x-www-form-urlencoded
// parser and serializer.

package js

import (
	"strconv"
	"strings"

	"github.com/dop251/goja"
	whatwg "github.com/nlnwa/whatwg-url/url"
)

// bindURLNatives adds urlParse, urlGet, urlSet, formParse and
// formSerialize to rt.internal.
func (rt *runtime) bindURLNatives() {
	vm, n := rt.vm, rt.internal
	n.Set("urlParse", func(c goja.FunctionCall) goja.Value {
		u, ok := parseURL(c.Argument(0).String(), c.Argument(1))
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(u)
	})
	n.Set("urlHref", stringFunc(rt.urlHref)) // an absolute URL's href, or null
	n.Set("urlGet", func(c goja.FunctionCall) goja.Value {
		u, _ := c.Argument(0).Export().(*whatwg.Url)
		if u == nil {
			return goja.Undefined()
		}
		return vm.ToValue(urlField(u, c.Argument(1).String()))
	})
	n.Set("urlSet", func(c goja.FunctionCall) goja.Value {
		u, _ := c.Argument(0).Export().(*whatwg.Url)
		return vm.ToValue(u != nil && setURLField(u, c.Argument(1).String(), c.Argument(2).String()))
	})
	n.Set("formParse", stringFunc(func(s string) goja.Value {
		pairs := formParse(s)
		out := make([]any, len(pairs))
		for i, p := range pairs {
			out[i] = vm.NewArray(p[0], p[1])
		}
		return vm.NewArray(out...)
	}))
	n.Set("formSerialize", func(c goja.FunctionCall) goja.Value {
		var sb strings.Builder
		list := c.Argument(0).ToObject(vm)
		n := int(list.Get("length").ToInteger())
		for i := range n {
			p := list.Get(strconv.Itoa(i)).ToObject(vm)
			if i > 0 {
				sb.WriteByte('&')
			}
			formEscape(&sb, p.Get("0").String())
			sb.WriteByte('=')
			formEscape(&sb, p.Get("1").String())
		}
		return vm.ToValue(sb.String())
	})
}

// maxHrefs bounds the hrefs a runtime keeps: a script fetches a few URLs
// over and over, or a new one each time (then the cache is only cleared);
// a URL longer than maxHrefLen is not kept.
const (
	maxHrefs   = 256
	maxHrefLen = 2048
)

// urlHref is an absolute URL's href, or null; Request and fetch ask for
// it on every call, and parsing costs an eighth of a loopback fetch's
// script time, so a runtime keeps the last hrefs it made.
func (rt *runtime) urlHref(s string) goja.Value {
	if v, ok := rt.hrefs[s]; ok {
		return v
	}
	v := goja.Null()
	if u, ok := parseURL(s, goja.Undefined()); ok {
		v = rt.vm.ToValue(u.Href(false))
	}
	if len(s) > maxHrefLen {
		return v
	}
	if len(rt.hrefs) >= maxHrefs {
		clear(rt.hrefs)
	}
	rt.hrefs[s] = v
	return v
}

// parseURL parses input against base (undefined: none).
func parseURL(input string, base goja.Value) (*whatwg.Url, bool) {
	var u *whatwg.Url
	var err error
	if base == nil || goja.IsUndefined(base) {
		u, err = whatwg.Parse(input)
	} else {
		u, err = whatwg.ParseRef(base.String(), input)
	}
	return u, err == nil
}

func urlField(u *whatwg.Url, field string) string {
	switch field {
	case "href":
		return u.Href(false)
	case "origin":
		return origin(u)
	case "protocol":
		return u.Protocol()
	case "username":
		return u.Username()
	case "password":
		return u.Password()
	case "host":
		return u.Host()
	case "hostname":
		return u.Hostname()
	case "port":
		return u.Port()
	case "pathname":
		return u.Pathname()
	case "search":
		return u.Search()
	case "query":
		return u.Query()
	case "hash":
		return u.Hash()
	}
	return ""
}

// setURLField runs a URL setter; only href can fail (a URL that does not
// parse), as in the standard.
func setURLField(u *whatwg.Url, field, value string) bool {
	switch field {
	case "href":
		nu, err := whatwg.Parse(value)
		if err != nil {
			return false
		}
		*u = *nu
	case "protocol":
		u.SetProtocol(value)
	case "username":
		u.SetUsername(value)
	case "password":
		u.SetPassword(value)
	case "host":
		u.SetHost(value)
	case "hostname":
		u.SetHostname(value)
	case "port":
		u.SetPort(value)
	case "pathname":
		u.SetPathname(value)
	case "search":
		u.SetSearch(value)
	case "hash":
		u.SetHash(value)
	}
	return true
}

// origin is the URL's origin serialized: scheme://host[:port] for the
// special schemes with a host, blob: of such a URL, else "null".
func origin(u *whatwg.Url) string {
	switch u.Scheme() {
	case "http", "https", "ws", "wss", "ftp":
		o := u.Scheme() + "://" + u.Hostname()
		if p := u.Port(); p != "" {
			o += ":" + p
		}
		return o
	case "blob":
		inner, err := whatwg.Parse(u.Pathname())
		if err == nil && (inner.Scheme() == "http" || inner.Scheme() == "https") {
			return origin(inner)
		}
	}
	return "null"
}

// formParse parses application/x-www-form-urlencoded text into name–value
// pairs ("+" is a space; bad UTF-8 becomes U+FFFD).
func formParse(s string) [][2]string {
	var out [][2]string
	for _, seq := range strings.Split(s, "&") {
		if seq == "" {
			continue
		}
		name, value, _ := strings.Cut(seq, "=")
		out = append(out, [2]string{formUnescape(name), formUnescape(value)})
	}
	return out
}

func formUnescape(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	str, _, _ := decodeUTF8(b, false, false)
	return str
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// formEscape writes s as the application/x-www-form-urlencoded
// serializer does.
func formEscape(sb *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '*' || c == '-' || c == '.' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			sb.WriteByte(c)
		case c == ' ':
			sb.WriteByte('+')
		default:
			sb.WriteByte('%')
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
		}
	}
}
