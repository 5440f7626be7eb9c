// run.go: flags and the modes of the command.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"scriptsrv/host"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

const usage = `scriptsrv: warm JavaScript and Lua interpreters behind FastCGI or HTTP.

Usage:
  scriptsrv [flags]                 serve the routes in ./config.toml (or -config FILE)
  scriptsrv [flags] handler.js|.lua serve one script for every path, no config needed
                                    (FastCGI on unix:fcgi.sock in the current folder)
  scriptsrv cgi SCRIPT              run one request from the environment and stdin,
                                    as a CGI interpreter: QUERY_STRING=a=1 scriptsrv cgi h.lua < body

Flags:
`

// Run is the whole command: it returns the exit status. ctx ends on
// SIGTERM/SIGINT.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "cgi" {
		return runCGI(ctx, args[1:], stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("scriptsrv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "config.toml", "the config `file`; relative paths in it are relative to its folder")
	check := fs.Bool("check", false, "validate the config (and compile its scripts), then exit")
	fcgiAddr := fs.String("fastcgi", "", "FastCGI listen `address` (\"host:port\", \"[::1]:port\", \"unix:PATH\"); overrides the config")
	httpAddr := fs.String("http", "", "HTTP listen `address` (\"host:port\"); overrides the config")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "scriptsrv", versionString())
		return 0
	}
	var cfg *Config
	var err error
	switch fs.NArg() {
	case 0:
		cfg, err = loadConfig(*configFile)
	case 1:
		cfg, err = zeroConfig(fs.Arg(0))
	default:
		fmt.Fprintf(stderr, "scriptsrv: want at most one script, got %q\n", fs.Args())
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "scriptsrv:", err)
		return 1
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "fastcgi":
			cfg.Server.FastCGI = *fcgiAddr
		case "http":
			cfg.Server.HTTP = *httpAddr
		}
	})
	log := newLogger(cfg.Server, stderr)
	if *check {
		routes, err := buildRoutes(cfg, log, checkPlatform(cfg), true)
		if err != nil {
			fmt.Fprintln(stderr, "scriptsrv:", err)
			return 1
		}
		routes.close()
		fmt.Fprintf(stdout, "%s: ok (%d routes)\n", cfg.name(), len(cfg.Routes))
		return 0
	}
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("stopping", "error", err)
		return 1
	}
	return 0
}

// zeroConfig serves one script for every path on unix:fcgi.sock.
func zeroConfig(script string) (*Config, error) {
	if !host.IsScript(script) {
		return nil, fmt.Errorf("%s: want a %s script", script, host.ScriptExtList())
	}
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("%s: %w", script, friendly(err))
	}
	c := defaultConfig()
	c.Server.FastCGI = "unix:fcgi.sock"
	c.Server.HTTP = ""
	c.Routes = []RouteConfig{{Path: "/", Script: script}}
	return c, nil
}

func (c *Config) name() string {
	if c.file == "" {
		return "(no config file)"
	}
	return c.file
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func newLogger(s ServerConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(s.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
