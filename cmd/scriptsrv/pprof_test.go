package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// SCRIPTSRV_PPROF serves profiles on loopback only.
func TestPprof(t *testing.T) {
	var logb bytes.Buffer
	t.Setenv("SCRIPTSRV_PPROF", "0.0.0.0:6061")
	startPprof(slog.New(slog.NewTextHandler(&logb, nil)))
	if !strings.Contains(logb.String(), "must be a loopback") {
		t.Errorf("a public address was not refused: %s", logb.String())
	}
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	t.Setenv("SCRIPTSRV_PPROF", addr)
	startPprof(slog.New(slog.NewTextHandler(io.Discard, nil)))
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
