package httpapi

import (
	"runtime/debug"
	"testing"
)

func TestCollectLess(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	debug.SetMemoryLimit(1 << 40)
	CollectLess(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GC percent %d, want 400", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 100<<20 {
		t.Errorf("memory limit %d, want %d", got, 100<<20)
	}

	debug.SetMemoryLimit(1 << 40)
	env := map[string]string{"GOGC": "100", "GOMEMLIMIT": "1TiB"}
	CollectLess(func(k string) string { return env[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, GC percent %d, want 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("with GOMEMLIMIT set, memory limit %d, want %d", got, int64(1<<40))
	}
}
