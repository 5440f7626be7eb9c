// management.go: records with request id 0, answered on the connection.

package fcgi

import (
	"fmt"

	"scriptsrv/cgi"
)

// management answers GET_VALUES and, with UNKNOWN_TYPE, any other type.
func (c *conn) management(h header, content []byte) error {
	switch h.Type {
	case typeGetValues:
		ps, err := decodeParams(content)
		if err != nil {
			return fmt.Errorf("%w: GET_VALUES: %v", errProtocol, err)
		}
		return c.write(appendRecord(nil, typeGetValuesResult, 0, c.getValues(ps)))
	case typeBeginRequest, typeParams, typeStdin, typeAbortRequest, typeData:
		if h.Type == typeBeginRequest {
			return fmt.Errorf("%w: BEGIN_REQUEST with request id 0", errProtocol)
		}
	}
	c.log.Debug("fastcgi: unknown management record", "peer", c.peer, "type", h.Type.String())
	body := [8]byte{byte(h.Type)}
	return c.write(appendRecord(nil, typeUnknownType, 0, body[:]))
}

// getValues encodes the known names asked for, each once.
func (c *conn) getValues(asked []cgi.Param) []byte {
	var out []byte
	seen := map[string]bool{}
	for _, p := range asked {
		if seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		switch p.Name {
		case "FCGI_MAX_CONNS":
			out = appendPair(out, p.Name, fmt.Sprint(c.srv.maxConns()))
		case "FCGI_MAX_REQS":
			out = appendPair(out, p.Name, fmt.Sprint(c.srv.maxReqs()))
		case "FCGI_MPXS_CONNS":
			out = appendPair(out, p.Name, "1")
		}
	}
	return out
}
