package main

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

// A 100 MiB multipart upload through the real binary: req.form() parses it
// as it streams in, the file spills to an unlinked temp file, RSS grows by
// at most 32 MiB, and nothing is left open or on disk after the request.
func TestFormUploadBinary(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "up.js"), []byte(`function handle(req) {
  const f = req.form();
  const up = f.files.up;
  return f.fields.title + " " + up.filename + " " + up.size;
}`), 0o644)
	os.WriteFile(filepath.Join(dir, "up.lua"), []byte(`function handle(req)
  local f = req.form()
  return f.fields.title .. " " .. f.files.up.filename .. " " .. f.files.up.size
end`), 0o644)
	addr := fmt.Sprintf("127.0.0.1:%d", e2e.FreePort(t))
	conf := fmt.Sprintf("[server]\nfastcgi = \"\"\nhttp = %q\n[pool]\nworkers = 1\nmax_body = \"200MiB\"\n"+
		"[[route]]\npath = \"/up.js\"\nscript = \"up.js\"\n[[route]]\npath = \"/up.lua\"\nscript = \"up.lua\"\n", addr)
	os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o644)
	p := e2e.StartEnv(t, dir, []string{"TMPDIR=" + tmp}, binary, "-config", "config.toml")
	e2e.WaitLog(t, p, "msg=ready", 10*time.Second)
	pid := p.Cmd.Process.Pid
	for _, path := range []string{"/up.js", "/up.lua"} {
		get(t, "http://"+addr+path) // warm: a GET has an empty form
		before := rss(t, pid)
		stop := make(chan struct{})
		peak := peakRSS(t, pid, stop)
		var openSeen atomic.Bool
		go watchUploadFiles(pid, stop, &openSeen)
		body, ctype := streamMultipart(100 << 20)
		resp, err := http.Post("http://"+addr+path, ctype, body)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		close(stop)
		top := peak()
		t.Logf("%s: 100 MiB upload, RSS %d MiB before, %d MiB at peak", path, before>>20, top>>20)
		if resp.StatusCode != 200 || string(got) != fmt.Sprintf("holiday photo.bin %d", 100<<20) {
			t.Errorf("%s: %d %q", path, resp.StatusCode, got)
		}
		if grew := top - before; grew > 32<<20 {
			t.Errorf("%s: RSS grew by %d MiB parsing a 100 MiB upload, want at most 32", path, grew>>20)
		}
		if !openSeen.Load() {
			t.Errorf("%s: the upload never spilled to a temp file", path)
		}
		if n := uploadFiles(pid); n != 0 {
			t.Errorf("%s: %d spilled uploads still open after the request", path, n)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("%s: %d files left in TMPDIR", path, len(left))
		}
	}
}

// streamMultipart makes a multipart body with a title field and one file
// of size bytes, generated as it is read.
func streamMultipart(size int) (io.Reader, string) {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		w.WriteField("title", "holiday")
		part, _ := w.CreateFormFile("up", "photo.bin")
		chunk := []byte(strings.Repeat("0123456789abcdef", 4096))
		for left := size; left > 0; left -= len(chunk) {
			if _, err := part.Write(chunk[:min(len(chunk), left)]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(w.Close())
	}()
	return pr, w.FormDataContentType()
}

// uploadFiles counts the process's open spilled uploads.
func uploadFiles(pid int) int {
	n := 0
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.Contains(target, "scriptsrv-upload-") {
			n++
		}
	}
	return n
}

// watchUploadFiles notes whether a spilled upload was ever open.
func watchUploadFiles(pid int, stop chan struct{}, seen *atomic.Bool) {
	for {
		if uploadFiles(pid) > 0 {
			seen.Store(true)
		}
		select {
		case <-stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}
