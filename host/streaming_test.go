package host

import (
	"strings"
	"testing"
	"time"
)

// A Response with a ReadableStream body streams: the head and each chunk
// go out as the source enqueues them (a flush each), not at the end; a
// pull source, a source that fails half way (the answer is cut, the error
// logged) and a stream body the script reads whole itself.
func TestStreamingResponse(t *testing.T) {
	p, lb := poolFor(t, apiFile("streaming.js"), Config{Workers: 1})
	start := time.Now()
	r := do(p, "GET", "/?case=timer", "")
	if r.Code() != 200 || r.Body() != "chunk 0\nchunk 1\nchunk 2\n" || r.SentHeader().Get("Content-Type") != "text/event-stream" {
		t.Fatalf("timer source: %d %q %v (log %s)", r.Code(), r.Body(), r.SentHeader(), lb)
	}
	if r.Flushes() < 4 || time.Since(start) < 250*time.Millisecond {
		t.Errorf("%d flushes in %v: the chunks did not go out as they came", r.Flushes(), time.Since(start))
	}
	if r := do(p, "GET", "/?case=pull", ""); r.Code() != 201 || r.Body() != "part 0;part 1;part 2;" {
		t.Errorf("pull source: %d %q", r.Code(), r.Body())
	}
	if r := do(p, "GET", "/?case=error", ""); r.Body() != "before;" {
		t.Errorf("a source that fails: %d %q", r.Code(), r.Body())
	}
	waitFor(t, "the stream's error in the log", func() bool { return strings.Contains(lb.String(), "the source broke") })
	if r := do(p, "GET", "/?case=read", ""); r.Code() != 200 || r.Body() != "late text" {
		t.Errorf("a stream read whole: %d %q", r.Code(), r.Body())
	}
}
