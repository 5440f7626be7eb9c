// policy.go: which hosts and addresses outbound requests may reach
// ([fetch] allow and deny_private).

package outbound

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Pattern is one [fetch] allow entry: a host name ("api.example.com"), a
// wildcard of its subdomains ("*.internal"), or either with a port
// ("127.0.0.1:9200", "[::1]:8080"). Names are compared without case.
type Pattern struct {
	host     string // lower-case; without "*." for a wildcard
	wildcard bool
	port     string // "" matches any port
}

// ParsePattern parses an allow entry.
func ParsePattern(s string) (Pattern, error) {
	p := Pattern{}
	rest := strings.ToLower(strings.TrimSpace(s))
	if rest == "" {
		return p, fmt.Errorf("empty host pattern")
	}
	if strings.Contains(rest, "/") {
		return p, fmt.Errorf("%q: want a host name, \"*.\" and a domain, or an address, each with an optional :port (no scheme or path)", s)
	}
	if h, port, err := net.SplitHostPort(rest); err == nil {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 {
			return p, fmt.Errorf("%q: bad port %q", s, port)
		}
		rest, p.port = h, port
	} else if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		rest = rest[1 : len(rest)-1]
	}
	if strings.HasPrefix(rest, "*.") {
		p.wildcard, rest = true, rest[2:]
	}
	if rest == "" || strings.ContainsAny(rest, "*/ ?#@") || strings.Contains(rest, "://") {
		return p, fmt.Errorf("%q: want a host name, \"*.\" and a domain, or an address, each with an optional :port", s)
	}
	if ip, err := netip.ParseAddr(rest); err == nil {
		if p.wildcard {
			return p, fmt.Errorf("%q: a wildcard needs a domain, not an address", s)
		}
		rest = ip.Unmap().String()
	}
	p.host = rest
	return p, nil
}

// String is the pattern as written in the config.
func (p Pattern) String() string {
	h := p.host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if p.wildcard {
		h = "*." + h
	}
	if p.port != "" {
		h += ":" + p.port
	}
	return h
}

// Match reports whether host (a name or an address, without brackets) and
// port match the pattern.
func (p Pattern) Match(host, port string) bool {
	if p.port != "" && p.port != port {
		return false
	}
	host = canonicalHost(host)
	if p.wildcard {
		return strings.HasSuffix(host, "."+p.host)
	}
	return host == p.host
}

func canonicalHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().String()
	}
	return h
}

// PolicyError is an outbound request refused by [fetch] allow or
// deny_private. Its message says which rule refused it.
type PolicyError struct {
	Host   string // the host the script asked for
	Addr   string // the address that was about to be dialled ("" if none yet)
	Reason string
}

func (e *PolicyError) Error() string {
	if e.Addr == "" {
		return fmt.Sprintf("refused: %s %s", e.Host, e.Reason)
	}
	return fmt.Sprintf("refused: %s (%s) %s", e.Host, e.Addr, e.Reason)
}

// policy is one config's rules.
type policy struct {
	allow       []Pattern
	denyPrivate bool
}

// allowed reports whether an allow pattern names host:port.
func (p *policy) allowed(host, port string) bool {
	for _, a := range p.allow {
		if a.Match(host, port) {
			return true
		}
	}
	return false
}

// checkHost is the check before dialling: with an allow list, the host
// must be on it.
func (p *policy) checkHost(host, port string) error {
	if len(p.allow) == 0 || p.allowed(host, port) {
		return nil
	}
	return &PolicyError{Host: net.JoinHostPort(host, port), Reason: "is not in [fetch] allow"}
}

// privateReason says why ip may not be dialled under deny_private, or "".
func privateReason(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case isMetadata(ip):
		return "is a cloud metadata address"
	case ip.IsLoopback():
		return "is a loopback address"
	case ip.IsUnspecified():
		return "is an unspecified address"
	case ip.IsPrivate():
		return "is a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "is a link-local address"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "is a multicast address"
	case sharedSpace.Contains(ip):
		return "is a carrier-grade NAT address"
	case ip.Is4() && ip.As4()[0] == 0, ip == broadcast:
		return "is not a routable address"
	}
	return ""
}

var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10")
	broadcast   = netip.MustParseAddr("255.255.255.255")
	metadata    = []netip.Addr{
		netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, DigitalOcean, OpenStack
		netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
		netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
		netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	}
)

// addrReason is privateReason of a dialled address; tests replace it to
// stand a loopback server in for a public one.
var addrReason = func(ap netip.AddrPort) string { return privateReason(ap.Addr()) }

func isMetadata(ip netip.Addr) bool {
	for _, m := range metadata {
		if ip == m {
			return true
		}
	}
	return false
}
