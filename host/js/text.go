// text.go: the byte and text conversions of the Web globals — UTF-8
// decoding as the WHATWG Encoding standard does it, Latin-1 strings, and
// atob's forgiving base64.

package js

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// decodeUTF8 decodes b as TextDecoder does: each maximal invalid subpart
// is one U+FFFD, or with fatal the decoding fails (ok false). With stream,
// an incomplete sequence at the end is not decoded: rest is how many bytes
// of b it took, for the next call.
func decodeUTF8(b []byte, fatal, stream bool) (s string, rest int, ok bool) {
	if utf8.Valid(b) {
		return string(b), 0, true
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	needed, seen := 0, 0
	var cp rune
	lower, upper := byte(0x80), byte(0xBF)
	for i := 0; i < len(b); i++ {
		c := b[i]
		if needed == 0 {
			switch {
			case c <= 0x7F:
				sb.WriteByte(c)
			case c >= 0xC2 && c <= 0xDF:
				needed, cp = 1, rune(c&0x1F)
			case c >= 0xE0 && c <= 0xEF:
				if c == 0xE0 {
					lower = 0xA0
				} else if c == 0xED {
					upper = 0x9F
				}
				needed, cp = 2, rune(c&0xF)
			case c >= 0xF0 && c <= 0xF4:
				if c == 0xF0 {
					lower = 0x90
				} else if c == 0xF4 {
					upper = 0x8F
				}
				needed, cp = 3, rune(c&0x7)
			default:
				if fatal {
					return "", 0, false
				}
				sb.WriteRune(utf8.RuneError)
			}
			continue
		}
		if c < lower || c > upper {
			needed, seen, cp, lower, upper = 0, 0, 0, 0x80, 0xBF
			if fatal {
				return "", 0, false
			}
			sb.WriteRune(utf8.RuneError)
			i-- // the byte starts again
			continue
		}
		lower, upper = 0x80, 0xBF
		cp = cp<<6 | rune(c&0x3F)
		seen++
		if seen == needed {
			sb.WriteRune(cp)
			needed, seen, cp = 0, 0, 0
		}
	}
	if needed != 0 {
		if stream {
			return sb.String(), seen + 1, true
		}
		if fatal {
			return "", 0, false
		}
		sb.WriteRune(utf8.RuneError)
	}
	return sb.String(), 0, true
}

// latin1 is a string of one character per byte (atob's result, a
// "binary" Buffer string).
func latin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) * 2)
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// fromLatin1 is the bytes of a string of characters up to U+00FF; ok is
// false if it has others (btoa's InvalidCharacterError).
func fromLatin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// forgivingBase64 decodes as atob does: ASCII whitespace is ignored,
// padding is optional, and anything else not of the alphabet fails.
func forgivingBase64(s string) ([]byte, bool) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\f', '\r', ' ':
			return -1
		}
		return r
	}, s)
	if len(clean)%4 == 0 {
		clean = strings.TrimSuffix(strings.TrimSuffix(clean, "="), "=")
	}
	if len(clean)%4 == 1 || strings.Contains(clean, "=") {
		return nil, false
	}
	b, err := base64.RawStdEncoding.DecodeString(clean) // not Strict: atob allows non-zero trailing bits
	return b, err == nil
}

func stdBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
