// crypto.go: hashes, HMACs, random bytes and UUIDs, and base64 — Lua's
// crypto and base64 modules (PLATFORM.md, "Web and Node globals"), and
// the internal functions JavaScript's crypto global, require("crypto")
// and Buffer are written over.

package caps

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	"scriptsrv/host/engine"
)

// maxRandomBytes bounds one call for random bytes (Node's randomBytes
// allows 2³¹−1; the request's memory_limit applies first).
const maxRandomBytes = 1 << 30

func init() {
	engine.Define(&engine.Module{Name: "crypto", Lang: "lua", Funcs: []*engine.Func{
		{Name: "sha256", Params: []string{"data"}, TopLevel: true, Do: luaDigest("sha256", false)},
		{Name: "hmacSha256", Params: []string{"key", "data"}, TopLevel: true, Do: luaDigest("sha256", true)},
		{Name: "randomBytes", Params: []string{"n"}, TopLevel: true, Do: randomBytes},
		{Name: "uuid", TopLevel: true, Do: func(*engine.Call, *engine.Args) (any, error) { return randomUUID(), nil }},
		{Name: "pbkdf2", Params: []string{"password", "salt", "iterations", "length", "digest?"}, TopLevel: true, Do: luaPBKDF2},
		{Name: "equal", Params: []string{"a", "b"}, TopLevel: true, Do: func(_ *engine.Call, a *engine.Args) (any, error) {
			x, y := a.Bytes(0), a.Bytes(1)
			return subtle.ConstantTimeCompare(x, y) == 1, a.Err()
		}},
	}})
	engine.Define(&engine.Module{Name: "base64", Lang: "lua", Funcs: []*engine.Func{
		{Name: "encode", Params: []string{"data"}, TopLevel: true, Do: func(_ *engine.Call, a *engine.Args) (any, error) {
			return base64.StdEncoding.EncodeToString(a.Bytes(0)), a.Err()
		}},
		{Name: "decode", Params: []string{"text"}, TopLevel: true, Fallible: true, Do: base64Decode},
	}})
	engine.Define(&engine.Module{Lang: "js", Internal: true, Funcs: []*engine.Func{
		{Name: "createHash", Params: []string{"algorithm", "hmacKey?"}, TopLevel: true, Do: createHash},
		{Name: "randomBytes", Params: []string{"size"}, TopLevel: true, Do: randomBytes},
		{Name: "randomUUID", TopLevel: true, Do: func(*engine.Call, *engine.Args) (any, error) { return randomUUID(), nil }},
		{Name: "timingSafeEqual", Params: []string{"a", "b"}, TopLevel: true, Do: timingSafeEqual},
		{Name: "pbkdf2", Params: []string{"password", "salt", "iterations", "keylen", "digest"}, TopLevel: true, Do: pbkdf2Key},
	}})
}

// hashes are the algorithms by the names Node and WebCrypto give them.
var hashes = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha224": sha256.New224,
	"sha384": sha512.New384, "sha512": sha512.New,
}

// newHash returns the algorithm named (any case, "SHA-256" as "sha256").
func newHash(name string) (func() hash.Hash, error) {
	n := strings.ReplaceAll(strings.ToLower(name), "-", "")
	if h, ok := hashes[n]; ok {
		return h, nil
	}
	return nil, fmt.Errorf("digest method %q is not supported (md5, sha1, sha224, sha256, sha384, sha512 are)", name)
}

// luaDigest is crypto.sha256 or crypto.hmac_sha256: the digest in hex.
func luaDigest(alg string, keyed bool) func(*engine.Call, *engine.Args) (any, error) {
	return func(_ *engine.Call, a *engine.Args) (any, error) {
		newH, _ := newHash(alg)
		h := newH()
		data := 0
		if keyed {
			h = hmac.New(newH, a.Bytes(0))
			data = 1
		}
		h.Write(a.Bytes(data))
		if a.Err() != nil {
			return nil, a.Err()
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
}

// createHash returns a hash (an HMAC given a key) with update(data) and
// digest() → bytes; digest may be called once.
func createHash(c *engine.Call, a *engine.Args) (any, error) {
	alg := a.String(0)
	var key []byte
	if a.Has(1) {
		key = a.Bytes(1)
	}
	if a.Err() != nil {
		return nil, a.Err()
	}
	newH, err := newHash(alg)
	if err != nil {
		return nil, err
	}
	h := newH()
	if a.Has(1) {
		h = hmac.New(newH, key)
	}
	done := false
	update := func(_ *engine.Call, a *engine.Args) (any, error) {
		if done {
			return nil, fmt.Errorf("digest already called")
		}
		h.Write(a.Bytes(0))
		return nil, a.Err()
	}
	digest := func(*engine.Call, *engine.Args) (any, error) {
		if done {
			return nil, fmt.Errorf("digest already called")
		}
		done = true
		return h.Sum(nil), nil
	}
	return &engine.Object{Name: "hash", Methods: []*engine.Func{
		{Name: "update", Params: []string{"data"}, TopLevel: true, Do: update},
		{Name: "digest", TopLevel: true, Do: digest},
	}}, nil
}

// randomBytes returns n cryptographically random bytes, counted against
// the request's memory_limit.
func randomBytes(c *engine.Call, a *engine.Args) (any, error) {
	n := a.Number(0)
	if a.Err() != nil {
		return nil, a.Err()
	}
	if n < 0 || n > maxRandomBytes || n != float64(int(n)) {
		return nil, fmt.Errorf("size must be a whole number from 0 to %d, got %v", maxRandomBytes, n)
	}
	if c.Req != nil {
		if err := c.Req.Grow(int64(n)); err != nil {
			return nil, &engine.Fatal{Err: err}
		}
	}
	b := make([]byte, int(n))
	rand.Read(b)
	return b, nil
}

// maxPBKDF2 bounds pbkdf2's work: it runs in Go, where a request's
// timeout cannot stop it (5 million SHA-256 rounds take about a second).
const maxPBKDF2 = 5_000_000

// pbkdf2Key is PBKDF2 (RFC 8018): JavaScript's crypto.pbkdf2Sync.
func pbkdf2Key(_ *engine.Call, a *engine.Args) (any, error) {
	password, salt, iter, keyLen, digest := a.Bytes(0), a.Bytes(1), a.Number(2), a.Number(3), a.String(4)
	if a.Err() != nil {
		return nil, a.Err()
	}
	return derive(password, salt, iter, keyLen, digest)
}

func derive(password, salt []byte, iter, keyLen float64, digest string) ([]byte, error) {
	newH, err := newHash(digest)
	if err != nil {
		return nil, err
	}
	if iter < 1 || iter > maxPBKDF2 || iter != float64(int(iter)) {
		return nil, &engine.RangeError{Err: fmt.Errorf("iterations must be a whole number from 1 to %d, got %v", maxPBKDF2, iter)}
	}
	if keyLen < 1 || keyLen > 1024 || keyLen != float64(int(keyLen)) {
		return nil, &engine.RangeError{Err: fmt.Errorf("the key length must be a whole number from 1 to 1024, got %v", keyLen)}
	}
	return pbkdf2.Key(newH, string(password), salt, int(iter), int(keyLen))
}

// luaPBKDF2 is crypto.pbkdf2(password, salt, iterations, length, digest):
// the key in hex; digest defaults to sha256.
func luaPBKDF2(_ *engine.Call, a *engine.Args) (any, error) {
	password, salt, iter, keyLen, digest := a.Bytes(0), a.Bytes(1), a.Number(2), a.Number(3), a.OptString(4, "sha256")
	if a.Err() != nil {
		return nil, a.Err()
	}
	k, err := derive(password, salt, iter, keyLen, digest)
	if err != nil {
		return nil, err
	}
	return hex.EncodeToString(k), nil
}

// randomUUID is a version 4 UUID (RFC 9562), lower-case.
func randomUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// timingSafeEqual compares two byte strings of one length in constant
// time.
func timingSafeEqual(_ *engine.Call, a *engine.Args) (any, error) {
	x, y := a.Bytes(0), a.Bytes(1)
	if a.Err() != nil {
		return nil, a.Err()
	}
	if len(x) != len(y) {
		return nil, &engine.RangeError{Err: fmt.Errorf("input buffers must have the same byte length (%d and %d)", len(x), len(y))}
	}
	return subtle.ConstantTimeCompare(x, y) == 1, nil
}

// base64Decode decodes standard or URL-safe base64, padded or not;
// whitespace is ignored.
func base64Decode(_ *engine.Call, a *engine.Args) (any, error) {
	s := strings.Join(strings.Fields(a.String(0)), "")
	if a.Err() != nil {
		return nil, a.Err()
	}
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	b, err := enc.WithPadding(base64.NoPadding).DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("not valid base64: %w", err)
	}
	return b, nil
}
