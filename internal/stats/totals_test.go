package stats

import (
	"maps"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/num"
)

// d is the Sum of s.
func d(s string) num.Sum {
	v, err := num.ParseSum(s)
	if err != nil {
		panic(err)
	}
	return v
}

// dec is the decimal of s, for the reference arithmetic of docs/figures.md.
func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sumOf is the Sum of an exact decimal.
func sumOf(x decimal.Decimal) num.Sum { return d(x.String()) }

func checkShown(t *testing.T, got, want map[string]string) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s missing, want %s", k, want[k])
			continue
		}
		if g != want[k] {
			t.Errorf("%s = %s, want %s", k, g, want[k])
		}
	}
}

// line is a service line with what was confirmed on it.
type line struct {
	op                       string
	delivered                string // D_t
	price, subsidy, baseline string
}

// terms are one contract's terms and confirmed work, the input of docs/figures.md.
type terms struct {
	area, fee, baselineYield, pricePerKg string
	harvested, yield                     string // H and Y
	lines                                []line
}

// totalsOf applies docs/figures.md to one contract, literally.
func totalsOf(c terms) Totals {
	t := Totals{ContractedArea: d(c.area), ServiceAreaByOp: map[string]num.Sum{}}
	t.CollectiveIncome = sumOf(dec(c.area).Mul(dec(c.fee)))
	t.FarmerCost = t.CollectiveIncome
	for _, l := range c.lines {
		dt := dec(l.delivered)
		t.FarmerCost = t.FarmerCost.Add(sumOf(dt.Mul(dec(l.price).Sub(dec(l.subsidy)))))
		t.BaselineCost = t.BaselineCost.Add(sumOf(dt.Mul(dec(l.baseline))))
		t.Subsidy = t.Subsidy.Add(sumOf(dt.Mul(dec(l.subsidy))))
		t.ProviderRevenue = t.ProviderRevenue.Add(sumOf(dt.Mul(dec(l.price))))
		t.ServiceArea = t.ServiceArea.Add(sumOf(dt))
		t.ServiceAreaByOp[l.op] = t.ServiceAreaByOp[l.op].Add(sumOf(dt))
	}
	t.HarvestedArea, t.HarvestedYield = d(c.harvested), d(c.yield)
	if !t.HarvestedArea.IsZero() {
		t.IncomeGain = sumOf(dec(c.yield).Sub(dec(c.baselineYield).Mul(dec(c.harvested))).Mul(dec(c.pricePerKg)))
	}
	return t
}

// workedExample is the contract of docs/figures.md's worked example.
var workedExample = terms{
	area: "10.50", fee: "5.00", baselineYield: "500.00", pricePerKg: "2.3000", harvested: "10.50", yield: "5670.00",
	lines: []line{
		{"ploughing", "10.50", "60.00", "20.00", "80.00"},
		{"sowing", "10.50", "40.00", "10.00", "50.00"},
		{"plant_protection", "21.00", "15.00", "5.00", "25.00"},
		{"harvesting", "10.50", "70.00", "20.00", "100.00"},
	},
}

// figureNames are the JSON names of openapi.yaml that a Figures carries, with the standard area and the service
// area by operation type.
var figureNames = []string{
	"contracted_area_mu", "service_area_mu", "harvested_area_mu", "harvested_yield_kg", "yield_per_mu",
	"farmer_cost", "farmer_cost_per_mu", "baseline_cost", "baseline_cost_per_mu", "cost_saving", "cost_saving_per_mu",
	"income_gain", "income_gain_per_mu", "benefit", "benefit_per_mu", "subsidy", "provider_revenue",
	"collective_income", "pending_area_mu", "standard_area_mu",
}

func TestPresentWorkedExampleHasEveryFigureOfTheSpecification(t *testing.T) {
	t.Parallel()
	got := Shown(t, totalsOf(workedExample).Present(DefaultWeights))
	want := map[string]string{
		"contracted_area_mu": "10.50", "service_area_mu": "52.50", "harvested_area_mu": "10.50",
		"harvested_yield_kg": "5670.00", "yield_per_mu": "540.00",
		"farmer_cost": "1522.50", "farmer_cost_per_mu": "145.00",
		"baseline_cost": "2940.00", "baseline_cost_per_mu": "280.00",
		"cost_saving": "1417.50", "cost_saving_per_mu": "135.00",
		"income_gain": "966.00", "income_gain_per_mu": "92.00",
		"benefit": "2383.50", "benefit_per_mu": "227.00",
		"subsidy": "630.00", "provider_revenue": "2100.00", "collective_income": "52.50", "pending_area_mu": "0.00",
		// 10.5×0.36 + 10.5×0.27 + 21×0.10 + 10.5×0.27 = 3.78 + 2.835 + 2.1 + 2.835
		"standard_area_mu": "11.55", "service_area_by_op_type.ploughing": "10.50",
		"service_area_by_op_type.sowing": "10.50", "service_area_by_op_type.plant_protection": "21.00",
		"service_area_by_op_type.harvesting": "10.50",
	}
	checkShown(t, got, want)
	if len(got) != len(want) {
		t.Errorf("presented %d fields, want exactly %d: %v", len(got), len(want), got)
	}
	for _, name := range figureNames {
		if _, ok := got[name]; !ok {
			t.Errorf("figure %s is not presented", name)
		}
	}
}

func TestPresent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		totals Totals
		w      Weights
		want   map[string]string
	}{{
		name: "negative saving and gain are reported as they are",
		totals: totalsOf(terms{area: "2.00", fee: "10.00", baselineYield: "500.00", pricePerKg: "2.3000", harvested: "2.00", yield: "900.00",
			lines: []line{{"ploughing", "2.00", "90.00", "10.00", "60.00"}, {"harvesting", "2.00", "80.00", "0.00", "65.00"}}}),
		want: map[string]string{
			// farmer 20 + 160 + 160 = 340, baseline 120 + 130 = 250, income (900 − 1000) × 2.3 = −230
			"farmer_cost": "340.00", "baseline_cost": "250.00", "cost_saving": "-90.00", "cost_saving_per_mu": "-45.00",
			"income_gain": "-230.00", "income_gain_per_mu": "-115.00", "benefit": "-320.00", "benefit_per_mu": "-160.00",
			"yield_per_mu": "450.00", "subsidy": "20.00", "provider_revenue": "340.00", "collective_income": "20.00",
			"standard_area_mu": "1.26",
		},
	}, {
		name: "no harvest: income gain 0 and no yield per mu",
		totals: totalsOf(terms{area: "3.00", fee: "0.00", baselineYield: "500.00", pricePerKg: "2.3000", harvested: "0", yield: "0",
			lines: []line{{"sowing", "3.00", "40.00", "10.00", "50.00"}, {"harvesting", "0", "70.00", "20.00", "100.00"}}}),
		want: map[string]string{
			"harvested_area_mu": "0.00", "harvested_yield_kg": "0.00", "yield_per_mu": "null",
			"income_gain": "0.00", "income_gain_per_mu": "0.00", "cost_saving": "60.00", "benefit": "60.00", "benefit_per_mu": "20.00",
			"service_area_by_op_type.harvesting": "0.00", "service_area_by_op_type.sowing": "3.00",
		},
	}, {
		name:   "zero area: no per-mu figure",
		totals: Totals{},
		want: map[string]string{
			"contracted_area_mu": "0.00", "service_area_mu": "0.00", "harvested_area_mu": "0.00", "harvested_yield_kg": "0.00",
			"yield_per_mu": "null", "farmer_cost": "0.00", "farmer_cost_per_mu": "null", "baseline_cost": "0.00",
			"baseline_cost_per_mu": "null", "cost_saving": "0.00", "cost_saving_per_mu": "null", "income_gain": "0.00",
			"income_gain_per_mu": "null", "benefit": "0.00", "benefit_per_mu": "null", "subsidy": "0.00",
			"provider_revenue": "0.00", "collective_income": "0.00", "pending_area_mu": "0.00", "standard_area_mu": "0.00",
		},
	}, {
		name: "totals round half away from zero, positive",
		totals: Totals{ContractedArea: d("1"), FarmerCost: d("0.005"), BaselineCost: d("1.015"), IncomeGain: d("0.125"),
			Subsidy: d("0.0050"), ProviderRevenue: d("2.345"), CollectiveIncome: d("0.995"), ServiceArea: d("0.105"),
			PendingArea: d("0.015"), HarvestedYield: d("0.005")},
		want: map[string]string{
			"farmer_cost": "0.01", "baseline_cost": "1.02", "cost_saving": "1.01", "income_gain": "0.13", "benefit": "1.14",
			"farmer_cost_per_mu": "0.01", "baseline_cost_per_mu": "1.02", "cost_saving_per_mu": "1.01",
			"income_gain_per_mu": "0.13", "benefit_per_mu": "1.14", "subsidy": "0.01", "provider_revenue": "2.35",
			"collective_income": "1.00", "service_area_mu": "0.11", "pending_area_mu": "0.02", "harvested_yield_kg": "0.01",
		},
	}, {
		name:   "totals round half away from zero, negative",
		totals: Totals{ContractedArea: d("1"), FarmerCost: d("2.015"), BaselineCost: d("1"), IncomeGain: d("-0.125")},
		want: map[string]string{
			"cost_saving": "-1.02", "income_gain": "-0.13", "benefit": "-1.14",
			"cost_saving_per_mu": "-1.02", "income_gain_per_mu": "-0.13", "benefit_per_mu": "-1.14",
		},
	}, {
		name: "just below half a cent rounds toward zero, both signs",
		totals: Totals{ContractedArea: d("1"), FarmerCost: d("0.0049999"), BaselineCost: d("1.0149999"),
			IncomeGain: d("-1.0249999"), Subsidy: d("0.00499999")},
		want: map[string]string{
			"farmer_cost": "0.00", "baseline_cost": "1.01", "cost_saving": "1.01", "income_gain": "-1.02",
			// benefit 1.01 − 1.0249999 = −0.0149999
			"benefit": "-0.01", "benefit_per_mu": "-0.01", "income_gain_per_mu": "-1.02", "subsidy": "0.00",
		},
	}, {
		name:   "per mu: exact half a cent rounds away from zero, both signs",
		totals: Totals{ContractedArea: d("3.00"), FarmerCost: d("0.045"), BaselineCost: d("0"), IncomeGain: d("0.0749999")},
		want: map[string]string{
			"farmer_cost_per_mu": "0.02", "cost_saving_per_mu": "-0.02",
			"income_gain_per_mu": "0.02", // 0.02499996…
			"benefit_per_mu":     "0.01", // 0.0299999 / 3 = 0.00999996…
		},
	}, {
		name:   "per mu: a repeating quotient rounds on its first dropped digits",
		totals: Totals{ContractedArea: d("3.00"), FarmerCost: d("1.00"), BaselineCost: d("3.00"), IncomeGain: d("-4.00")},
		want: map[string]string{
			"farmer_cost_per_mu": "0.33", "baseline_cost_per_mu": "1.00", "cost_saving_per_mu": "0.67",
			"income_gain_per_mu": "-1.33", "benefit_per_mu": "-0.67",
		},
	}, {
		// 30000000000.04499997 / 3 = 10000000000.01499999: a division cut at 16 digits reads 10000000000.01500
		// and would round it up.
		name: "per mu: the division is exact however many digits decide it",
		totals: Totals{ContractedArea: d("3"), FarmerCost: d("30000000000.04499997"), BaselineCost: d("30000000000.06000003"),
			IncomeGain: d("-0.03000003")},
		want: map[string]string{
			"farmer_cost_per_mu": "10000000000.01", "baseline_cost_per_mu": "10000000000.02", "cost_saving_per_mu": "0.01",
			"income_gain_per_mu": "-0.01", "benefit_per_mu": "0.00", // −0.01499997 / 3
			"benefit": "-0.01",
		},
	}, {
		name:   "yield per mu is Y / H rounded once",
		totals: Totals{ContractedArea: d("9.00"), HarvestedArea: d("3.00"), HarvestedYield: d("1000.01")},
		want:   map[string]string{"yield_per_mu": "333.34", "harvested_area_mu": "3.00", "harvested_yield_kg": "1000.01"},
	}, {
		name:   "yield per mu at exactly half a cent",
		totals: Totals{ContractedArea: d("9.00"), HarvestedArea: d("2.00"), HarvestedYield: d("0.03")},
		want:   map[string]string{"yield_per_mu": "0.02"},
	}, {
		name: "standard area is the weighted sum rounded once; unweighted types count 0",
		totals: Totals{ContractedArea: d("1"), ServiceAreaByOp: map[string]num.Sum{
			"ploughing": d("0.01"), "sowing": d("0.01"), "harvesting": d("0.01"), "drying": d("100.00")}},
		w: Weights{"ploughing": num.MustDec4("0.5"), "sowing": num.MustDec4("0.5"), "harvesting": num.MustDec4("0.5")},
		// 0.005 + 0.005 + 0.005: each rounded would give 0.03
		want: map[string]string{"standard_area_mu": "0.02", "service_area_by_op_type.drying": "100.00"},
	}, {
		name: "standard area with the default weights",
		totals: Totals{ContractedArea: d("1"), ServiceAreaByOp: map[string]num.Sum{
			"ploughing": d("1.25"), "sowing": d("1.25"), "plant_protection": d("2.45"), "harvesting": d("1.25"), "weeding": d("5")}},
		// 0.45 + 0.3375 + 0.245 + 0.3375 = 1.37; each rounded first would give 1.38
		want: map[string]string{"standard_area_mu": "1.37", "service_area_by_op_type.weeding": "5.00"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := tc.w
			if w == nil {
				w = DefaultWeights
			}
			checkShown(t, Shown(t, tc.totals.Present(w)), tc.want)
		})
	}
}

func TestPresentDoesNotChangeTheTotals(t *testing.T) {
	t.Parallel()
	tot := totalsOf(workedExample)
	tot.FarmerCost = d("1522.505")
	tot.Present(DefaultWeights)
	if !tot.FarmerCost.Equal(d("1522.505")) || !tot.ServiceAreaByOp["plant_protection"].Equal(d("21")) {
		t.Fatalf("Present changed its totals: %v", tot)
	}
}

// sum aggregates contracts as an aggregate does: exact totals added.
func sum(cs ...Totals) Totals {
	var agg Totals
	for _, c := range cs {
		agg.add(c)
	}
	return agg
}

func TestAggregateRoundsTheExactSumOnce(t *testing.T) {
	t.Parallel()
	// Each contract: 0.25 mu ploughed at 10.02 with no subsidy or fee, baseline 12.04: farmer cost 2.505, baseline
	// cost 3.01, saving and benefit 0.505, and a harvest whose gain is (2.50 − 2.00) × 0.0110 = 0.0055.
	one := totalsOf(terms{area: "0.25", fee: "0.00", baselineYield: "8.00", pricePerKg: "0.0110", harvested: "0.25", yield: "2.50",
		lines: []line{{"ploughing", "0.25", "10.02", "0.00", "12.04"}}})
	checkShown(t, Shown(t, one.Present(DefaultWeights)), map[string]string{
		"farmer_cost": "2.51", "cost_saving": "0.51", "income_gain": "0.01", "benefit": "0.51",
	})
	agg := sum(one, one, one)
	got := Shown(t, agg.Present(DefaultWeights))
	want := map[string]string{
		"contracted_area_mu": "0.75",
		"farmer_cost":        "7.52", // 7.515; 3 × 2.51 = 7.53
		"baseline_cost":      "9.03",
		"cost_saving":        "1.52", // 1.515; 3 × 0.51 = 1.53
		"income_gain":        "0.02", // 0.0165; 3 × 0.01 = 0.03
		"benefit":            "1.53", // 1.5315; 3 × 0.51 = 1.53
		"provider_revenue":   "7.52",
		"farmer_cost_per_mu": "10.02", "cost_saving_per_mu": "2.02", "income_gain_per_mu": "0.02", "benefit_per_mu": "2.04",
		"harvested_area_mu": "0.75", "harvested_yield_kg": "7.50", "yield_per_mu": "10.00",
		"service_area_mu": "0.75", "service_area_by_op_type.ploughing": "0.75",
	}
	checkShown(t, got, want)

	// The case tells the two roundings apart only if rounding each contract first gives another cent.
	var rounded decimal.Decimal
	for range 3 {
		rounded = rounded.Add(one.Present(DefaultWeights).FarmerCost.Decimal())
	}
	if rounded.StringFixed(2) == want["farmer_cost"] {
		t.Fatal("the case does not tell rounding each contract from rounding the sum")
	}
}

func TestAggregatePerMuDividesTheExactTotalByTheExactArea(t *testing.T) {
	t.Parallel()
	// Benefit 2.0051 on 1.50 mu and nothing on 0.50 mu: the aggregate is 2.0051 / 2.00 = 1.00255 → 1.00. Dividing the
	// rounded total (2.01 / 2 = 1.005) gives 1.01, averaging the contracts' per-mu figures ((1.34 + 0) / 2) 0.67.
	a := Totals{ContractedArea: d("1.50"), BaselineCost: d("2.0051"), ServiceAreaByOp: map[string]num.Sum{}}
	b := Totals{ContractedArea: d("0.50"), ServiceAreaByOp: map[string]num.Sum{}}
	checkShown(t, Shown(t, a.Present(DefaultWeights)), map[string]string{"benefit_per_mu": "1.34"})
	checkShown(t, Shown(t, b.Present(DefaultWeights)), map[string]string{"benefit_per_mu": "0.00"})
	agg := sum(a, b)
	checkShown(t, Shown(t, agg.Present(DefaultWeights)), map[string]string{
		"contracted_area_mu": "2.00", "benefit": "2.01", "benefit_per_mu": "1.00", "cost_saving_per_mu": "1.00",
		"baseline_cost_per_mu": "1.00",
	})

	// A small area: 0.0149 on 0.02 mu and 0 on 0.08 mu → 0.0149 / 0.10 = 0.149 → 0.15; the rounded total gives
	// 0.01 / 0.10 = 0.10, the average of per-mu figures (0.75 + 0) / 2 = 0.38.
	c := Totals{ContractedArea: d("0.02"), IncomeGain: d("0.0149"), HarvestedArea: d("0.02"), HarvestedYield: d("0.03")}
	e := Totals{ContractedArea: d("0.08"), HarvestedArea: d("0.08"), HarvestedYield: d("0.01")}
	agg = sum(c, e)
	checkShown(t, Shown(t, agg.Present(DefaultWeights)), map[string]string{
		"income_gain": "0.01", "income_gain_per_mu": "0.15", "benefit_per_mu": "0.15",
		"yield_per_mu": "0.40", // 0.04 / 0.10; the contracts' own are 1.50 and 0.13
	})
}

func TestAddSumsEveryTotal(t *testing.T) {
	t.Parallel()
	x := totalsOf(workedExample)
	x.PendingArea = d("1.25")
	y := totalsOf(terms{area: "1.01", fee: "1.11", baselineYield: "10.00", pricePerKg: "0.0001", harvested: "1.00", yield: "20.00",
		lines: []line{{"harvesting", "1.00", "1.00", "0.50", "2.00"}, {"weeding", "0.33", "3.33", "1.11", "4.44"}}})
	y.PendingArea = d("0.33")
	agg := sum(x, y)
	for _, f := range []struct {
		name      string
		got, a, b num.Sum
	}{
		{"contracted area", agg.ContractedArea, x.ContractedArea, y.ContractedArea},
		{"harvested area", agg.HarvestedArea, x.HarvestedArea, y.HarvestedArea},
		{"harvested yield", agg.HarvestedYield, x.HarvestedYield, y.HarvestedYield},
		{"farmer cost", agg.FarmerCost, x.FarmerCost, y.FarmerCost},
		{"baseline cost", agg.BaselineCost, x.BaselineCost, y.BaselineCost},
		{"income gain", agg.IncomeGain, x.IncomeGain, y.IncomeGain},
		{"subsidy", agg.Subsidy, x.Subsidy, y.Subsidy},
		{"provider revenue", agg.ProviderRevenue, x.ProviderRevenue, y.ProviderRevenue},
		{"collective income", agg.CollectiveIncome, x.CollectiveIncome, y.CollectiveIncome},
		{"service area", agg.ServiceArea, x.ServiceArea, y.ServiceArea},
		{"pending area", agg.PendingArea, x.PendingArea, y.PendingArea},
		{"harvesting area", agg.ServiceAreaByOp["harvesting"], x.ServiceAreaByOp["harvesting"], y.ServiceAreaByOp["harvesting"]},
		{"weeding area", agg.ServiceAreaByOp["weeding"], x.ServiceAreaByOp["weeding"], y.ServiceAreaByOp["weeding"]},
		{"sowing area", agg.ServiceAreaByOp["sowing"], x.ServiceAreaByOp["sowing"], y.ServiceAreaByOp["sowing"]},
	} {
		if !f.got.Equal(f.a.Add(f.b)) {
			t.Errorf("%s: %s, want %s + %s", f.name, f.got, f.a, f.b)
		}
	}
	if len(agg.ServiceAreaByOp) != 5 {
		t.Errorf("service area by type %v, want the 5 types of both", agg.ServiceAreaByOp)
	}
	if !agg.Benefit().Equal(x.Benefit().Add(y.Benefit())) || !agg.CostSaving().Equal(x.CostSaving().Add(y.CostSaving())) {
		t.Errorf("benefit %s and saving %s are not the sums of the contracts'", agg.Benefit(), agg.CostSaving())
	}
}
