package parallel_test

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/tuoguan/tuoguan/internal/parallel"
)

// For covers every index once, whether it spreads or not, and Map keeps the order.
func TestForCoversEachIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, least int }{{0, 1}, {1, 1}, {2, 1}, {7, 1}, {7, 8}, {1000, 64}, {1001, 64}} {
		seen := make([]atomic.Int32, tc.n)
		calls := atomic.Int32{}
		parallel.For(tc.n, tc.least, func(lo, hi int) {
			calls.Add(1)
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
		})
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Errorf("n %d, least %d: index %d covered %d times", tc.n, tc.least, i, c)
			}
		}
		spreads := tc.n >= tc.least && tc.n > 1 && runtime.GOMAXPROCS(0) > 1
		if c := calls.Load(); spreads != (c > 1) || tc.n == 0 && c != 0 {
			t.Errorf("n %d, least %d: %d calls", tc.n, tc.least, c)
		}
	}
	in := make([]int, 999)
	for i := range in {
		in[i] = i
	}
	for i, v := range parallel.Map(in, 10, func(v int) int { return v * 2 }) {
		if v != i*2 {
			t.Fatalf("Map: element %d is %d", i, v)
		}
	}
}

// A panic on another goroutine is raised again on the caller's, with its value.
func TestPanicsReachTheCaller(t *testing.T) {
	caught := func(f func()) (r any) {
		defer func() { r = recover() }()
		f()
		return nil
	}
	if r := caught(func() {
		parallel.For(100, 1, func(lo, hi int) {
			if hi == 100 && lo > 0 {
				panic("last range")
			}
		})
	}); runtime.GOMAXPROCS(0) > 1 && r != "last range" {
		t.Errorf("For: recovered %v", r)
	}
	wait := parallel.Go(func() { panic("beside") })
	if r := caught(wait); r != "beside" {
		t.Errorf("Go: recovered %v", r)
	}
	done := false
	parallel.Go(func() { done = true })()
	if !done {
		t.Error("Go: wait returned before f did")
	}
}
