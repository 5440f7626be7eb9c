// params.go: the FastCGI name-value pair encoding (spec §3.4).

package fcgi

import (
	"encoding/binary"
	"errors"
	"fmt"

	"scriptsrv/cgi"
)

var errMalformedParams = errors.New("fcgi: malformed params")

// readLen reads one pair length at b[i:]: one byte when the high bit is
// clear, else four bytes big-endian with the high bit masked off.
func readLen(b []byte, i int) (n, next int, ok bool) {
	if i >= len(b) {
		return 0, i, false
	}
	if b[i]&0x80 == 0 {
		return int(b[i]), i + 1, true
	}
	if i+4 > len(b) {
		return 0, i, false
	}
	return int(binary.BigEndian.Uint32(b[i:]) & 0x7fffffff), i + 4, true
}

// decodeParams decodes a complete PARAMS stream. Every declared length is
// checked against the bytes actually present before anything is sliced, so
// a forged length cannot cause an allocation. All names and values share one
// string allocation. Pairs with an empty name are skipped.
func decodeParams(b []byte) (cgi.Params, error) {
	if len(b) == 0 {
		return nil, nil
	}
	s := string(b)
	ps := make(cgi.Params, 0, 32)
	for i := 0; i < len(b); {
		nl, j, ok1 := readLen(b, i)
		vl, k, ok2 := readLen(b, j)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: truncated length at offset %d", errMalformedParams, i)
		}
		if nl > len(b)-k || vl > len(b)-k-nl {
			return nil, fmt.Errorf("%w: pair at offset %d declares %d+%d bytes, %d left", errMalformedParams, i, nl, vl, len(b)-k)
		}
		if nl > 0 {
			ps = append(ps, cgi.Param{Name: s[k : k+nl], Value: s[k+nl : k+nl+vl]})
		}
		i = k + nl + vl
	}
	return ps, nil
}

// appendLen appends a pair length in the shortest form.
func appendLen(dst []byte, n int) []byte {
	if n <= 127 {
		return append(dst, byte(n))
	}
	return binary.BigEndian.AppendUint32(dst, uint32(n)|0x80000000)
}

// appendPair appends one encoded name-value pair.
func appendPair(dst []byte, name, value string) []byte {
	dst = appendLen(dst, len(name))
	dst = appendLen(dst, len(value))
	dst = append(dst, name...)
	return append(dst, value...)
}
