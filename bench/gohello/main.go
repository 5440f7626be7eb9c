// Command gohello serves the bench workloads from native Go handlers on
// scriptsrv's own fcgi package: the ceiling a script can approach.
//
//	gohello -fcgi unix:/run/gohello.sock
package main

import (
	"encoding/json"
	"flag"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"scriptsrv/cgi"
	"scriptsrv/fcgi"
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
	flag.Parse()
	l, err := fcgi.Listen(*addr, 0o666)
	if err != nil {
		log.Fatal(err)
	}
	srv := &fcgi.Server{Handler: cgi.HandlerFunc(handler)}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		srv.Close()
	}()
	if err := srv.Serve(l); err != nil && err != fcgi.ErrServerClosed {
		log.Fatal(err)
	}
}
