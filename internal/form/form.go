// Package form parses an HTML form submission — an
// application/x-www-form-urlencoded or multipart/form-data request body —
// as it streams in: fields are kept in memory, file parts up to a size are
// kept in memory and larger ones are spilled to an unlinked temp file, so a
// large upload costs disk, not memory.
//
// Not supported: multipart/mixed nested inside a part (the obsolete way to
// send several files under one name; browsers send one part per file), and
// charset parameters other than UTF-8 for field values (they are passed
// through as bytes).
package form

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"strings"
)

// Defaults of Options.
const (
	DefaultMemoryPart = 1 << 20
	DefaultMaxParts   = 1000
)

// Options bound a parse.
type Options struct {
	// MemoryPart is the largest file part kept in memory; a larger one is
	// spilled to a temp file. Default 1 MiB.
	MemoryPart int64
	// MaxParts is how many fields and files a form may have. Default 1000.
	MaxParts int
	// TempDir is where file parts spill. Default os.TempDir().
	TempDir string
	// Grow, if set, is told of bytes about to be kept in memory; its error
	// stops the parse and is returned as it is (a memory limit).
	Grow func(n int64) error
}

// Field is a form field that is not a file, in the order sent.
type Field struct {
	Name, Value string
}

// File is an uploaded file.
type File struct {
	Field       string // the form field's name
	Filename    string // the name the client gave, without any folder
	ContentType string // as the client sent it; "" when it sent none
	Size        int64
	mem         []byte
	spill       *os.File
}

// Spilled reports that the file's data is in a temp file, not in memory.
func (f *File) Spilled() bool { return f.spill != nil }

// Data returns the file's content. For a spilled file it reads the temp
// file; after [Form.Close] that fails with ErrClosed.
func (f *File) Data() ([]byte, error) {
	if f.spill == nil {
		if f.mem == nil {
			return []byte{}, nil
		}
		return f.mem, nil
	}
	b := make([]byte, f.Size)
	if _, err := f.spill.ReadAt(b, 0); err != nil && !(err == io.EOF && f.Size == 0) {
		if errors.Is(err, os.ErrClosed) {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("form: reading the spilled upload %q: %w", f.Filename, err)
	}
	return b, nil
}

// Form is a parsed form.
type Form struct {
	Fields []Field
	Files  []*File
}

// Close releases the temp files of spilled uploads (already unlinked:
// nothing is left on disk even if Close is never called, but the space is
// only freed when they are closed).
func (f *Form) Close() error {
	var first error
	for _, file := range f.Files {
		if file.spill != nil {
			if err := file.spill.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// Errors. A malformed body is the client's fault; an unsupported type is
// too; a spill that fails is the server's.
var (
	ErrMalformed   = errors.New("malformed form body")
	ErrContentType = errors.New("not a form")
	ErrTooMany     = errors.New("too many form parts")
	ErrSpill       = errors.New("spilling an upload to disk failed")
	ErrClosed      = errors.New("the upload's data is gone: the request that received it is over")
)

// Parse reads a form from body, whose Content-Type is contentType. An
// empty body is an empty form, whatever the type (a GET). On error
// nothing is left open. Errors wrap one of the package's errors, or are
// body's own read error (which says what went wrong with the body).
func Parse(body io.Reader, contentType string, o Options) (*Form, error) {
	o = o.withDefaults()
	var first [1]byte
	n, err := io.ReadFull(body, first[:])
	if n == 0 {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return &Form{}, nil // no body (a GET): an empty form, whatever the type
		}
		return nil, err
	}
	body = io.MultiReader(bytes.NewReader(first[:]), body)
	if strings.TrimSpace(contentType) == "" {
		return nil, fmt.Errorf("%w: the request has a body but no Content-Type (want application/x-www-form-urlencoded or multipart/form-data)", ErrContentType)
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("%w: Content-Type %q: %v", ErrMalformed, contentType, err)
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		return parseURLEncoded(body, o)
	case "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, fmt.Errorf("%w: multipart/form-data without a boundary", ErrMalformed)
		}
		return parseMultipart(body, boundary, o)
	}
	return nil, fmt.Errorf("%w: the body is %s (want application/x-www-form-urlencoded or multipart/form-data)", ErrContentType, mediaType)
}

func (o Options) withDefaults() Options {
	if o.MemoryPart <= 0 {
		o.MemoryPart = DefaultMemoryPart
	}
	if o.MaxParts <= 0 {
		o.MaxParts = DefaultMaxParts
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	if o.Grow == nil {
		o.Grow = func(int64) error { return nil }
	}
	return o
}

// tooMany is the error of a form past MaxParts.
func tooMany(o Options) error {
	return fmt.Errorf("%w: more than %d fields and files", ErrTooMany, o.MaxParts)
}
