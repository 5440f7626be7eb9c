package host

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"scriptsrv/cgi"
)

func TestMuxLongestPrefix(t *testing.T) {
	h := func(name string) cgi.Handler {
		return cgi.HandlerFunc(func(w cgi.ResponseWriter, r *cgi.Request) { w.Write([]byte(name)) })
	}
	m := NewMux([]Route{{"/", h("root")}, {"/hello", h("hello")}, {"/hello/deep/", h("deep")}, {"/app/", h("app")}}, nil)
	for path, want := range map[string]string{
		"/": "root", "/x": "root", "/hello": "hello", "/hello/x": "hello", "/helloworld": "root",
		"/hello/deep": "deep", "/hello/deep/er": "deep", "/app": "app", "/app/x/y": "app",
	} {
		route, _, ok := m.Match(path)
		if !ok {
			t.Errorf("%s: no match", path)
			continue
		}
		rec := do2(route.Handler)
		if rec != want {
			t.Errorf("%s: got %q, want %q", path, rec, want)
		}
	}
	none := NewMux([]Route{{"/only", h("only")}}, nil)
	if rec := serveMux(none, "/other"); rec.Code() != 404 {
		t.Errorf("unrouted path: %d, want 404", rec.Code())
	}
}

func do2(h cgi.Handler) string {
	var rec = &recorder{}
	h.ServeCGI(rec, cgi.NewRequest(context.Background(), nil, nil))
	return rec.body
}

type recorder struct {
	nullWriter
	body string
}

func (r *recorder) Write(p []byte) (int, error) { r.body += string(p); return len(p), nil }

// Dir routes: with or without extension, never outside the folder.
func TestDir(t *testing.T) {
	root := t.TempDir()
	pub := filepath.Join(root, "public")
	os.MkdirAll(filepath.Join(pub, "sub"), 0o755)
	os.WriteFile(filepath.Join(pub, "a.js"), []byte(`function handle(){ return "a.js"; }`), 0o644)
	os.WriteFile(filepath.Join(pub, "sub", "b.lua"), []byte(`function handle() return "b.lua" end`), 0o644)
	os.WriteFile(filepath.Join(root, "secret.js"), []byte(`function handle(){ return "secret"; }`), 0o644)
	os.Symlink(filepath.Join(root, "secret.js"), filepath.Join(pub, "link.js"))
	d := &Dir{Prefix: "/app/", Root: pub, Config: Config{Workers: 1}, Sandbox: true, MaxPools: 1}
	t.Cleanup(d.Close)
	m := NewMux([]Route{{"/app/", d}}, nil)
	for uri, want := range map[string]int{
		"/app/a": 200, "/app/a.js": 200, "/app/sub/b": 200, "/app/sub/b.lua": 200,
		"/app/../secret": 404, "/app/%2e%2e/secret": 404, "/app/link": 404, "/app/a%00": 404, "/app/%zz": 400,
		"/app/missing": 404, "/app/%00x": 404, "/app/": 404, "/app/sub/../../secret.js": 404,
	} {
		rec := serveMux(m, uri)
		if rec.Code() != want {
			t.Errorf("%s: %d %q, want %d", uri, rec.Code(), rec.Body(), want)
		}
	}
	if len(d.Scripts()) != 1 {
		t.Errorf("%d pools kept, want at most 1", len(d.Scripts()))
	}
}

// A folder route serves index.EXT for its own path and for a subfolder.
func TestDirIndex(t *testing.T) {
	pub := t.TempDir()
	os.MkdirAll(filepath.Join(pub, "docs"), 0o755)
	os.WriteFile(filepath.Join(pub, "index.js"), []byte(`function handle(){ return "top index"; }`), 0o644)
	os.WriteFile(filepath.Join(pub, "docs", "index.lua"), []byte(`function handle() return "docs index" end`), 0o644)
	d := &Dir{Prefix: "/pages/", Root: pub, Config: Config{Workers: 1}, Sandbox: true}
	t.Cleanup(d.Close)
	m := NewMux([]Route{{"/pages/", d}}, nil)
	for uri, want := range map[string]string{"/pages/": "top index", "/pages": "top index", "/pages/docs": "docs index",
		"/pages/docs/": "docs index", "/pages/index": "top index", "/pages/docs/index.lua": "docs index"} {
		if rec := serveMux(m, uri); rec.Code() != 200 || rec.Body() != want {
			t.Errorf("%s: %d %q, want %q", uri, rec.Code(), rec.Body(), want)
		}
	}
	if rec := serveMux(m, "/pages/nothing/"); rec.Code() != 404 {
		t.Errorf("a folder without an index: %d", rec.Code())
	}
}
