// kv.go: kv, the store every interpreter of the server shares
// (PLATFORM.md, "Shared state"). Values are JSON: what goes in comes out
// equal.

package caps

import (
	"errors"
	"fmt"
	"math"
	"time"

	"scriptsrv/host/engine"
	"scriptsrv/internal/kv"
)

func init() {
	kvFunc := func(name string, params []string, options []string, do func(*engine.Call, *engine.Args, kv.Store) (any, error)) *engine.Func {
		return &engine.Func{Name: name, Params: params, Options: options, TopLevel: true,
			Do: func(c *engine.Call, a *engine.Args) (any, error) {
				s := platform(c).KV
				if s == nil {
					return nil, fmt.Errorf("no kv store (the server has no [kv])")
				}
				return do(c, a, s)
			}}
	}
	engine.Define(&engine.Module{Name: "kv", Funcs: []*engine.Func{
		kvFunc("get", []string{"key"}, nil, kvGet),
		kvFunc("set", []string{"key", "value"}, []string{"ttl"}, kvSet),
		kvFunc("add", []string{"key", "value"}, []string{"ttl"}, kvAdd),
		kvFunc("replace", []string{"key", "value"}, []string{"ttl"}, kvReplace),
		kvFunc("incr", []string{"key", "delta?"}, []string{"init", "ttl"}, kvIncr),
		kvFunc("delete", []string{"key"}, nil, kvDelete),
		kvFunc("ttl", []string{"key"}, nil, kvTTL),
		kvFunc("expire", []string{"key", "ttl"}, nil, kvExpire),
		kvFunc("keys", []string{"prefix?", "limit?"}, nil, kvKeys),
	}})
}

// key reads and checks the key argument.
func key(a *engine.Args) string {
	k := a.String(0)
	if a.Err() == nil {
		if err := kv.CheckKey(k); err != nil {
			a.Fail(err)
		}
	}
	return k
}

// seconds turns a ttl in seconds (fractions allowed) into a duration.
func seconds(a *engine.Args, f float64) time.Duration {
	if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		a.Fail(fmt.Errorf("ttl must be a number of seconds, 0 or more, got %v", f))
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

// value reads the value argument as JSON.
func value(a *engine.Args) []byte {
	if k := a.Kind(1); k == engine.KindFunc || k == engine.KindOther {
		a.Fail(fmt.Errorf("argument 2 (value): %s cannot be stored (not a JSON value)", k))
		return nil
	}
	b, ok := a.JSON(1)
	if a.Err() == nil && !ok {
		a.Fail(fmt.Errorf("argument 2 (value): %s cannot be stored (not a JSON value)", a.Kind(1)))
	}
	return b
}

func kvGet(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	k := key(a)
	if a.Err() != nil {
		return nil, a.Err()
	}
	v, ok, err := s.Get(c.Context(), k)
	if err != nil || !ok {
		return engine.Null, err
	}
	if c.Req != nil {
		if err := c.Req.Grow(int64(len(v))); err != nil {
			return nil, err
		}
	}
	return engine.JSON(v), nil
}

func kvSet(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	k, v, ttl := key(a), value(a), seconds(a, a.OptNumberOf("ttl", 0))
	if a.Err() != nil {
		return nil, a.Err()
	}
	return nil, s.Set(c.Context(), k, v, ttl)
}

func kvAdd(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	k, v, ttl := key(a), value(a), seconds(a, a.OptNumberOf("ttl", 0))
	if a.Err() != nil {
		return nil, a.Err()
	}
	return s.Add(c.Context(), k, v, ttl)
}

func kvReplace(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	k, v, ttl := key(a), value(a), seconds(a, a.OptNumberOf("ttl", 0))
	if a.Err() != nil {
		return nil, a.Err()
	}
	return s.Replace(c.Context(), k, v, ttl)
}

func kvIncr(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	k, delta := key(a), a.OptNumber(1, 1)
	init, ttl := a.OptNumberOf("init", 0), seconds(a, a.OptNumberOf("ttl", 0))
	if a.Err() != nil {
		return nil, a.Err()
	}
	n, err := s.Incr(c.Context(), k, delta, init, ttl)
	if errors.Is(err, kv.ErrNotNumber) {
		return nil, fmt.Errorf("value of %q is not a number", k)
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

func kvDelete(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	k := key(a)
	if a.Err() != nil {
		return nil, a.Err()
	}
	return s.Delete(c.Context(), k)
}

func kvTTL(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	k := key(a)
	if a.Err() != nil {
		return nil, a.Err()
	}
	left, ok, err := s.TTL(c.Context(), k)
	if err != nil || !ok {
		return engine.Null, err
	}
	return left.Seconds(), nil
}

func kvExpire(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	k, ttl := key(a), seconds(a, a.Number(1))
	if a.Err() != nil {
		return nil, a.Err()
	}
	return s.Expire(c.Context(), k, ttl)
}

func kvKeys(c *engine.Call, a *engine.Args, s kv.Store) (any, error) {
	prefix, limit := a.OptString(0, ""), a.OptNumber(1, 1000)
	if a.Err() != nil {
		return nil, a.Err()
	}
	keys, err := s.Keys(c.Context(), prefix, int(limit))
	if err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}
