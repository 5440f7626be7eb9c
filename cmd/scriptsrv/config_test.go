package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// writeConfig writes a config and the scripts it names into a temp dir.
func writeConfig(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "h.js"), []byte(`function handle(req){ return "hi"; }`), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.js"), []byte("function handle(req) {\n  return 'x\n}"), 0o644)
	os.MkdirAll(filepath.Join(dir, "pub"), 0o755)
	file := filepath.Join(dir, "config.toml")
	os.WriteFile(file, []byte(toml), 0o644)
	return file
}

func TestConfigErrors(t *testing.T) {
	route := "\n[[route]]\npath = \"/h\"\nscript = \"h.js\"\n"
	tests := []struct{ name, toml, want string }{
		{"unknown server key", "[server]\nfastcgi = \"127.0.0.1:9000\"\nbogus = 1\n" + route, "config.toml:3: server.bogus: unknown key"},
		{"unknown route key", route + "colour = \"red\"\n", "config.toml:5: route.colour: unknown key"},
		{"wrong type", "[pool]\nworkers = \"four\"\n" + route, "config.toml:2: pool.workers: incompatible types"},
		{"bad duration", "[pool]\ntimeout = \"30 seconds\"\n" + route, `config.toml:2: pool.timeout: bad duration "30 seconds"`},
		{"bad size", route + "max_body = \"lots\"\n", `config.toml:5: route.max_body: bad size "lots"`},
		{"missing script", "[[route]]\npath = \"/x\"\nscript = \"nope.js\"\n", "config.toml:3: route[0].script:"},
		{"script and dir", "[[route]]\npath = \"/x\"\nscript = \"h.js\"\ndir = \"pub\"\n", "route[0].script: set script or dir, not both"},
		{"neither", "[[route]]\npath = \"/x\"\n", "route[0].script: set script (one file) or dir"},
		{"duplicate route", route + route, "config.toml:7: route[1].path: \"/h\" overlaps route[0]"},
		{"overlapping slash", route + "\n[[route]]\npath = \"/h/\"\ndir = \"pub\"\n", "route[1].path: \"/h/\" overlaps route[0]"},
		{"relative path", "[[route]]\npath = \"h\"\nscript = \"h.js\"\n", "config.toml:2: route[0].path: want a path starting with /"},
		{"no routes", "[server]\n", "no [[route]]"},
		{"both listeners off", "[server]\nfastcgi = \"\"\nhttp = \"\"\n" + route, "server.fastcgi: both fastcgi and http are off"},
		{"bad allowed client", "[server]\nallowed_clients = [\"10.0.0.0/99\"]\n" + route, "config.toml:2: server.allowed_clients"},
		{"bad socket mode", "[server]\nsocket_mode = \"rw\"\n" + route, "config.toml:2: server.socket_mode"},
		{"workers zero", route + "workers = 0\n", "config.toml:5: route[0].workers: want 1 to 10000"},
		{"not a script", "[[route]]\npath = \"/x\"\nscript = \"config.toml\"\n", "want a .js, .mjs, .cjs, .ts, .mts, .cts, .jsx, .tsx or .lua file"},
		{"syntax error", "[[route]]\npath = \"/x\"\nscript = \"bad.js\"\n", "bad.js: Line 2"},
		{"toml syntax", "[server\n", "config.toml:2: expected"},
		{"fetch allow with a scheme", route + "\n[fetch]\nallow = [\"https://api.example.com\"]\n", `config.toml:7: fetch.allow: "https://api.example.com": want a host name`},
		{"fetch allow bad port", route + "\n[fetch]\nallow = [\"a.com\", \"b.com:0\"]\n", `config.toml:7: fetch.allow: "b.com:0": bad port "0"`},
		{"fetch timeout zero", route + "\n[fetch]\ntimeout = \"0s\"\n", "config.toml:7: fetch.timeout: must be more than 0"},
		{"fetch max_per_request zero", route + "\n[fetch]\nmax_per_request = 0\n", "config.toml:7: fetch.max_per_request: must be 1 or more"},
		{"modules not a folder", "[pool]\nmodules = [\"node_modules\"]\n" + route, `config.toml:2: pool.modules: "node_modules" is not a folder (paths are relative to the config file)`},
		{"lua_path not a folder", "[pool]\nlua_path = [\"nowhere\"]\n" + route, `config.toml:2: pool.lua_path: "nowhere" is not a folder`},
		{"route modules not a folder", route + "modules = [\"h.js\"]\n", `config.toml:5: route[0].modules: "h.js" is not a folder`},
		{"fetch unknown key", route + "\n[fetch]\nproxy = \"x\"\n", "config.toml:7: fetch.proxy: unknown key"},
		{"db without url", route + "\n[db.main]\nmax_open = 2\n", `db.main.url: missing: "sqlite:data/app.db"`},
		{"db bad url", route + "\n[db.main]\nurl = \"mysql://x\"\n", `config.toml:7: db.main.url: want "sqlite:PATH", "postgres://…" or "env:VAR", got "mysql://x"`},
		{"db url from an unset variable", route + "\n[db.main]\nurl = \"env:SCRIPTSRV_TEST_UNSET\"\n", "config.toml:7: db.main.url: the environment variable SCRIPTSRV_TEST_UNSET is not set"},
		{"db password redacted", route + "\n[db.main]\nurl = \"mysql://u:secret@h/x\"\n", `got "mysql://u:xxxxx@h/x"`},
		{"db migrations not a folder", route + "\n[db.main]\nurl = \"sqlite:app.db\"\nmigrations = \"nope\"\n", "config.toml:8: db.main.migrations:"},
		{"db max_rows negative", route + "\n[db.main]\nurl = \"sqlite:app.db\"\nmax_rows = -1\n", "config.toml:8: db.main.max_rows: must be 1 or more"},
		{"db unknown key", route + "\n[db.main]\nurl = \"sqlite:app.db\"\nmaxopen = 3\n", "config.toml:8: db.main.maxopen: unknown key"},
		{"kv bad store", route + "\n[kv]\nstore = \"file:x\"\n", `config.toml:7: kv.store: want "memory", "sqlite:PATH" or "redis://HOST:PORT/DB", got "file:x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeConfig(t, tt.toml)
			var out, errb bytes.Buffer
			code := Run(context.Background(), []string{"-check", "-config", file}, nil, &out, &errb)
			if code == 0 {
				t.Fatalf("exit 0 for a bad config; output %q", out.String())
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("got %q, want it to contain %q", errb.String(), tt.want)
			}
		})
	}
}

func TestConfigDefaultsAndOverrides(t *testing.T) {
	file := writeConfig(t, "[pool]\nworkers = 3\nmax_body = \"1MiB\"\n\n[[route]]\npath = \"/h\"\nscript = \"h.js\"\ntimeout = \"2s\"\nsandbox = false\n\n[[route]]\npath = \"/p/\"\ndir = \"pub\"\n")
	c, err := loadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	hc, sandbox := c.hostConfig(c.Routes[0])
	if hc.Workers != 3 || hc.Timeout != 2*time.Second || hc.QueueTimeout != 5*time.Second || hc.MaxBody != 1<<20 || sandbox {
		t.Errorf("route 0: %+v sandbox=%v", hc, sandbox)
	}
	if c.Server.FastCGI != "127.0.0.1:9000" || c.Server.HTTP != "127.0.0.1:8080" || c.Server.ShutdownTimeout.Duration != 10*time.Second || !c.Server.Reload {
		t.Errorf("server defaults: %+v", c.Server)
	}
	var out bytes.Buffer
	if code := Run(context.Background(), []string{"-check", "-config", file}, nil, &out, &out); code != 0 || !strings.Contains(out.String(), "ok (2 routes)") {
		t.Errorf("check: %d %q", code, out.String())
	}
}

func TestSizes(t *testing.T) {
	for in, want := range map[string]Size{"": 0, "0": 0, "16MiB": 16 << 20, "512KiB": 512 << 10, "1GB": 1e9, "4096": 4096, "2k": 2000, "1mib": 1 << 20, "10B": 10} {
		var s Size
		if err := s.UnmarshalText([]byte(in)); err != nil || s != want {
			t.Errorf("%s: got %d, %v; want %d", in, s, err, want)
		}
	}
	for _, bad := range []string{"MiB", "-1", "1.5MiB", "12 parsecs"} {
		var s Size
		if err := s.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRunFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"-version"}, nil, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "scriptsrv ") {
		t.Errorf("-version: %d %q", code, out.String())
	}
	out.Reset()
	if code := Run(context.Background(), []string{"-h"}, nil, &out, &errb); code != 0 || !strings.Contains(errb.String(), "-fastcgi") || !strings.Contains(errb.String(), "scriptsrv cgi SCRIPT") {
		t.Errorf("-h: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := Run(context.Background(), []string{"handler.py"}, nil, &out, &errb); code == 0 || !strings.Contains(errb.String(), "want a .js, .mjs, .cjs, .ts, .mts, .cts, .jsx, .tsx or .lua script") {
		t.Errorf("bad script: %d %q", code, errb.String())
	}
}

// scriptsrv cgi SCRIPT: one request from the environment and stdin.
func TestCGISubcommand(t *testing.T) {
	t.Setenv("QUERY_STRING", "a=1")
	t.Setenv("REQUEST_METHOD", "POST")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"cgi", "../../scripts/cgi.lua"}, strings.NewReader("the body"), &out, &errb)
	want := "Content-Type: text/plain\r\n\r\nquery: a=1\nbody: the body\nmethod:\tPOST\n"
	if code != 0 || out.String() != want {
		t.Errorf("exit %d, got %q, want %q (stderr %q)", code, out.String(), want, errb.String())
	}
}

// scriptsrv cgi reads CONTENT_LENGTH bytes of stdin when it is set, and
// a request without REQUEST_METHOD is a GET.
func TestCGISubcommandDefaults(t *testing.T) {
	t.Setenv("QUERY_STRING", "")
	t.Setenv("REQUEST_METHOD", "")
	os.Unsetenv("REQUEST_METHOD")
	t.Setenv("CONTENT_LENGTH", "3")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"cgi", "../../scripts/cgi.lua"}, strings.NewReader("abcdef"), &out, &errb)
	if want := "body: abc\nmethod:\tGET\n"; code != 0 || !strings.HasSuffix(out.String(), want) {
		t.Errorf("exit %d, got %q, want it to end %q (stderr %q)", code, out.String(), want, errb.String())
	}
}

// scriptsrv help prints the usage on stdout; -version of a binary built
// in a git checkout names the revision.
func TestHelpAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"help"}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "scriptsrv cgi SCRIPT") || !strings.Contains(out.String(), "-socket-group") {
		t.Errorf("help: %d %q", code, out.String())
	}
	b, err := exec.Command(binary, "-version").Output()
	rev, _ := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil || !strings.HasPrefix(string(b), "scriptsrv ") || !strings.Contains(string(b), "go1.") {
		t.Fatalf("-version: %v %q", err, b)
	}
	if len(rev) >= 12 && strings.Contains(string(b), "(revision") && !strings.Contains(string(b), "(revision "+string(rev[:12])) {
		t.Errorf("-version %q does not name the revision %.12s", b, rev)
	}
}

// -check reports every problem of the file, and every script that does
// not load, not only the first.
func TestCheckReportsEveryError(t *testing.T) {
	file := writeConfig(t, `[server]
log_level = "loud"
socket_mode = "rw"

[pool]
workers = 0

[fetch]
timeout = "0s"

[[route]]
path = "nope"
script = "h.js"

[[route]]
path = "/b"
script = "missing.js"
`)
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"-check", "-config", file}, nil, &out, &errb); code == 0 {
		t.Fatal("exit 0")
	}
	for _, want := range []string{"config.toml:2: server.log_level", "config.toml:3: server.socket_mode", "config.toml:6: pool.workers",
		"config.toml:9: fetch.timeout", "config.toml:12: route[0].path", "route[1].script: ", "missing.js does not exist"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("-check output lacks %q:\n%s", want, errb.String())
		}
	}
	dir := filepath.Dir(file)
	os.WriteFile(filepath.Join(dir, "bad2.lua"), []byte("function handle(req) return end end"), 0o644)
	file = writeConfigIn(t, dir, "[[route]]\npath = \"/a\"\nscript = \"bad.js\"\n[[route]]\npath = \"/b\"\nscript = \"bad2.lua\"\n")
	errb.Reset()
	if code := Run(context.Background(), []string{"-check", "-config", file}, nil, &out, &errb); code == 0 || !strings.Contains(errb.String(), "bad.js") || !strings.Contains(errb.String(), "bad2.lua") {
		t.Errorf("two scripts that do not load: %d\n%s", code, errb.String())
	}
}

func writeConfigIn(t *testing.T, dir, toml string) string {
	file := filepath.Join(dir, "two.toml")
	os.WriteFile(file, []byte(toml), 0o644)
	return file
}

// -socket-mode and -socket-group set who may connect to the unix socket,
// and the start-up log says who can.
func TestSocketAccess(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "h.lua"), []byte(`function handle(req) return "hi" end`), 0o644)
	group := "nogroup"
	if _, err := lookupGroup(group); err != nil {
		group = strconv.Itoa(os.Getgid())
	}
	p := e2e.Start(t, dir, binary, "-socket-mode", "0660", "-socket-group", group, "h.lua")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	fi, err := os.Stat(filepath.Join(dir, "fcgi.sock"))
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := lookupGroup(group)
	if st := fi.Sys().(*syscall.Stat_t); int(st.Gid) != gid || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket group %d mode %v, want %d and 0660", st.Gid, fi.Mode().Perm(), gid)
	}
	if !strings.Contains(p.Out.String(), "who_can_connect=") || !strings.Contains(p.Out.String(), "mode 0660") {
		t.Errorf("the start-up log does not say who can connect:\n%s", p.Out.String())
	}
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"-socket-group", "no-such-group-here", "-check", filepath.Join(dir, "h.lua")}, nil, &out, &errb); code == 0 || !strings.Contains(errb.String(), `-socket-group: no group "no-such-group-here"`) {
		t.Errorf("an unknown group: %d %q", code, errb.String())
	}
}
