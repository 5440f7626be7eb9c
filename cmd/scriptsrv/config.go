// config.go: config.toml: defaults, decoding, validation with errors that
// name the file, line and key.

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"scriptsrv/host"
)

// Duration is a TOML duration string such as "30s" or "1m30s".
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration; negative ones are refused.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q (want e.g. \"30s\", \"500ms\", \"2m\")", b)
	}
	if v < 0 {
		return fmt.Errorf("bad duration %q: negative", b)
	}
	d.Duration = v
	return nil
}

// Size is a TOML size string such as "16MiB", "512KiB", "1GB" or "4096".
type Size int64

var sizeRe = regexp.MustCompile(`^\s*(\d+)\s*([KMGT]I?B?|B)?\s*$`)

// UnmarshalText parses a size with an optional unit (KiB=1024, KB=1000);
// "" is 0.
func (s *Size) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*s = 0 // "": none
		return nil
	}
	m := sizeRe.FindStringSubmatch(strings.ToUpper(string(b)))
	if m == nil {
		return fmt.Errorf("bad size %q (want e.g. \"16MiB\", \"512KiB\", \"1048576\")", b)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return fmt.Errorf("bad size %q: %w", b, err)
	}
	unit := strings.TrimSuffix(m[2], "B")
	mult := int64(1)
	if unit != "" {
		base := int64(1000)
		if strings.HasSuffix(unit, "I") {
			base = 1024
		}
		for range strings.Index("KMGT", unit[:1]) + 1 {
			mult *= base
		}
	}
	*s = Size(n * mult)
	return nil
}

// ServerConfig is [server].
type ServerConfig struct {
	// FastCGI is the FastCGI listener: "host:port", "[::1]:port" or
	// "unix:PATH"; "" turns it off. Default "127.0.0.1:9000".
	FastCGI string `toml:"fastcgi"`
	// HTTP is the HTTP front's listener, "host:port"; "" turns it off.
	// Default "127.0.0.1:8080".
	HTTP string `toml:"http"`
	// AllowedClients are the FastCGI peer IPs or CIDRs allowed; empty: any
	// (FCGI_WEB_SERVER_ADDRS is honoured too). Default [].
	AllowedClients []string `toml:"allowed_clients"`
	// SocketMode is the permission of a unix socket, octal. Default "0660".
	SocketMode string `toml:"socket_mode"`
	// SocketGroup is the group a unix socket is given (a name or number),
	// so a web server running as another user can connect: "www-data".
	// Default "" (scriptsrv's own group).
	SocketGroup string `toml:"socket_group"`
	// ShutdownTimeout is how long requests in progress may finish after
	// SIGTERM/SIGINT. Default "10s".
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// Debug puts error details (message, file:line, stack) in responses.
	// Default false.
	Debug bool `toml:"debug"`
	// StatusPath answers pool and request figures as JSON. Default "" (off).
	StatusPath string `toml:"status_path"`
	// MetricsPath answers Prometheus text format. Default "" (off).
	MetricsPath string `toml:"metrics_path"`
	// Reload reloads a script when its file or a module it loaded changes.
	// Default true.
	Reload bool `toml:"reload"`
	// LogFormat is "text" or "json". Default "text".
	LogFormat string `toml:"log_format"`
	// LogLevel is debug, info, warn or error. Default "info".
	LogLevel string `toml:"log_level"`
	// HealthPath answers 200, or 503 while draining. Default "" (off).
	HealthPath string `toml:"health_path"`
	// StatusClients may read StatusPath and MetricsPath (by REMOTE_ADDR);
	// [] means anyone. Default ["127.0.0.0/8", "::1"].
	StatusClients []string `toml:"status_clients"`
	// AccessLog logs one line per request. Default false.
	AccessLog bool `toml:"access_log"`
	// SlowLog logs requests slower than this with the script's stack; 0:
	// off. Default "0s".
	SlowLog Duration `toml:"slow_log"`
	// MemoryLimit is a soft limit for the whole process (as GOMEMLIMIT):
	// the collector works harder near it, and past it the request holding
	// the most is stopped. "" or 0: none. Default "".
	MemoryLimit Size `toml:"memory_limit"`
}

// PoolConfig is [pool], and the per-route overrides; nil means "as
// [pool]", and [pool]'s nil means the default.
type PoolConfig struct {
	// Workers is the number of warm interpreters per script. Default 4.
	Workers *int `toml:"workers"`
	// MaxRequests recycles an interpreter after this many requests; 0:
	// never. Default 0.
	MaxRequests *int `toml:"max_requests"`
	// Timeout is the run-time limit of one request (504 past it). Default
	// "30s".
	Timeout *Duration `toml:"timeout"`
	// QueueTimeout is how long a request waits for a free interpreter
	// (503 past it). Default "5s".
	QueueTimeout *Duration `toml:"queue_timeout"`
	// MaxBody is the request body limit (413 past it). Default "16MiB".
	MaxBody *Size `toml:"max_body"`
	// Sandbox keeps scripts from processes and the file system (see
	// SCRIPT_API.md). Default true.
	Sandbox *bool `toml:"sandbox"`
	// MemoryLimit is what one request may allocate (500 past it); "0": no
	// limit. Default "128MiB".
	MemoryLimit *Size `toml:"memory_limit"`
	// Modules are extra folders of packages (relative to config.toml),
	// searched by JavaScript's require and import after the node_modules
	// folders from the script's folder up to its root: modules =
	// ["node_modules"] lets scripts in scripts/ use the packages of a
	// package.json beside config.toml. Default none.
	Modules []string `toml:"modules"`
	// LuaPath are extra folders (relative to config.toml, or absolute)
	// Lua's require reads modules from, read-only, after the scripts'
	// root: lua_path = ["/usr/share/lua/5.1"] serves Debian's and
	// LuaRocks' pure-Lua libraries (Penlight, dkjson). Only those folders,
	// never a link out of them. Default none.
	LuaPath []string `toml:"lua_path"`
	// JSXFactory is what JSX elements compile to: "h" for Preact and
	// hyperscript-style helpers. A file's own /** @jsx h */ comment wins.
	// Default "" (React.createElement).
	JSXFactory *string `toml:"jsx_factory"`
	// JSXFragment is what <>…</> compiles to. Default "" (React.Fragment).
	JSXFragment *string `toml:"jsx_fragment"`
}

// RouteConfig is one [[route]].
type RouteConfig struct {
	// Path is the prefix it serves: "/hello" matches /hello and
	// /hello/...; the longest matching route wins.
	Path string `toml:"path"`
	// Script is the one script that serves the route.
	Script string `toml:"script"`
	// Dir is, instead of Script, a folder of scripts: /app/x runs x.js or
	// x.lua in it (with or without the extension), never outside it.
	Dir string `toml:"dir"`
	PoolConfig
}

// Config is a whole config file.
type Config struct {
	Server ServerConfig  `toml:"server"`
	Pool   PoolConfig    `toml:"pool"`
	Routes []RouteConfig `toml:"route"`
	KV     KVConfig      `toml:"kv"`
	Fetch  FetchConfig   `toml:"fetch"`
	Env    EnvConfig     `toml:"env"`
	// DB are the [db.NAME] tables, by NAME.
	DB map[string]DBConfig `toml:"db"`

	file  string // the file it came from ("" for zero config)
	dir   string // relative paths are relative to this
	lines []string
}

func ptr[T any](v T) *T { return &v }

// defaultConfig is every key's default, as CONFIG.md lists them.
func defaultConfig() *Config {
	return &Config{
		Server: ServerConfig{FastCGI: "127.0.0.1:9000", HTTP: "127.0.0.1:8080", SocketMode: "0660",
			ShutdownTimeout: Duration{10 * time.Second}, Reload: true, LogFormat: "text", LogLevel: "info",
			StatusClients: []string{"127.0.0.0/8", "::1"}},
		Pool: PoolConfig{Workers: ptr(4), MaxRequests: ptr(0), Timeout: &Duration{30 * time.Second},
			QueueTimeout: &Duration{5 * time.Second}, MaxBody: ptr(Size(16 << 20)), Sandbox: ptr(true),
			MemoryLimit: ptr(Size(128 << 20))},
		KV: defaultKV(), Fetch: defaultFetch(),
	}
}

// ConfigError is a bad config: the file, line (0 if unknown) and key.
type ConfigError struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// typeErrRe matches the decoder's type errors, which are plain strings.
var typeErrRe = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]+)"\): (.*)$`)

// loadConfig reads file over the defaults and validates it.
func loadConfig(file string) (*Config, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c := defaultConfig()
	c.file = file
	c.dir = filepath.Dir(file)
	c.lines = strings.Split(string(src), "\n")
	md, err := toml.Decode(string(src), c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &ConfigError{File: file, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
		}
		if m := typeErrRe.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &ConfigError{File: file, Line: line, Key: m[2], Msg: m[3]}
		}
		return nil, &ConfigError{File: file, Msg: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		errs := make([]error, len(und))
		for i, k := range und {
			errs[i] = &ConfigError{File: file, Line: c.lineOf(k[:len(k)-1], k[len(k)-1], -1), Key: k.String(), Msg: "unknown key"}
		}
		return nil, errors.Join(errs...)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// lineOf finds the line of key in table: for [[route]] the index-th one
// (index < 0: any), else the table's only one.
func (c *Config) lineOf(table []string, key string, index int) int {
	want := strings.Join(table, ".")
	keyRe := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=`)
	cur, count := "", -1
	for i, l := range c.lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			cur = strings.TrimSpace(strings.Trim(strings.SplitN(t, "#", 2)[0], "[] \t"))
			if strings.HasPrefix(t, "[[") && cur == want {
				count++
			}
			continue
		}
		if cur != want || (want == "route" && index >= 0 && count != index) {
			continue
		}
		if keyRe.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

func (c *Config) errAt(table []string, key string, index int, format string, args ...any) error {
	name := strings.Join(append(append([]string{}, table...), key), ".")
	if len(table) > 0 && table[0] == "route" {
		name = fmt.Sprintf("route[%d].%s", index, key)
	}
	return &ConfigError{File: c.file, Line: c.lineOf(table, key, index), Key: name, Msg: fmt.Sprintf(format, args...)}
}

// abs resolves a path in the config relative to the config's folder.
func (c *Config) abs(p string) string {
	if filepath.IsAbs(p) || c.dir == "" {
		return p
	}
	return filepath.Join(c.dir, p)
}

// longestTimeout is the longest request timeout of any route.
func (c *Config) longestTimeout() time.Duration {
	d := c.Pool.Timeout.Duration
	for _, r := range c.Routes {
		if r.Timeout != nil {
			d = max(d, r.Timeout.Duration)
		}
	}
	return d
}

// hostConfig merges a route's overrides over [pool].
func (c *Config) hostConfig(r RouteConfig) (host.Config, bool) {
	p := c.Pool
	o := r.PoolConfig
	pick := func(a, b *int) int {
		if a != nil {
			return *a
		}
		return *b
	}
	hc := host.Config{Workers: pick(o.Workers, p.Workers), MaxRequests: pick(o.MaxRequests, p.MaxRequests), Debug: c.Server.Debug,
		SlowLog: c.Server.SlowLog.Duration}
	hc.Timeout = p.Timeout.Duration
	if o.Timeout != nil {
		hc.Timeout = o.Timeout.Duration
	}
	hc.QueueTimeout = p.QueueTimeout.Duration
	if o.QueueTimeout != nil {
		hc.QueueTimeout = o.QueueTimeout.Duration
	}
	hc.MaxBody = int64(*p.MaxBody)
	if o.MaxBody != nil {
		hc.MaxBody = int64(*o.MaxBody)
	}
	hc.MemoryLimit = int64(*p.MemoryLimit)
	if o.MemoryLimit != nil {
		hc.MemoryLimit = int64(*o.MemoryLimit)
	}
	sandbox := *p.Sandbox
	if o.Sandbox != nil {
		sandbox = *o.Sandbox
	}
	modules := p.Modules
	if o.Modules != nil {
		modules = o.Modules
	}
	absAll := func(dirs []string) []string { // the loaders want absolute folders
		var out []string
		for _, m := range dirs {
			abs, err := filepath.Abs(c.abs(m))
			if err != nil {
				abs = c.abs(m)
			}
			out = append(out, abs)
		}
		return out
	}
	hc.Options.Modules = absAll(modules)
	luaPath := p.LuaPath
	if o.LuaPath != nil {
		luaPath = o.LuaPath
	}
	hc.Options.LuaPath = absAll(luaPath)
	for _, x := range []struct {
		dst        *string
		pool, mine *string
	}{{&hc.Options.JSXFactory, p.JSXFactory, o.JSXFactory}, {&hc.Options.JSXFragment, p.JSXFragment, o.JSXFragment}} {
		switch {
		case x.mine != nil:
			*x.dst = *x.mine
		case x.pool != nil:
			*x.dst = *x.pool
		}
	}
	return hc, sandbox
}
