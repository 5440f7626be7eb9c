// parse.go: the two encodings, read as they stream in.

package form

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"os"
	"slices"

	"scriptsrv/cgi"
)

// parseURLEncoded reads name=value pairs separated by '&', one at a time.
func parseURLEncoded(body io.Reader, o Options) (*Form, error) {
	f := &Form{}
	br := bufio.NewReaderSize(body, 32<<10)
	for {
		pair, err := br.ReadSlice('&')
		var long []byte
		for errors.Is(err, bufio.ErrBufferFull) { // a long pair: gather it
			long = append(long, pair...)
			pair, err = br.ReadSlice('&')
		}
		if long != nil {
			pair = append(long, pair...)
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		pair = bytes.TrimSuffix(pair, []byte("&"))
		if len(pair) > 0 {
			if len(f.Fields) == o.MaxParts {
				return nil, tooMany(o)
			}
			if gerr := o.Grow(int64(len(pair))); gerr != nil {
				return nil, gerr
			}
			name, value, _ := bytes.Cut(pair, []byte("="))
			n, nerr := url.QueryUnescape(string(name))
			v, verr := url.QueryUnescape(string(value))
			if nerr != nil || verr != nil {
				return nil, fmt.Errorf("%w: bad %%-escape in %.40q", ErrMalformed, pair)
			}
			f.Fields = append(f.Fields, Field{Name: n, Value: v})
		}
		if err == io.EOF {
			return f, nil
		}
	}
}

// parseMultipart reads the parts one by one: fields into memory, files
// into memory up to MemoryPart and into a temp file past it.
func parseMultipart(body io.Reader, boundary string, o Options) (f *Form, err error) {
	f = &Form{}
	defer func() {
		if err != nil {
			f.Close()
			f = nil
		}
	}()
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextRawPart() // no transfer decoding: browsers send none
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return f, partError(err)
		}
		if len(f.Fields)+len(f.Files) == o.MaxParts {
			return f, tooMany(o)
		}
		name := part.FormName()
		if name == "" {
			return f, fmt.Errorf("%w: a part without a Content-Disposition form-data name", ErrMalformed)
		}
		if _, isFile := dispositionFilename(part); !isFile {
			v, err := readField(part, o)
			if err != nil {
				return f, err
			}
			f.Fields = append(f.Fields, Field{Name: name, Value: v})
			continue
		}
		file, err := readFile(part, name, o)
		if err != nil {
			return f, err
		}
		if file.Filename == "" && file.Size == 0 {
			continue // a file input left empty: browsers send this
		}
		f.Files = append(f.Files, file)
	}
}

// dispositionFilename reports whether the part is a file (its
// Content-Disposition has a filename parameter, even an empty one).
func dispositionFilename(p *multipart.Part) (string, bool) {
	if p.FileName() != "" {
		return p.FileName(), true
	}
	_, isFile := dispositionParams(p)["filename"]
	return "", isFile
}

func dispositionParams(p *multipart.Part) map[string]string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return nil
	}
	return params
}

// readField reads a field's value into memory.
func readField(part *multipart.Part, o Options) (string, error) {
	var b bytes.Buffer
	if err := copyCharged(&b, part, o); err != nil {
		return "", err
	}
	return b.String(), nil
}

// copyCharged copies r to w in pieces, charging each to Grow first.
func copyCharged(w io.Writer, r io.Reader, o Options) error {
	var buf [32 << 10]byte
	for {
		n, err := r.Read(buf[:])
		if n > 0 {
			if gerr := o.Grow(int64(n)); gerr != nil {
				return gerr
			}
			w.Write(buf[:n])
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return partError(err)
		}
	}
}

// readFile reads a file part: in memory up to MemoryPart, then spilled.
func readFile(part *multipart.Part, name string, o Options) (*File, error) {
	file := &File{Field: name, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type")}
	head, done, err := readHead(part, o.MemoryPart)
	if err != nil {
		return nil, partError(err)
	}
	if done {
		if gerr := o.Grow(int64(len(head))); gerr != nil {
			return nil, gerr
		}
		file.mem, file.Size = head, int64(len(head))
		return file, nil
	}
	// Past MemoryPart: the rest goes to disk.
	tmp, err := os.CreateTemp(o.TempDir, "scriptsrv-upload-*")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSpill, err)
	}
	os.Remove(tmp.Name()) // the open file lives on; nothing is left on disk
	file.spill = tmp
	if _, err := tmp.Write(head); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("%w: %v", ErrSpill, err)
	}
	n, err := io.Copy(spillWriter{tmp}, part)
	file.Size = int64(len(head)) + n
	if err != nil {
		tmp.Close()
		var se spillError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %v", ErrSpill, se.err)
		}
		return nil, partError(err)
	}
	return file, nil
}

// readHead reads up to max+1 bytes of r; done reports that r ended
// within max.
func readHead(r io.Reader, max int64) (head []byte, done bool, err error) {
	head = make([]byte, 0, min(max+1, 64<<10))
	for int64(len(head)) <= max {
		if len(head) == cap(head) {
			head = slices.Grow(head, int(min(int64(cap(head)), max+1-int64(len(head)))))
		}
		n, err := r.Read(head[len(head):min(int64(cap(head)), max+1)])
		head = head[:len(head)+n]
		if err == io.EOF {
			return head, true, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
	return head, false, nil
}

// spillWriter marks write errors apart from read errors in io.Copy.
type spillWriter struct{ f *os.File }

type spillError struct{ err error }

func (e spillError) Error() string { return e.err.Error() }

func (w spillWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		return n, spillError{err}
	}
	return n, nil
}

// partError keeps an error of the body itself (too large, timed out) as it
// is and calls anything else the multipart reader says malformed.
func partError(err error) error {
	if cgi.BodyStatus(err) != 0 || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the body ended inside a part (no closing boundary)", ErrMalformed)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}
