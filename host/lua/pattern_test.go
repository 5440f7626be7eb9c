package lua

import (
	"context"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// patternState is a bare LState with the matcher's functions bound.
func patternState() *lua.LState {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	L.Push(L.NewFunction(lua.OpenString))
	L.Push(lua.LString(lua.StringLibName))
	L.Call(1, 0)
	t := L.GetGlobal("string").(*lua.LTable)
	for name, f := range map[string]lua.LGFunction{"find": strFind, "match": strMatch, "gmatch": strGmatch, "gsub": strGsub} {
		t.RawSetString(name, L.NewFunction(f))
	}
	return L
}

// FuzzPattern runs every matching function on arbitrary subjects and
// patterns: Lua errors are fine, Go panics and runaways are not.
func FuzzPattern(f *testing.F) {
	for _, seed := range [][2]string{{"hello world", "(%w+)"}, {"  x  ", "^%s*(.-)%s*$"}, {"[a]", "%b[]"}, {"THE (quick)", "%f[%a]%a+"},
		{"abcabc", "(abc)%1"}, {"a-b", "[a%-]+"}, {"x", "[]"}, {"", "()"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, s, p string) {
		if len(s) > 200 || len(p) > 40 {
			return // quadratic patterns on long subjects are the interruption's business
		}
		L := patternState()
		defer L.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		L.SetContext(ctx)
		L.SetGlobal("s", lua.LString(s))
		L.SetGlobal("p", lua.LString(p))
		err := L.DoString(`
			string.find(s, p); string.match(s, p); string.gsub(s, p, "%0")
			local n = 0
			for _ in string.gmatch(s, p) do n = n + 1 if n > 1000 then break end end`)
		if err != nil && strings.Contains(err.Error(), "runtime error") {
			t.Fatalf("s=%q p=%q: %v", s, p, err)
		}
	})
}

// A pathological match stops when the interpreter's context is cancelled.
func TestPatternInterrupted(t *testing.T) {
	L := patternState()
	defer L.Close()
	ctx, cancel := context.WithCancel(context.Background())
	L.SetContext(ctx)
	cancel()
	err := L.DoString(`return ("x" .. (" "):rep(10000) .. "x"):match("^%s*(.-)%s*$")`)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("got %v, want the match stopped", err)
	}
}
