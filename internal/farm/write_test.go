package farm

import (
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/internal/fault"
)

// TestRegisteredOnCountsChinaDates checks that a registration dated today in China is accepted while the
// server's UTC clock still shows the day before, and that tomorrow's is refused.
func TestRegisteredOnCountsChinaDates(t *testing.T) {
	evening := time.Date(2026, 12, 6, 20, 30, 0, 0, time.UTC) // 04:30 on 7 December in China
	s := &Service{now: func() time.Time { return evening }}
	cases := []struct {
		date    string
		refused bool
	}{
		{"2026-12-06", false},
		{"2026-12-07", false},
		{"2026-12-08", true},
	}
	for _, c := range cases {
		d, err := time.Parse(time.DateOnly, c.date)
		if err != nil {
			t.Fatal(err)
		}
		var errs fault.Fields
		s.apply(&errs, &Farm{}, Input{RegisteredOn: &d})
		if errs.Has("registered_on") != c.refused {
			t.Errorf("registered on %s at %s: refused %v, want %v", c.date, evening, errs.Has("registered_on"), c.refused)
		}
	}
}
