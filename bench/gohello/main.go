// Command gohello serves the bench workloads from native Go handlers on
// scriptsrv's own fcgi package: the ceiling a script can approach.
//
//	gohello -fcgi unix:/run/gohello.sock
//	gohello -http 127.0.0.1:8080   (the same handlers on scriptsrv's httpmin)
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"scriptsrv/cgi"
	"scriptsrv/fcgi"
	"scriptsrv/httpmin"
)

var helloBody = []byte("Hello, anchor world\n")

type workResp struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	OK    bool     `json:"ok"`
	Tags  []string `json:"tags"`
	Data  string   `json:"data"`
}

func handler(w cgi.ResponseWriter, r *cgi.Request) {
	path, _ := cgi.RequestPath(r.Params)
	switch path {
	case "/hello":
		w.Header().Set("Content-Type", "text/plain")
		w.Write(helloBody)
	case "/work":
		name := ""
		for _, kv := range strings.Split(r.Params.Get("QUERY_STRING"), "&") {
			if v, ok := strings.CutPrefix(kv, "name="); ok {
				name = v
			}
		}
		if name == "" {
			name = "anon"
		}
		parts := make([]string, 0, 80)
		for i := range 80 {
			parts = append(parts, "item-"+strconv.Itoa(i)+"-"+name)
		}
		body, _ := json.Marshal(workResp{Name: name, Count: 80, OK: true, Tags: []string{"a", "b", "c"}, Data: strings.Join(parts, ",")})
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	default:
		w.WriteHeader(404)
	}
}

func main() {
	addr := flag.String("fcgi", "unix:gohello.sock", "FastCGI listen address")
	httpAddr := flag.String("http", "", "serve on httpmin at HOST:PORT instead of FastCGI")
	flag.Parse()
	if *httpAddr != "" {
		serveHTTP(*httpAddr)
		return
	}
	l, err := fcgi.Listen(*addr, 0o666)
	if err != nil {
		log.Fatal(err)
	}
	srv := &fcgi.Server{Handler: cgi.HandlerFunc(handler)}
	onSignal(func() { srv.Close() })
	if err := srv.Serve(l); err != nil && err != fcgi.ErrServerClosed {
		log.Fatal(err)
	}
}

// serveHTTP serves the handlers on httpmin: the ceiling of the HTTP front.
func serveHTTP(addr string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &httpmin.Server{Handler: cgi.HandlerFunc(handler)}
	onSignal(func() { srv.Close() })
	if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// onSignal calls stop on SIGTERM or SIGINT.
func onSignal(stop func()) {
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		stop()
	}()
}
