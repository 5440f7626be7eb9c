package form

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"scriptsrv/cgi"
)

// multipartBody builds a multipart/form-data body: parts are name, value
// pairs, a name "file:NAME:FILENAME:TYPE" making a file part.
func multipartBody(t testing.TB, parts ...string) (string, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i < len(parts); i += 2 {
		if f, ok := strings.CutPrefix(parts[i], "file:"); ok {
			name, rest, _ := strings.Cut(f, ":")
			filename, ctype, _ := strings.Cut(rest, ":")
			h := make(map[string][]string)
			h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, name, filename)}
			if ctype != "" {
				h["Content-Type"] = []string{ctype}
			}
			pw, err := w.CreatePart(h)
			if err != nil {
				t.Fatal(err)
			}
			pw.Write([]byte(parts[i+1]))
			continue
		}
		w.WriteField(parts[i], parts[i+1])
	}
	w.Close()
	return b.String(), w.FormDataContentType()
}

// summary is a form as text, for comparisons.
func summary(t *testing.T, f *Form) string {
	var out []string
	for _, x := range f.Fields {
		out = append(out, x.Name+"="+x.Value)
	}
	for _, x := range f.Files {
		data, err := x.Data()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s:%s:%s:%d:%v:%.10s", x.Field, x.Filename, x.ContentType, x.Size, x.Spilled(), data))
	}
	return strings.Join(out, " ")
}

func TestParse(t *testing.T) {
	big := strings.Repeat("b", 3000)
	mp := func(parts ...string) [2]string { b, ct := multipartBody(t, parts...); return [2]string{b, ct} }
	cases := []struct {
		name  string
		in    [2]string // body, content type
		want  string
		err   error
		inErr string
	}{
		{name: "urlencoded", in: [2]string{"a=1&tags%5B%5D=x&tags%5B%5D=y+z&e=&b=%C3%A9", "application/x-www-form-urlencoded"}, want: "a=1 tags[]=x tags[]=y z e= b=é"},
		{name: "urlencoded with charset", in: [2]string{"a=1", "application/x-www-form-urlencoded; charset=UTF-8"}, want: "a=1"},
		{name: "urlencoded empty pairs", in: [2]string{"&&a&", "application/x-www-form-urlencoded"}, want: "a="},
		{name: "urlencoded long pair", in: [2]string{"k=" + strings.Repeat("v", 100000), "application/x-www-form-urlencoded"}, want: "k=" + strings.Repeat("v", 100000)},
		{name: "urlencoded bad escape", in: [2]string{"a=%zz", "application/x-www-form-urlencoded"}, err: ErrMalformed},
		{name: "empty GET", in: [2]string{"", ""}, want: ""},
		{name: "body without a type", in: [2]string{"x", ""}, err: ErrContentType},
		{name: "json is not a form", in: [2]string{"{}", "application/json"}, err: ErrContentType, inErr: "the body is application/json"},
		{name: "bad content type", in: [2]string{"x", "multipart/form-data; boundary"}, err: ErrMalformed},
		{name: "no boundary", in: [2]string{"x", "multipart/form-data"}, err: ErrMalformed, inErr: "without a boundary"},
		{name: "multipart fields and files", in: mp("a", "1", "tags[]", "x", "tags[]", "y", "file:up:notes.txt:text/plain", "hello", "file:bin:../../x.bin:", "\x00\x01"),
			want: "a=1 tags[]=x tags[]=y up:notes.txt:text/plain:5:false:hello bin:x.bin::2:false:\x00\x01"},
		{name: "empty file input skipped", in: mp("a", "1", "file:up::application/octet-stream", ""), want: "a=1"},
		{name: "empty file with a name kept", in: mp("file:up:e.txt:", ""), want: "up:e.txt::0:false:"},
		{name: "file past MemoryPart spills", in: mp("file:up:big.txt:text/plain", big), want: "up:big.txt:text/plain:3000:true:bbbbbbbbbb"},
		{name: "file at MemoryPart stays", in: mp("file:up:b.txt:", big[:1000]), want: "up:b.txt::1000:false:bbbbbbbbbb"},
		{name: "field past MemoryPart stays a field", in: mp("long", big), want: "long=" + big},
		{name: "no closing boundary", in: [2]string{"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", "multipart/form-data; boundary=B"}, err: ErrMalformed, inErr: "no closing boundary"},
		{name: "part without a name", in: [2]string{"--B\r\nContent-Type: text/plain\r\n\r\n1\r\n--B--\r\n", "multipart/form-data; boundary=B"}, err: ErrMalformed, inErr: "without a Content-Disposition"},
		{name: "garbage", in: [2]string{"garbage", "multipart/form-data; boundary=B"}, err: ErrMalformed},
		{name: "too many", in: [2]string{strings.Repeat("a=1&", 6), "application/x-www-form-urlencoded"}, err: ErrTooMany, inErr: "more than 5"},
		{name: "too many multipart", in: mp("a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"), err: ErrTooMany},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := Options{MemoryPart: 1000, MaxParts: 5, TempDir: t.TempDir()}
			if c.name == "urlencoded long pair" || c.name == "multipart fields and files" {
				opts.MaxParts = 0
			}
			f, err := Parse(iotest.HalfReader(strings.NewReader(c.in[0])), c.in[1], opts)
			if c.err != nil {
				if !errors.Is(err, c.err) || !strings.Contains(fmt.Sprint(err), c.inErr) {
					t.Fatalf("error %v, want %v with %q", err, c.err, c.inErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := summary(t, f); got != c.want {
				t.Errorf("got %.200q, want %.200q", got, c.want)
			}
			if left, _ := os.ReadDir(opts.TempDir); len(left) != 0 {
				t.Errorf("%d files left in the temp dir (spills are unlinked at once)", len(left))
			}
		})
	}
}

// A spilled file's data is gone once the form is closed, with an error
// that says so; a body error (too large) is passed on as it is, for its
// status; Grow's error stops the parse.
func TestCloseBodyErrorsAndGrow(t *testing.T) {
	body, ct := multipartBody(t, "file:up:big.txt:", strings.Repeat("x", 5000))
	f, err := Parse(strings.NewReader(body), ct, Options{MemoryPart: 100})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := f.Files[0].Data(); !errors.Is(err, ErrClosed) {
		t.Errorf("data after close: %v, want ErrClosed", err)
	}

	tooLarge := io.MultiReader(strings.NewReader(body[:200]), iotest.ErrReader(cgi.ErrBodyTooLarge))
	if _, err := Parse(tooLarge, ct, Options{}); cgi.BodyStatus(err) != 413 {
		t.Errorf("body too large: %v (status %d), want 413 passed on", err, cgi.BodyStatus(err))
	}

	limit := errors.New("memory limit")
	charged := int64(0)
	grow := func(n int64) error {
		charged += n
		if charged > 3000 {
			return limit
		}
		return nil
	}
	if _, err := Parse(strings.NewReader(body), ct, Options{MemoryPart: 1 << 20, Grow: grow}); !errors.Is(err, limit) {
		t.Errorf("grow: %v, want the limit's error", err)
	}
}

func FuzzParse(f *testing.F) {
	body, ct := multipartBody(f, "a", "1", "file:up:x.txt:text/plain", "hello")
	f.Add([]byte(body), ct[len("multipart/form-data; boundary="):], false)
	f.Add([]byte("a=1&b=%20"), "", true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte, boundary string, urlencoded bool) {
		ct := "multipart/form-data; boundary=" + boundary
		if urlencoded {
			ct = "application/x-www-form-urlencoded"
		}
		form, err := Parse(bytes.NewReader(in), ct, Options{MemoryPart: 64, MaxParts: 50, TempDir: dir})
		if err != nil {
			if form != nil {
				t.Fatal("a form and an error")
			}
			return
		}
		defer form.Close()
		total := 0
		for _, x := range form.Fields {
			total += len(x.Value)
		}
		for _, x := range form.Files {
			data, err := x.Data()
			if err != nil || int64(len(data)) != x.Size {
				t.Fatalf("file %q: %d bytes, %v; size %d", x.Filename, len(data), err, x.Size)
			}
			total += len(data)
		}
		if total > len(in) {
			t.Fatalf("%d bytes of values from a %d-byte body", total, len(in))
		}
	})
}

// BenchmarkMultipart5MB is the form of a 5 MB upload with one file (the
// issue's target: 50 ms).
func BenchmarkMultipart5MB(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16)
	body, ct := multipartBody(b, "title", "holiday", "file:photo:p.jpg:image/jpeg", string(data))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(strings.NewReader(body), ct, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if d, _ := f.Files[0].Data(); len(d) != len(data) {
			b.Fatal(len(d))
		}
		f.Close()
	}
}
