// form.go: req.form(), the request body parsed as a form (PLATFORM.md,
// "Request and response helpers"), over package internal/form.

package caps

import (
	"bytes"
	"errors"
	"net/http"

	"scriptsrv/cgi"
	"scriptsrv/host/engine"
	"scriptsrv/internal/form"
)

func init() {
	engine.DefineReq(nil, &engine.Func{Name: "form", Do: reqForm})
	engine.Define(&engine.Module{Lang: "js", Internal: true, Funcs: []*engine.Func{
		{Name: "parseForm", Params: []string{"body", "contentType"}, TopLevel: true, Do: parseForm},
	}})
}

// parseForm is the form in a body already in memory (Request.formData()):
// [[name, value]…], a file's value {filename, type, data}.
func parseForm(c *engine.Call, a *engine.Args) (any, error) {
	body, ctype := a.Bytes(0), a.String(1)
	if a.Err() != nil {
		return nil, a.Err()
	}
	grow := func(int64) error { return nil }
	if c.Req != nil {
		grow = c.Req.Grow
	}
	f, err := form.Parse(bytes.NewReader(body), ctype, form.Options{MemoryPart: int64(len(body)) + 1, Grow: grow})
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(f.Fields)+len(f.Files))
	for _, x := range f.Fields {
		out = append(out, []any{x.Name, x.Value})
	}
	for _, x := range f.Files {
		data, _ := x.Data()
		out = append(out, []any{x.Field, engine.Map{{Key: "filename", Value: x.Filename}, {Key: "type", Value: x.ContentType}, {Key: "data", Value: data}}})
	}
	return out, nil
}

// formKey keeps a request's parsed form: the body can be read once, so a
// second req.form() gives the same fields and files.
type formKey struct{}

func reqForm(c *engine.Call, a *engine.Args) (any, error) {
	if v := c.Req.Local(formKey{}); v != nil {
		return v, nil
	}
	r := c.Req
	f, err := form.Parse(r.Body(), r.Params().Get("CONTENT_TYPE"), form.Options{
		TempDir: platform(c).TempDir,
		Grow:    r.Grow,
	})
	if err != nil {
		return nil, formError(r, err)
	}
	r.OnEnd(func() { f.Close() })
	v := formValue(f, r)
	r.SetLocal(formKey{}, v)
	return v, nil
}

// formError says what was wrong and records the body's status: 400 for a
// malformed body, 415 for one that is not a form, 503 when an upload could
// not be spilled; a body that failed on its own (413, 408) keeps its
// status; a memory limit stops the script.
func formError(r engine.Request, err error) error {
	status := 0
	switch {
	case engine.IsFatal(err):
		return err
	case errors.Is(err, form.ErrMalformed), errors.Is(err, form.ErrTooMany):
		status = http.StatusBadRequest
	case errors.Is(err, form.ErrContentType):
		status = http.StatusUnsupportedMediaType
	case errors.Is(err, form.ErrSpill):
		status = http.StatusServiceUnavailable
	}
	if status != 0 {
		r.BodyFailed(&cgi.BodyError{Status: status, Err: err})
	}
	return err
}

// formValue is what the script sees: fields (name → first value),
// fieldsAll (name → every value), files (name → the first file) and
// filesAll (name → every file).
func formValue(f *form.Form, r engine.Request) *engine.Object {
	fields, fieldsAll := map[string]any{}, map[string]any{}
	for _, x := range f.Fields {
		if _, ok := fields[x.Name]; !ok {
			fields[x.Name] = x.Value
			fieldsAll[x.Name] = []any{}
		}
		fieldsAll[x.Name] = append(fieldsAll[x.Name].([]any), x.Value)
	}
	files, filesAll := map[string]any{}, map[string]any{}
	for _, x := range f.Files {
		fv := fileValue(x, r)
		if _, ok := files[x.Field]; !ok {
			files[x.Field] = fv
			filesAll[x.Field] = []any{}
		}
		filesAll[x.Field] = append(filesAll[x.Field].([]any), fv)
	}
	return &engine.Object{Name: "req.form()", Fields: engine.Map{
		{Key: "fields", Value: fields}, {Key: "fieldsAll", Value: fieldsAll},
		{Key: "files", Value: files}, {Key: "filesAll", Value: filesAll},
	}}
}

// fileValue is one upload: its data is read (and charged to the request's
// memory) only when the script reads it.
func fileValue(x *form.File, r engine.Request) *engine.Object {
	data := engine.Lazy(func() (any, error) {
		if x.Spilled() {
			if err := r.Grow(x.Size); err != nil {
				return nil, err
			}
		}
		b, err := x.Data()
		if err != nil {
			return nil, &engine.CallError{Call: "req.form(): file data", Err: err}
		}
		return b, nil
	})
	return &engine.Object{Fields: engine.Map{
		{Key: "filename", Value: x.Filename}, {Key: "type", Value: x.ContentType},
		{Key: "size", Value: x.Size}, {Key: "data", Value: data},
	}}
}
