// api.go: the script API's output functions (SCRIPT_API.md, "Output") and
// the fields of req ("Input").

package caps

import (
	"log/slog"

	"scriptsrv/host/engine"
)

func init() {
	engine.Define(&engine.Module{Funcs: []*engine.Func{
		{Name: "header", Params: []string{"name", "value", "append?"}, Do: header},
		{Name: "status", Params: []string{"code"}, Do: status},
		{Name: "send", Params: []string{"body"}, Do: send},
		{Name: "flush", Do: flush},
	}})
	engine.Define(&engine.Module{Name: "stdout", Lang: "js", Funcs: []*engine.Func{
		{Name: "write", Params: []string{"data"}, Do: stdoutWrite},
	}})
	engine.Define(&engine.Module{Name: "stderr", Lang: "js", Funcs: []*engine.Func{
		{Name: "write", Params: []string{"data"}, Do: stderrWrite},
	}})
	engine.DefineReq([]engine.ReqField{
		{Name: "params", Get: func(r engine.Request) any { return engine.ParamsMap(r.Params()) }},
		{Name: "method", Get: func(r engine.Request) any { return r.Params().Get("REQUEST_METHOD") }},
		{Name: "path", Get: func(r engine.Request) any { return r.Path() }},
		{Name: "query", Get: func(r engine.Request) any { return r.Query() }},
		{Name: "headers", Get: func(r engine.Request) any { return r.Headers() }},
	})
}

func header(c *engine.Call, a *engine.Args) (any, error) {
	name, value, add := a.String(0), a.String(1), a.Bool(2)
	if a.Err() != nil {
		return nil, a.Err()
	}
	return nil, c.Req.Header(name, value, add)
}

func status(c *engine.Call, a *engine.Args) (any, error) {
	code := a.Int(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	return nil, c.Req.Status(code)
}

// send is send(x): strings and bytes as they are, objects as JSON.
func send(c *engine.Call, a *engine.Args) (any, error) {
	switch a.Kind(0) {
	case engine.KindUndefined, engine.KindNull:
		return nil, c.Req.Send(nil, "")
	case engine.KindString, engine.KindBytes:
		return nil, c.Req.Send(a.Bytes(0), "")
	case engine.KindObject:
		b, ok := a.JSON(0)
		if a.Err() != nil || !ok {
			return nil, a.Err() // JSON.stringify's undefined sends nothing
		}
		return nil, c.Req.Send(b, "application/json")
	case engine.KindFunc:
		return nil, nil // as JSON.stringify(function): nothing
	}
	return nil, c.Req.Send([]byte(a.Src.String(0)), "")
}

func flush(c *engine.Call, a *engine.Args) (any, error) { return nil, c.Req.Flush() }

func stdoutWrite(c *engine.Call, a *engine.Args) (any, error) {
	b := a.Bytes(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	return nil, c.Req.Write(b)
}

func stderrWrite(c *engine.Call, a *engine.Args) (any, error) {
	b := a.Bytes(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	c.Req.Stderr(slog.LevelInfo, "stderr", b)
	return nil, nil
}
