package host

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"scriptsrv/cgi"
	"scriptsrv/host/caps"
	"scriptsrv/internal/outbound"
	"scriptsrv/internal/sqldb"
)

// nullWriter is a cgi.ResponseWriter that keeps nothing: the benchmarks
// measure the host alone, without a front. Like FastCGI's, it can detach a
// request, so scripts run on the benchmark's goroutine.
type nullWriter struct{ h http.Header }

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(int)             { clear(w.h) }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nullWriter) Flush() error                { return nil }
func (w *nullWriter) Stderr() io.Writer           { return io.Discard }
func (w *nullWriter) Detach()                     {}

var benchParams = cgi.Params{
	{Name: "QUERY_STRING", Value: "name=world"}, {Name: "REQUEST_METHOD", Value: "GET"},
	{Name: "CONTENT_TYPE", Value: ""}, {Name: "CONTENT_LENGTH", Value: ""},
	{Name: "SCRIPT_NAME", Value: "/work"}, {Name: "REQUEST_URI", Value: "/work?name=world"},
	{Name: "DOCUMENT_URI", Value: "/work"}, {Name: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
	{Name: "REMOTE_ADDR", Value: "127.0.0.1"}, {Name: "REMOTE_PORT", Value: "51234"},
	{Name: "SERVER_NAME", Value: "localhost"}, {Name: "HTTP_HOST", Value: "127.0.0.1:8080"},
	{Name: "HTTP_USER_AGENT", Value: "wrk/4.1.0"}, {Name: "HTTP_ACCEPT", Value: "*/*"},
}

// benchFile is one of the harness's scripts (bench/scriptsrv), so the host
// benchmarks run exactly what the harness serves.
func benchFile(name string) string { return filepath.Join("..", "bench", "scriptsrv", name) }

func benchScript(b *testing.B, name string) { benchScriptWith(b, name, Config{Workers: 1}) }

func benchScriptWith(b *testing.B, name string, cfg Config) {
	p, _ := poolFor(b, benchFile(name), cfg)
	benchPool(b, p)
}

// benchPool serves benchParams from p with no front, once per iteration,
// and fails on a script error.
func benchPool(b *testing.B, p *Pool) {
	w := &nullWriter{h: http.Header{}}
	r := cgi.NewRequest(context.Background(), benchParams, nil)
	b.ReportAllocs()
	for b.Loop() {
		p.ServeCGI(w, r)
	}
	if s := p.Stats(); s.Errors > 0 {
		b.Fatalf("%d script errors", s.Errors)
	}
}

func BenchmarkHelloJS(b *testing.B)  { benchScript(b, "hello.js") }
func BenchmarkHelloLua(b *testing.B) { benchScript(b, "hello.lua") }
func BenchmarkWorkJS(b *testing.B)   { benchScript(b, "work.js") }
func BenchmarkWorkLua(b *testing.B)  { benchScript(b, "work.lua") }

// BenchmarkMemoryLimit runs the same scripts with memory_limit on, as the
// default config has it: the accounting's cost, against the ones above.
func BenchmarkMemoryLimit(b *testing.B) {
	for _, name := range []string{"hello.js", "hello.lua", "work.js", "work.lua"} {
		b.Run(name, func(b *testing.B) { benchScriptWith(b, name, Config{Workers: 1, MemoryLimit: 128 << 20}) })
	}
}

// BenchmarkPoolMemory reports the heap held by a pool of 4 warm
// interpreters per language.
func BenchmarkPoolMemory(b *testing.B) {
	for _, name := range []string{"hello.js", "hello.lua"} {
		b.Run(name, func(b *testing.B) {
			var before, after runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&before)
				prog, err := Load(benchFile(name), "", true)
				if err != nil {
					b.Fatal(err)
				}
				p, err := NewPool(prog, Config{Workers: 4})
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/4/1024, "KiB/interpreter")
				p.Close()
			}
		})
	}
}

// BenchmarkKV reports what one kv.get (of a short string, and of a small
// object) and one kv.incr cost a script beside the script's own loop: a
// handler making 100 calls, less one whose loop calls nothing.
func BenchmarkKV(b *testing.B) {
	scripts := map[string]string{
		"js/base":    "function handle(req) { let x = 0; for (let i = 0; i < 100; i++) x += i; return 'ok'; }",
		"js/get":     "kv.set('k', 'session-4f2a9c');\nfunction handle(req) { let x; for (let i = 0; i < 100; i++) x = kv.get('k'); return 'ok'; }",
		"js/getobj":  "kv.set('k', {a: 1, b: 'two'});\nfunction handle(req) { let x; for (let i = 0; i < 100; i++) x = kv.get('k'); return 'ok'; }",
		"js/incr":    "function handle(req) { for (let i = 0; i < 100; i++) kv.incr('n'); return 'ok'; }",
		"lua/base":   "function handle(req) local x = 0 for i = 1, 100 do x = x + i end return 'ok' end",
		"lua/get":    "kv.set('k', 'session-4f2a9c')\nfunction handle(req) local x for i = 1, 100 do x = kv.get('k') end return 'ok' end",
		"lua/getobj": "kv.set('k', {a = 1, b = 'two'})\nfunction handle(req) local x for i = 1, 100 do x = kv.get('k') end return 'ok' end",
		"lua/incr":   "function handle(req) for i = 1, 100 do kv.incr('n') end return 'ok' end",
	}
	perRequest := func(b *testing.B, name string) float64 {
		lang, _, _ := strings.Cut(name, "/")
		p, _ := newPool(b, "kv."+lang, scripts[name], Config{Workers: 1})
		w := &nullWriter{h: http.Header{}}
		r := cgi.NewRequest(context.Background(), benchParams, nil)
		const n = 20000
		start := time.Now()
		for range n {
			p.ServeCGI(w, r)
		}
		return float64(time.Since(start).Nanoseconds()) / n
	}
	for _, lang := range []string{"js", "lua"} {
		for _, op := range []string{"get", "getobj", "incr"} {
			b.Run(lang+"/"+op, func(b *testing.B) {
				for b.Loop() {
					base := perRequest(b, lang+"/base")
					with := perRequest(b, lang+"/"+op)
					b.ReportMetric((with-base)/100, "ns/call")
				}
			})
		}
	}
}

// BenchmarkCGIMode is a CGI-mode script: a fresh runtime per request.
func BenchmarkCGIMode(b *testing.B) {
	for _, name := range []string{"cgi.js", "cgi.lua"} {
		b.Run(name, func(b *testing.B) {
			p, _ := poolFor(b, apiFile(name), Config{Workers: 1})
			w := &nullWriter{h: http.Header{}}
			r := cgi.NewRequest(context.Background(), benchParams, nil)
			b.ReportAllocs()
			for b.Loop() {
				p.ServeCGI(w, r)
			}
		})
	}
}

// BenchmarkResponse is a handler answering with a Response (a text body
// and one header, and Response.json), beside one returning the same text:
// what making and sending the Response costs; and the Web-standard
// handler (export default { fetch }), which also gets a Request.
func BenchmarkResponse(b *testing.B) {
	handlers := []struct{ name, file, src string }{
		{"string", "string.js", "function handle(req) { return 'hello'; }"},
		{"Response", "response.js", "function handle(req) { return new Response('hello', { headers: { 'content-type': 'text/plain' } }); }"},
		{"Response.json", "json.js", "function handle(req) { return Response.json({ name: 'x', n: 1 }); }"},
		{"fetch-handler", "worker.mjs", "export default { fetch(request) { return new Response('hello'); } };"},
	}
	for _, h := range handlers {
		b.Run(h.name, func(b *testing.B) {
			p, _ := newPool(b, h.file, h.src, Config{Workers: 1})
			benchPool(b, p)
		})
	}
}

// BenchmarkTimer reports what one await of a zero-delay setTimeout costs
// a handler (target: at most 5 µs): 100 awaits in turn, less an async
// handler that awaits nothing; written as new Promise((r) =>
// setTimeout(r, 0)) and as require("timers/promises").setTimeout(0).
// Run it with -benchtime 3x: one iteration is 4000 requests. (goja's own
// await of an already settled value costs 4–6 µs here.)
func BenchmarkTimer(b *testing.B) {
	const base = "async function handle(req) { let x = 0; for (let i = 0; i < 100; i++) x += i; return 'ok'; }"
	const timers = "const tick = () => new Promise((r) => setTimeout(r, 0));\n" +
		"async function handle(req) { for (let i = 0; i < 100; i++) await tick(); return 'ok'; }"
	perRequest := func(b *testing.B, src string) float64 {
		p, _ := newPool(b, "timer.js", src, Config{Workers: 1})
		w := &nullWriter{h: http.Header{}}
		r := cgi.NewRequest(context.Background(), benchParams, nil)
		const n = 2000
		start := time.Now()
		for range n {
			p.ServeCGI(w, r)
		}
		if s := p.Stats(); s.Errors > 0 {
			b.Fatalf("%d script errors", s.Errors)
		}
		return float64(time.Since(start).Nanoseconds()) / n
	}
	const native = "const { setTimeout: sleep } = require('timers/promises');\n" +
		"async function handle(req) { for (let i = 0; i < 100; i++) await sleep(0); return 'ok'; }"
	b.Run("new-promise", func(b *testing.B) {
		for b.Loop() {
			b.ReportMetric((perRequest(b, timers)-perRequest(b, base))/100, "ns/await")
		}
	})
	b.Run("timers-promises", func(b *testing.B) {
		for b.Loop() {
			b.ReportMetric((perRequest(b, native)-perRequest(b, base))/100, "ns/await")
		}
	})
}

// BenchmarkFetch is the harness's fetch workload without a front: a
// handler that fetches a small JSON document from a loopback upstream
// (keep-alive) and answers one field of it.
func BenchmarkFetch(b *testing.B) {
	for _, name := range []string{"fetch.js", "fetch.lua"} {
		b.Run(name, func(b *testing.B) {
			env := map[string]string{"UPSTREAM_URL": upstreamURL(b) + "/json"}
			benchScriptWith(b, name, Config{Workers: 1, Env: env, MemoryLimit: 128 << 20})
		})
	}
}

// BenchmarkHonoStartup is the time from loading a script that imports
// Hono (bundling it from node_modules) to its first answer, with a fresh
// pool each time (target: at most 300 ms). It needs npm, to install hono.
func BenchmarkHonoStartup(b *testing.B) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		b.Skip("skipping: npm is not installed (it comes with node 20)")
	}
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"bench","version":"1.0.0","private":true}`), 0o644)
	cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "hono")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("skipping: npm install hono: %v\n%s", err, out)
	}
	app := filepath.Join(dir, "app.ts")
	os.WriteFile(app, []byte(`import { Hono } from "hono";
const app = new Hono();
app.get("/", (c) => c.text("ok"));
export default app;
`), 0o644)
	w := &nullWriter{h: http.Header{}}
	for b.Loop() {
		prog, err := Load(app, dir, true)
		if err != nil {
			b.Fatal(err)
		}
		p, err := NewPool(prog, Config{Workers: 1, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		p.ServeCGI(w, cgi.NewRequest(context.Background(), benchParams, nil))
		if s := p.Stats(); s.Errors > 0 {
			b.Fatalf("%d script errors", s.Errors)
		}
		p.Close()
		p.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/start")
}

// BenchmarkForm is req.form() of a 5 MB multipart body with one file, the
// script reading the file's data (the target: 50 ms).
func BenchmarkForm(b *testing.B) {
	form := multipartOf([]string{"title", "holiday"}, []string{"up", "p.jpg", "image/jpeg", strings.Repeat("0123456789abcdef", 5<<20/16)})
	for _, lang := range []string{"js", "lua"} {
		b.Run(lang, func(b *testing.B) {
			p, _ := poolFor(b, filepath.Join("testdata", "api", "helpers."+lang), Config{Workers: 1, MaxBody: 64 << 20, MemoryLimit: 128 << 20})
			params := append(cgi.Params{{Name: "REQUEST_METHOD", Value: "POST"}, {Name: "QUERY_STRING", Value: "case=big"},
				{Name: "CONTENT_TYPE", Value: form.ctype}, {Name: "CONTENT_LENGTH", Value: itoa(len(form.body))}}, benchParams[4:]...)
			w := &nullWriter{h: http.Header{}}
			b.SetBytes(int64(len(form.body)))
			b.ReportAllocs()
			for b.Loop() {
				p.ServeCGI(w, cgi.NewRequest(context.Background(), params, strings.NewReader(form.body)))
			}
			if s := p.Stats(); s.Errors > 0 {
				b.Fatalf("%d script errors", s.Errors)
			}
		})
	}
}

// BenchmarkDB is the harness's db workload without a front: a primary-key
// read from a 10,000-row SQLite table, answered as JSON. Compare with
// BenchmarkHello* for the database's share (target: at most 15 µs).
func BenchmarkDB(b *testing.B) {
	plat := fetchPlatform(b, outbound.Config{DenyPrivate: true})
	db, err := sqldb.Open(b.Context(), sqldb.Config{URL: "sqlite:bench.db", Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(b.Context(), benchFile("migrations")); err != nil {
		b.Fatal(err)
	}
	plat.SetDatabases(map[string]*caps.Database{"main": caps.NewDatabase("main", db, 10000)})
	cfg := Config{Workers: 1, MemoryLimit: 128 << 20, Platform: plat}
	for _, name := range []string{"db.js", "db.lua"} {
		b.Run(name, func(b *testing.B) { benchScriptWith(b, name, cfg) })
		// The same script answering the same row without the database: the
		// difference is what the db.get call costs.
		b.Run(name+"/without-db", func(b *testing.B) {
			src, err := os.ReadFile(benchFile(name))
			if err != nil {
				b.Fatal(err)
			}
			const row = `{id: 1, name: "item 1", price: 1.5, qty: 1}`
			lit := strings.NewReplacer(`db.get("SELECT id, name, price, qty FROM items WHERE id = $1", id)`, row).Replace(string(src))
			if lit == string(src) {
				b.Fatal("the db.get call is not where the benchmark expects it")
			}
			if strings.HasSuffix(name, ".lua") {
				lit = strings.ReplaceAll(lit, row, `{id = 1, name = "item 1", price = 1.5, qty = 1}`)
			}
			file := filepath.Join(b.TempDir(), name)
			os.WriteFile(file, []byte(lit), 0o644)
			p, _ := poolFor(b, file, cfg)
			w := &nullWriter{h: http.Header{}}
			r := cgi.NewRequest(context.Background(), benchParams, nil)
			b.ReportAllocs()
			for b.Loop() {
				p.ServeCGI(w, r)
			}
		})
	}
}
