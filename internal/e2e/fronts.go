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

// HAProxy starts Debian's HAProxy with an fcgi-app to upstream
// ("127.0.0.1:PORT" or "unix:PATH"): the options that make it multiplex
// requests on one connection, ask FCGI_GET_VALUES and send ABORT_REQUEST.
// The script's stderr goes to HAProxy's own log (its output).
func HAProxy(t testing.TB, upstream string) *Front {
	t.Helper()
	return HAProxyOn(t, upstream, fmt.Sprintf("http://127.0.0.1:%d", FreePort(t)))
}

// HAProxyOn is HAProxy listening at url (a restart on the same address).
func HAProxyOn(t testing.TB, upstream, url string) *Front {
	t.Helper()
	bin := Need(t, "haproxy", "/usr/sbin/haproxy")
	dir := t.TempDir()
	var port int
	fmt.Sscanf(url, "http://127.0.0.1:%d", &port)
	server := upstream
	if strings.HasPrefix(upstream, "unix:") {
		server = strings.TrimPrefix(upstream, "unix:")
	}
	conf := fmt.Sprintf(`global
	log stderr format raw local0 info
defaults
	mode http
	log global
	option httplog
	timeout connect 5s
	timeout client 60s
	timeout server 60s
fcgi-app scriptsrv
	log-stderr global
	docroot /
	option keep-conn
	option mpxs-conns
	option max-reqs 64
	option get-values
frontend web
	bind 127.0.0.1:%d
	default_backend app
backend app
	use-fcgi-app scriptsrv
	server s1 %s proto fcgi
`, port, server)
	file := filepath.Join(dir, "haproxy.cfg")
	os.WriteFile(file, []byte(conf), 0o644)
	p := Start(t, dir, bin, "-db", "-f", file)
	WaitHTTP(t, url, 10*time.Second)
	return &Front{URL: url, Proc: p, Name: "haproxy"}
}

// Apache starts Debian's apache2 by hand (mpm_event, mod_proxy_fcgi,
// ProxyPass "/" fcgi://... enablereuse=on) with its own config and logs;
// upstream is "127.0.0.1:PORT".
func Apache(t testing.TB, upstream string) *Front {
	t.Helper()
	bin := Need(t, "apache2", "/usr/sbin/apache2")
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	port := FreePort(t)
	mods := "/usr/lib/apache2/modules"
	conf := fmt.Sprintf(`ServerRoot %[1]s
ServerName 127.0.0.1
Listen 127.0.0.1:%[2]d
PidFile %[1]s/httpd.pid
ErrorLog %[1]s/error.log
LogLevel info
LoadModule mpm_event_module %[3]s/mod_mpm_event.so
LoadModule authz_core_module %[3]s/mod_authz_core.so
LoadModule proxy_module %[3]s/mod_proxy.so
LoadModule proxy_fcgi_module %[3]s/mod_proxy_fcgi.so
User nobody
Group nogroup
StartServers 1
ServerLimit 1
ThreadsPerChild 32
MaxRequestWorkers 32
ProxyPass "/" "fcgi://%[4]s/" enablereuse=on
`, dir, port, mods, upstream)
	file := filepath.Join(dir, "httpd.conf")
	os.WriteFile(file, []byte(conf), 0o644)
	p := StartEnv(t, dir, []string{"APACHE_RUN_DIR=" + dir, "APACHE_LOCK_DIR=" + dir}, bin, "-d", dir, "-f", file, "-DFOREGROUND")
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	WaitHTTP(t, url, 10*time.Second)
	return &Front{URL: url, Proc: p, ErrLog: filepath.Join(dir, "error.log"), Name: "apache"}
}

// Exited reports whether the front's process has ended (a crash, when
// the test did not stop it), with what it printed last.
func (f *Front) Exited() (bool, string) {
	if f.Proc.Wait(0) == nil || f.Proc.Cmd.ProcessState != nil {
		out := f.Proc.Out.String()
		if len(out) > 2000 {
			out = out[len(out)-2000:]
		}
		return true, out
	}
	return false, ""
}

// Lighttpd starts Debian's lighttpd with mod_fastcgi passing every path
// to upstream ("127.0.0.1:PORT" or "unix:PATH").
func Lighttpd(t testing.TB, upstream string) *Front {
	t.Helper()
	bin := Need(t, "lighttpd", "/usr/sbin/lighttpd")
	dir := t.TempDir()
	port := FreePort(t)
	server := ""
	if sock, ok := strings.CutPrefix(upstream, "unix:"); ok {
		server = fmt.Sprintf(`"socket" => %q`, sock)
	} else {
		host, p, _ := strings.Cut(upstream, ":")
		server = fmt.Sprintf(`"host" => %q, "port" => %s`, host, p)
	}
	conf := fmt.Sprintf(`server.document-root = %[1]q
server.bind = "127.0.0.1"
server.port = %[2]d
server.errorlog = "%[1]s/error.log"
server.upload-dirs = ( %[1]q )
server.max-request-size = 65536
server.modules = ( "mod_fastcgi" )
fastcgi.debug = 0
fastcgi.server = ( "/" => (( %[3]s, "check-local" => "disable", "fix-root-scriptname" => "enable" )) )
`, dir, port, server)
	file := filepath.Join(dir, "lighttpd.conf")
	os.WriteFile(file, []byte(conf), 0o644)
	p := Start(t, dir, bin, "-D", "-f", file)
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	WaitHTTP(t, url, 10*time.Second)
	return &Front{URL: url, Proc: p, ErrLog: filepath.Join(dir, "error.log"), Name: "lighttpd"}
}
