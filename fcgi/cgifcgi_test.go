package fcgi

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"scriptsrv/internal/e2e"
)

// F8, F9, O8: the real cgi-fcgi from Debian's libfcgi-bin: raw CGI output
// on its stdout, a body from its stdin, a 20 KB variable split across
// PARAMS records, and its exit status following END_REQUEST's app status.
func TestCgiFcgi(t *testing.T) {
	bin := e2e.Need(t, "cgi-fcgi")
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			ts := startServer(t, network, nil)
			run := func(uri, body string, env ...string) (string, int) {
				cmd := exec.Command(bin, "-bind", "-connect", ts.addr)
				cmd.Env = append(os.Environ(), "REQUEST_METHOD=POST", "REQUEST_URI="+uri, fmt.Sprintf("CONTENT_LENGTH=%d", len(body)))
				cmd.Env = append(cmd.Env, env...)
				cmd.Stdin = strings.NewReader(body)
				var out bytes.Buffer
				cmd.Stdout = &out
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				return out.String(), code
			}
			out, code := run("/echo", "hello")
			if want := fmt.Sprintf("len=5 sha=%x", sha256.Sum256([]byte("hello"))); code != 0 || !strings.Contains(out, want) || !strings.HasPrefix(out, "Content-Type: text/plain\r\n") {
				t.Errorf("echo: exit %d, %q", code, out)
			}
			big := strings.Repeat("a", 20000)
			out, code = run("/echo", "", "HTTP_X="+big, "BIG="+big)
			if code != 0 || !strings.Contains(out, "x="+big) {
				t.Errorf("20 KB variable: exit %d, %d bytes out", code, len(out))
			}
			if _, code = run("/panic", ""); code != 1 {
				t.Errorf("failing handler: exit %d, want 1", code)
			}
		})
	}
}
