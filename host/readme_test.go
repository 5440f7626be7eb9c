package host

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readmeScript returns the README's code block whose first line is first.
func readmeScript(t *testing.T, first string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("(?s)```(?:js|lua)\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		if strings.HasPrefix(m[1], first) {
			return m[1]
		}
	}
	t.Fatalf("no block starting %q in README.md", first)
	return ""
}

// The README's shared-counter example works as shown, in both languages:
// the count goes on across interpreters.
func TestReadmeCounter(t *testing.T) {
	for _, c := range []struct{ file, first string }{{"visits.js", "// visits.js"}, {"visits.lua", "-- visits.lua"}} {
		t.Run(c.file, func(t *testing.T) {
			p, lb := newPool(t, c.file, readmeScript(t, c.first), Config{Workers: 3, Env: map[string]string{"APP_MODE": "production"}})
			for i, want := range []string{`{"mode":"production","visits":1}`, `{"mode":"production","visits":2}`, `{"mode":"production","visits":3}`} {
				r := do(p, "GET", "/v", "")
				got := r.Body()
				if c.file == "visits.js" {
					want = strings.Replace(`{"visits":N,"mode":"production"}`, "N", string(rune('1'+i)), 1)
				}
				if got != want {
					t.Errorf("request %d: %q, want %q (log %s)", i+1, got, want, lb)
				}
			}
		})
	}
}

// The README's API-calling example answers with a field of a real
// upstream's reply.
func TestReadmeFetch(t *testing.T) {
	up := upstreamURL(t)
	p, lb := newPool(t, "weather.js", readmeScript(t, "// weather.js"), Config{Env: map[string]string{"API_URL": up + "/weather"}})
	if r := do(p, "GET", "/?city=Bergen", ""); r.Code() != 200 || r.Body() != `{"city":"Bergen","temperature":7.5}` {
		t.Errorf("%d %q (log %s)", r.Code(), r.Body(), lb)
	}
	p, _ = newPool(t, "weather.js", readmeScript(t, "// weather.js"), Config{Env: map[string]string{"API_URL": up + "/status/503"}})
	if r := do(p, "GET", "/", ""); r.Code() != 502 || r.Body() != "the weather service said 503" {
		t.Errorf("upstream down: %d %q", r.Code(), r.Body())
	}
}

// The README's event stream sends each event as it is made, sleeping in
// between, and stops sleeping when the client goes.
func TestReadmeSSE(t *testing.T) {
	p, lb := newPool(t, "ticks.lua", readmeScript(t, "-- ticks.lua"), Config{})
	start := time.Now()
	r := do(p, "GET", "/?n=3", "")
	if r.Body() != "data: tick 1\n\ndata: tick 2\n\ndata: tick 3\n\n" || r.SentHeader().Get("Content-Type") != "text/event-stream" {
		t.Errorf("%q %q (log %s)", r.Body(), r.SentHeader().Get("Content-Type"), lb)
	}
	if d := time.Since(start); d < 1400*time.Millisecond {
		t.Errorf("3 events in %v: the script did not sleep 0.5 s after each", d)
	}
	if r.Flushes() < 3 {
		t.Errorf("%d flushes, want one per event", r.Flushes())
	}
}

// The README's SQL example: a form posted, stored and listed escaped,
// with the migration its comment shows.
func TestReadmeNotes(t *testing.T) {
	plat := dbPlatform(t, "sqlite", 100)
	main := plat.Databases()["main"].DB
	if _, err := main.Exec(t.Context(), "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);", nil); err != nil {
		t.Fatal(err)
	}
	p, lb := newPool(t, "notes.js", readmeScript(t, "// notes.js"), Config{Platform: plat})
	r := do(p, "POST", "/notes", "body=%3Cb%3Ehi%3C%2Fb%3E", "REQUEST_METHOD", "POST", "CONTENT_TYPE", "application/x-www-form-urlencoded")
	if r.Code() != 303 || r.SentHeader().Get("Location") != "/notes" {
		t.Errorf("POST: %d %q (log %s)", r.Code(), r.SentHeader(), lb)
	}
	if r := do(p, "GET", "/notes", ""); r.Body() != "<ul><li>&lt;b&gt;hi&lt;/b&gt;</li></ul>" {
		t.Errorf("GET: %q", r.Body())
	}
}
