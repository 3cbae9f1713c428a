package calendar

import (
	"testing"
	"time"
)

func TestToday(t *testing.T) {
	cases := []struct {
		now  string
		want string
	}{
		{"2026-12-06T00:00:00Z", "2026-12-06"},
		{"2026-12-06T15:59:59Z", "2026-12-06"},
		{"2026-12-06T16:00:00Z", "2026-12-07"},
		{"2026-12-06T20:30:00Z", "2026-12-07"},
		{"2026-12-31T16:00:00Z", "2027-01-01"},
		{"2026-12-07T04:30:00+08:00", "2026-12-07"},
		{"2026-12-06T10:00:00-10:00", "2026-12-07"},
	}
	for _, c := range cases {
		now, err := time.Parse(time.RFC3339, c.now)
		if err != nil {
			t.Fatal(err)
		}
		got := Today(now)
		if got.Format(time.DateOnly) != c.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today(%s) = %s, want %s at midnight UTC", c.now, got, c.want)
		}
	}
}
