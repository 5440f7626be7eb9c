// Package jsondec decodes JSON text straight into an interpreter's own
// values through a [Builder], in one pass and without reflection:
// encoding/json's token API, which goja's JSON.parse and a Lua decoder on
// top of it use, costs microseconds per small document.
//
// It accepts exactly the JSON that encoding/json accepts (RFC 8259; one
// value, surrounded by white space), with the same string decoding
// (invalid UTF-8 and lone surrogates become U+FFFD). Nesting is bounded
// by MaxDepth.
package jsondec

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays and objects may nest.
const MaxDepth = 1000

// Builder makes an interpreter's values. The slices passed to Array and
// Object are reused after the call returns.
type Builder[V any] interface {
	Null() V
	Bool(b bool) V
	Number(f float64) V
	String(s string) V
	Array(items []V) V
	Object(keys []string, values []V) V
}

// SyntaxError is invalid JSON, with where.
type SyntaxError struct {
	Msg    string
	Offset int
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset) }

type decoder[V any] struct {
	data  []byte
	pos   int
	b     Builder[V]
	vals  []V      // a stack of values of the arrays and objects being read
	keys  []string // a stack of keys
	depth int
	seen  map[string]string // a Decoder's object keys, nil for Decode
}

// Decode decodes data, which must hold exactly one JSON value.
func Decode[V any](data []byte, b Builder[V]) (V, error) {
	d := &decoder[V]{data: data, b: b}
	return d.document()
}

// Decoder decodes one document after another, keeping what Decode makes
// anew each time: its stacks, and the object keys it has seen (up to
// maxKeys of them), so the keys of a kind of document an API returns are
// not allocated again. A Decoder is not safe for concurrent use.
type Decoder[V any] struct{ d decoder[V] }

const (
	maxKeys   = 1024 // object keys a Decoder keeps
	maxKeyLen = 64   // longer keys are not kept
)

// Decode decodes data, which must hold exactly one JSON value.
func (dec *Decoder[V]) Decode(data []byte, b Builder[V]) (V, error) {
	d := &dec.d
	if d.seen == nil {
		d.seen = map[string]string{}
	}
	d.data, d.pos, d.b, d.depth = data, 0, b, 0
	v, err := d.document()
	clear(d.vals[:cap(d.vals)]) // an error leaves values behind
	clear(d.keys[:cap(d.keys)])
	d.data, d.b, d.vals, d.keys = nil, nil, d.vals[:0], d.keys[:0]
	return v, err
}

// document decodes d.data as one JSON value.
func (d *decoder[V]) document() (V, error) {
	var zero V
	v, err := d.value()
	if err != nil {
		return zero, err
	}
	d.space()
	if d.pos < len(d.data) {
		return zero, d.fail("invalid character %q after the top-level value", d.data[d.pos])
	}
	return v, nil
}

func (d *decoder[V]) fail(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...), Offset: d.pos}
}

func (d *decoder[V]) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder[V]) value() (V, error) {
	var zero V
	d.space()
	if d.pos >= len(d.data) {
		return zero, d.fail("unexpected end of JSON input")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		s, err := d.str()
		if err != nil {
			return zero, err
		}
		return d.b.String(s), nil
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return d.literal("true", d.b.Bool(true))
	case c == 'f':
		return d.literal("false", d.b.Bool(false))
	case c == 'n':
		return d.literal("null", d.b.Null())
	default:
		return zero, d.fail("invalid character %q looking for beginning of value", c)
	}
}

func (d *decoder[V]) literal(word string, v V) (V, error) {
	var zero V
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return zero, d.fail("invalid literal, want %s", word)
	}
	d.pos += len(word)
	return v, nil
}

func (d *decoder[V]) enter() error {
	d.depth++
	if d.depth > MaxDepth {
		return d.fail("nested more than %d levels deep", MaxDepth)
	}
	return nil
}

func (d *decoder[V]) array() (V, error) {
	var zero V
	if err := d.enter(); err != nil {
		return zero, err
	}
	d.pos++ // [
	base := len(d.vals)
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
	} else {
		for {
			v, err := d.value()
			if err != nil {
				return zero, err
			}
			d.vals = append(d.vals, v)
			d.space()
			if d.pos >= len(d.data) {
				return zero, d.fail("unexpected end of JSON input")
			}
			c := d.data[d.pos]
			d.pos++
			if c == ']' {
				break
			}
			if c != ',' {
				d.pos--
				return zero, d.fail("invalid character %q after array element", c)
			}
		}
	}
	v := d.b.Array(d.vals[base:])
	clear(d.vals[base:])
	d.vals = d.vals[:base]
	d.depth--
	return v, nil
}

func (d *decoder[V]) object() (V, error) {
	var zero V
	if err := d.enter(); err != nil {
		return zero, err
	}
	d.pos++ // {
	base, kbase := len(d.vals), len(d.keys)
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
	} else {
		for {
			d.space()
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				if d.pos >= len(d.data) {
					return zero, d.fail("unexpected end of JSON input")
				}
				return zero, d.fail("invalid character %q looking for beginning of object key string", d.data[d.pos])
			}
			k, err := d.key()
			if err != nil {
				return zero, err
			}
			d.space()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return zero, d.fail("missing ':' after object key")
			}
			d.pos++
			v, err := d.value()
			if err != nil {
				return zero, err
			}
			d.keys, d.vals = append(d.keys, k), append(d.vals, v)
			d.space()
			if d.pos >= len(d.data) {
				return zero, d.fail("unexpected end of JSON input")
			}
			c := d.data[d.pos]
			d.pos++
			if c == '}' {
				break
			}
			if c != ',' {
				d.pos--
				return zero, d.fail("invalid character %q after object key:value pair", c)
			}
		}
	}
	v := d.b.Object(d.keys[kbase:], d.vals[base:])
	clear(d.vals[base:])
	d.vals, d.keys = d.vals[:base], d.keys[:kbase]
	d.depth--
	return v, nil
}

func (d *decoder[V]) number() (V, error) {
	var zero V
	start := d.pos
	p := d.pos
	digits := func() int {
		n := 0
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
			n++
		}
		return n
	}
	if d.data[p] == '-' {
		p++
	}
	switch {
	case p < len(d.data) && d.data[p] == '0':
		p++
	case digits() == 0:
		d.pos = p
		return zero, d.fail("invalid number, want a digit")
	}
	if p < len(d.data) && d.data[p] == '.' {
		p++
		if digits() == 0 {
			d.pos = p
			return zero, d.fail("invalid number, want a digit after the decimal point")
		}
	}
	if p < len(d.data) && (d.data[p] == 'e' || d.data[p] == 'E') {
		p++
		if p < len(d.data) && (d.data[p] == '+' || d.data[p] == '-') {
			p++
		}
		if digits() == 0 {
			d.pos = p
			return zero, d.fail("invalid number, want a digit in the exponent")
		}
	}
	d.pos = p
	f, err := strconv.ParseFloat(string(d.data[start:p]), 64)
	if err != nil {
		d.pos = start
		return zero, d.fail("number %s out of range", d.data[start:p])
	}
	return d.b.Number(f), nil
}

// str reads a string at d.pos (its opening quote).
// key is an object key: for a Decoder, an ASCII key without escapes it
// has seen is not allocated again.
func (d *decoder[V]) key() (string, error) {
	if d.seen == nil {
		return d.str()
	}
	start := d.pos + 1
	for p := start; p < len(d.data) && p-start <= maxKeyLen; p++ {
		c := d.data[p]
		if c == '"' {
			d.pos = p + 1
			if k, ok := d.seen[string(d.data[start:p])]; ok {
				return k, nil
			}
			k := string(d.data[start:p])
			if len(d.seen) < maxKeys {
				d.seen[k] = k
			}
			return k, nil
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
	}
	return d.str()
}

func (d *decoder[V]) str() (string, error) {
	d.pos++
	start := d.pos
	// Fast path: no escapes, ASCII or valid UTF-8.
	for p := start; p < len(d.data); p++ {
		c := d.data[p]
		switch {
		case c == '"':
			s := d.data[start:p]
			if utf8.Valid(s) {
				d.pos = p + 1
				return string(s), nil
			}
			return d.slowStr(start)
		case c == '\\' || c < 0x20:
			return d.slowStr(start)
		}
	}
	d.pos = len(d.data)
	return "", d.fail("unexpected end of JSON input in a string")
}

func (d *decoder[V]) slowStr(start int) (string, error) {
	out := make([]byte, 0, 32)
	p := start
	for p < len(d.data) {
		c := d.data[p]
		switch {
		case c == '"':
			d.pos = p + 1
			return string(out), nil
		case c < 0x20:
			d.pos = p
			return "", d.fail("invalid character %q in string literal", c)
		case c == '\\':
			if p+1 >= len(d.data) {
				d.pos = p
				return "", d.fail("unexpected end of JSON input in a string")
			}
			e := d.data[p+1]
			p += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := hex4(d.data, p)
				if !ok {
					d.pos = p
					return "", d.fail("invalid \\u escape")
				}
				p += 4
				if utf16.IsSurrogate(r) {
					if r2, ok := surrogatePair(d.data, p); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r = dec
							p += 6
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				d.pos = p - 1
				return "", d.fail("invalid escape character %q in string", e)
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			p++
		default:
			r, size := utf8.DecodeRune(d.data[p:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d.data[p:p+size]...)
			}
			p += size
		}
	}
	d.pos = len(d.data)
	return "", d.fail("unexpected end of JSON input in a string")
}

func surrogatePair(b []byte, p int) (rune, bool) {
	if p+1 < len(b) && b[p] == '\\' && b[p+1] == 'u' {
		return hex4(b, p+2)
	}
	return 0, false
}

func hex4(b []byte, p int) (rune, bool) {
	if p+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[p : p+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
