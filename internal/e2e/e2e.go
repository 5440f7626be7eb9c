// Package e2e helps tests that run real front ends (Caddy, nginx, HAProxy,
// Apache, cgi-fcgi) and servers
// on loopback: finding their binaries, skipping with a clear message when
// one is missing, or failing instead when SCRIPTSRV_E2E=require (as CI sets).
package e2e

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the named binary. When it is missing the test is
// skipped with a message, or fails when SCRIPTSRV_E2E=require.
func Need(t testing.TB, name string, alsoTry ...string) string {
	t.Helper()
	for _, n := range append([]string{name}, alsoTry...) {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if _, err := os.Stat(n); err == nil {
			return n
		}
	}
	msg := name + " is not installed (Debian: apt-get install " + debianPackage(name) + ")"
	if name == "npm" {
		msg = "npm is not installed (it comes with node 20; do not apt-get Debian's npm, which conflicts)"
	}
	if os.Getenv("SCRIPTSRV_E2E") == "require" {
		t.Fatalf("SCRIPTSRV_E2E=require: %s", msg)
	}
	t.Skipf("skipping: %s; set SCRIPTSRV_E2E=require to make this a failure", msg)
	return ""
}

func debianPackage(bin string) string {
	switch bin {
	case "cgi-fcgi":
		return "libfcgi-bin"
	case "nginx", "/usr/sbin/nginx":
		return "nginx"
	case "haproxy", "/usr/sbin/haproxy":
		return "haproxy"
	case "apache2", "/usr/sbin/apache2":
		return "apache2"
	case "redis-server":
		return "redis-server"
	case "postgres", "initdb", "pg_ctl":
		return "postgresql"
	}
	return bin
}
