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
	"strconv"
	"strings"

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
	if len(args) > 0 && (args[0] == "help" || args[0] == "--help") {
		f := newFlags(stdout)
		f.fs.Usage()
		return 0
	}
	f := newFlags(stderr)
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *f.version {
		fmt.Fprintln(stdout, "scriptsrv", versionString())
		return 0
	}
	fs := f.fs
	var cfg *Config
	var err error
	switch fs.NArg() {
	case 0:
		cfg, err = loadConfig(*f.config)
	case 1:
		cfg, err = zeroConfig(fs.Arg(0))
	default:
		fmt.Fprintf(stderr, "scriptsrv: want at most one script, got %q\n", fs.Args())
		return 2
	}
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	if err := f.apply(cfg); err != nil {
		printErrors(stderr, err)
		return 2
	}
	log := newLogger(cfg.Server, stderr)
	if *f.check {
		routes, err := buildRoutes(cfg, log, checkPlatform(cfg), true)
		if err != nil {
			printErrors(stderr, err)
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

// flags are the command's flags.
type flags struct {
	fs                                         *flag.FlagSet
	config, fastcgi, http, socketMode, sockGrp *string
	check, version                             *bool
}

func newFlags(out io.Writer) *flags {
	fs := flag.NewFlagSet("scriptsrv", flag.ContinueOnError)
	fs.SetOutput(out)
	f := &flags{fs: fs,
		config:     fs.String("config", "config.toml", "the config `file`; relative paths in it are relative to its folder"),
		check:      fs.Bool("check", false, "validate the config (and compile its scripts), report every problem, then exit"),
		fastcgi:    fs.String("fastcgi", "", "FastCGI listen `address` (\"host:port\", \"[::1]:port\", \"unix:PATH\"); overrides the config"),
		http:       fs.String("http", "", "HTTP listen `address` (\"host:port\"); overrides the config"),
		socketMode: fs.String("socket-mode", "", "permissions of a unix socket, octal (\"0660\", \"0666\"); overrides socket_mode"),
		sockGrp:    fs.String("socket-group", "", "`group` given a unix socket (\"www-data\"), so a web server running as it can connect; overrides socket_group"),
		version:    fs.Bool("version", false, "print the version (module version, VCS revision) and exit"),
	}
	fs.Usage = func() {
		fmt.Fprint(out, usage)
		fs.PrintDefaults()
	}
	return f
}

// apply lays the flags that were given over the config, and checks them.
func (f *flags) apply(cfg *Config) error {
	var errs []error
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "fastcgi":
			cfg.Server.FastCGI = *f.fastcgi
		case "http":
			cfg.Server.HTTP = *f.http
		case "socket-mode":
			if _, err := strconv.ParseUint(*f.socketMode, 8, 32); err != nil {
				errs = append(errs, fmt.Errorf("-socket-mode: bad mode %q (want octal, e.g. \"0660\")", *f.socketMode))
			}
			cfg.Server.SocketMode = *f.socketMode
		case "socket-group":
			if _, err := lookupGroup(*f.sockGrp); err != nil {
				errs = append(errs, fmt.Errorf("-socket-group: %w", err))
			}
			cfg.Server.SocketGroup = *f.sockGrp
		}
	})
	return errors.Join(errs...)
}

// printErrors prints each of err's lines (errors.Join puts one problem a
// line) after "scriptsrv: ".
func printErrors(w io.Writer, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(w, "scriptsrv:", line)
	}
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

// versionString is the module version and the VCS revision the binary
// was built from (go build stamps them in a git checkout; go run does not).
func versionString() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if v == "" {
		v = "devel"
		if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	if !ok {
		return v
	}
	var rev, at string
	modified := false
	for _, st := range bi.Settings {
		switch st.Key {
		case "vcs.revision":
			rev = st.Value
		case "vcs.time":
			at = st.Value
		case "vcs.modified":
			modified = st.Value == "true"
		}
	}
	if rev != "" {
		v += " (revision " + rev[:min(12, len(rev))]
		if at != "" {
			v += ", " + at
		}
		if modified {
			v += ", with uncommitted changes"
		}
		v += ")"
	}
	return v + " " + bi.GoVersion
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
