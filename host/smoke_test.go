package host

import "testing"

func TestSmokeJS(t *testing.T) {
	p, lb := newPool(t, "h.js", `let served = 0;
function handle(req) { served++; header("Content-Type", "text/plain"); send("hello " + (req.query.name || "world") + " #" + served + " " + req.method + " " + req.path + "\n"); }`, Config{Workers: 1})
	for i := 1; i <= 2; i++ {
		r := do(p, "GET", "/x?name=bob", "")
		t.Logf("%d %v %q", r.Code(), r.SentHeader(), r.Body())
	}
	t.Log(lb)
}

func TestSmokeLua(t *testing.T) {
	p, lb := newPool(t, "h.lua", `local served = 0
function handle(req)
  served = served + 1
  send({ hello = req.query.name or "world", served = served, arr = json.decode("[1,null,3]"), e = json.decode("{}"), ea = json.decode("[]") })
end
json = require "json"`, Config{Workers: 1})
	for i := 1; i <= 2; i++ {
		r := do(p, "GET", "/x?name=bob", "")
		t.Logf("%d %v %q", r.Code(), r.SentHeader(), r.Body())
	}
	t.Log(lb)
}
