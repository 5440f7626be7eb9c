// validate.go: checking a decoded config: every problem reported, each
// naming file, line and key.

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"scriptsrv/fcgi"
	"scriptsrv/host"
)

// validate checks the decoded config without side effects. It reports
// every problem it finds, not only the first (errors.Join).
func (c *Config) validate() error {
	errs := c.validateServer()
	errs = append(errs, c.validatePool([]string{"pool"}, c.Pool, 0)...)
	errs = append(errs, c.validatePlatform()...)
	if len(c.Routes) == 0 {
		errs = append(errs, &ConfigError{File: c.file, Msg: "no [[route]]: nothing to serve"})
	}
	seen := map[string]int{}
	for i, r := range c.Routes {
		errs = append(errs, c.validateRoute(i, r, seen)...)
	}
	return errors.Join(errs...)
}

func (c *Config) validateServer() []error {
	var errs []error
	s, t := c.Server, []string{"server"}
	bad := func(key, format string, args ...any) { errs = append(errs, c.errAt(t, key, 0, format, args...)) }
	if s.FastCGI == "" && s.HTTP == "" {
		bad("fastcgi", `both fastcgi and http are off ("")`)
	}
	for _, a := range s.AllowedClients {
		if _, err := fcgi.ParseAllowed(a); err != nil {
			bad("allowed_clients", "%v", err)
		}
	}
	if _, err := strconv.ParseUint(s.SocketMode, 8, 32); err != nil {
		bad("socket_mode", "bad mode %q (want octal, e.g. \"0660\")", s.SocketMode)
	}
	for _, a := range s.StatusClients {
		if _, err := fcgi.ParseAllowed(a); err != nil {
			bad("status_clients", "%v", err)
		}
	}
	if s.SocketGroup != "" {
		if _, err := lookupGroup(s.SocketGroup); err != nil {
			bad("socket_group", "%v", err)
		}
	}
	for _, p := range []struct{ key, v string }{{"status_path", s.StatusPath}, {"metrics_path", s.MetricsPath}, {"health_path", s.HealthPath}} {
		if p.v != "" && !strings.HasPrefix(p.v, "/") {
			bad(p.key, "must start with /")
		}
	}
	switch s.LogFormat {
	case "text", "json":
	default:
		bad("log_format", "want \"text\" or \"json\", got %q", s.LogFormat)
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "want debug, info, warn or error, got %q", s.LogLevel)
	}
	return errs
}

func (c *Config) validatePool(table []string, p PoolConfig, index int) []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, c.errAt(table, key, index, format, args...))
	}
	if p.Workers != nil && (*p.Workers < 1 || *p.Workers > 10000) {
		bad("workers", "want 1 to 10000, got %d", *p.Workers)
	}
	if p.MaxRequests != nil && *p.MaxRequests < 0 {
		bad("max_requests", "must not be negative")
	}
	if p.Timeout != nil && p.Timeout.Duration == 0 {
		bad("timeout", "must be more than 0")
	}
	if p.MaxBody != nil && *p.MaxBody <= 0 {
		bad("max_body", "must be more than 0")
	}
	for _, m := range p.Modules {
		if fi, err := os.Stat(c.abs(m)); err != nil || !fi.IsDir() {
			bad("modules", "%q is not a folder (paths are relative to the config file)", m)
		}
	}
	for _, m := range p.LuaPath {
		if fi, err := os.Stat(c.abs(m)); err != nil || !fi.IsDir() {
			bad("lua_path", "%q is not a folder (paths are relative to the config file)", m)
		}
	}
	return errs
}

func (c *Config) validateRoute(i int, r RouteConfig, seen map[string]int) []error {
	t := []string{"route"}
	bad := func(key, format string, args ...any) []error {
		return append([]error{c.errAt(t, key, i, format, args...)}, c.validatePool(t, r.PoolConfig, i)...)
	}
	if r.Path == "" || r.Path[0] != '/' {
		return bad("path", "want a path starting with /, got %q", r.Path)
	}
	norm := strings.TrimSuffix(r.Path, "/")
	if j, dup := seen[norm]; dup {
		return bad("path", "%q overlaps route[%d] (%q)", r.Path, j, c.Routes[j].Path)
	}
	seen[norm] = i
	switch {
	case r.Script != "" && r.Dir != "":
		return bad("script", "set script or dir, not both")
	case r.Script == "" && r.Dir == "":
		return bad("script", "set script (one file) or dir (a folder of scripts)")
	case r.Script != "":
		fi, err := os.Stat(c.abs(r.Script))
		if err != nil {
			return bad("script", "%v", friendly(err))
		}
		if !fi.Mode().IsRegular() {
			return bad("script", "%s is not a file", r.Script)
		}
		if !host.IsScript(r.Script) {
			return bad("script", "%s: want a %s file", r.Script, host.ScriptExtList())
		}
	default:
		fi, err := os.Stat(c.abs(r.Dir))
		if err != nil {
			return bad("dir", "%v", friendly(err))
		}
		if !fi.IsDir() {
			return bad("dir", "%s is not a folder", r.Dir)
		}
	}
	return c.validatePool(t, r.PoolConfig, i)
}

func friendly(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist", pe.Path)
	}
	return err
}
