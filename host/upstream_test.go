package host

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scriptsrv/host/caps"
	"scriptsrv/internal/kv"
	"scriptsrv/internal/outbound"
)

// upstream is a real HTTP server on loopback that scripts' fetch and http
// calls reach in tests.
var upstream struct {
	once      sync.Once
	url, port string
	cancelled atomic.Int64 // /hang requests whose client went away
	hits      atomic.Int64 // /hits requests
}

// upstreamURL starts the upstream once for the test binary.
func upstreamURL(t testing.TB) string {
	upstream.once.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		srv := &http.Server{Handler: upstreamMux(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		_, upstream.port, _ = net.SplitHostPort(ln.Addr().String())
		upstream.url = "http://" + ln.Addr().String()
	})
	return upstream.url
}

func upstreamMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"name":"scriptsrv","n":42,"tags":["a","b"]}`))
	})
	mux.HandleFunc("/weather", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"city":` + strconv.Quote(r.URL.Query().Get("city")) + `,"temperature":7.5}`))
	})
	mux.HandleFunc("/status/", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Path[len("/status/"):])
		w.WriteHeader(code)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "body": string(b),
			"x-test": r.Header.Get("X-Test"), "content-type": r.Header.Get("Content-Type"), "ua": r.Header.Get("User-Agent")})
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			w.Write([]byte("slow " + strconv.Itoa(ms)))
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/hits", func(w http.ResponseWriter, r *http.Request) {
		upstream.hits.Add(1)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			upstream.cancelled.Add(1)
		case <-time.After(30 * time.Second):
		}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/json", http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 2<<20))
	})
	mux.HandleFunc("/cookies", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("X-Multi", "one")
		w.Header().Add("X-Multi", "two")
		w.WriteHeader(http.StatusTeapot)
	})
	return mux
}

// fetchPlatform is a platform whose fetch reaches the upstream (and
// 127.0.0.1:1, where nothing listens) and nothing else.
func fetchPlatform(t testing.TB, cfg outbound.Config) *caps.Platform {
	upstreamURL(t)
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxResponse == 0 {
		cfg.MaxResponse = 1 << 20
	}
	if cfg.MaxPerRequest == 0 {
		cfg.MaxPerRequest = 5
	}
	if cfg.Allow == nil {
		for _, s := range []string{"127.0.0.1:" + upstream.port, "127.0.0.1:1"} {
			p, err := outbound.ParsePattern(s)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Allow = append(cfg.Allow, p)
		}
	}
	return &caps.Platform{KV: kv.NewMemory(1<<20, 1000), Fetch: outbound.New(cfg)}
}

// denyPrivatePlatform has the defaults: no allow list, deny_private on.
var denyPrivatePlatform = &caps.Platform{Fetch: outbound.New(outbound.Config{DenyPrivate: true, Timeout: 5 * time.Second, MaxPerRequest: 5})}

// shortFetchPlatform reaches the upstream with a 200ms [fetch] timeout.
var shortFetchPlatform = fetchPlatform(nil, outbound.Config{Timeout: 200 * time.Millisecond})
