// Command scriptsrv keeps JavaScript and Lua interpreters warm and runs
// handler scripts behind a web server over FastCGI, or on its own minimal
// HTTP listener. See the README for the two ways to start it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
