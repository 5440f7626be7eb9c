// Command scriptsrv keeps JavaScript and Lua interpreters warm and runs
// handler scripts behind a web server over FastCGI, or on its own minimal
// HTTP listener. See the README for the two ways to start it.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// The interpreters allocate briskly over a small live heap: collect a
	// little less often than Go's default unless the operator chose.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
