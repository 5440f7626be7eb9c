// pprof.go: opt-in profiling for finding where the time goes under load.

package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// startPprof serves net/http/pprof when SCRIPTSRV_PPROF names a loopback
// address ("127.0.0.1:6060"). It is off by default and refuses any other
// address: profiles show the scripts' internals.
func startPprof(log *slog.Logger) {
	addr := os.Getenv("SCRIPTSRV_PPROF")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Error("SCRIPTSRV_PPROF must be a loopback host:port; profiling stays off", "value", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	go func() {
		log.Info("serving pprof", "address", "http://"+addr+"/debug/pprof/")
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Error("pprof listener", "error", err)
		}
	}()
}
