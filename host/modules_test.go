package host

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scriptsrv/host/engine"
)

// writeFiles writes files (path → text) under a new folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const shapesTS = `export enum Kind { Circle = "circle", Square = "square" }
export interface Shape { kind: Kind; size: number }

export function area(s: Shape): number {
  if (s.size < 0) {
    throw new Error("negative size " + s.size);
  }
  return s.kind === Kind.Circle ? Math.PI * s.size ** 2 : s.size ** 2;
}
`

// ES module, TypeScript and JSX scripts are bundled with what they import;
// each handler shape answers, and errors name the original file and line.
func TestESModuleScripts(t *testing.T) {
	cases := []struct {
		name, script string
		files        map[string]string
		method, uri  string
		body         string
		want         string
		status       int
	}{
		{name: "typescript with a local module", script: "handler.ts", uri: "/?kind=circle&size=1", want: "circle 3.14", status: 200, files: map[string]string{
			"lib/shapes.ts": shapesTS,
			"handler.ts": `import { Kind, area, type Shape } from "./lib/shapes";
export function handle(req: { query: Record<string, string> }): string {
  const s: Shape = { kind: req.query.kind === "circle" ? Kind.Circle : Kind.Square, size: Number(req.query.size ?? "2") };
  try { return s.kind + " " + area(s).toFixed(2); } catch (e) { return (e as Error).stack ?? ""; }
}`}},
		{name: "a stack names the .ts line", script: "handler.ts", uri: "/?size=-1", want: "at area (lib/shapes.ts:6:", status: 200, files: map[string]string{
			"lib/shapes.ts": shapesTS,
			"handler.ts": `import { area, Kind } from "./lib/shapes";
export function handle(req) { try { return String(area({ kind: Kind.Square, size: Number(req.query.size) })); } catch (e) { return e.stack; } }`}},
		{name: "export default function", script: "h.mjs", uri: "/?name=ann", want: "hi ann", status: 200, files: map[string]string{
			"h.mjs": `import greet from "./greet.js";
export default function handle(req) { return greet(req.query.name); }`,
			"greet.js": `export default (n) => "hi " + n;`}},
		{name: "a .js file with import", script: "h.js", uri: "/", want: "3", status: 200, files: map[string]string{
			"h.js": `import { add } from "./math.mjs";
export function handle() { return String(add(1, 2)); }`,
			"math.mjs": `export const add = (a, b) => a + b;`}},
		{name: "jsx", script: "page.jsx", uri: "/", want: `{"tag":"p","props":{"class":"x"},"children":["hi ","ann"]}`, status: 200, files: map[string]string{
			"page.jsx": `const React = { createElement: (tag, props, ...children) => ({ tag, props, children }) };
export function handle(req) { return JSON.stringify(<p class="x">hi {"ann"}</p>); }`}},
		{name: "jsx with a factory of its own", script: "page.jsx", uri: "/", want: `<ul><li>a</li><li>b</li></ul>`, status: 200, files: map[string]string{
			"page.jsx": `const h = (tag, props, ...kids) => tag === F ? kids.flat().join("") : "<" + tag + ">" + kids.flat().join("") + "</" + tag + ">";
const F = Symbol("fragment");
export function handle(req) { return <ul><>{["a", "b"].map((x) => <li>{x}</li>)}</></ul>; }`}},
		{name: "jsx with a pragma", script: "pragma.jsx", uri: "/", want: `[b:bold]`, status: 200, files: map[string]string{
			"pragma.jsx": `/** @jsx mk */
const mk = (tag, props, ...kids) => "[" + tag + ":" + kids.join("") + "]";
export function handle() { return <b>bold</b>; }`}},
		{name: "fetch handler", script: "app.mjs", method: "POST", uri: "/items?x=1", body: `{"name":"pen"}`, want: `{"got":"pen","path":"/items","x":"1","method":"POST","mode":"test","ua":"test/1","ct":"text/plain","headers":"content-length,content-type,user-agent"}`, status: 201, files: map[string]string{
			"app.mjs": `export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const item = await request.json();
    return Response.json({ got: item.name, path: url.pathname, x: url.searchParams.get("x"), method: request.method, mode: env.APP_MODE,
      ua: request.headers.get("User-Agent"), ct: request.headers.get("content-type"), headers: [...request.headers.keys()].join() }, { status: 201 });
  },
};`}},
		{name: "fetch handler formData, multipart", script: "form.mjs", method: "POST", uri: "/", body: testMultipart.body,
			want: `a=1 tags[]=x,y up=notes.txt:text/plain:11:hello there many=2 File`, status: 200, files: map[string]string{
				"form.mjs": `export default {
  async fetch(request) {
    const fd = await request.formData();
    const up = fd.get("up");
    return new Response("a=" + fd.get("a") + " tags[]=" + fd.getAll("tags[]").join(",") + " up=" + up.name + ":" + up.type + ":" + up.size + ":" +
      (await up.text()) + " many=" + fd.getAll("many").length + " " + Object.prototype.toString.call(up).slice(8, -1));
  },
};`}},
		{name: "FormData round trip through Response", script: "fd.mjs", uri: "/", want: `x=1|y=a b|f=hi.txt:hello|multipart/form-data; boundary=`, status: 200, files: map[string]string{
			"fd.mjs": `export async function handle() {
  const fd = new FormData();
  fd.append("x", "1"); fd.append("y", "a b"); fd.append("f", new Blob(["hello"], { type: "text/plain" }), "hi.txt");
  const res = new Response(fd);
  const ct = res.headers.get("content-type");
  const back = await res.formData();
  return ["x=" + back.get("x"), "y=" + back.get("y"), "f=" + back.get("f").name + ":" + (await back.get("f").text()), ct].join("|");
}`}},
		{name: "waitUntil runs after the answer", script: "app.mjs", uri: "/", want: "answered", status: 200, files: map[string]string{
			"app.mjs": `export default {
  fetch(request, env, ctx) {
    ctx.waitUntil(new Promise((r) => setTimeout(r, 50)).then(() => console.log("later done")));
    return new Response("answered");
  },
};`}},
		{name: "a module without exports is a CGI-mode script", script: "cgi.mjs", uri: "/", want: "cgi 2", status: 200, files: map[string]string{
			"cgi.mjs": `import { two } from "./two.mjs";
stdout.write("Content-Type: text/plain\r\n\r\ncgi " + two);`,
			"two.mjs": `export const two = 2;`}},
		{name: "a Node built-in from an import", script: "h.mjs", uri: "/", want: "900150983cd24fb0d6963f7d28e17f72", status: 200, files: map[string]string{
			"h.mjs": `import { createHash } from "node:crypto";
export function handle() { return createHash("md5").update("abc").digest("hex"); }`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			cfg := Config{Root: dir, Env: map[string]string{"APP_MODE": "test"}}
			if c.name == "jsx with a factory of its own" {
				cfg.Options = engine.Options{JSXFactory: "h", JSXFragment: "F"}
			}
			p, lb := poolFor(t, filepath.Join(dir, c.script), cfg)
			method := c.method
			if method == "" {
				method = "GET"
			}
			extra := []string{}
			if c.body == testMultipart.body {
				extra = []string{"CONTENT_TYPE", testMultipart.ctype}
			}
			r := do(p, method, c.uri, c.body, extra...)
			if r.Code() != c.status || !strings.Contains(r.Body(), c.want) {
				t.Errorf("%d %q, want %d with %q (log %s)", r.Code(), r.Body(), c.status, c.want, lb)
			}
			if c.name == "waitUntil runs after the answer" {
				waitFor(t, "the waitUntil work", func() bool { return strings.Contains(lb.String(), "later done") })
			}
		})
	}
}

// A module that cannot be bundled is refused at load, naming the file,
// line and column, or what it could not find and where.
func TestESModuleLoadErrors(t *testing.T) {
	cases := []struct {
		name, script string
		files        map[string]string
		want         []string
	}{
		{"syntax error", "h.ts", map[string]string{"h.ts": "export function handle() {\n  return 1 +;\n}"}, []string{"h.ts:2:", "Unexpected"}},
		{"missing package", "h.mjs", map[string]string{"h.mjs": `import x from "left-pad-nowhere"; export function handle() { return x; }`}, []string{`Could not resolve "left-pad-nowhere"`, "h.mjs:1:"}},
		{"import outside the root", "app/h.mjs", map[string]string{"app/h.mjs": `import s from "../secret.mjs"; export function handle() { return s; }`, "secret.mjs": "export default 'no'"}, []string{"outside the scripts' root"}},
		{"a default that is not a handler", "h.mjs", map[string]string{"h.mjs": `export default 42;`}, []string{"export handle, a default function, or a default object with fetch"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			root := dir
			if c.name == "import outside the root" {
				root = filepath.Join(dir, "app")
			}
			prog, err := Load(filepath.Join(dir, c.script), root, true)
			if err == nil {
				var p *Pool
				if p, err = NewPool(prog, Config{Workers: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil {
					p.Close()
				}
			}
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// A bundled script reloads when any file that went into its bundle
// changes; a change that does not bundle keeps the old version serving,
// with esbuild's file:line:column in the log.
func TestESModuleReload(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"h.ts":     `import { word } from "./lib/w.ts"; export function handle(): string { return word; }`,
		"lib/w.ts": `export const word: string = "one";`,
	})
	lb := &logBuf{}
	s, err := NewScript(filepath.Join(dir, "h.ts"), "", true, Config{Workers: 1, Logger: slog.New(slog.NewTextHandler(lb, nil))}, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r := do(s.Pool(), "GET", "/", ""); r.Body() != "one" {
		t.Fatalf("got %q", r.Body())
	}
	later := time.Now().Add(2 * time.Second)
	write := func(text string) {
		f := filepath.Join(dir, "lib", "w.ts")
		os.WriteFile(f, []byte(text), 0o644)
		later = later.Add(time.Second)
		os.Chtimes(f, later, later)
	}
	write(`export const word: string = "two";`)
	waitFor(t, "the imported file's change to be served", func() bool { return do(s.Pool(), "GET", "/", "").Body() == "two" })
	write("export const word: string = ;\n")
	waitFor(t, "the failed reload to be logged", func() bool { return strings.Contains(lb.String(), "lib/w.ts:1:") })
	if r := do(s.Pool(), "GET", "/", ""); r.Body() != "two" {
		t.Errorf("after a failed reload: %q, want the old version's answer", r.Body())
	}
}
