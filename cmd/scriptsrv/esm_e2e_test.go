package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

const esmHandler = `import { marked } from "marked";
import { nanoid } from "nanoid";
import { v4, validate } from "uuid";

export function handle(req) {
  const id = nanoid(), u = v4();
  return [marked.parse("# Hi *there*").trim(), id.length === 21, validate(u)].join("|");
}
`

const honoApp = `import { Hono } from "hono";

type Item = { name: string };

const app = new Hono();
app.use("*", async (c, next) => {
  await next();
  c.header("x-powered-by", "scriptsrv+hono");
});
app.get("/app/hello/:name", (c) => c.text("hello " + c.req.param("name")));
app.post("/app/items", async (c) => {
  const item = await c.req.json<Item>();
  return c.json({ created: item.name }, 201);
});
app.get("/app/boom", () => {
  throw new Error("boom in app.ts");
});
export default app;
`

// Current ES-module-only packages (marked, nanoid, uuid) imported by an
// ES module script, and a Hono app in TypeScript exported as the default
// fetch handler, served on the HTTP front and behind nginx.
func TestESModulesBinary(t *testing.T) {
	dir := npmInstall(t, "marked", "nanoid", "uuid", "hono")
	os.WriteFile(filepath.Join(dir, "handler.mjs"), []byte(esmHandler), 0o644)
	os.WriteFile(filepath.Join(dir, "app.ts"), []byte(honoApp), 0o644)
	fcgiAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	httpAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	conf := fmt.Sprintf("[server]\nfastcgi = %q\nhttp = %q\n[[route]]\npath = \"/esm\"\nscript = \"handler.mjs\"\n[[route]]\npath = \"/app/\"\nscript = \"app.ts\"\n", fcgiAddr, httpAddr)
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 20*time.Second)
	check := func(t *testing.T, base string) {
		if resp, body := get(t, base+"/esm"); resp.StatusCode != 200 || body != "<h1>Hi <em>there</em></h1>|true|true" {
			t.Errorf("/esm: %d %q", resp.StatusCode, body)
		}
		resp, body := get(t, base+"/app/hello/ann")
		if resp.StatusCode != 200 || body != "hello ann" || resp.Header.Get("X-Powered-By") != "scriptsrv+hono" {
			t.Errorf("/app/hello/ann: %d %q %v", resp.StatusCode, body, resp.Header)
		}
		post, err := http.Post(base+"/app/items", "application/json", strings.NewReader(`{"name":"pen"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(post.Body)
		post.Body.Close()
		if post.StatusCode != 201 || string(b) != `{"created":"pen"}` {
			t.Errorf("POST /app/items: %d %q", post.StatusCode, b)
		}
		if resp, _ := get(t, base+"/app/nope"); resp.StatusCode != 404 {
			t.Errorf("/app/nope: %d, want Hono's 404", resp.StatusCode)
		}
	}
	t.Run("http", func(t *testing.T) { check(t, "http://"+httpAddr) })
	t.Run("nginx", func(t *testing.T) { check(t, e2e.Nginx(t, fcgiAddr, true).URL) })
	// Hono answers a thrown error with 500 and logs it itself; the stack
	// names the TypeScript source's line.
	if resp, _ := get(t, "http://"+httpAddr+"/app/boom"); resp.StatusCode != 500 {
		t.Errorf("/app/boom: %d, want 500", resp.StatusCode)
	}
	e2e.WaitLog(t, p, "at app.ts:16:", 5*time.Second)
}
