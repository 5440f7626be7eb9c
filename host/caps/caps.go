// Package caps holds what scripts may call, written once over
// engine-neutral values (package host/engine) and bound by every engine:
// the script API of SCRIPT_API.md (header, status, send, flush, the req
// fields) and the platform of PLATFORM.md (kv, sleep, fetch and http, …).
//
// A capability is one file: a Module (or fields of req) defined in init.
// Server-wide state a capability needs (the kv store) is in [Platform],
// which the server makes once and every interpreter shares.
package caps

import (
	"sync/atomic"

	"scriptsrv/host/engine"
	"scriptsrv/internal/kv"
	"scriptsrv/internal/outbound"
)

// Platform is the server-wide state of the capabilities. The zero value
// serves scripts that use none of them.
type Platform struct {
	// KV is the store behind kv; nil: kv calls fail with a clear error.
	KV kv.Store
	// Fetch sends outbound requests (fetch, http); nil: they fail with a
	// clear error.
	Fetch *outbound.Client
	// dbs are the [db.NAME] databases, by name; db is "main". A reload
	// swaps the map whole (SetDatabases).
	dbs atomic.Pointer[map[string]*Database]
	// TempDir is where uploads larger than 1 MiB spill while req.form()
	// parses them; "" is os.TempDir().
	TempDir string
}

// platform returns the Platform of a call's interpreter (a zero one when
// the server gave none).
func platform(c *engine.Call) *Platform {
	if p, ok := c.Host.Platform.(*Platform); ok && p != nil {
		return p
	}
	return &Platform{}
}

// SetDatabases makes dbs the databases scripts reach.
func (p *Platform) SetDatabases(dbs map[string]*Database) { p.dbs.Store(&dbs) }

// Databases returns the databases scripts reach (nil: none).
func (p *Platform) Databases() map[string]*Database {
	if m := p.dbs.Load(); m != nil {
		return *m
	}
	return nil
}
