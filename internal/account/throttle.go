package account

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle limits login attempts per key (an account name, a client address) with a token bucket each.
// Buckets idle for longer than it takes to refill are forgotten, so memory stays bounded by the number of
// keys seen in one refill period.
type throttle struct {
	every time.Duration
	burst int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newThrottle(every time.Duration, burst int) *throttle {
	return &throttle{every: every, burst: burst, buckets: map[string]*bucket{}}
}

// allow takes a token for key at now; when none is left it returns false and how long until one is.
func (t *throttle) allow(key string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	idle := t.every * time.Duration(t.burst)
	if now.Sub(t.swept) > idle {
		for k, b := range t.buckets {
			if now.Sub(b.seen) > idle {
				delete(t.buckets, k)
			}
		}
		t.swept = now
	}
	b := t.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
