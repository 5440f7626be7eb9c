// listen.go: listeners (TCP and unix sockets) and the peer allow-list.

package fcgi

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"strings"
)

// Listen opens a listener for addr: "host:port" or "[::1]:port" for TCP,
// "unix:PATH" for a unix socket. For a unix socket a stale socket file left
// by a previous run is removed first (any other kind of file is an error),
// and the socket's permissions are set to mode when it is non-zero. The
// socket file is removed when the listener closes.
func Listen(addr string, mode fs.FileMode) (net.Listener, error) {
	path, isUnix := strings.CutPrefix(addr, "unix:")
	if !isUnix {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listening on %s: %w", addr, err)
		}
		return l, nil
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	if mode != 0 {
		if err := os.Chmod(path, mode); err != nil {
			l.Close()
			return nil, fmt.Errorf("setting mode of %s: %w", path, err)
		}
	}
	return l, nil
}

func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("listening on unix:%s: a file that is not a socket is in the way", path)
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return fmt.Errorf("listening on unix:%s: another server is using the socket", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing stale socket %s: %w", path, err)
	}
	return nil
}

// ParseAllowList parses comma- or space-separated IP addresses and CIDR
// prefixes, as in FCGI_WEB_SERVER_ADDRS or the allowed_clients setting.
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		p, err := ParseAllowed(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParseAllowed parses one IP address or CIDR prefix.
func ParseAllowed(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("bad allowed client %q: %w", s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad allowed client %q: %w", s, err)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (s *Server) allowList() []netip.Prefix {
	s.allowOnce.Do(func() {
		s.allow = s.AllowedClients
		if len(s.allow) == 0 {
			if env := os.Getenv("FCGI_WEB_SERVER_ADDRS"); env != "" {
				l, err := ParseAllowList(env)
				if err != nil {
					s.logger().Error("fastcgi: ignoring FCGI_WEB_SERVER_ADDRS", "error", err)
				}
				s.allow = l
			}
		}
	})
	return s.allow
}

func (s *Server) allowed(c net.Conn) bool {
	list := s.allowList()
	if len(list) == 0 {
		return true
	}
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return true // unix socket: guarded by its file mode
	}
	ap := ta.AddrPort().Addr().Unmap()
	for _, p := range list {
		if p.Contains(ap) {
			return true
		}
	}
	s.logger().Warn("fastcgi: refused connection from a client not in the allow-list", "peer", ap.String())
	return false
}

func peerName(c net.Conn) string {
	if a := c.RemoteAddr(); a != nil && a.String() != "" && a.String() != "@" {
		return a.String()
	}
	if a := c.LocalAddr(); a != nil {
		return "unix:" + a.String()
	}
	return "?"
}
