// time.go: sleep (Lua): the script waits, the server does not; the wait
// ends early when the request does (timeout, client gone, shutdown).
// JavaScript has timers instead (host/js).

package caps

import (
	"fmt"
	"math"
	"time"

	"scriptsrv/host/engine"
)

func init() {
	engine.Define(&engine.Module{Lang: "lua", Funcs: []*engine.Func{
		{Name: "sleep", Params: []string{"seconds"}, Do: sleep},
	}})
}

func sleep(c *engine.Call, a *engine.Args) (any, error) {
	s := a.Number(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("want a number of seconds, 0 or more, got %v", s)
	}
	c.Req.Waiting(true)
	defer c.Req.Waiting(false)
	t := time.NewTimer(time.Duration(s * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.Context().Done():
	}
	return nil, nil
}
