package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// A Workers-style handler returning a Response with a ReadableStream body,
// through the binary on the HTTP front and behind nginx: the client gets
// the first event long before the stream ends.
func TestStreamingResponseBinary(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "events.ts"), []byte(`export default {
  fetch(request: Request): Response {
    let i = 0;
    const body = new ReadableStream({
      start(ctl) {
        const t = setInterval(() => {
          ctl.enqueue("data: event " + i + "\n\n");
          if (++i === 3) { clearInterval(t); ctl.close(); }
        }, 400);
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
  },
};
`), 0o644)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	fcgiAddr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	p := e2e.Start(t, dir, binary, "-http", httpAddr, "-fastcgi", fcgiAddr, "events.ts")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	bases := map[string]string{"http front": "http://" + httpAddr, "nginx": e2e.Nginx(t, fcgiAddr, true).URL}
	for name, base := range bases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			resp, err := http.Get(base + "/events")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			line, err := br.ReadString('\n')
			first := time.Since(start)
			if err != nil || line != "data: event 0\n" {
				t.Fatalf("first line %q, %v", line, err)
			}
			var rest []byte
			for {
				b, err := br.ReadByte()
				if err != nil {
					break
				}
				rest = append(rest, b)
			}
			total := time.Since(start)
			if string(rest) != "\ndata: event 1\n\ndata: event 2\n\n" {
				t.Errorf("the rest: %q", rest)
			}
			if first > 900*time.Millisecond || total < 1100*time.Millisecond {
				t.Errorf("first event after %v, all after %v: the body was not streamed", first, total)
			}
		})
	}
}
