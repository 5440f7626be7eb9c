// Package gopool runs functions on goroutines kept between calls.
//
// A goroutine starts with a small stack and grows it by copying as a call
// goes deeper; net/http's client path grows it two or three times, which
// costs more than a small loopback request itself. Goroutines that outlive
// their call keep the grown stack for the next one. An idle goroutine
// exits after a while, so a burst does not leave goroutines behind.
package gopool

import (
	"sync/atomic"
	"time"
)

// pool hands functions to its idle goroutines.
type pool struct {
	idle    chan func()   // unbuffered: a send succeeds only if a goroutine waits
	idleFor time.Duration // how long a goroutine waits for work before it exits
	running atomic.Int32  // goroutines, working or idle
}

func newPool(idleFor time.Duration) *pool { return &pool{idle: make(chan func()), idleFor: idleFor} }

var std = newPool(10 * time.Second)

// Go runs f on a goroutine: an idle one when there is one, else a new one.
func Go(f func()) { std.run(f) }

func (p *pool) run(f func()) {
	select {
	case p.idle <- f:
	default:
		p.running.Add(1)
		go p.work(f)
	}
}

// work runs f, then whatever it is handed next, until it has waited
// idleFor.
func (p *pool) work(f func()) {
	defer p.running.Add(-1)
	t := time.NewTimer(p.idleFor)
	defer t.Stop()
	for {
		f()
		f = nil // let f's closure go while this goroutine waits
		t.Reset(p.idleFor)
		select {
		case f = <-p.idle:
		case <-t.C:
			return
		}
	}
}
