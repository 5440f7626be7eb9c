package gopool

import (
	"sync"
	"testing"
	"time"
)

// A goroutine that has run a function waits for the next one: functions
// handed one after another run on the same goroutine.
func TestReusesGoroutines(t *testing.T) {
	p := newPool(time.Minute)
	done := make(chan struct{})
	p.run(func() { done <- struct{}{} })
	<-done
	for i := range 20 {
		select {
		case p.idle <- func() { done <- struct{}{} }: // taken only by a waiting goroutine
		case <-time.After(5 * time.Second):
			t.Fatalf("call %d: no goroutine came back to wait for work", i+2)
		}
		<-done
	}
	if n := p.running.Load(); n != 1 {
		t.Errorf("21 calls in turn: %d goroutines, want 1", n)
	}
}

// Functions handed while others run, run at once, each on its own
// goroutine: none waits for another to finish.
func TestRunsConcurrently(t *testing.T) {
	p := newPool(time.Minute)
	const n = 8
	var started sync.WaitGroup
	started.Add(n)
	release := make(chan struct{})
	for range n {
		p.run(func() { started.Done(); <-release })
	}
	ok := make(chan struct{})
	go func() { started.Wait(); close(ok) }()
	select {
	case <-ok:
	case <-time.After(5 * time.Second):
		t.Fatal("not all functions started while the others were blocked")
	}
	close(release)
}

// An idle goroutine exits after idleFor.
func TestIdleGoroutinesExit(t *testing.T) {
	p := newPool(20 * time.Millisecond)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		p.run(func() { time.Sleep(time.Millisecond); wg.Done() })
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for p.running.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle goroutines still there after 5 s", p.running.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Go, the package's pool, runs what it is given.
func TestGo(t *testing.T) {
	done := make(chan int)
	Go(func() { done <- 42 })
	if v := <-done; v != 42 {
		t.Fatal(v)
	}
}
