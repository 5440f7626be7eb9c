// migrate.go: *.sql files applied once each, in name order, each in its
// own transaction, recorded in a table.

package sqldb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// MigrationsTable records the migrations applied.
const MigrationsTable = "scriptsrv_migrations"

// MigrationError is a migration that failed: nothing of it was applied.
type MigrationError struct {
	File string // its path
	Err  error  // what the database said
}

func (e *MigrationError) Error() string { return fmt.Sprintf("migration %s: %v", e.File, e.Err) }

func (e *MigrationError) Unwrap() error { return e.Err }

// Migrate applies the *.sql files of dir that are not recorded yet, in
// name order, and returns the names it applied. It stops at the first
// that fails (a *MigrationError); those before it stay applied. Instances
// migrating one database at once apply each file once.
func (db *DB) Migrate(ctx context.Context, dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	if err := db.migrationsTable(ctx); err != nil {
		return nil, fmt.Errorf("making %s: %w", MigrationsTable, err)
	}
	var applied []string
	for _, f := range files {
		did, err := db.migrateOne(ctx, f)
		if err != nil {
			return applied, &MigrationError{File: f, Err: err}
		}
		if did {
			applied = append(applied, filepath.Base(f))
		}
	}
	return applied, nil
}

// migrationsTable makes the table migrations are recorded in, under the
// migration lock (Postgres's CREATE TABLE IF NOT EXISTS is not safe from
// two sessions at once).
func (db *DB) migrationsTable(ctx context.Context) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := db.b.lockMigrations(ctx, tx.t); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+MigrationsTable+" (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)", nil); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// migrateOne applies one file unless it is recorded, in one transaction.
func (db *DB) migrateOne(ctx context.Context, file string) (bool, error) {
	name := filepath.Base(file)
	src, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if err := db.b.lockMigrations(ctx, tx.t); err != nil {
		return false, err
	}
	done := false
	err = tx.Query(ctx, "SELECT 1 FROM "+MigrationsTable+" WHERE name = "+db.placeholder(1), []any{name}, func([]string, []any) error {
		done = true
		return nil
	})
	if err != nil || done {
		return false, err
	}
	if strings.TrimSpace(string(src)) != "" {
		if err := tx.t.execScript(ctx, string(src)); err != nil {
			return false, err
		}
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+MigrationsTable+" (name, applied_at) VALUES ("+db.placeholder(1)+", "+db.placeholder(2)+")",
		[]any{name, time.Now().UTC().Format(time.RFC3339)}); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}

// placeholder is the n-th parameter in the database's SQL.
func (db *DB) placeholder(n int) string {
	if db.kind == "postgres" {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}
