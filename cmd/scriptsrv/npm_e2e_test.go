package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// npmPackages are the packages of the acceptance test, as npm installs
// them; each line of npmHandler's answer is one package's common call.
var npmPackages = []string{"uuid", "nanoid@3", "qs", "mime-types", "sanitize-html", "cookie", "dayjs", "validator", "ajv"}

const npmHandler = `const { v4: uuidv4, validate } = require("uuid");
const { nanoid } = require("nanoid");
const qs = require("qs");
const mime = require("mime-types");
const sanitizeHtml = require("sanitize-html");
const cookie = require("cookie");
const dayjs = require("dayjs");
const validator = require("validator");
const Ajv = require("ajv");

const ajv = new Ajv();
const check = ajv.compile({ type: "object", properties: { n: { type: "integer" } }, required: ["n"] });

function handle(req) {
  const id = uuidv4(), nid = nanoid();
  return [
    "uuid " + (validate(id) && id[14] === "4"),
    "nanoid " + (nid.length === 21 && /^[A-Za-z0-9_-]+$/.test(nid)),
    "qs " + JSON.stringify(qs.parse("a[b]=1&c=2&d[]=x&d[]=y")) + " " + qs.stringify({ a: { b: [1, 2] } }, { encode: false }),
    "mime-types " + mime.lookup("photo.png") + " " + mime.contentType("json") + " " + mime.extension("text/html"),
    "sanitize-html " + sanitizeHtml('<p onclick="x()">hi <b>there</b><script>bad()</script><a href="javascript:y">l</a></p>'),
    "cookie " + JSON.stringify(cookie.parse("a=1; b=two%20words")) + " " + cookie.serialize("s", "v w", { httpOnly: true, maxAge: 60 }),
    "dayjs " + dayjs("2024-02-29T12:00:00Z").add(1, "year").format("YYYY-MM-DD"),
    "validator " + validator.isEmail("a@b.co") + " " + validator.isEmail("nope") + " " + validator.escape("<a>"),
    "ajv " + check({ n: 1 }) + " " + check({ n: "x" }) + " " + check.errors[0].message,
  ].join("\n");
}
`

const npmWant = `uuid true
nanoid true
qs {"a":{"b":"1"},"c":"2","d":["x","y"]} a[b][0]=1&a[b][1]=2
mime-types image/png application/json; charset=utf-8 html
sanitize-html <p>hi <b>there</b><a>l</a></p>
cookie {"a":"1","b":"two words"} s=v%20w; Max-Age=60; HttpOnly
dayjs 2025-02-28
validator true false &lt;a&gt;
ajv true false must be integer`

// npmInstall installs packages with npm into a new scripts folder (a
// skip, or under SCRIPTSRV_E2E=require a failure, when npm is missing or
// cannot install).
func npmInstall(t *testing.T, packages ...string) string {
	t.Helper()
	npm := e2e.Need(t, "npm")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"app","version":"1.0.0","private":true}`), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, append([]string{"install", "--no-audit", "--no-fund", "--ignore-scripts"}, packages...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		msg := fmt.Sprintf("npm install: %v\n%s", err, out)
		if os.Getenv("SCRIPTSRV_E2E") == "require" {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}
	return dir
}

// Packages from npm, installed by npm into the scripts folder, load with
// require and work in a handler served by the binary.
func TestNPMPackagesBinary(t *testing.T) {
	dir := npmInstall(t, npmPackages...)
	os.WriteFile(filepath.Join(dir, "handler.js"), []byte(npmHandler), 0o644)
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	conf := fmt.Sprintf("[server]\nfastcgi = \"\"\nhttp = %q\n[[route]]\npath = \"/\"\nscript = \"handler.js\"\n", addr)
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644)
	p := e2e.Start(t, dir, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 20*time.Second)
	for i := range 3 { // every interpreter of the pool, warm
		resp, body := get(t, "http://"+addr+"/")
		if resp.StatusCode != 200 || strings.TrimSpace(body) != npmWant {
			t.Fatalf("request %d: %d\n%s\nwant\n%s\nlog:\n%s", i, resp.StatusCode, body, npmWant, p.Out.String())
		}
	}
}
