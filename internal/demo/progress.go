package demo

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress reports how far the load has got: a bar redrawn in place on a terminal, a line every tenth of
// the way otherwise. It is safe for concurrent use; a nil writer reports nothing.
type progress struct {
	w        io.Writer
	tty      bool
	total    int64
	done     atomic.Int64
	villages atomic.Int64
	nVillage int

	mu       sync.Mutex
	phase    string
	shown    int64 // tenths reported (plain lines)
	lastDraw time.Time
}

func newProgress(w io.Writer, tty bool, total int64, villages int) *progress {
	return &progress{w: w, tty: tty, total: max(1, total), nVillage: villages}
}

// begin names the phase the following steps belong to.
func (pg *progress) begin(phase string) {
	if pg.w == nil {
		return
	}
	pg.mu.Lock()
	pg.phase = phase
	pg.mu.Unlock()
	pg.report(true)
}

// step counts n units of work done.
func (pg *progress) step(n int) {
	pg.done.Add(int64(n))
	if pg.w != nil {
		pg.report(false)
	}
}

// village counts a village done.
func (pg *progress) village() {
	pg.villages.Add(1)
	if pg.w != nil {
		pg.report(true)
	}
}

func (pg *progress) report(force bool) {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	done := min(pg.done.Load(), pg.total)
	if !pg.tty {
		if tenth := done * 10 / pg.total; tenth > pg.shown {
			pg.shown = tenth
			fmt.Fprintf(pg.w, "demo: %3d%%  %s (villages %d/%d)\n", tenth*10, pg.phase, pg.villages.Load(), pg.nVillage)
		}
		return
	}
	now := time.Now()
	if !force && now.Sub(pg.lastDraw) < 100*time.Millisecond && done < pg.total {
		return
	}
	pg.lastDraw = now
	const width = 30
	filled := int(done * width / pg.total)
	fmt.Fprintf(pg.w, "\r\033[K[%s%s] %3d%%  %-28s villages %d/%d",
		strings.Repeat("█", filled), strings.Repeat("░", width-filled), done*100/pg.total, pg.phase,
		pg.villages.Load(), pg.nVillage)
}

// finish ends the bar's line.
func (pg *progress) finish() {
	if pg.w == nil {
		return
	}
	pg.report(true)
	if pg.tty {
		fmt.Fprintln(pg.w)
	}
}
