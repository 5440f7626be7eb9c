// data.go: [db.NAME] and the [kv] store: their config, opening them at
// start (with migrations), and what a reload changes.

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"scriptsrv/host/caps"
	"scriptsrv/internal/kv"
	"scriptsrv/internal/sqldb"
)

// DBConfig is one [db.NAME]: a database scripts reach as db (NAME main)
// or db.open("NAME").
type DBConfig struct {
	// URL is "sqlite:PATH" (relative to config.toml), or a Postgres URL
	// ("postgres://USER@HOST:PORT/NAME", "postgres:///NAME?host=/run/postgresql"),
	// or "env:VAR" to take it from scriptsrv's environment variable VAR
	// (a password stays out of the file). Required.
	URL string `toml:"url"`
	// MaxOpen is the connections kept (SQLite: readers beside its one
	// writer). Every instance keeps this many: instances × max_open must
	// fit Postgres's max_connections. Default 4.
	MaxOpen int `toml:"max_open"`
	// Migrations is a folder of *.sql files (relative to config.toml)
	// applied once each in name order at start and at SIGHUP. Default ""
	// (none).
	Migrations string `toml:"migrations"`
	// MaxRows is the most rows one query may return; more is an error.
	// Default 10000.
	MaxRows int `toml:"max_rows"`
	// BusyTimeout is how long a SQLite statement waits for another
	// process's lock. Default "5s".
	BusyTimeout Duration `toml:"busy_timeout"`
}

var dbNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// dbDefaults fills what a [db.NAME] left out.
func (d DBConfig) withDefaults() DBConfig {
	if d.MaxOpen == 0 {
		d.MaxOpen = 4
	}
	if d.MaxRows == 0 {
		d.MaxRows = 10000
	}
	if d.BusyTimeout.Duration == 0 {
		d.BusyTimeout.Duration = 5 * time.Second
	}
	return d
}

// url is the database's URL, from the environment for "env:VAR".
func (d DBConfig) url() string {
	if v, ok := strings.CutPrefix(d.URL, "env:"); ok {
		return os.Getenv(v)
	}
	return d.URL
}

func validURL(u string) bool {
	return strings.HasPrefix(u, "sqlite:") || strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// validateData checks [db.NAME] and [kv] store.
func (c *Config) validateData() []error {
	var errs []error
	for _, name := range engineSorted(c.DB) {
		d, t := c.DB[name], []string{"db", name}
		bad := func(key, format string, args ...any) { errs = append(errs, c.errAt(t, key, 0, format, args...)) }
		switch {
		case !dbNameRe.MatchString(name):
			bad("url", "bad database name %q (letters, digits, _ and -)", name)
		case d.URL == "":
			bad("url", `missing: "sqlite:data/app.db", "postgres://USER@HOST:PORT/NAME" or "env:VAR"`)
		case strings.HasPrefix(d.URL, "env:") && os.Getenv(d.URL[4:]) == "":
			bad("url", "the environment variable %s is not set", d.URL[4:])
		case !validURL(d.url()):
			bad("url", `want "sqlite:PATH", "postgres://…" or "env:VAR", got %q`, sqldb.Redact(d.url()))
		}
		if d.MaxOpen < 0 {
			bad("max_open", "must be 1 or more")
		}
		if d.MaxRows < 0 {
			bad("max_rows", "must be 1 or more")
		}
		if d.Migrations != "" {
			if fi, err := os.Stat(c.path(d.Migrations)); err != nil || !fi.IsDir() {
				bad("migrations", "%s is not a folder", c.path(d.Migrations))
			}
		}
	}
	k := c.KV
	switch {
	case k.Store == "memory", strings.HasPrefix(k.Store, "redis://"):
	case strings.HasPrefix(k.Store, "sqlite:") && len(k.Store) > len("sqlite:"):
	default:
		errs = append(errs, c.errAt([]string{"kv"}, "store", 0, "want \"memory\", \"sqlite:PATH\" or \"redis://HOST:PORT/DB\", got %q", k.Store))
	}
	return errs
}

// path is a config-relative path made usable.
func (c *Config) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

func engineSorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// openTimeout bounds connecting to a database or Redis at start.
const openTimeout = 30 * time.Second

// openKV opens the [kv] store.
func openKV(ctx context.Context, c *Config) (kv.Store, error) {
	k := c.KV
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	var (
		s   kv.Store
		err error
	)
	switch {
	case strings.HasPrefix(k.Store, "sqlite:"):
		s, err = kv.OpenSQLite(ctx, k.Store, c.dir, int64(k.MaxValue))
	case strings.HasPrefix(k.Store, "redis://"):
		s, err = kv.OpenRedis(ctx, k.Store, int64(k.MaxValue))
	default:
		return kv.NewMemory(int64(k.Capacity), int64(k.MaxValue)), nil
	}
	if err != nil {
		return nil, c.errAt([]string{"kv"}, "store", 0, "%v", err)
	}
	return s, nil
}

// openDatabases opens every [db.NAME] and applies its migrations.
func openDatabases(ctx context.Context, c *Config, log *slog.Logger) (map[string]*caps.Database, error) {
	dbs := map[string]*caps.Database{}
	for _, name := range engineSorted(c.DB) {
		d, err := openDatabase(ctx, c, name, log)
		if err != nil {
			closeDatabases(dbs)
			return nil, err
		}
		dbs[name] = d
	}
	return dbs, nil
}

func openDatabase(ctx context.Context, c *Config, name string, log *slog.Logger) (*caps.Database, error) {
	d := c.DB[name].withDefaults()
	octx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	db, err := sqldb.Open(octx, sqldb.Config{URL: d.url(), Dir: c.dir, MaxOpen: d.MaxOpen, BusyTimeout: d.BusyTimeout.Duration})
	if err != nil {
		return nil, c.errAt([]string{"db", name}, "url", 0, "%v", err)
	}
	if err := migrate(ctx, c, name, db, log); err != nil {
		db.Close()
		return nil, err
	}
	log.Info("database open", "db", name, "kind", db.Kind(), "url", sqldb.Redact(d.url()), "max_open", d.MaxOpen)
	return caps.NewDatabase(name, db, d.MaxRows), nil
}

// migrate applies a database's migrations; one that fails is an error
// naming its file and what the database said.
func migrate(ctx context.Context, c *Config, name string, db *sqldb.DB, log *slog.Logger) error {
	dir := c.DB[name].Migrations
	if dir == "" {
		return nil
	}
	applied, err := db.Migrate(ctx, c.path(dir))
	for _, f := range applied {
		log.Info("migration applied", "db", name, "file", filepath.Join(dir, f))
	}
	var me *sqldb.MigrationError
	if errors.As(err, &me) {
		return fmt.Errorf("[db.%s] migrations: %s: %v (nothing of it was applied)", name, me.File, me.Err)
	}
	if err != nil {
		return fmt.Errorf("[db.%s] migrations: %w", name, err)
	}
	return nil
}

func closeDatabases(dbs map[string]*caps.Database) {
	for _, d := range dbs {
		d.DB.Close()
	}
}

// reloadDatabases applies a reloaded config's [db.NAME]s to the open
// ones: new databases open, migrations run again, max_rows changes at
// once; a changed url, max_open or busy_timeout, or a database removed,
// takes effect at the next restart. An error refuses the reload (what
// it opened is closed again).
func reloadDatabases(ctx context.Context, p *caps.Platform, old, cfg *Config, log *slog.Logger) (func(), error) {
	var opened []*caps.Database
	undo := func() {
		for _, d := range opened {
			d.DB.Close()
		}
	}
	if cfg.DB == nil {
		cfg.DB = map[string]DBConfig{}
	}
	cur := p.Databases()
	next := make(map[string]*caps.Database, len(cur))
	for name, d := range cur {
		next[name] = d
		if _, kept := cfg.DB[name]; !kept {
			log.Warn("reload: a database was removed from the config; it stays open until the next restart", "db", name)
			cfg.DB[name] = old.DB[name]
		}
	}
	for _, name := range engineSorted(cfg.DB) {
		d, open := next[name]
		if !open {
			nd, err := openDatabase(ctx, cfg, name, log)
			if err != nil {
				undo()
				return nil, err
			}
			next[name], opened = nd, append(opened, nd)
			continue
		}
		was, now := old.DB[name].withDefaults(), cfg.DB[name].withDefaults()
		if was.URL != now.URL || was.MaxOpen != now.MaxOpen || was.BusyTimeout != now.BusyTimeout {
			log.Warn("reload: a database's url, max_open or busy_timeout changed; it takes effect at the next restart", "db", name)
		}
		if err := migrate(ctx, cfg, name, d.DB, log); err != nil {
			undo()
			return nil, err
		}
	}
	commit := func() {
		for name, d := range next {
			d.MaxRows.Store(int64(cfg.DB[name].withDefaults().MaxRows))
		}
		p.SetDatabases(next)
	}
	return commit, nil
}
