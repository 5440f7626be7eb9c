// pattern.go: Lua 5.1 pattern matching (string.find, match, gmatch, gsub),
// written after the reference manual and lstrlib.c's algorithm. gopher-lua's
// own cannot be interrupted — s:match("^%s*(.-)%s*$") on a long string of
// spaces runs quadratic time in one native call, long after its request
// timed out — and returns no value instead of nil when nothing matches.
// This one checks the interpreter's context every few thousand steps.

package lua

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

const (
	maxCaptures   = 32
	capUnfinished = -1
	capPosition   = -2
	maxMatchDepth = 200 // recursion of the matcher: "pattern too complex" past it
	checkEvery    = 1 << 12
	specials      = "^$*+?.([%-"
)

// matcher is one matching run over src with pattern pat.
type matcher struct {
	L     *lua.LState
	src   string
	pat   string
	level int
	capt  [maxCaptures]struct{ init, len int }
	steps int
	depth int
}

func (m *matcher) fail(format string, args ...any) {
	m.L.RaiseError("%s", fmt.Sprintf(format, args...))
}

// step counts work and stops the match once the interpreter is interrupted.
func (m *matcher) step() {
	m.steps++
	if m.steps%checkEvery == 0 {
		if ctx := m.L.Context(); ctx != nil && ctx.Err() != nil {
			m.fail("%s", ctx.Err().Error())
		}
	}
}

// match returns the end of a match of pat[p:] at src[s:], or -1.
func (m *matcher) match(s, p int) int {
	m.depth++
	if m.depth > maxMatchDepth {
		m.fail("pattern too complex")
	}
	defer func() { m.depth-- }()
	for {
		m.step()
		if p == len(m.pat) {
			return s
		}
		switch m.pat[p] {
		case '(':
			if p+1 < len(m.pat) && m.pat[p+1] == ')' {
				return m.startCapture(s, p+2, capPosition)
			}
			return m.startCapture(s, p+1, capUnfinished)
		case ')':
			return m.endCapture(s, p+1)
		case '%':
			if p+1 < len(m.pat) {
				switch c := m.pat[p+1]; {
				case c == 'b':
					if s = m.matchBalance(s, p+2); s < 0 {
						return -1
					}
					p += 4
					continue
				case c == 'f':
					p += 2
					if p >= len(m.pat) || m.pat[p] != '[' {
						m.fail("missing '[' after '%%f' in pattern")
					}
					ep := m.classEnd(p)
					prev := byte(0)
					if s > 0 {
						prev = m.src[s-1]
					}
					cur := byte(0)
					if s < len(m.src) {
						cur = m.src[s]
					}
					if matchBracket(prev, m.pat, p, ep-1) || !matchBracket(cur, m.pat, p, ep-1) {
						return -1
					}
					p = ep
					continue
				case c >= '0' && c <= '9':
					if s = m.matchCapture(s, c); s < 0 {
						return -1
					}
					p += 2
					continue
				}
			}
		case '$':
			if p+1 == len(m.pat) {
				if s == len(m.src) {
					return s
				}
				return -1
			}
		}
		ep := m.classEnd(p)
		ok := s < len(m.src) && singleMatch(m.src[s], m.pat, p, ep)
		if ep < len(m.pat) {
			switch m.pat[ep] {
			case '?':
				if ok {
					if res := m.match(s+1, ep+1); res >= 0 {
						return res
					}
				}
				p = ep + 1
				continue
			case '*':
				return m.maxExpand(s, p, ep)
			case '+':
				if !ok {
					return -1
				}
				return m.maxExpand(s+1, p, ep)
			case '-':
				return m.minExpand(s, p, ep)
			}
		}
		if !ok {
			return -1
		}
		s, p = s+1, ep
	}
}

func (m *matcher) maxExpand(s, p, ep int) int {
	i := 0
	for s+i < len(m.src) && singleMatch(m.src[s+i], m.pat, p, ep) {
		i++
		m.step()
	}
	for ; i >= 0; i-- {
		if res := m.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

func (m *matcher) minExpand(s, p, ep int) int {
	for {
		if res := m.match(s, ep+1); res >= 0 {
			return res
		}
		if s < len(m.src) && singleMatch(m.src[s], m.pat, p, ep) {
			s++
		} else {
			return -1
		}
	}
}

func (m *matcher) startCapture(s, p, what int) int {
	if m.level >= maxCaptures {
		m.fail("too many captures")
	}
	m.capt[m.level].init, m.capt[m.level].len = s, what
	m.level++
	res := m.match(s, p)
	if res < 0 {
		m.level--
	}
	return res
}

func (m *matcher) endCapture(s, p int) int {
	l := m.captureToClose()
	m.capt[l].len = s - m.capt[l].init
	res := m.match(s, p)
	if res < 0 {
		m.capt[l].len = capUnfinished
	}
	return res
}

func (m *matcher) captureToClose() int {
	for l := m.level - 1; l >= 0; l-- {
		if m.capt[l].len == capUnfinished {
			return l
		}
	}
	m.fail("invalid pattern capture")
	return 0
}

func (m *matcher) matchCapture(s int, c byte) int {
	l := int(c - '1')
	if l < 0 || l >= m.level || m.capt[l].len == capUnfinished {
		m.fail("invalid capture index")
	}
	n := m.capt[l].len
	if n < 0 { // a position capture matches no text, as in Lua 5.1
		return -1
	}
	if len(m.src)-s >= n && m.src[m.capt[l].init:m.capt[l].init+n] == m.src[s:s+n] {
		return s + n
	}
	return -1
}

func (m *matcher) matchBalance(s, p int) int {
	if p+1 >= len(m.pat) {
		m.fail("unbalanced pattern")
	}
	if s >= len(m.src) || m.src[s] != m.pat[p] {
		return -1
	}
	b, e, cont := m.pat[p], m.pat[p+1], 1
	for s++; s < len(m.src); s++ {
		m.step()
		switch m.src[s] {
		case e:
			if cont--; cont == 0 {
				return s + 1
			}
		case b:
			cont++
		}
	}
	return -1
}

// classEnd is where the single-character class at pat[p] ends.
func (m *matcher) classEnd(p int) int {
	c := m.pat[p]
	p++
	switch c {
	case '%':
		if p >= len(m.pat) {
			m.fail("malformed pattern (ends with '%%')")
		}
		return p + 1
	case '[':
		if p < len(m.pat) && m.pat[p] == '^' {
			p++
		}
		for { // the first character is a member even if it is ']'
			if p >= len(m.pat) {
				m.fail("malformed pattern (missing ']')")
			}
			c := m.pat[p]
			p++
			if c == '%' && p < len(m.pat) {
				p++
			}
			if p < len(m.pat) && m.pat[p] == ']' {
				return p + 1
			}
			if p >= len(m.pat) {
				m.fail("malformed pattern (missing ']')")
			}
		}
	}
	return p
}

func singleMatch(c byte, pat string, p, ep int) bool {
	switch pat[p] {
	case '.':
		return true
	case '%':
		return matchClass(c, pat[p+1])
	case '[':
		return matchBracket(c, pat, p, ep-1)
	}
	return pat[p] == c
}

// matchBracket matches a set [...] from pat[p] ('[') to pat[ec] (']').
func matchBracket(c byte, pat string, p, ec int) bool {
	sig := true
	if pat[p+1] == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case pat[p] == '%':
			p++
			if matchClass(c, pat[p]) {
				return sig
			}
		case pat[p+1] == '-' && p+2 < ec:
			p += 2
			if pat[p-2] <= c && c <= pat[p] {
				return sig
			}
		case pat[p] == c:
			return sig
		}
	}
	return !sig
}

func matchClass(c, cl byte) bool {
	var res bool
	switch lower(cl) {
	case 'a':
		res = isAlpha(c)
	case 'c':
		res = c < 32 || c == 127
	case 'd':
		res = c >= '0' && c <= '9'
	case 'l':
		res = c >= 'a' && c <= 'z'
	case 'p':
		res = c > 32 && c < 127 && !isAlpha(c) && !(c >= '0' && c <= '9')
	case 's':
		res = c == ' ' || c >= '\t' && c <= '\r'
	case 'u':
		res = c >= 'A' && c <= 'Z'
	case 'w':
		res = isAlpha(c) || c >= '0' && c <= '9'
	case 'x':
		res = c >= '0' && c <= '9' || lower(c) >= 'a' && lower(c) <= 'f'
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if cl >= 'A' && cl <= 'Z' {
		return !res
	}
	return res
}

func isAlpha(c byte) bool { return lower(c) >= 'a' && lower(c) <= 'z' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// capture returns capture i of a match from s to e, as a Lua value.
func (m *matcher) capture(i, s, e int) lua.LValue {
	if i >= m.level {
		if i == 0 {
			return lua.LString(m.src[s:e])
		}
		m.fail("invalid capture index")
	}
	switch l := m.capt[i].len; l {
	case capUnfinished:
		m.fail("unfinished capture")
	case capPosition:
		return lua.LNumber(m.capt[i].init + 1)
	}
	return lua.LString(m.src[m.capt[i].init : m.capt[i].init+m.capt[i].len])
}

// pushCaptures pushes a match's captures (the whole match when it has
// none and whole is set) and returns how many.
func (m *matcher) pushCaptures(s, e int, whole bool) int {
	n := m.level
	if n == 0 && whole {
		n = 1
	}
	for i := range n {
		m.L.Push(m.capture(i, s, e))
	}
	return n
}
