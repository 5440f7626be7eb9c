// buffer.go: the encodings under prelude/buffer.js, as Node decodes them:
// hex up to the first character that is not a hex pair, base64 in either
// alphabet with whatever is not base64 skipped.

package js

import (
	"encoding/base64"
	"encoding/hex"

	"github.com/dop251/goja"
)

func (rt *runtime) bindBufferNatives() {
	vm, n := rt.vm, rt.internal
	n.Set("hexDecode", stringFunc(func(s string) goja.Value { return vm.ToValue(vm.NewArrayBuffer(nodeHexDecode(s))) }))
	n.Set("hexEncode", func(c goja.FunctionCall) goja.Value { return vm.ToValue(hex.EncodeToString(bytesOf(c.Argument(0)))) })
	n.Set("base64Decode", stringFunc(func(s string) goja.Value { return vm.ToValue(vm.NewArrayBuffer(nodeBase64Decode(s))) }))
	n.Set("base64Encode", func(c goja.FunctionCall) goja.Value {
		enc := base64.StdEncoding
		if c.Argument(1).ToBoolean() {
			enc = base64.RawURLEncoding
		}
		return vm.ToValue(enc.EncodeToString(bytesOf(c.Argument(0))))
	})
}

// nodeHexDecode decodes pairs of hex digits up to the first that is not.
func nodeHexDecode(s string) []byte {
	b := make([]byte, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		if !isHex(s[i]) || !isHex(s[i+1]) {
			break
		}
		b = append(b, unhex(s[i])<<4|unhex(s[i+1]))
	}
	return b
}

// nodeBase64Decode decodes standard and URL-safe base64 alike, skipping
// characters outside both alphabets and stopping at padding.
func nodeBase64Decode(s string) []byte {
	b := make([]byte, 0, len(s)*3/4)
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		v, ok := base64Value(s[i])
		if s[i] == '=' {
			break
		}
		if !ok {
			continue
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			b = append(b, byte(acc>>bits))
		}
	}
	return b
}

func base64Value(c byte) (byte, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A', true
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26, true
	case c >= '0' && c <= '9':
		return c - '0' + 52, true
	case c == '+' || c == '-':
		return 62, true
	case c == '/' || c == '_':
		return 63, true
	}
	return 0, false
}
