package jsondec

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// anyBuilder builds what encoding/json's Unmarshal into any builds.
type anyBuilder struct{}

func (anyBuilder) Null() any             { return nil }
func (anyBuilder) Bool(b bool) any       { return b }
func (anyBuilder) Number(f float64) any  { return f }
func (anyBuilder) String(s string) any   { return s }
func (anyBuilder) Array(items []any) any { return append([]any{}, items...) }
func (anyBuilder) Object(keys []string, vals []any) any {
	m := map[string]any{}
	for i, k := range keys {
		m[k] = vals[i]
	}
	return m
}

// reused decodes every document check is given, one after another: a
// Decoder decodes as Decode does, whatever it decoded (or failed) before.
var reused Decoder[any]

// check decodes s both ways: the same value, or both an error; and the
// same with reused.
func check(t testing.TB, s string) {
	var want any
	wantErr := json.Unmarshal([]byte(s), &want)
	got, err := Decode[any]([]byte(s), anyBuilder{})
	again, againErr := reused.Decode([]byte(s), anyBuilder{})
	if (againErr == nil) != (err == nil) || (err != nil && againErr.Error() != err.Error()) || !reflect.DeepEqual(again, got) {
		t.Fatalf("%q: a reused Decoder gave %#v, %v; Decode %#v, %v", s, again, againErr, got, err)
	}
	if (err != nil) != (wantErr != nil) {
		if wantErr != nil && strings.Contains(wantErr.Error(), "exceeded max depth") {
			return // encoding/json's own depth limit (10000) is deeper than ours
		}
		if err != nil && strings.Contains(err.Error(), "levels deep") {
			return
		}
		t.Fatalf("%q: error %v, encoding/json's %v", s, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: got %#v, encoding/json %#v", s, got, want)
	}
}

func TestSameAsEncodingJSON(t *testing.T) {
	cases := []string{
		`null`, `true`, `false`, `0`, `-0`, `1.5e3`, `-12.25E-2`, `123456789012345678901234567890`, `1e400`,
		`""`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\ud800\u0041"`, "\"\xff\xfe\"", `"é😀"`,
		`[]`, `[1,null,3]`, `{}`, `{"a":{"b":[{}]}}`, ` { "k" : [ 1 , 2 ] } `, `{"a":1,"a":2}`,
		`01`, `1.`, `.5`, `+1`, `1e`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`, `[1 2]`, `nul`, `tru`, `"abc`, "\"a\x01\"",
		`"\x"`, `"\u12"`, `[1]x`, ``, ` `, `{"a":}`, `[`, `{`, `"\`, `-`, `[-]`, `1 2`,
		`{"a":[1,{"b":2}`, `{"a":1,"b":2}`, `{"a\u0062":1,"ab":2}`, `{"é":1,"\u00e9":2}`, // keys seen before, escaped or not
	}
	for _, c := range cases {
		check(t, c)
	}
}

func TestDepth(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if _, err := Decode[any]([]byte(deep), anyBuilder{}); err == nil || !strings.Contains(err.Error(), "1000 levels deep") {
		t.Errorf("got %v", err)
	}
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Decode[any]([]byte(ok), anyBuilder{}); err != nil {
		t.Errorf("%d levels: %v", MaxDepth, err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",null,true]}`, `"\u00e9"`, `-1.5e-3`, `[[],{}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { check(t, s) })
}

func BenchmarkDecodeSmall(b *testing.B) {
	data := []byte(`{"a":1,"b":"two","list":[1,2,3],"nested":{"ok":true}}`)
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Decode[any](data, anyBuilder{})
		}
	})
	b.Run("Decoder", func(b *testing.B) {
		b.ReportAllocs()
		var d Decoder[any]
		for b.Loop() {
			d.Decode(data, anyBuilder{})
		}
	})
}
