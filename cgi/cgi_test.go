package cgi

import (
	"net/http"
	"testing"
)

func TestRequestPath(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		want   string
		err    bool
	}{
		{"caddy", Params{{"REQUEST_URI", "/hello/x?y=1"}, {"SCRIPT_NAME", ""}, {"PATH_INFO", "/hello/x"}}, "/hello/x", false},
		{"nginx no path_info", Params{{"REQUEST_URI", "/a%20b/c?q"}, {"SCRIPT_NAME", "/a b/c"}}, "/a b/c", false},
		{"query decoded after split", Params{{"REQUEST_URI", "/x%3Fy?z"}}, "/x?y", false},
		{"dot dot cleaned", Params{{"REQUEST_URI", "/app/../etc/passwd"}}, "/etc/passwd", false},
		{"encoded dot dot cleaned", Params{{"REQUEST_URI", "/app/%2e%2e/secret"}}, "/secret", false},
		{"trailing slash kept", Params{{"REQUEST_URI", "/app/"}}, "/app/", false},
		{"bad escape", Params{{"REQUEST_URI", "/a%zz"}}, "", true},
		{"nul", Params{{"REQUEST_URI", "/a%00b"}}, "", true},
		{"script_name+path_info", Params{{"SCRIPT_NAME", "/s"}, {"PATH_INFO", "/p"}}, "/s/p", false},
		{"document_uri", Params{{"DOCUMENT_URI", "/d"}}, "/d", false},
		{"nothing", nil, "/", false},
		{"absolute form", Params{{"REQUEST_URI", "http://h/x?y"}}, "/x", false},
		{"utf8", Params{{"REQUEST_URI", "/h%C3%A9llo"}}, "/héllo", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RequestPath(tt.params)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParamsLastWins(t *testing.T) {
	ps := Params{{"X", "1"}, {"Y", "2"}, {"X", "3"}}
	if got := ps.Get("X"); got != "3" {
		t.Errorf("got %q, want %q", got, "3")
	}
	if _, ok := ps.Lookup("Z"); ok {
		t.Error("Lookup found a missing name")
	}
}

func TestContentLength(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want int64
		err  bool
	}{{"", -1, false}, {"-1", -1, false}, {"0", 0, false}, {"42", 42, false}, {"abc", -1, true}, {"-5", -1, true}} {
		got, err := Params{{"CONTENT_LENGTH", tt.v}}.ContentLength()
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("%q: got %d, %v; want %d, error %v", tt.v, got, err, tt.want, tt.err)
		}
	}
	if got, _ := (Params{}).ContentLength(); got != -1 {
		t.Errorf("absent: got %d, want -1", got)
	}
}

func TestHeaderName(t *testing.T) {
	for in, want := range map[string]string{"HTTP_USER_AGENT": "user-agent", "CONTENT_TYPE": "content-type", "HTTP_X_A_B": "x-a-b", "REQUEST_METHOD": ""} {
		got, _ := HeaderName(in)
		if got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
}

// Header lines come out sorted; a value cannot start a line of its own and
// a name that is not a token is left out.
func TestAppendHeaderBlock(t *testing.T) {
	h := http.Header{"X-B": {"2"}, "Content-Type": {"text/plain"}, "X-Evil": {"a\r\nSet-Cookie: x=1\x00"}, "Bad Name": {"v"}}
	got := string(AppendHeaderBlock(nil, 599, h))
	want := "Status: 599 Status 599\r\nContent-Type: text/plain\r\nX-B: 2\r\nX-Evil: a  Set-Cookie: x=1 \r\n\r\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// The Status line goes only when it says something: not for a plain 200
// (Caddy would forward it to the client), but for other statuses, for a
// 200 with a Location (else a 302) and for a block with no other line.
func TestAppendHeaderBlockStatus(t *testing.T) {
	for _, c := range []struct {
		status int
		h      http.Header
		want   string
	}{
		{200, http.Header{"Content-Type": {"text/html"}}, "Content-Type: text/html\r\n\r\n"},
		{404, http.Header{"Content-Type": {"text/html"}}, "Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n"},
		{302, http.Header{"Location": {"/x"}}, "Status: 302 Found\r\nLocation: /x\r\n\r\n"},
		{200, http.Header{"Location": {"/x"}}, "Status: 200 OK\r\nLocation: /x\r\n\r\n"},
		{200, http.Header{}, "Status: 200 OK\r\n\r\n"},
	} {
		if got := string(AppendHeaderBlock(nil, c.status, c.h)); got != c.want {
			t.Errorf("%d %v: got %q, want %q", c.status, c.h, got, c.want)
		}
	}
}
