// Package parallel spreads independent pieces of one request's work over the machine's processors.
package parallel

import "runtime"

// For calls f on consecutive ranges [lo, hi) that together cover [0, n) once each: on as many goroutines as
// there are processors when n is at least least, else once, for all of it, on the calling goroutine. It
// returns when every call has. f must only touch what its own range owns. A panic in f is raised again on the
// calling goroutine, so that it reaches the caller's recovery like any other.
func For(n, least int, f func(lo, hi int)) {
	procs := runtime.GOMAXPROCS(0)
	if n < least || procs < 2 || n < 2 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	size := (n + procs - 1) / procs
	var waits []func()
	for lo := size; lo < n; lo += size {
		waits = append(waits, Go(func() { f(lo, min(lo+size, n)) }))
	}
	f(0, size)
	for _, wait := range waits {
		wait()
	}
}

// Map is f applied to each element of in, in order, spread as For spreads it; f must be safe for concurrent
// use.
func Map[T, U any](in []T, least int, f func(T) U) []U {
	out := make([]U, len(in))
	For(len(in), least, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = f(in[i])
		}
	})
	return out
}

// Go runs f on a goroutine of its own, beside the caller's work, and returns wait, which returns once f has. A
// panic in f is raised again by wait. wait may be called more than once.
func Go(f func()) (wait func()) {
	done := make(chan struct{})
	var panicked any
	go func() {
		defer close(done)
		defer func() { panicked = recover() }()
		f()
	}()
	return func() {
		<-done
		if panicked != nil {
			panic(panicked)
		}
	}
}
