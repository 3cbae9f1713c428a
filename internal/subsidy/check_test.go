package subsidy

import (
	"testing"

	"github.com/tuoguan/tuoguan/internal/num"
)

// The line rule compares the subsidy with price × share / 100 exactly, with the places the product needs: a
// cap of 13.332 admits 13.33 and refuses 13.34; the contract rule sums subsidy × passes over the key lines only.
func TestViolations(t *testing.T) {
	pol := Policy{MaxSharePct: num.MustDec2("40.00"), MaxPerMu: num.MustDec2("100.00"), KeyOpTypes: []string{"ploughing", "plant_protection"}}
	line := func(op string, passes int, price, subsidy string) Line {
		return Line{OpType: op, Passes: passes, PricePerMu: num.MustDec2(price), SubsidyPerMu: num.MustDec2(subsidy)}
	}
	cases := []struct {
		name  string
		lines []Line
		want  []string // fields flagged
	}{
		{"at the share's exact cap", []Line{line("ploughing", 1, "33.33", "13.33")}, nil},
		{"a fen over it", []Line{line("ploughing", 1, "33.33", "13.34")}, []string{"services[0].subsidy_per_mu"}},
		{"exactly the share", []Line{line("sowing", 1, "50.00", "20.00")}, nil},
		{"key lines at the sum per mu", []Line{line("ploughing", 1, "150.00", "60.00"), line("plant_protection", 2, "60.00", "20.00")}, nil},
		{"key lines over it", []Line{line("ploughing", 1, "150.00", "60.00"), line("plant_protection", 2, "60.00", "20.01")}, []string{"services"}},
		{"other lines do not count", []Line{line("ploughing", 1, "150.00", "60.00"), line("sowing", 3, "200.00", "80.00")}, nil},
		{"both rules", []Line{line("ploughing", 2, "200.00", "81.00")}, []string{"services[0].subsidy_per_mu", "services"}},
	}
	for _, c := range cases {
		var got []string
		for _, f := range pol.Violations(c.lines) {
			got = append(got, f.Field)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: flags %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: flags %v, want %v", c.name, got, c.want)
			}
		}
	}
}
