package host

import (
	"fmt"
	"mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"scriptsrv/host/engine"
	"strings"
	"testing"
)

// apiCase is one line of SCRIPT_API.md, run against testdata/api/NAME.js
// and NAME.lua.
type apiCase struct {
	name, script string
	only         string // "js" or "lua"; "" runs both
	uri, in      string // request URI and body
	extra        []string
	cfg          Config
	db           string // run on SQLite and Postgres databases (main and other) when "both"
	status       int
	header       map[string]string   // "" means absent
	multi        map[string][]string // every value of a header
	body         string              // exact body when not "" (see body_ for "" bodies)
	contains     []string
	stderr       string
	log          []string
	// body_ is the exact body (for cases whose request also has a body);
	// body_js and body_lua when the languages differ.
	body_, body_js, body_lua string
}

// wantBody returns the exact body expected, if the case pins one.
func (c apiCase) wantBody(lang string) (string, bool) {
	switch {
	case lang == "js" && c.body_js != "":
		return c.body_js, true
	case lang == "lua" && c.body_lua != "":
		return c.body_lua, true
	case c.body_ != "":
		return c.body_, true
	case c.body != "" || c.status == 200 && c.contains == nil && c.in == "":
		return c.body, true
	}
	return "", false
}

func (c apiCase) langs() []string {
	if c.only != "" {
		return []string{c.only}
	}
	return engine.Names() // every language runs every case
}

var apiCases = []apiCase{
	{name: "handler mode hello", script: "hello", uri: "/h?name=bob", status: 200, header: map[string]string{"Content-Type": "text/plain"}, body: "hello bob"},
	{name: "cgi mode", script: "cgi", uri: "/c?a=1", in: "payload", status: 200, header: map[string]string{"Content-Type": "text/plain"},
		contains: []string{"query: a=1\n", "body: payload\n", "n=1\n"}},
	{name: "req fields js", script: "input", only: "js", uri: "/p%20q/r?a=1&b=x%20y&a=2", status: 200, header: map[string]string{"Content-Type": "application/json"},
		body: `{"method":"GET","path":"/p q/r","a":"1","b":"x y","ua":"test/1","ct":"text/plain","rm":"GET","hasParams":true,"global":"GET"}`},
	{name: "req fields lua", script: "input", only: "lua", uri: "/p%20q/r?a=1&b=x%20y&a=2", status: 200, header: map[string]string{"Content-Type": "application/json"},
		body: `{"a":"1","b":"x y","ct":"text/plain","global":"GET","hasParams":true,"method":"GET","path":"/p q/r","rm":"GET","ua":"test/1"}`},
	{name: "path from SCRIPT_NAME+PATH_INFO", script: "input", only: "lua", uri: "", extra: []string{"SCRIPT_NAME", "/s", "PATH_INFO", "/p"},
		status: 200, contains: []string{`"path":"/s/p"`}},
	{name: "stdin read all", script: "stdin_all", in: "abcdef", status: 200, body_: "len=6 body=abcdef again=[]"},
	{name: "stdin read n", script: "stdin_pieces", in: "abcdefghij", status: 200, body_js: `abcd|efgh|ij end=""`, body_lua: "abcd|efgh|ij end=nil"},
	{name: "stdin readBytes", script: "stdin_formats", only: "js", in: "\x01\x02rest", status: 200, body_: "first=1,2 rest=4 end=0 ab=true"},
	{name: "stdin formats", script: "stdin_formats", only: "lua", in: "line one\r\nline two\n 42 7.5 tail", status: 200, body_: "l1=line one l2=line two n=42 m=7.5 rest=[ tail] eof=nil"},
	{name: "raw LF", script: "raw", uri: "/?shape=lf", status: 200, header: map[string]string{"Content-Type": "text/plain"}, body: "hello"},
	{name: "raw CRLF", script: "raw", uri: "/?shape=crlf", status: 200, header: map[string]string{"Content-Type": "text/plain", "X-A": "1"}, body: "hello"},
	{name: "raw bare Location is 302", script: "raw", uri: "/?shape=location", status: 302, header: map[string]string{"Location": "/elsewhere"}},
	{name: "raw Status", script: "raw", uri: "/?shape=status", status: 404, header: map[string]string{"Status": ""}, body: "nope"},
	{name: "raw Transfer-Encoding dropped", script: "raw", uri: "/?shape=te", status: 200, header: map[string]string{"Transfer-Encoding": ""}, body: "plain"},
	{name: "raw garbage line", script: "raw", uri: "/?shape=garbage", status: 500, log: []string{"script error", "raw.", `garbage line`}},
	{name: "raw no blank line", script: "raw", uri: "/?shape=noblank", status: 500, log: []string{"never ended with a blank line"}},
	{name: "raw bad status", script: "raw", uri: "/?shape=badstatus", status: 500, log: []string{"Status: abc"}},
	{name: "raw status 99", script: "raw", uri: "/?shape=status99", status: 500, log: []string{"Status: 99"}},
	{name: "raw two Status", script: "raw", uri: "/?shape=twostatus", status: 500, log: []string{"Status given twice"}},
	{name: "raw two Content-Types", script: "raw", uri: "/?shape=twotypes", status: 500, log: []string{"Content-Type given twice"}},
	{name: "raw NPH line", script: "raw", uri: "/?shape=nph", status: 500, log: []string{"HTTP/1.1 404 Not Found"}},
	{name: "raw bad header name", script: "raw", uri: "/?shape=badname", status: 500, log: []string{"Bad Name: x"}},
	{name: "rule 1 headers already sent", script: "rules", uri: "/?case=late", status: 200, header: map[string]string{"X-Late": ""},
		contains: []string{"body;", "header: ", "headers already sent", "status: "}},
	{name: "raw output in a handler says what to use", script: "rules", uri: "/?case=printed", status: 500,
		log: []string{"script error", "the first output was raw (print, io.write, stdout.write)", "in a handler, send() the body"}},
	{name: "raw output in a handler, debug body", script: "rules", uri: "/?case=printed", cfg: Config{Debug: true}, status: 500,
		contains: []string{"in a handler, send() the body"}},
	{name: "a CGI-style script's returned text is sent", script: "cgireturn", only: "lua", uri: "/?x", status: 200, body: "returned for x",
		header: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
	{name: "rule 2 default content type", script: "rules", uri: "/?case=default", status: 201, header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: "made"},
	{name: "rule 3 header first then write is body", script: "rules", uri: "/?case=api-then-write", status: 200, header: map[string]string{"X-A": "1"}, body: "Content-Type: not/a-header\r\n\r\n"},
	{name: "raw output from bytes and print", script: "rules", uri: "/?case=print", status: 200, header: map[string]string{"Content-Type": "x/y"}, body: "hi"},
	{name: "header injection refused", script: "rules", uri: "/?case=inject", status: 500, header: map[string]string{"Set-Cookie": ""}, log: []string{"invalid header value"}},
	{name: "bad status refused", script: "rules", uri: "/?case=badstatus", status: 500, log: []string{"invalid status 42"}},
	{name: "1xx refused", script: "rules", uri: "/?case=interim", status: 200, contains: []string{
		"status: invalid status 100: 1xx statuses are interim; the final status is 200 or more;", "invalid status 101", "invalid status 103"}},
	{name: "Status header is status()", script: "rules", uri: "/?case=statusheader", status: 404, header: map[string]string{"Status": ""}, body: "gone"},
	{name: "header replaces unless append", script: "rules", uri: "/?case=headerreplace", status: 200,
		header: map[string]string{"Content-Type": "application/json", "X-Multi": "1"}, multi: map[string][]string{"Content-Type": {"application/json"}, "X-Multi": {"1", "2"}}, body: "{}"},
	{name: "raw 1xx Status", script: "raw", uri: "/?shape=interim", status: 500, log: []string{"Status: 101", "a 1xx status is interim"}},
	{name: "rule 5 empty", script: "rules", uri: "/?case=empty", status: 200, body: ""},
	{name: "two Set-Cookie", script: "rules", uri: "/?case=cookies", status: 200, body: "two"},
	{name: "status and Location", script: "rules", uri: "/?case=redirect", status: 302, header: map[string]string{"Location": "/there"}},
	{name: "send json", script: "send", status: 200, header: map[string]string{"Content-Type": "application/json"},
		body_js: `{"list":[1,null,3],"nested":{"ok":true},"s":"é"}`, body_lua: `{"list":[1,null,3],"nested":{"ok":true},"s":"é"}`},
	{name: "send json keeps Content-Type", script: "send", uri: "/?ct=1", status: 200, header: map[string]string{"Content-Type": "application/vnd.x+json"}, contains: []string{`"list":[1,null,3]`}},
	{name: "flush", script: "send", uri: "/?flush=1", status: 200, body: "ab"},
	{name: "return text", script: "state", status: 200, body: "top=1 served=1", header: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
	{name: "stderr", script: "stderr", status: 200, body: "ok", stderr: "to stderr\n", log: []string{"to stderr"}},
	{name: "console", script: "stderr", only: "js", status: 200, body: "ok", stderr: "console says 42\nError: bad thing\n", log: []string{"console says 42", "bad thing"}},
	{name: "uncaught error", script: "error", status: 500, body: "internal server error\n", stderr: "no such thing", log: []string{"error.", ":3", "no such thing", "stack="}},
	{name: "a Lua stack names handle", script: "error", only: "lua", status: 500, log: []string{`in function 'helper'`, `error.lua:11: in function 'handle'`}},
	{name: "a Lua error that is a table shows its fields", script: "error", only: "lua", uri: "/?table=1", status: 500, log: []string{`error {code = 42, message = \"it broke\"}`}},
	{name: "a Lua error with __tostring", script: "error", only: "lua", uri: "/?tostring=1", status: 500, log: []string{"an error object of my own"}},
	{name: "uncaught error debug", script: "error", cfg: Config{Debug: true}, status: 500, contains: []string{"no such thing", "error.", ":3"}},
	{name: "require", script: "require", uri: "/?name=ann", status: 200, body: "HELLO ANN"},
	{name: "require outside root", script: "require", uri: "/?escape=../secret", status: 500, log: []string{"script error"}},
	{name: "require absolute", script: "require", uri: "/?escape=/etc/passwd", status: 500, log: []string{"script error"}},
	{name: "sandbox js", script: "sandbox", only: "js", status: 200, body_: "object function process:same child_process:refused node:child_process:refused fs.readFileSync: scripts have no file system (kv, db or fetch keep data) exists:false"},
	{name: "sandbox lua", script: "sandbox", only: "lua", status: 200,
		body_: "os.execute=absent os.exit=absent os.remove=absent io.popen=absent io.open=absent loadfile=absent dofile=absent " +
			"debug.getlocal=absent debug.setupvalue=absent debug.sethook=absent debug.getregistry=absent debug.traceback=present debug.getinfo=present " +
			"collectgarbage=0 getinfo=sandbox.lua:12 traceback=true"},
	{name: "sandbox off", script: "nosandbox", only: "lua", status: 200, body_: "io.open=function os.execute=function"},
	{name: "async handle", script: "async", only: "js", status: 200, body: "async ok"},
	{name: "async never settles", script: "async", only: "js", uri: "/?pending=1", status: 500, log: []string{"never settled"}},
	{name: "infinite recursion", script: "recursion", status: 500, log: []string{"stack overflow"}},
	{name: "table.concat and json", script: "bigdata", only: "lua", status: 200,
		body_: `100000 é😀 "é😀" {"a":[1,null,3],"e":{},"f":1.5,"l":[],"n":null} {} []`},
	{name: "max_body declared", script: "upload", in: strings.Repeat("x", 2000), cfg: Config{MaxBody: 1000}, status: 413},
	{name: "max_body unknown length", script: "upload", in: strings.Repeat("x", 2000), extra: []string{"CONTENT_LENGTH", "-1"}, cfg: Config{MaxBody: 1000}, status: 413,
		log: []string{"request body could not be read", "request body too large"}},
	{name: "read of a huge n", script: "hugeread", in: "hello", status: 200, body_: "hello"},
	{name: "read of a huge n, CGI style", script: "hugeread", uri: "/?how=global", in: "hello", status: 200, body_: "hello"},
	{name: "readBytes of a huge n", script: "hugeread", only: "js", uri: "/?how=bytes", in: "hello", status: 200, body_: "hello"},
	{name: "kv values round trip", script: "kv", uri: "/?case=roundtrip", status: 200,
		body: `[1,null,3] {} [] "é😀" 9007199254740992 {"x":{"y":[true,false]}} 1.5 null`},
	{name: "kv operations", script: "kv", uri: "/?case=ops", status: 200,
		body_js:  "true false true false 3 1 6 11 5.5 null true true false true true false null user:1,user:2 c,d",
		body_lua: "true false true false 3 1 6 11 5.5 nil true true false true true false nil user:1,user:2 c,d"},
	{name: "kv at the top level", script: "kv", uri: "/?case=toplevel", status: 200, body: "set at the top level"},
	{name: "kv errors name the limit", script: "kv", uri: "/?case=errors", status: 200, contains: []string{
		"kv.set: kv: bad key: 513 bytes, more than the 512 a key may have", "kv.set: kv: value too large: 2002 bytes, more than max_value (1000)",
		"kv.incr: value of \"s\" is not a number", "cannot be stored (not a JSON value)", "ttl must be a number of seconds, 0 or more, got -1",
		"kv.get: argument 1 (key): want a string, got an object"}},
	{name: "kv unknown option", script: "kv", only: "js", uri: "/?case=errors", status: 200, contains: []string{`kv.set: unknown option "tll" (known: ttl)`}},
	{name: "kv ttl not a number", script: "kv", only: "lua", uri: "/?case=errors", status: 200, contains: []string{`kv.set: option ttl: want a number, got string`}},
	{name: "env", script: "env", cfg: Config{Env: testEnv}, status: 200,
		body_js: "production production s3 undefined undefined APP_MODE,SECRET", body_lua: "production production s3 nil nil GET"},
	{name: "env in CGI mode", script: "envcgi", cfg: Config{Env: testEnv}, status: 200, body_js: "production undefined", body_lua: "production nil"},
	{name: "Lua 5.1 where gopher-lua differs", script: "compat", only: "lua", status: 200, body_: "match nil: nil\nsort nil: 1,2,3\nhuge: true true\n" +
		"tonumber base: 35 255 -5 nil\nq: \"a\\\n\\\"b\\\"\\\\\\000c\\r\"\nq mixed: 7%     x \"y\"\nfind nil: 1\nos.date: Thu Feb 060 08 09 Thu Feb 29 12:00:00 2024 02/29/24 yday 60"},
	{name: "lua patterns as Lua 5.1", script: "patterns", only: "lua", status: 200, body_: readFile("testdata/api/patterns.lua.out")},
	{name: "timers and microtasks in order", script: "timers", only: "js", uri: "/?case=await", status: 200, body: "sync,micro,then,t1,t2"},
	{name: "setTimeout arguments", script: "timers", only: "js", uri: "/?case=args", status: 200, body: "xy"},
	{name: "setInterval and clearInterval", script: "timers", only: "js", uri: "/?case=interval", status: 200, body: "ticks 3"},
	{name: "clearTimeout", script: "timers", only: "js", uri: "/?case=clear", status: 200, body: "ran false"},
	{name: "at most 1000 timers", script: "timers", only: "js", uri: "/?case=many", status: 200, body: "setTimeout: more than 1000 timers pending in this request"},
	{name: "unhandled rejection logged", script: "timers", only: "js", uri: "/?case=reject", status: 200, body: "returned",
		log: []string{"unhandled promise rejection", "nobody catches this", "timers.js:"}},
	{name: "a timer that throws fails the request", script: "timers", only: "js", uri: "/?case=throwing", status: 500, log: []string{"in a timer", "timers.js:"}},
	{name: "CGI mode waits for its timers", script: "timercgi", only: "js", status: 200, body: "first\nlater\n"},
	{name: "sleep", script: "timers", only: "lua", uri: "/?case=sleep", status: 200, body: "slept"},
	{name: "sleep refuses a negative time", script: "timers", only: "lua", uri: "/?case=bad", status: 200, contains: []string{"sleep: want a number of seconds, 0 or more, got -1"}},
	{name: "fetch JSON", script: "fetch", uri: "/?case=json&up={up}", status: 200, body_js: "200 true OK application/json scriptsrv 42 true", body_lua: "200 application/json scriptsrv 42"},
	{name: "fetch POST with headers", script: "fetch", uri: "/?case=post&up={up}", status: 200, body_js: "POST|hi there|yes|text/plain;charset=UTF-8|scriptsrv", body_lua: "POST|hi there|yes|scriptsrv"},
	{name: "fetch Request with bytes", script: "fetch", only: "js", uri: "/?case=bytes&up={up}", status: 200, body: "PUT hi application/octet-stream"},
	{name: "http.request table", script: "fetch", only: "lua", uri: "/?case=request&up={up}", status: 200, body: "PUT hi text/x"},
	{name: "fetch URLSearchParams body", script: "fetch", only: "js", uri: "/?case=form&up={up}", status: 200, body: "q=a+b&n=1 application/x-www-form-urlencoded;charset=UTF-8"},
	{name: "fetch status and repeated headers", script: "fetch", uri: "/?case=status&up={up}", status: 200, body_js: "418 false one, two a=1;b=2 true a=1;b=2 false", body_lua: "418 one, two a=1, b=2 true"},
	{name: "fetch redirects", script: "fetch", uri: "/?case=redirect&up={up}", status: 200,
		body_js: `200 true true 302 /json TypeError: fetch: GET {up}/redirect: redirected, and redirect is "error"`, body_lua: "200 scriptsrv"},
	{name: "fetch refused by allow", script: "fetch", uri: "/?case=refused&up={up}", status: 200,
		body_js:  "TypeError: fetch: GET http://169.254.169.254/latest/meta-data/: refused: 169.254.169.254:80 is not in [fetch] allow",
		body_lua: "nil http.get: GET http://169.254.169.254/latest/meta-data/: refused: 169.254.169.254:80 is not in [fetch] allow"},
	{name: "fetch refused by deny_private", script: "fetch", uri: "/?case=json&up={up}", cfg: Config{Platform: denyPrivatePlatform}, status: 500,
		log: []string{"refused: 127.0.0.1 (127.0.0.1) is a loopback address and [fetch] deny_private is on"}},
	{name: "fetch network error", script: "fetch", uri: "/?case=unreachable&up={up}", status: 200, contains: []string{"GET http://127.0.0.1:1/: dial tcp 127.0.0.1:1: connect: connection refused"}},
	{name: "fetch relative URL", script: "fetch", only: "js", uri: "/?case=bad%20url&up={up}", status: 200, body: `TypeError: fetch: "/relative" is not an absolute URL`},
	{name: "fetch GET with a body", script: "fetch", only: "js", uri: "/?case=get%20body&up={up}", status: 200, body: "TypeError: Request: a GET request cannot have a body"},
	{name: "fetch max_response", script: "fetch", uri: "/?case=big&up={up}", status: 200, contains: []string{"/big: response body is over [fetch] max_response (1048576 bytes); nothing more was read"}},
	{name: "fetch timeout", script: "fetch", uri: "/?case=timeout&up={up}", cfg: Config{Platform: shortFetchPlatform}, status: 200,
		contains: []string{"/slow: no complete response within 200ms ([fetch] timeout)"}},
	{name: "fetch max_per_request", script: "fetch", uri: "/?case=many&up={up}", status: 200,
		body_js:  "no error\nno error\nno error\nno error\nno error\nError: fetch: more than 5 outbound requests in one request ([fetch] max_per_request)",
		body_lua: "no error\nno error\nno error\nno error\nno error\nhttp.get: more than 5 outbound requests in one request ([fetch] max_per_request)"},
	{name: "fetch in parallel", script: "fetch", only: "js", uri: "/?case=parallel&up={up}", status: 200, body: "slow 200,slow 200,slow 200,slow 200 overlapped"},
	{name: "fetch aborted", script: "fetch", only: "js", uri: "/?case=abort&up={up}", status: 200, body: "DOMException: This operation was aborted promptly"},
	{name: "fetch aborted by AbortSignal.timeout", script: "fetch", only: "js", uri: "/?case=abort%20timeout&up={up}", status: 200, body: "DOMException: The operation timed out. promptly"},
	{name: "Response.json of bytes", script: "fetch", only: "js", uri: "/?case=json%20bytes&up={up}", status: 200, body: "[1] true SyntaxError: JSON.parse: invalid character 'n' looking for beginning of object key string at offset 1"},
	{name: "fetch body read once", script: "fetch", only: "js", uri: "/?case=used&up={up}", status: 200, body: "true TypeError: Response.json: body has already been read"},
	{name: "http unknown option", script: "fetch", only: "lua", uri: "/?case=bad%20option&up={up}", status: 200, contains: []string{`http.get: unknown option "timeuot" (known: headers, timeout)`}},
	{name: "http.request unknown field", script: "fetch", only: "lua", uri: "/?case=bad%20field&up={up}", status: 200, contains: []string{`http.request: unknown field "mehtod" (known: url, method, headers, body, timeout)`}},
	{name: "TextEncoder and TextDecoder", script: "web", only: "js", uri: "/?case=text", status: 200,
		body: "14|104.195.169.108.108.111.32.226.130.172.240.159.152.128|2/3|héllo €😀|€|a\ufffdb\ufffdc|TypeError: TextDecoder.decode: the data is not valid utf-8|A|é€|A☻|RangeError: TextDecoder: the \"klingon\" encoding is not supported (utf-8, utf-16le and windows-1252 are)"},
	{name: "atob and btoa", script: "web", only: "js", uri: "/?case=base64", status: 200,
		body: "aGVsbG8=|hello|hello|hi|//4=|InvalidCharacterError: The string to be decoded is not correctly encoded.|InvalidCharacterError: Invalid character|InvalidCharacterError: The string to be decoded is not correctly encoded."},
	{name: "structuredClone", script: "web", only: "js", uri: "/?case=clone", status: 200,
		body: "true|true|true|2|true|gi|2|true|true|2|DataCloneError: f() {} could not be cloned.|DataCloneError: Symbol(s) could not be cloned."},
	{name: "URL and URLSearchParams", script: "web", only: "js", uri: "/?case=url", status: 200,
		body: `https://user:pa%20ss@example.com/b?x=1&y=2&z=a+b%26c#h|https://example.com|example.com|1|x,y,z|q=1+2&r=%C3%A9|TypeError: Invalid URL: "nope"|true|http://h/x?y|{"u":"http://h/p"}`},
	{name: "Headers", script: "web", only: "js", uri: "/?case=headers", status: 200,
		body: `1, 2|text/plain|true|content-type=text/plain;set-cookie=a=1;set-cookie=b=2;x-a=1, 2|2|TypeError: Headers.set: "bad name" is not a valid header name|TypeError: Headers.set: "a\nb" is not a valid header value`},
	{name: "Response and Request", script: "web", only: "js", uri: "/?case=response", status: 200,
		body: "201|true|application/json|2|301|http://h/x|error|TypeError: Response: a 204 response cannot have a body|RangeError: Response: status 99 is not in the range 200 to 599|patch|DELETE|TypeError: Request: the CONNECT method is forbidden|application/vnd.api+json"},
	{name: "Event, EventTarget, AbortController", script: "web", only: "js", uri: "/?case=events", status: 200,
		body: "f:x|once|f:x|onabort|abort AbortError|true|AbortError: This operation was aborted|8|NotFoundError|true|20|why|TypeError: AbortSignal: Illegal constructor (use new AbortController().signal)"},
	{name: "AbortSignal.timeout", script: "web", only: "js", uri: "/?case=timeout%20signal", status: 200, body: "TimeoutError true"},
	{name: "performance.now", script: "web", only: "js", uri: "/?case=performance", status: 200, body: "number|true|true"},
	{name: "handle returns a Response", script: "web", only: "js", uri: "/?case=return%20response", status: 201, body: "id,name\n1,ann\n",
		header: map[string]string{"Content-Type": "text/csv", "X-Kind": "report"}, multi: map[string][]string{"Set-Cookie": {"a=1", "b=2"}}},
	{name: "handle returns a Response of text", script: "web", only: "js", uri: "/?case=return%20text", status: 200, body: "héllo ✓ 😀",
		header: map[string]string{"Content-Type": "text/plain;charset=UTF-8"}},
	{name: "handle returns a Response of another's body", script: "web", only: "js", uri: "/?case=return%20text&read=1", status: 200, body: "héllo ✓ 😀"},
	{name: "handle returns a used Response", script: "web", only: "js", uri: "/?case=return%20used%20response", status: 500, log: []string{"handle's Response: body has already been read"}},
	{name: "a Web global can be replaced", script: "web", only: "js", uri: "/?case=assign", status: 200, body: "mine"},
	{name: "console formats as Node does", script: "console", only: "js", status: 200, body: "ok",
		stderr: readFile("testdata/api/console.js.out"), log: []string{"level=WARN msg=console.warn", "level=ERROR msg=console.error", `message="Assertion failed: math"`}},
	{name: "node buffer", script: "node", only: "js", uri: "/?case=buffer", status: 200, body: "13|68c3a96c6c6f2077c3b6726c64|aMOpbGxvIHfDtnJsZA==|aMOpbGxvIHfDtnJsZA|Ã©|héllo|hé|3|true|false|true|true|abc|-1|deadbeeffeff0000|3735928559|-2|3|true|{\"type\":\"Buffer\",\"data\":[1,2]}|<Buffer 68 69>|true"},
	{name: "node buffer errors", script: "node", only: "js", uri: "/?case=buffer%20errors", status: 200, body: "RangeError ERR_OUT_OF_RANGE|TypeError ERR_UNKNOWN_ENCODING|RangeError ERR_BUFFER_OUT_OF_BOUNDS|TypeError ERR_INVALID_ARG_TYPE"},
	{name: "node web crypto", script: "node", only: "js", uri: "/?case=web%20crypto", status: 200, body: "16|true|QuotaExceededError|true|true|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{name: "node node crypto", script: "node", only: "js", uri: "/?case=node%20crypto", status: 200, body: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|kAFQmDzST7DWlj99KOF/cg==|f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8|20|12|string|true|a9993e364706816aba3e25717850c26c9cd0d89d|Digest method not supported: whirl|true"},
	{name: "node pbkdf2", script: "node", only: "js", uri: "/?case=node%20pbkdf2", status: 200, body: "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b|c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a|RangeError: pbkdf2: iterations must be a whole number from 1 to 5000000, got 0|pbkdf2: digest method \"whirl\" is not supported (md5, sha1, sha224, sha256, sha384, sha512 are)"},
	{name: "crypto.pbkdf2 and crypto.equal", script: "crypto", only: "lua", uri: "/?case=pbkdf2", status: 200, contains: []string{"120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b|c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a|true|false|false|", "crypto.pbkdf2: iterations must be a whole number from 1 to 5000000, got 1e+09"}},
	{name: "node path", script: "node", only: "js", uri: "/?case=path", status: 200, body: "/a/c/d.txt|/y/z|/a/b|c|.gz|../../d|a/c/|{\"root\":\"/\",\"dir\":\"/home/u\",\"base\":\"f.txt\",\"ext\":\".txt\",\"name\":\"f\"}|/x/f.md|false|/"},
	{name: "node events", script: "node", only: "js", uri: "/?case=events", status: 200, body: "first|on 12|once|first|on 34|2|x|threw unheard|true|true"},
	{name: "node querystring", script: "node", only: "js", uri: "/?case=querystring", status: 200, body: "{\"a\":[\"1\",\"2\"],\"b\":\"x y\",\"c\":\"€\",\"d\":\"\"}|a=1&a=2&b=x%20y&c=%E2%82%AC!|a%20b%26"},
	{name: "node url", script: "node", only: "js", uri: "/?case=url", status: 200, body: "https:|user:pw|example.com:8080|8080|example.com|#hash|?query=string|{\"query\":\"string\"}|/p/a/t/h|/p/a/t/h?query=string|https://user:pw@example.com:8080/p/a/t/h?query=string#hash|http://h.com/x?a=1|http://a.com/d|/tmp/a b|/y|true"},
	{name: "node util", script: "node", only: "js", uri: "/?case=util", status: 200, body: "a:1.5:2:{\"x\":1}|{ a: [ 1, { b: [Map] } ] }|'s'|true|true|function"},
	{name: "node string_decoder", script: "node", only: "js", uri: "/?case=string_decoder", status: 200, body: "\"\"|\"€\"|\"\""},
	{name: "node timers", script: "node", only: "js", uri: "/?case=timers", status: 200, body: "microtask|immediate arg|slept|true|function"},
	{name: "node process", script: "node", only: "js", uri: "/?case=process", status: 200, body: "function|bigint|/|object|true"},
	{name: "crypto hashes", script: "crypto", only: "lua", uri: "/?case=hashes", status: 200, body: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{name: "crypto random", script: "crypto", only: "lua", uri: "/?case=random", status: 200, body: "16|true|true|true"},
	{name: "base64", script: "crypto", only: "lua", uri: "/?case=base64", status: 200, body: "aMOpbGxvAA==|h\u00e9llo\x00|hi|251|nil|base64.decode: not valid base64: illegal base64 data at input byte 9"},
	{name: "crypto.random_bytes bad size", script: "crypto", only: "lua", uri: "/?case=bad%20size", status: 500, log: []string{"crypto.random_bytes: size must be a whole number from 0 to 1073741824, got -1"}},
	{name: "crypto.sha256 bad argument", script: "crypto", only: "lua", uri: "/?case=bad%20arg", status: 500, log: []string{"crypto.sha256: "}},
	{name: "require of a missing package", script: "nodeerr", only: "js", uri: "/?name=nope", status: 200, contains: []string{`Error: require("nope"): cannot find module "nope" (looked in `, `testdata/api/node_modules); it is not a built-in either (buffer, crypto, events, fs, fs/promises, path, process, querystring, string_decoder, timers, timers/promises, url, util) [MODULE_NOT_FOUND]`}},
	{name: "require of a missing file", script: "nodeerr", only: "js", uri: "/?name=./lib/missing", status: 200, contains: []string{`Error: require("./lib/missing"): cannot find module "./lib/missing" (looked in `, `testdata/api/lib/missing (also .js, .json, .cjs, /index.js, package.json main)) [MODULE_NOT_FOUND]`}},
	{name: "require of an unknown built-in", script: "nodeerr", only: "js", uri: "/?name=node:fs2", status: 200, body: `Error: require("node:fs2"): no built-in module "fs2" (scriptsrv has buffer, crypto, events, fs, fs/promises, path, process, querystring, string_decoder, timers, timers/promises, url, util) [MODULE_NOT_FOUND]`},
	{name: "Buffer.alloc past memory_limit", script: "nodeerr", only: "js", uri: "/?name=./lib/bigbuffer.js", cfg: Config{MemoryLimit: 64 << 20}, status: 500, log: []string{"memory_limit exceeded: an allocation of 256 MiB"}},
	{name: "large upload in pieces", script: "upload", in: strings.Repeat("u", 3<<20), status: 200, body_: "total=3145728"},
	{name: "req.queryAll", script: "helpers", uri: "/?case=query&tag=a&x=1&tag=b%20c", status: 200, body: "a,b c|0"},
	{name: "req.cookies", script: "helpers", uri: "/?case=cookies", extra: []string{"HTTP_COOKIE", `sid=abc; theme="dark"; name=J%C3%B6rg; empty=; sid=second; bad; =x`},
		status: 200, body_js: "abc|dark|Jörg||undefined|empty,name,sid,theme", body_lua: "abc|dark|Jörg||nil|empty,name,sid,theme"},
	{name: "setCookie", script: "helpers", uri: "/?case=setcookie", status: 200, body: "set", multi: map[string][]string{"Set-Cookie": {
		"sid=a%20b%3Bc; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax",
		"theme=dark; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Domain=example.com",
		"old=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}}},
	{name: "setCookie errors", script: "helpers", uri: "/?case=cookie%20errors", status: 200, contains: []string{
		`cookie name "a b" is not a valid token`, `"None" needs secure = true`, `want "Strict", "Lax" or "None", got sideways`,
		`unknown option`, `option path: want a string without ';' or line breaks, got /;x`, `want true or false, got yes`, `option expires: "soon" is not a date`}},
	{name: "escapeHTML", script: "helpers", uri: "/?case=escape", status: 200, body: "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;|||42"},
	{name: "req.form urlencoded", script: "helpers", uri: "/?case=form", in: "a=1&tags%5B%5D=x&tags%5B%5D=y+z",
		extra: []string{"REQUEST_METHOD", "POST", "CONTENT_TYPE", "application/x-www-form-urlencoded"}, status: 200, body_js: "1|x,y z|undefined|1", body_lua: "1|x,y z|nil|1"},
	{name: "req.form multipart", script: "helpers", uri: "/?case=form", in: testMultipart.body, extra: []string{"REQUEST_METHOD", "POST", "CONTENT_TYPE", testMultipart.ctype}, status: 200,
		body_js: "1|x,y|undefined|1|notes.txt|text/plain|11|hello there|true|2|one.txt,two.txt", body_lua: "1|x,y|nil|1|notes.txt|text/plain|11|hello there|true|2|one.txt,two.txt"},
	{name: "req.form of a GET", script: "helpers", status: 200, body: ""},
	{name: "req.form spills a big file", script: "helpers", uri: "/?case=big", in: bigMultipart.body, extra: []string{"REQUEST_METHOD", "POST", "CONTENT_TYPE", bigMultipart.ctype}, status: 200, body_: "3145728 3145728 xy"},
	{name: "req.form malformed is 400", script: "helpers", in: "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", extra: []string{"REQUEST_METHOD", "POST", "CONTENT_TYPE", "multipart/form-data; boundary=B"},
		status: 400, contains: []string{"Bad Request: malformed form body: the body ended inside a part (no closing boundary)"}, log: []string{"request body could not be read", "status=400"}},
	{name: "req.form of JSON is 415", script: "helpers", in: "{}", extra: []string{"REQUEST_METHOD", "POST", "CONTENT_TYPE", "application/json"},
		status: 415, contains: []string{"not a form: the body is application/json"}},
	{name: "req.form error caught", script: "helpers", uri: "/?case=form%20error%20caught", in: "a=%zz", extra: []string{"REQUEST_METHOD", "POST", "CONTENT_TYPE", "application/x-www-form-urlencoded"},
		status: 422, contains: []string{"caught: ", "req.form: malformed form body: bad %-escape"}},
	{name: "req.form past max_body is 413", script: "helpers", uri: "/?case=big", in: bigMultipart.body, cfg: Config{MaxBody: 1 << 20}, extra: []string{"REQUEST_METHOD", "POST", "CONTENT_TYPE", bigMultipart.ctype}, status: 413},
}

// dbCases run on SQLite and on Postgres, in both languages.
var dbCases = []apiCase{
	{name: "db exec, query, get", script: "db", uri: "/?case=crud", status: 200,
		body_js:  `1|[{"id":1,"body":"first","score":1.5},{"id":2,"body":"second","score":null}]|{"body":"second"}||2|changes,lastInsertId`,
		body_lua: `1|[{"body":"first","id":1,"score":1.5},{"body":"second","id":2}]|{"body":"second"}|nil|2`},
	{name: "db values only through placeholders", script: "db", uri: "/?case=values", status: 200,
		body_js:  "it's'; DROP TABLE notes; --|true|97,0,98|string|9007199254740993|2024-02-03T04:05:06Z||42|2",
		body_lua: "it's'; DROP TABLE notes; --|true|97,0,98|string|9007199254740993|2024-02-03T04:05:06Z|nil|42|2"},
	{name: "db.transaction", script: "db", uri: "/?case=transaction", status: 200, contains: []string{"1|true|", "a transaction on main is open in this request: use the tx its function was given",
		"the transaction is over (committed or rolled back)", "|rows=kept;"}},
	{name: "db.transaction of an async function", script: "db", only: "js", uri: "/?case=transaction", status: 200, contains: []string{
		"db.transaction: the function returned a Promise: pass a plain (not async) function", "|rows=kept;"}},
	{name: "db errors", script: "db", uri: "/?case=errors", status: 200, contains: []string{"db.query: ", `"SELEC"`,
		"db.query: argument 2: want null, a boolean, a number, a string or bytes for a placeholder, got an object",
		`db.open: no database "nope": add [db.nope] with a url ("sqlite:data/app.db" or "postgres://…") to config.toml`,
		"db.query: argument 1 (sql): want a string, got nothing"}},
	{name: "db max_rows", script: "db", uri: "/?case=max%20rows", status: 200, contains: []string{"6 ", "db.query: more than max_rows (5) rows: add a LIMIT, or raise [db.main] max_rows"}},
	{name: "db.open", script: "db", uri: "/?case=open", status: 200, body: "in other 0"},
}

// A multipart body as a browser sends it: fields, a repeated field, a
// file, two files under one name and an empty file input.
var testMultipart = multipartOf(
	[]string{"a", "1", "tags[]", "x", "tags[]", "y"},
	[]string{"up", "notes.txt", "text/plain", "hello there", "many", "one.txt", "", "1", "many", "two.txt", "", "2", "empty", "", "application/octet-stream", ""})

// bigMultipart has one 3 MiB file, "x…y": it spills to disk.
var bigMultipart = multipartOf(nil, []string{"up", "big.bin", "application/octet-stream", "x" + strings.Repeat("-", 3<<20-2) + "y"})

type multipartForm struct{ body, ctype string }

// multipartOf builds a multipart/form-data body from name, value pairs and
// name, filename, type, content quadruples.
func multipartOf(fields, files []string) multipartForm {
	var b strings.Builder
	w := multipart.NewWriter(&b)
	for i := 0; i < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	for i := 0; i < len(files); i += 4 {
		h := textproto.MIMEHeader{"Content-Disposition": {fmt.Sprintf(`form-data; name=%q; filename=%q`, files[i], files[i+1])}}
		if files[i+2] != "" {
			h.Set("Content-Type", files[i+2])
		}
		pw, _ := w.CreatePart(h)
		pw.Write([]byte(files[i+3]))
	}
	w.Close()
	return multipartForm{b.String(), w.FormDataContentType()}
}

func readFile(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// testEnv is an [env]; the test process's own HOME and PATH must not show.
var testEnv = map[string]string{"APP_MODE": "production", "SECRET": "s3"}

func TestScriptAPI(t *testing.T) {
	cases := apiCases
	for _, kind := range []string{"sqlite", "postgres"} {
		for _, c := range dbCases {
			c.name += " (" + kind + ")"
			c.db = kind
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		for _, lang := range c.langs() {
			t.Run(c.name+"/"+lang, func(t *testing.T) {
				file := filepath.Join("testdata", "api", c.script+"."+lang)
				cfg := c.cfg
				if c.db != "" {
					cfg.Platform = dbPlatform(t, c.db, 5)
				}
				if cfg.MemoryLimit == 0 {
					cfg.MemoryLimit = 128 << 20 // as in production: the checked built-ins are on
				}
				p, lb := poolFor(t, file, cfg)
				uri := strings.ReplaceAll(c.uri, "{up}", upstreamURL(t))
				if uri == "" && len(c.extra) == 0 {
					uri = "/"
				}
				r := do(p, "GET", uri, c.in, c.extra...)
				if r.Code() != c.status {
					t.Errorf("status %d, want %d (body %q, log %s)", r.Code(), c.status, r.Body(), lb)
				}
				for k, want := range c.multi {
					if got := r.SentHeader().Values(k); strings.Join(got, "|") != strings.Join(want, "|") {
						t.Errorf("header %s = %q, want %q", k, got, want)
					}
				}
				for k, want := range c.header {
					if got := r.SentHeader().Get(k); got != want {
						t.Errorf("header %s = %q, want %q", k, got, want)
					}
				}
				if want, ok := c.wantBody(lang); ok && r.Body() != strings.ReplaceAll(want, "{up}", upstreamURL(t)) {
					t.Errorf("body %q, want %q", r.Body(), want)
				}
				for _, s := range c.contains {
					if !strings.Contains(r.Body(), s) {
						t.Errorf("body %q lacks %q", r.Body(), s)
					}
				}
				if !strings.Contains(r.StderrText(), c.stderr) {
					t.Errorf("stderr %q lacks %q", r.StderrText(), c.stderr)
				}
				waitFor(t, "log lines", func() bool {
					for _, s := range c.log {
						if !strings.Contains(lb.String(), s) {
							return false
						}
					}
					return true
				})
			})
		}
	}
}
