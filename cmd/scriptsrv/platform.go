// platform.go: the platform's config tables ([kv], [fetch], [env], the memory
// limits) and the server-wide state they make, which outlives reloads.

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"scriptsrv/host"
	"scriptsrv/host/caps"
	"scriptsrv/internal/kv"
	"scriptsrv/internal/outbound"
)

// KVConfig is [kv]: the store behind scripts' kv.
type KVConfig struct {
	// Capacity is what keys and values may hold in memory; past it the
	// least recently used entries are evicted. The memory store's only
	// (a SQLite file grows on disk; Redis has its own maxmemory). Default
	// "64MiB".
	Capacity Size `toml:"capacity"`
	// MaxValue is the largest value (as JSON text); a larger one is an
	// error naming this key. Default "1MiB".
	MaxValue Size `toml:"max_value"`
	// Store is where entries live: "memory" (lost at exit), "sqlite:PATH"
	// (a file relative to config.toml; survives restarts) or
	// "redis://[:PASSWORD@]HOST:PORT/DB" (shared by every instance that
	// names it). Default "memory".
	Store string `toml:"store"`
}

// EnvConfig is [env]: what scripts see of the environment (process.env,
// os.getenv). Nothing else of scriptsrv's environment is visible.
type EnvConfig struct {
	// Pass names variables taken from scriptsrv's own environment at start
	// and at SIGHUP; one that is not set is "" and a warning.
	Pass []string `toml:"pass"`
	// Vars are literal values; a passed variable of the same name wins.
	Vars map[string]string `toml:"vars"`
}

// FetchConfig is [fetch]: what scripts' outbound requests (fetch, http)
// may do.
type FetchConfig struct {
	// Timeout bounds one outbound request, never past the incoming
	// request's deadline. Default "10s".
	Timeout Duration `toml:"timeout"`
	// MaxResponse is the largest response body; a larger one is an error
	// and is read no further. Default "16MiB".
	MaxResponse Size `toml:"max_response"`
	// MaxPerRequest is how many outbound requests one incoming request
	// may make. Default 50.
	MaxPerRequest int `toml:"max_per_request"`
	// Allow, when not empty, lists every host scripts may reach:
	// "api.example.com", "*.internal" (its subdomains), "127.0.0.1:9200"
	// (with a port). A host it names may be private. Empty: any public
	// address.
	Allow []string `toml:"allow"`
	// DenyPrivate refuses loopback, private, link-local, multicast and
	// cloud metadata addresses — checked on the address dialled, after DNS
	// and every redirect — unless Allow names the host. Default true.
	DenyPrivate bool `toml:"deny_private"`
}

func defaultFetch() FetchConfig {
	return FetchConfig{Timeout: Duration{10 * time.Second}, MaxResponse: 16 << 20, MaxPerRequest: 50, DenyPrivate: true}
}

// outboundConfig is [fetch] for package outbound; validate has checked
// the patterns.
func (f FetchConfig) outboundConfig() outbound.Config {
	c := outbound.Config{Timeout: f.Timeout.Duration, MaxResponse: int64(f.MaxResponse), MaxPerRequest: f.MaxPerRequest, DenyPrivate: f.DenyPrivate}
	for _, a := range f.Allow {
		if p, err := outbound.ParsePattern(a); err == nil {
			c.Allow = append(c.Allow, p)
		}
	}
	return c
}

func (c *Config) validateFetch() []error {
	var errs []error
	f, t := c.Fetch, []string{"fetch"}
	bad := func(key, format string, args ...any) { errs = append(errs, c.errAt(t, key, 0, format, args...)) }
	if f.Timeout.Duration <= 0 {
		bad("timeout", "must be more than 0")
	}
	if f.MaxResponse <= 0 {
		bad("max_response", "must be more than 0")
	}
	if f.MaxPerRequest < 1 {
		bad("max_per_request", "must be 1 or more")
	}
	for _, a := range f.Allow {
		if _, err := outbound.ParsePattern(a); err != nil {
			bad("allow", "%v", err)
		}
	}
	return errs
}

func defaultKV() KVConfig { return KVConfig{Capacity: 64 << 20, MaxValue: 1 << 20, Store: "memory"} }

// validatePlatform checks [kv], [db.NAME], [fetch] and [env].
func (c *Config) validatePlatform() []error {
	var errs []error
	bad := func(table []string, key, format string, args ...any) {
		errs = append(errs, c.errAt(table, key, 0, format, args...))
	}
	k, t := c.KV, []string{"kv"}
	if k.Capacity <= 0 {
		bad(t, "capacity", "must be more than 0")
	}
	if k.MaxValue <= 0 || k.MaxValue > k.Capacity {
		bad(t, "max_value", "must be more than 0 and at most capacity (%d bytes)", k.Capacity)
	}
	errs = append(errs, c.validateData()...)
	errs = append(errs, c.validateFetch()...)
	for _, name := range c.Env.Pass {
		if err := checkEnvName(name); err != nil {
			bad([]string{"env"}, "pass", "%v", err)
		}
	}
	for name := range c.Env.Vars {
		if err := checkEnvName(name); err != nil {
			bad([]string{"env"}, "vars", "%v", err)
		}
	}
	return errs
}

func checkEnvName(name string) error {
	if name == "" || strings.ContainsAny(name, "=\x00") {
		return fmt.Errorf("bad variable name %q", name)
	}
	return nil
}

// environment is what scripts see: [env] vars, then pass from the
// process's environment. Unset passed names are warned about.
func (c *Config) environment(log *slog.Logger) map[string]string {
	env := make(map[string]string, len(c.Env.Vars)+len(c.Env.Pass))
	for k, v := range c.Env.Vars {
		env[k] = v
	}
	for _, name := range c.Env.Pass {
		v, ok := os.LookupEnv(name)
		if !ok {
			log.Warn("[env] pass names a variable that is not set; scripts see \"\"", "name", name)
		}
		env[name] = v
	}
	return env
}

// newPlatform makes the server-wide state of the capabilities: the kv
// store, the outbound client and the databases (migrated).
func newPlatform(ctx context.Context, c *Config, log *slog.Logger) (*caps.Platform, error) {
	store, err := openKV(ctx, c)
	if err != nil {
		return nil, err
	}
	dbs, err := openDatabases(ctx, c, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	p := &caps.Platform{KV: store, Fetch: outbound.New(c.Fetch.outboundConfig())}
	p.SetDatabases(dbs)
	return p, nil
}

// checkPlatform is the platform -check uses: nothing is opened (no
// database is reached, no migration runs), so scripts load as they would.
func checkPlatform(c *Config) *caps.Platform {
	return &caps.Platform{KV: kv.NewMemory(int64(c.KV.Capacity), int64(c.KV.MaxValue)), Fetch: outbound.New(c.Fetch.outboundConfig())}
}

// closePlatform closes what newPlatform opened.
func closePlatform(p *caps.Platform) {
	p.KV.Close()
	closeDatabases(p.Databases())
}

// updatePlatform applies a reloaded config: kv limits and [fetch] change
// at once; a different kv store takes effect at the next restart.
func updatePlatform(p *caps.Platform, old, cfg *Config, log *slog.Logger) {
	host.SetServerMemoryLimit(int64(cfg.Server.MemoryLimit))
	if cfg.KV.Store != old.KV.Store {
		log.Warn("reload: [kv] store changed; it takes effect at the next restart", "store", old.KV.Store)
		cfg.KV.Store = old.KV.Store
	}
	p.Fetch.SetConfig(cfg.Fetch.outboundConfig())
	switch s := p.KV.(type) {
	case *kv.Memory:
		s.SetLimits(int64(cfg.KV.Capacity), int64(cfg.KV.MaxValue))
	case *kv.SQLite:
		s.SetMaxValue(int64(cfg.KV.MaxValue))
	case *kv.Redis:
		s.SetMaxValue(int64(cfg.KV.MaxValue))
	}
}
