// fetch.go: outbound HTTP requests — the neutral request under
// JavaScript's fetch (its WHATWG classes are the engine's prelude) and
// Lua's http.request/get/post — bounded by [fetch] (package
// internal/outbound) and by max_per_request.

package caps

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"scriptsrv/host/engine"
	"scriptsrv/internal/outbound"
)

func init() {
	engine.Define(&engine.Module{Lang: "js", Internal: true, Funcs: []*engine.Func{
		{Name: "fetch", Params: []string{"request"}, Async: true, Begin: countFetch, Settle: settleFetch, Do: jsFetch},
	}})
	lua := func(name string, params []string, do func(*engine.Call, *engine.Args) (any, error)) *engine.Func {
		return &engine.Func{Name: name, Params: params, Options: []string{"headers", "timeout"}, LuaOptions: engine.OptionsTable,
			Fallible: true, Async: true, Begin: countFetch, Settle: settleFetch, Do: do}
	}
	engine.Define(&engine.Module{Name: "http", Lang: "lua", Funcs: []*engine.Func{
		{Name: "request", Params: []string{"request"}, Fallible: true, Async: true, Begin: countFetch, Settle: settleFetch, Do: luaRequest},
		lua("get", []string{"url"}, luaGet),
		lua("post", []string{"url", "body"}, luaPost),
	}})
}

// fetchCount is the request-local count of outbound requests.
type fetchCount struct{}

// client is the server's outbound client.
func client(c *engine.Call) (*outbound.Client, error) {
	if cl := platform(c).Fetch; cl != nil {
		return cl, nil
	}
	return nil, errors.New("outbound requests are not available in this server")
}

// countFetch enforces max_per_request before a request starts.
func countFetch(c *engine.Call, _ *engine.Args) error {
	cl, err := client(c)
	if err != nil {
		return err
	}
	n, _ := c.Req.Local(fetchCount{}).(int)
	if max := cl.Config().MaxPerRequest; max > 0 && n >= max {
		return fmt.Errorf("more than %d outbound requests in one request ([fetch] max_per_request)", max)
	}
	c.Req.SetLocal(fetchCount{}, n+1)
	return nil
}

// settleFetch accounts the response body to the request's memory_limit.
func settleFetch(c *engine.Call, v any) (any, error) {
	m, _ := v.(engine.Map)
	n := 0
	switch b, _ := m.Get("body"); b := b.(type) {
	case []byte:
		n = len(b)
	case string:
		n = len(b)
	}
	if err := c.Req.Grow(int64(n)); err != nil {
		return nil, &engine.Fatal{Err: err}
	}
	return v, nil
}

// sendOutbound does an outbound request. A network error or a refusal is a
// TypeError, as fetch's are; the incoming request ending stops the script.
func sendOutbound(c *engine.Call, r *outbound.Request) (*outbound.Response, error) {
	cl, err := client(c)
	if err != nil {
		return nil, err
	}
	res, err := cl.Do(c.Context(), r)
	if err != nil {
		if ctx := c.RequestContext(); ctx.Err() != nil {
			return nil, &engine.Fatal{Err: context.Cause(ctx)}
		}
		return nil, &engine.TypeError{Err: err}
	}
	return res, nil
}

// jsFetch is fetch's native half: the prelude passes {url, method,
// headers: [[name, value]…], body, redirect} and makes a Response of
// {status, statusText, url, redirected, headers: "name\nvalue…", body}.
//
// A URL alone (a string: fetch(url) with no init) is a GET with no headers
// that follows redirects.
func jsFetch(c *engine.Call, a *engine.Args) (any, error) {
	if a.Kind(0) == engine.KindString {
		return fetchResult(sendOutbound(c, &outbound.Request{URL: a.String(0), Method: http.MethodGet, Redirect: outbound.Follow, Header: http.Header{}}))
	}
	m, err := fieldsOf(a.Value(0))
	if err != nil {
		return nil, err
	}
	r := &outbound.Request{URL: str(m, "url"), Method: str(m, "method"), Redirect: outbound.Redirect(str(m, "redirect")), Header: http.Header{}}
	if pairs, ok := m.Get("headers"); ok {
		list, _ := pairs.([]any)
		for _, p := range list {
			kv, _ := p.([]any)
			if len(kv) == 2 {
				r.Header.Add(fmt.Sprint(kv[0]), fmt.Sprint(kv[1]))
			}
		}
	}
	r.Body = bodyOf(m)
	return fetchResult(sendOutbound(c, r))
}

// fetchResult is what the prelude makes a Response of.
func fetchResult(res *outbound.Response, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return engine.Map{
		{Key: "status", Value: res.Status}, {Key: "statusText", Value: res.StatusText},
		{Key: "url", Value: res.URL}, {Key: "redirected", Value: res.Redirected},
		{Key: "headers", Value: headerLines(res.Header)}, {Key: "body", Value: res.Body},
	}, nil
}

// headerLines is h as one string, "name\nvalue\n…" with lower-case names
// in order: a script that never reads a fetched Response's headers pays
// for one string, not an array per header (neither names nor values can
// hold a line break).
func headerLines(h http.Header) string {
	var b strings.Builder
	for _, k := range sortedNames(h) {
		for _, v := range h[k] {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(strings.ToLower(k))
			b.WriteByte('\n')
			b.WriteString(v)
		}
	}
	return b.String()
}

// headerPairs is h as [lower-case name, value] pairs, in order.
func headerPairs(h http.Header) []any {
	var out []any
	for _, k := range sortedNames(h) {
		for _, v := range h[k] {
			out = append(out, []any{strings.ToLower(k), v})
		}
	}
	return out
}

// sortedNames is h's names in order.
func sortedNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// luaRequest is http.request{url=, method=, headers=, body=, timeout=}.
func luaRequest(c *engine.Call, a *engine.Args) (any, error) {
	m, err := fieldsOf(a.Value(0))
	if err != nil {
		a.Fail(err)
		return nil, err
	}
	if err := checkLuaRequest(m); err != nil {
		a.Fail(err) // a bad table raises; a failed request returns nil, err
		return nil, err
	}
	h, _ := m.Get("headers")
	t, _ := m.Get("timeout")
	return luaSend(c, &outbound.Request{URL: str(m, "url"), Method: strings.ToUpper(str(m, "method")), Body: bodyOf(m)}, h, t)
}

func checkLuaRequest(m engine.Map) error {
	for _, f := range m {
		switch f.Key {
		case "url", "method", "headers", "body", "timeout":
		default:
			return fmt.Errorf("unknown field %q (known: url, method, headers, body, timeout)", f.Key)
		}
	}
	if str(m, "url") == "" {
		return errors.New("the request table has no url")
	}
	if b, ok := m.Get("body"); ok && b != nil {
		switch b.(type) {
		case string, []byte:
		default:
			return fmt.Errorf("body: want a string, got %T", b)
		}
	}
	return nil
}

// luaGet is http.get(url, {headers=, timeout=}).
func luaGet(c *engine.Call, a *engine.Args) (any, error) {
	url := a.String(0)
	h, t := a.Opt("headers"), a.Opt("timeout")
	if a.Err() != nil {
		return nil, a.Err()
	}
	return luaSend(c, &outbound.Request{URL: url, Method: http.MethodGet}, h, t)
}

// luaPost is http.post(url, body, {headers=, timeout=}).
func luaPost(c *engine.Call, a *engine.Args) (any, error) {
	url, body := a.String(0), a.Bytes(1)
	h, t := a.Opt("headers"), a.Opt("timeout")
	if a.Err() != nil {
		return nil, a.Err()
	}
	return luaSend(c, &outbound.Request{URL: url, Method: http.MethodPost, Body: append([]byte{}, body...)}, h, t)
}

// luaSend adds a Lua request's headers (a table of name → value) and
// timeout (seconds), sends it and makes {status=, headers=, body=}, the
// headers by lower-case name, repeated ones joined with ", ".
func luaSend(c *engine.Call, r *outbound.Request, headers, timeout any) (any, error) {
	r.Header = http.Header{}
	if headers != nil {
		hm, err := fieldsOf(headers)
		if err != nil {
			return nil, fmt.Errorf("headers: %w", err)
		}
		for _, f := range hm {
			r.Header.Add(f.Key, fmt.Sprint(f.Value))
		}
	}
	if timeout != nil {
		s, ok := number(timeout)
		if !ok || s <= 0 || math.IsInf(s, 0) {
			return nil, fmt.Errorf("timeout: want a number of seconds more than 0, got %v", timeout)
		}
		r.Timeout = time.Duration(s * float64(time.Second))
	}
	res, err := sendOutbound(c, r)
	if err != nil {
		return nil, err
	}
	h := engine.Map{}
	for _, p := range headerPairs(res.Header) {
		kv := p.([]any)
		if i := len(h) - 1; i >= 0 && h[i].Key == kv[0] {
			h[i].Value = h[i].Value.(string) + ", " + kv[1].(string)
			continue
		}
		h = append(h, engine.Field{Key: kv[0].(string), Value: kv[1]})
	}
	return engine.Map{{Key: "status", Value: res.Status}, {Key: "headers", Value: h}, {Key: "body", Value: res.Body}}, nil
}

func fieldsOf(v any) (engine.Map, error) {
	switch m := v.(type) {
	case engine.Map:
		return m, nil
	case map[string]any:
		out := make(engine.Map, 0, len(m))
		for _, k := range engine.SortedKeys(m) {
			out = append(out, engine.Field{Key: k, Value: m[k]})
		}
		return out, nil
	case []any:
		if len(m) == 0 {
			return engine.Map{}, nil
		}
	}
	return nil, fmt.Errorf("want a table of fields, got %T", v)
}

func str(m engine.Map, key string) string {
	v, _ := m.Get(key)
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func bodyOf(m engine.Map) []byte {
	switch b, _ := m.Get("body"); b := b.(type) {
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	return nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}
