// record.go: the FastCGI record header and the record-level constants.

package fcgi

import (
	"encoding/binary"
	"fmt"
)

type recType uint8

const (
	typeBeginRequest    recType = 1
	typeAbortRequest    recType = 2
	typeEndRequest      recType = 3
	typeParams          recType = 4
	typeStdin           recType = 5
	typeStdout          recType = 6
	typeStderr          recType = 7
	typeData            recType = 8
	typeGetValues       recType = 9
	typeGetValuesResult recType = 10
	typeUnknownType     recType = 11
)

func (t recType) String() string {
	names := [...]string{"", "BEGIN_REQUEST", "ABORT_REQUEST", "END_REQUEST", "PARAMS", "STDIN",
		"STDOUT", "STDERR", "DATA", "GET_VALUES", "GET_VALUES_RESULT", "UNKNOWN_TYPE"}
	if int(t) < len(names) && t != 0 {
		return names[t]
	}
	return fmt.Sprintf("type %d", uint8(t))
}

const (
	roleResponder  = 1
	roleAuthorizer = 2
	roleFilter     = 3

	flagKeepConn = 1

	statusRequestComplete = 0
	statusCantMultiplex   = 1
	statusOverloaded      = 2
	statusUnknownRole     = 3

	headerLen  = 8
	maxContent = 65535
	maxPadding = 255
	// maxRecord is the largest record on the wire: header, 65535 bytes of
	// content and 255 of padding.
	maxRecord = headerLen + maxContent + maxPadding
)

// header is a decoded record header.
type header struct {
	Type          recType
	ID            uint16
	ContentLength uint16
	PaddingLength uint8
}

// parseHeader decodes the 8 header bytes in b. Only version 1 exists.
func parseHeader(b []byte) (header, error) {
	if b[0] != 1 {
		return header{}, fmt.Errorf("%w: version %d", errProtocol, b[0])
	}
	return header{
		Type:          recType(b[1]),
		ID:            binary.BigEndian.Uint16(b[2:4]),
		ContentLength: binary.BigEndian.Uint16(b[4:6]),
		PaddingLength: b[6],
	}, nil
}

// putHeader writes a version 1 header into b[:8].
func putHeader(b []byte, t recType, id uint16, contentLen, padLen int) {
	b[0] = 1
	b[1] = byte(t)
	binary.BigEndian.PutUint16(b[2:4], id)
	binary.BigEndian.PutUint16(b[4:6], uint16(contentLen))
	b[6] = byte(padLen)
	b[7] = 0
}

// padFor returns the padding that aligns n content bytes to 8.
func padFor(n int) int { return -n & 7 }

var zeros [maxPadding]byte

// appendRecord appends one record with content (at most maxContent bytes),
// padded to a multiple of 8.
func appendRecord(dst []byte, t recType, id uint16, content []byte) []byte {
	pad := padFor(len(content))
	var h [headerLen]byte
	putHeader(h[:], t, id, len(content), pad)
	dst = append(dst, h[:]...)
	dst = append(dst, content...)
	return append(dst, zeros[:pad]...)
}

// appendEndRequest appends an END_REQUEST record.
func appendEndRequest(dst []byte, id uint16, appStatus uint32, protocolStatus uint8) []byte {
	var body [8]byte
	binary.BigEndian.PutUint32(body[:4], appStatus)
	body[4] = protocolStatus
	return appendRecord(dst, typeEndRequest, id, body[:])
}
