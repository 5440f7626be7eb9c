// fronts.go: real Caddy and nginx instances on loopback.

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Front is a web server started for a test.
type Front struct {
	URL    string // http://127.0.0.1:PORT
	Proc   *Proc
	ErrLog string // the file its error log goes to ("" if it logs to Proc.Out)
	Name   string
}

// ErrorLog returns what the front logged so far.
func (f *Front) ErrorLog() string {
	if f.ErrLog == "" {
		return f.Proc.Out.String()
	}
	b, _ := os.ReadFile(f.ErrLog)
	return string(b)
}

// Caddy starts Debian's Caddy with `reverse_proxy UPSTREAM { transport
// fastcgi }`; upstream is "127.0.0.1:PORT" or "unix//PATH".
func Caddy(t testing.TB, upstream string, extra string) *Front {
	t.Helper()
	return CaddyUpstreams(t, []string{upstream}, extra)
}

// CaddyUpstreams is Caddy with several upstreams and extra reverse_proxy
// lines (lb_policy, lb_try_duration …).
func CaddyUpstreams(t testing.TB, upstreams []string, extra string) *Front {
	t.Helper()
	upstream := strings.Join(upstreams, " ")
	bin := Need(t, "caddy")
	dir := t.TempDir()
	port := FreePort(t)
	conf := fmt.Sprintf(`{
	admin off
	auto_https off
}
http://127.0.0.1:%d {
	reverse_proxy %s {
		transport fastcgi
		%s
	}
}
`, port, upstream, extra)
	file := filepath.Join(dir, "Caddyfile")
	os.WriteFile(file, []byte(conf), 0o644)
	env := []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	p := StartEnv(t, dir, env, bin, "run", "--config", file, "--adapter", "caddyfile")
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	WaitHTTP(t, url, 10*time.Second)
	return &Front{URL: url, Proc: p, Name: "caddy"}
}

// Nginx starts nginx with `fastcgi_pass` to pass (an upstream address such
// as "127.0.0.1:9000" or "unix:/path.sock"), with or without keep-conn.
func Nginx(t testing.TB, pass string, keepConn bool) *Front {
	t.Helper()
	bin := Need(t, "nginx", "/usr/sbin/nginx")
	dir := t.TempDir()
	port := FreePort(t)
	for _, d := range []string{"body", "fastcgi", "proxy", "uwsgi", "scgi"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	keep := ""
	if keepConn {
		keep = "fastcgi_keep_conn on;"
	}
	params := "/etc/nginx/fastcgi_params"
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	fastcgi_temp_path %[1]s/fastcgi;
	proxy_temp_path %[1]s/proxy;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	client_max_body_size 64m;
	upstream scriptsrv {
		server %[2]s;
		keepalive 4;
	}
	server {
		listen 127.0.0.1:%[3]d;
		location / {
			include %[4]s;
			fastcgi_pass scriptsrv;
			%[5]s
		}
	}
}
`, dir, strings.TrimPrefix(pass, "fastcgi://"), port, params, keep)
	file := filepath.Join(dir, "nginx.conf")
	os.WriteFile(file, []byte(conf), 0o644)
	p := Start(t, dir, bin, "-p", dir, "-c", file, "-e", filepath.Join(dir, "error.log"))
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	WaitHTTP(t, url, 10*time.Second)
	return &Front{URL: url, Proc: p, ErrLog: filepath.Join(dir, "error.log"), Name: "nginx"}
}
