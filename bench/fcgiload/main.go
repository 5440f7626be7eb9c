// Command fcgiload loads a FastCGI server directly, without a web server in
// front: many keep-alive connections, each sending the same GET in a loop,
// for a fixed time. It prints one machine-readable line in the format of
// bench/wrk/report.lua, so the bench summary treats it like wrk.
//
//	fcgiload -addr unix:/run/scriptsrv.sock -c 64 -d 10s -uri /hello
//	fcgiload -addr unix:/run/scriptsrv.sock -first-ok -since $START_NS   # startup time
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"scriptsrv/fcgi/fcgitest"
)

func main() {
	addr := flag.String("addr", "", "FastCGI address: unix:PATH or HOST:PORT")
	conns := flag.Int("c", 64, "connections")
	dur := flag.Duration("d", 10*time.Second, "how long to load (the load always stops by itself)")
	uri := flag.String("uri", "/hello", "request URI (path and query)")
	firstOK := flag.Bool("first-ok", false, "wait for the first successful request and print the time since -since")
	since := flag.Int64("since", 0, "start time in Unix nanoseconds, for -first-ok")
	flag.Parse()
	network, address := "tcp", *addr
	if p, ok := strings.CutPrefix(*addr, "unix:"); ok {
		network, address = "unix", p
	}
	if *firstOK {
		os.Exit(waitFirst(network, address, *uri, *since))
	}
	load(network, address, *uri, *conns, *dur)
}

func waitFirst(network, address, uri string, since int64) int {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := fcgitest.Dial(network, address); err == nil {
			r, err := c.Get(uri)
			c.Close()
			if err == nil {
				if code, _, _, err := r.HTTP(); err == nil && code == 200 {
					fmt.Printf("first_ok_ms=%.1f\n", float64(time.Now().UnixNano()-since)/1e6)
					return 0
				}
			}
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Println("first_ok_ms=timeout")
	return 1
}

type result struct {
	lat          []time.Duration
	bytes        int64
	errs, status int
	connErr      int
}

func load(network, address, uri string, conns int, dur time.Duration) {
	params := fcgitest.GetParams(uri)
	results := make([]result, conns)
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(dur)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[i]
			nc, err := net.Dial(network, address)
			if err != nil {
				res.connErr++
				return
			}
			c := fcgitest.NewClient(nc)
			defer c.Close()
			for time.Now().Before(stop) {
				t0 := time.Now()
				r, err := c.Do(params, nil)
				if err != nil {
					res.errs++
					return
				}
				res.lat = append(res.lat, time.Since(t0))
				res.bytes += int64(len(r.Stdout))
				if code, _, _, err := r.HTTP(); err != nil || code != 200 {
					res.status++
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	var total result
	for _, r := range results {
		all = append(all, r.lat...)
		total.bytes += r.bytes
		total.errs += r.errs
		total.status += r.status
		total.connErr += r.connErr
	}
	slices.Sort(all)
	pct := func(p float64) int64 {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(float64(len(all))*p/100))].Microseconds()
	}
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	mean := 0.0
	if len(all) > 0 {
		mean = float64(sum.Microseconds()) / float64(len(all))
	}
	fmt.Printf("ANCHOR requests=%d duration_us=%d bytes=%d err_connect=%d err_read=%d err_write=0 err_status=%d err_timeout=0 "+
		"lat_mean_us=%.1f lat_p50_us=%d lat_p90_us=%d lat_p99_us=%d lat_p999_us=%d lat_max_us=%d\n",
		len(all), elapsed.Microseconds(), total.bytes, total.connErr, total.errs, total.status,
		mean, pct(50), pct(90), pct(99), pct(99.9), pct(100))
}
