// helpers.go: the request and response helpers of PLATFORM.md —
// req.queryAll, req.cookies, setCookie, escapeHTML (req.form is in
// form.go).

package caps

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"scriptsrv/host/engine"
)

func init() {
	engine.Define(&engine.Module{Funcs: []*engine.Func{
		{Name: "setCookie", Params: []string{"name", "value"}, Options: cookieOptions, LuaOptions: engine.OptionsTable, Do: setCookie},
		{Name: "escapeHTML", Params: []string{"text"}, TopLevel: true, Do: escapeHTML},
	}})
	engine.DefineReq([]engine.ReqField{
		{Name: "cookies", Get: func(r engine.Request) any { return Cookies(r.Params().Get("HTTP_COOKIE")) }},
	}, &engine.Func{Name: "queryAll", Params: []string{"name"}, Do: queryAll})
}

func queryAll(c *engine.Call, a *engine.Args) (any, error) {
	name := a.String(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	vals := c.Req.QueryAll(name)
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out, nil
}

// Cookies parses a Cookie header into name → value: the first of a
// repeated name wins (the most specific path, as browsers order them), a
// value in double quotes loses them, and %-escapes are decoded when they
// are valid (as setCookie writes them; PHP and Express decode them too).
func Cookies(header string) map[string]string {
	out := map[string]string{}
	for _, pair := range strings.Split(header, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			continue
		}
		if _, seen := out[name]; seen {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if strings.IndexByte(value, '%') >= 0 {
			if v, err := url.PathUnescape(value); err == nil {
				value = v
			}
		}
		out[name] = value
	}
	return out
}

var cookieOptions = []string{"maxAge", "expires", "path", "domain", "secure", "httpOnly", "sameSite"}

// setCookie adds a Set-Cookie header. The value is %-escaped where a
// cookie value may not hold a byte (and % itself), so any string
// round-trips through req.cookies.
func setCookie(c *engine.Call, a *engine.Args) (any, error) {
	name, value := a.String(0), a.String(1)
	if a.Err() != nil {
		return nil, a.Err()
	}
	if !validToken(name) {
		return nil, fmt.Errorf("cookie name %q is not a valid token (letters, digits and !#$%%&'*+-.^_`|~)", name)
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(escapeCookieValue(value))
	if err := cookieAttributes(c, a, &b); err != nil {
		return nil, err
	}
	return nil, c.Req.Header("Set-Cookie", b.String(), true)
}

// cookieAttributes appends setCookie's options.
func cookieAttributes(c *engine.Call, a *engine.Args, b *strings.Builder) error {
	if v := a.Opt("maxAge"); v != nil {
		f, ok := v.(float64)
		if i, isInt := v.(int64); isInt {
			f, ok = float64(i), true
		}
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("option %s: want a number of seconds, got %v", c.LangName("maxAge"), v)
		}
		fmt.Fprintf(b, "; Max-Age=%d", max(int64(f), 0))
	}
	if v := a.Opt("expires"); v != nil {
		t, err := cookieTime(c, v)
		if err != nil {
			return err
		}
		b.WriteString("; Expires=" + t.UTC().Format(http.TimeFormat))
	}
	for _, attr := range []struct{ opt, name string }{{"path", "Path"}, {"domain", "Domain"}} {
		if v := a.Opt(attr.opt); v != nil {
			s, ok := v.(string)
			if !ok || strings.ContainsAny(s, ";\r\n\x00") {
				return fmt.Errorf("option %s: want a string without ';' or line breaks, got %v", attr.opt, v)
			}
			b.WriteString("; " + attr.name + "=" + s)
		}
	}
	secure, err := optBool(c, a, "secure")
	if err != nil {
		return err
	}
	if secure {
		b.WriteString("; Secure")
	}
	if httpOnly, err := optBool(c, a, "httpOnly"); err != nil {
		return err
	} else if httpOnly {
		b.WriteString("; HttpOnly")
	}
	if v := a.Opt("sameSite"); v != nil {
		s, _ := v.(string)
		switch strings.ToLower(s) {
		case "strict", "lax":
			b.WriteString("; SameSite=" + strings.ToUpper(s[:1]) + strings.ToLower(s[1:]))
		case "none":
			if !secure {
				return fmt.Errorf("option %s: \"None\" needs secure = true (browsers drop the cookie otherwise)", c.LangName("sameSite"))
			}
			b.WriteString("; SameSite=None")
		default:
			return fmt.Errorf("option %s: want \"Strict\", \"Lax\" or \"None\", got %v", c.LangName("sameSite"), v)
		}
	}
	return a.Err()
}

// optBool reads a boolean option (absent: false).
func optBool(c *engine.Call, a *engine.Args, name string) (bool, error) {
	switch v := a.Opt(name).(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	default:
		return false, fmt.Errorf("option %s: want true or false, got %v", c.LangName(name), v)
	}
}

// cookieTime reads expires: a date string (ISO 8601, as a JS Date
// becomes, or an HTTP date) or a number — milliseconds since the epoch in
// JavaScript (Date.now()), seconds in Lua (os.time()).
func cookieTime(c *engine.Call, v any) (time.Time, error) {
	switch x := v.(type) {
	case string:
		for _, layout := range []string{time.RFC3339Nano, http.TimeFormat, time.RFC850, time.ANSIC} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("option expires: %q is not a date (want ISO 8601 or an HTTP date)", x)
	case int64:
		return epochTime(c, float64(x)), nil
	case float64:
		return epochTime(c, x), nil
	}
	return time.Time{}, fmt.Errorf("option expires: want a date or a number, got %v", v)
}

func epochTime(c *engine.Call, n float64) time.Time {
	if c.Lang == "lua" {
		return time.Unix(int64(n), 0)
	}
	return time.UnixMilli(int64(n))
}

// validToken reports whether s is an HTTP token (RFC 9110), as a cookie
// name must be.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// escapeCookieValue %-escapes what RFC 6265's cookie-octet excludes, and %.
func escapeCookieValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' || c == '%' {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)|0x100, 16)[1:]))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func escapeHTML(c *engine.Call, a *engine.Args) (any, error) {
	switch a.Kind(0) {
	case engine.KindUndefined, engine.KindNull:
		return "", nil
	case engine.KindBool:
		return strconv.FormatBool(a.Bool(0)), nil
	}
	s := a.String(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	return htmlEscaper.Replace(s), nil
}
