package host

import (
	"os"
	"regexp"
	"strings"
	"testing"
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
