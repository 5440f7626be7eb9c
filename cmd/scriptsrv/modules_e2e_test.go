package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// [pool] modules: scripts in scripts/ use the packages of a node_modules
// beside config.toml, with require and with import; without the key they
// are not found, and the error says where it looked.
func TestPoolModulesBinary(t *testing.T) {
	files := map[string]string{
		"node_modules/greet/package.json": `{"name":"greet","version":"1.0.0","main":"lib/index.js"}`,
		"node_modules/greet/lib/index.js": `module.exports = (n) => "hello " + n;`,
		"node_modules/shout/package.json": `{"name":"shout","version":"1.0.0","type":"module","exports":{".":{"import":"./shout.js"}}}`,
		"node_modules/shout/shout.js":     `export const shout = (s) => s.toUpperCase() + "!";`,
		"scripts/cjs.js":                  `const greet = require("greet");` + "\nfunction handle(req) { return greet(req.query.name); }",
		"scripts/esm.mjs":                 `import { shout } from "shout";` + "\nexport function handle(req) { return shout(req.query.name); }",
	}
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(text), 0o644)
	}
	routes := "[[route]]\npath = \"/cjs\"\nscript = \"scripts/cjs.js\"\n[[route]]\npath = \"/esm\"\nscript = \"scripts/esm.mjs\"\n"
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	server := fmt.Sprintf("[server]\nfastcgi = \"\"\nhttp = %q\n", addr)
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(server+"[pool]\nmodules = [\"node_modules\"]\n"+routes), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 20*time.Second)
	for path, want := range map[string]string{"/cjs?name=ann": "hello ann", "/esm?name=ann": "ANN!"} {
		if resp, body := get(t, "http://"+addr+path); resp.StatusCode != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", path, resp.StatusCode, body, want)
		}
	}
	// Without modules neither finds its package: the config check fails,
	// saying what was not found and where it looked.
	for _, c := range []struct{ route, want string }{
		{"[[route]]\npath = \"/esm\"\nscript = \"scripts/esm.mjs\"\n", "node_modules/shout/shout.js is outside the scripts' root"},
		{"[[route]]\npath = \"/cjs\"\nscript = \"scripts/cjs.js\"\n", `cannot find module "greet" (looked in ` + filepath.Join(dir, "scripts", "node_modules") + ")"},
	} {
		os.WriteFile(filepath.Join(dir, "config2.toml"), []byte(server+c.route), 0o644)
		var out, errb bytes.Buffer
		code := Run(context.Background(), []string{"-check", "-config", filepath.Join(dir, "config2.toml")}, nil, &out, &errb)
		if code == 0 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("without modules: exit %d\n%s\nwant %q", code, errb.String(), c.want)
		}
	}
}

// `scriptsrv handler.ts` serves a TypeScript file with no config at all.
func TestServeOneTypeScriptFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "handler.ts"), []byte("enum Mood { Happy = \"happy\" }\nexport default function handle(req: { query: { name?: string } }): string {\n  return `${req.query.name ?? \"world\"} is ${Mood.Happy}`;\n}\n"), 0o644)
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	p := e2e.Start(t, dir, binary, "-http", addr, "-fastcgi", "", "handler.ts")
	e2e.WaitLog(t, p, "msg=ready", 20*time.Second)
	if resp, body := get(t, "http://"+addr+"/any/path?name=ann"); resp.StatusCode != 200 || body != "ann is happy" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
}
