package parcel

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestPeakCountsOnlyContractsRunningTheSameDay(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	h := func(from, to, area string) Hold {
		return Hold{StartDate: d(from), EndDate: d(to), AreaMu: decimal.RequireFromString(area)}
	}
	year := [2]time.Time{d("2026-01-01"), d("2026-12-31")}
	cases := []struct {
		name  string
		holds []Hold
		want  string
	}{
		{"none", nil, "0"},
		{"spring, autumn and the whole year", []Hold{h("2026-03-01", "2026-06-30", "6"), h("2026-08-01", "2026-11-30", "6"), h("2026-01-01", "2026-12-31", "4")}, "10"},
		{"end and start on one day overlap", []Hold{h("2026-03-01", "2026-06-30", "6"), h("2026-06-30", "2026-09-30", "6")}, "12"},
		{"end the day before a start does not", []Hold{h("2026-03-01", "2026-06-29", "6"), h("2026-06-30", "2026-09-30", "6")}, "6"},
		{"outside the window does not count", []Hold{h("2025-03-01", "2025-06-30", "9"), h("2026-03-01", "2026-06-30", "1.5")}, "1.5"},
		{"three stacked", []Hold{h("2026-01-01", "2026-12-31", "1.25"), h("2026-02-01", "2026-03-01", "2.5"), h("2026-02-15", "2026-02-20", "3")}, "6.75"},
	}
	for _, c := range cases {
		if got := Peak(c.holds, year[0], year[1]); !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("%s: peak %s, want %s", c.name, got, c.want)
		}
	}
}
