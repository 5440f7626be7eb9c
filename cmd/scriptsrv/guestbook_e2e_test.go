package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// copyExamples copies the repository's config.toml and scripts/ to a temp
// folder, so the examples' database is made there, not in the checkout.
func copyExamples(t *testing.T) string {
	t.Helper()
	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	err := filepath.Walk(filepath.Join(root, "scripts"), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, rel), b, 0o644)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "config.toml"))
	os.WriteFile(filepath.Join(dir, "config.toml"), b, 0o644)
	return dir
}

// browser is an HTTP client that keeps cookies and follows redirects, as
// a browser does, and remembers the redirects it followed.
type browser struct {
	c         *http.Client
	redirects []string // "303 /guestbook/"
}

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{}
	b.c = &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		b.redirects = append(b.redirects, fmt.Sprintf("%d %s", req.Response.StatusCode, req.URL.Path))
		return nil
	}}
	return b
}

func (b *browser) do(t *testing.T, method, u, ctype, body string, header ...string) (int, string) {
	t.Helper()
	b.redirects = nil
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func (b *browser) get(t *testing.T, u string) (int, string) { return b.do(t, "GET", u, "", "") }

// submit posts a form as a browser does.
func (b *browser) submit(t *testing.T, u string, fields url.Values) (int, string) {
	return b.do(t, "POST", u, "application/x-www-form-urlencoded", fields.Encode())
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

// The guestbook of the default config, in JS and in Lua, through Caddy
// and nginx, used as a browser would: register, sign in and out, post,
// see validation errors shown back, the CSRF check, the JSON API.
func TestGuestbook(t *testing.T) {
	dir := copyExamples(t)
	fcgiAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	p := e2e.Start(t, dir, binary, "-fastcgi", fcgiAddr, "-http", "")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	fronts := []*e2e.Front{e2e.Caddy(t, fcgiAddr, ""), e2e.Nginx(t, fcgiAddr, true)}
	for _, f := range fronts {
		for _, app := range []string{"/guestbook", "/guestbook-lua"} {
			t.Run(f.Name+app, func(t *testing.T) {
				user := strings.ReplaceAll(f.Name+app[1:], "-", "_")
				browseGuestbook(t, f.URL+app, app, user)
			})
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "guestbook.db")); err != nil {
		t.Errorf("the database file: %v", err)
	}
}

func browseGuestbook(t *testing.T, base, app, user string) {
	b := newBrowser()
	code, page := b.get(t, base+"/")
	if code != 200 || !strings.Contains(page, "to write in the guestbook") {
		t.Fatalf("the first page: %d\n%s", code, page)
	}
	// Register: errors shown back with the name kept, then done.
	_, page = b.get(t, base+"/register")
	token := csrfOf(t, page)
	code, page = b.submit(t, base+"/register", url.Values{"csrf": {token}, "name": {"x<b>"}, "password": {"short"}})
	if code != 422 || !strings.Contains(page, "A name is 3 to 20 letters") || !strings.Contains(page, "at least 8 characters") || !strings.Contains(page, `value="x&lt;b&gt;"`) {
		t.Errorf("register with errors: %d\n%s", code, page)
	}
	code, page = b.submit(t, base+"/register", url.Values{"csrf": {token}, "name": {user}, "password": {"correct horse"}})
	if code != 200 || !strings.Contains(page, "signed in as <strong>"+user+"</strong>") || strings.Join(b.redirects, ",") != "303 "+app+"/" {
		t.Fatalf("register: %d, redirects %v\n%s", code, b.redirects, page)
	}
	// Post: an empty message is shown back as an error; a real one is
	// listed, escaped.
	token = csrfOf(t, page)
	code, page = b.submit(t, base+"/entries", url.Values{"csrf": {token}, "body": {"   "}})
	if code != 422 || !strings.Contains(page, "Write something first.") {
		t.Errorf("an empty entry: %d\n%s", code, page)
	}
	msg := "hello from " + user + " <script>alert(1)</script>"
	code, page = b.submit(t, base+"/entries", url.Values{"csrf": {token}, "body": {msg}})
	if code != 200 || !strings.Contains(page, "hello from "+user+" &lt;script&gt;alert(1)&lt;/script&gt;") || len(b.redirects) != 1 {
		t.Errorf("an entry: %d %v\n%s", code, b.redirects, page)
	}
	// A form without the right token is refused.
	if code, _ = b.submit(t, base+"/entries", url.Values{"csrf": {"0123"}, "body": {"forged"}}); code != 403 {
		t.Errorf("a forged form: %d, want 403", code)
	}
	// The JSON API beside the pages.
	code, body := b.do(t, "POST", base+"/api/entries", "application/json", `{"body":"via the API"}`, "X-CSRF-Token", token)
	var entry struct {
		ID     int    `json:"id"`
		Author string `json:"author"`
		Body   string `json:"body"`
	}
	if json.Unmarshal([]byte(body), &entry); code != 201 || entry.Author != user || entry.Body != "via the API" || entry.ID == 0 {
		t.Errorf("POST /api/entries: %d %s", code, body)
	}
	if code, body = b.do(t, "POST", base+"/api/entries", "application/json", `{"body":"x"}`); code != 403 {
		t.Errorf("the API without a token: %d %s", code, body)
	}
	if code, body = b.do(t, "POST", base+"/api/entries", "application/json", `{"body":`, "X-CSRF-Token", token); code != 400 || !strings.Contains(body, "not JSON") {
		t.Errorf("the API with bad JSON: %d %s", code, body)
	}
	var list struct {
		Entries []struct{ Author, Body string } `json:"entries"`
	}
	_, body = b.get(t, base+"/api/entries")
	if json.Unmarshal([]byte(body), &list); len(list.Entries) < 2 || list.Entries[0].Body != "via the API" || list.Entries[1].Body != msg {
		t.Errorf("GET /api/entries: %s", body)
	}
	// Sign out, a wrong password, then back in.
	code, page = b.submit(t, base+"/logout", url.Values{"csrf": {token}})
	if code != 200 || !strings.Contains(page, "Sign in</a> · <a") {
		t.Errorf("sign out: %d\n%s", code, page)
	}
	if code, _ = b.do(t, "POST", base+"/api/entries", "application/json", `{"body":"x"}`, "X-CSRF-Token", token); code != 401 {
		t.Errorf("the API after signing out: %d, want 401", code)
	}
	_, page = b.get(t, base+"/login")
	token = csrfOf(t, page)
	code, page = b.submit(t, base+"/login", url.Values{"csrf": {token}, "name": {user}, "password": {"wrong password"}})
	if code != 422 || !strings.Contains(page, "do not match") {
		t.Errorf("a wrong password: %d\n%s", code, page)
	}
	code, page = b.submit(t, base+"/login", url.Values{"csrf": {token}, "name": {user}, "password": {"correct horse"}})
	if code != 200 || !strings.Contains(page, "signed in as <strong>"+user) {
		t.Errorf("sign in: %d\n%s", code, page)
	}
	if code, _ = b.get(t, base+"/nowhere"); code != 404 {
		t.Errorf("an unknown page: %d", code)
	}
}
