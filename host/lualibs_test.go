package host

import (
	"os"
	"strings"
	"testing"

	"scriptsrv/host/engine"
	"scriptsrv/internal/e2e"
)

// Debian's Penlight and dkjson load in the sandbox through lua_path, and
// work: pl.pretty, pl.template, pl.Date, pl.stringx, pl.tablex, a dkjson
// round trip; a module in none of the folders names them all.
func TestLuaLibraries(t *testing.T) {
	const dir = "/usr/share/lua/5.1"
	for _, f := range []string{"pl/pretty.lua", "dkjson.lua"} {
		if _, err := os.Stat(dir + "/" + f); err != nil {
			e2e.Need(t, dir+"/"+f) // skips with the package to install, or fails under SCRIPTSRV_E2E=require
		}
	}
	p, lb := poolFor(t, apiFile("penlight.lua"), Config{Options: engine.Options{LuaPath: []string{dir}}})
	r := do(p, "GET", "/", "")
	want := []string{`{1,2,{a="x"}}`, "Hello World!\n1\n2\n3\n", "2024-02-29 Thu", "a|b|c 2", "é 3 true",
		`false no file "no/such/module.lua" or "no/such/module/init.lua" beside the script nor in [pool] lua_path (/usr/share/lua/5.1)`}
	got := strings.Split(r.Body(), "\n")
	if r.Code() != 200 {
		t.Fatalf("%d %q (log %s)", r.Code(), r.Body(), lb)
	}
	for _, w := range want {
		if !strings.Contains(r.Body(), w) {
			t.Errorf("body lacks %q:\n%s", w, strings.Join(got, "\n"))
		}
	}
}
