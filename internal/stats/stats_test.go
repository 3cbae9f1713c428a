package stats_test

import (
	"context"
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/scope"
	"github.com/tuoguan/tuoguan/internal/stats"
)

var ctx = context.Background()

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ptr[T any](v T) *T { return &v }

// The regions these tests add to the fixture's tree: a second township of the county, and a county next to it.
const (
	Township2     = "610631101000"
	OtherCounty   = "610632000000"
	OtherTownship = "610632100000"
)

// same fails t with every field where got and want differ; want may leave fields out only when partial.
func same(t *testing.T, label string, got, want map[string]string, partial bool) {
	t.Helper()
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	if !partial {
		for k := range got {
			keys[k] = true
		}
	}
	var bad []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		g, ok := got[k]
		if !ok {
			g = "(absent)"
		}
		w, ok := want[k]
		if !ok {
			w = "(absent)"
		}
		if g != w {
			bad = append(bad, fmt.Sprintf("%s = %s, want %s", k, g, w))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s:\n\t%s", label, strings.Join(bad, "\n\t"))
	}
}

func logAll(t *testing.T, f *custodytest.Fixture, p scope.Principal, items []operation.Item) []operation.Operation {
	t.Helper()
	rs, err := f.Services.Operations.Log(ctx, p, items)
	if err != nil {
		t.Fatalf("log %d operations: %v", len(items), err)
	}
	ops := make([]operation.Operation, len(rs))
	for i, r := range rs {
		if r.Status != operation.Created {
			t.Fatalf("operation %d (%+v): %s, %v", i, items[i].Input, r.Status, r.Err)
		}
		ops[i] = *r.Operation
	}
	return ops
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func benefit(t *testing.T, f *custodytest.Fixture, p scope.Principal, id int64) map[string]string {
	t.Helper()
	_, fig, err := f.Services.Stats.Benefit(ctx, p, id)
	if err != nil {
		t.Fatalf("benefit of contract %d for %s: %v", id, p.Role, err)
	}
	return stats.Shown(t, fig)
}

func counts(r stats.Report) stats.Counts { return r.Totals.Counts() }

var workedLines = []contract.LineInput{
	{OpType: "ploughing", Passes: 1, PricePerMu: num.MustDec2("60.00"), SubsidyPerMu: num.MustDec2("20.00"), BaselineCostPerMu: num.MustDec2("80.00")},
	{OpType: "sowing", Passes: 1, PricePerMu: num.MustDec2("40.00"), SubsidyPerMu: num.MustDec2("10.00"), BaselineCostPerMu: num.MustDec2("50.00")},
	{OpType: "plant_protection", Passes: 2, PricePerMu: num.MustDec2("15.00"), SubsidyPerMu: num.MustDec2("5.00"), BaselineCostPerMu: num.MustDec2("25.00")},
	{OpType: "harvesting", Passes: 1, PricePerMu: num.MustDec2("70.00"), SubsidyPerMu: num.MustDec2("20.00"), BaselineCostPerMu: num.MustDec2("100.00")},
}

// The worked example of docs/figures.md as a real contract on two parcels (6.00 and 4.50 of 8.00 mu), logged by its
// provider and confirmed by its collective.
func TestBenefitOfTheWorkedExample(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "sowing", "plant_protection", "harvesting")
	p1, p2 := s.Parcel(t, "6.00"), s.Parcel(t, "8.00")
	terms := s.Terms([]contract.ParcelInput{custodytest.Area(t, p1.ID, "6.00"), custodytest.Area(t, p2.ID, "4.50")}, workedLines...)
	terms.Mode = contract.ModeFull
	c := f.Active(t, terms)
	if c.CollectiveFeePerMu.String() != "5.00" || c.BaselineYieldKgPerMu.String() != "500.00" || c.PricePerKg.String() != "2.3000" ||
		c.ContractedAreaMu.String() != "10.50" {
		t.Fatalf("contract terms %s, %s, %s on %s mu; want those of the worked example", c.CollectiveFeePerMu, c.BaselineYieldKgPerMu, c.PricePerKg, c.ContractedAreaMu)
	}
	var items []operation.Item
	for _, pc := range []struct {
		id          int64
		area, yield string
	}{{p1.ID, "6.00", "3240.00"}, {p2.ID, "4.50", "2430.00"}} {
		for _, op := range []string{"ploughing", "sowing", "plant_protection", "plant_protection", "harvesting"} {
			in := operation.Input{ParcelID: pc.id, OpType: op, OpDate: f.DaysAgo(1), AreaMu: num.MustDec2(pc.area)}
			if op == operation.Harvesting {
				in.YieldKg = ptr(num.MustDec2(pc.yield))
			}
			items = append(items, operation.Item{ContractID: c.ID, Key: fmt.Sprintf("worked-%d", len(items)), Input: in})
		}
	}
	ops := logAll(t, f, s.ProviderUser, items)

	// Logged, not confirmed: nothing is delivered, all of it awaits checking; the fee is the farmer's only cost.
	same(t, "before confirmation", benefit(t, f, s.CollectiveUser, c.ID), map[string]string{
		"pending_area_mu": "52.50", "service_area_mu": "0.00", "farmer_cost": "52.50", "farmer_cost_per_mu": "5.00",
		"baseline_cost": "0.00", "cost_saving": "-52.50", "income_gain": "0.00", "benefit": "-52.50", "benefit_per_mu": "-5.00",
		"harvested_area_mu": "0.00", "harvested_yield_kg": "0.00", "yield_per_mu": "null", "subsidy": "0.00",
		"provider_revenue": "0.00", "collective_income": "52.50", "standard_area_mu": "0.00",
	}, true)

	for _, op := range ops {
		must[operation.Operation](t, "confirm")(f.Services.Operations.Confirm(ctx, s.CollectiveUser, op.ID))
	}
	want := map[string]string{
		"contracted_area_mu": "10.50", "service_area_mu": "52.50", "harvested_area_mu": "10.50",
		"harvested_yield_kg": "5670.00", "yield_per_mu": "540.00",
		"farmer_cost": "1522.50", "farmer_cost_per_mu": "145.00",
		"baseline_cost": "2940.00", "baseline_cost_per_mu": "280.00",
		"cost_saving": "1417.50", "cost_saving_per_mu": "135.00",
		"income_gain": "966.00", "income_gain_per_mu": "92.00",
		"benefit": "2383.50", "benefit_per_mu": "227.00",
		"subsidy": "630.00", "provider_revenue": "2100.00", "collective_income": "52.50", "pending_area_mu": "0.00",
		"standard_area_mu": "11.55", "service_area_by_op_type.ploughing": "10.50",
		"service_area_by_op_type.sowing": "10.50", "service_area_by_op_type.plant_protection": "21.00",
		"service_area_by_op_type.harvesting": "10.50",
	}
	for _, p := range []scope.Principal{f.Admin, s.CollectiveUser, s.ProviderUser} {
		same(t, "benefit for "+string(p.Role), benefit(t, f, p, c.ID), want, false)
	}

	// The contract alone in its village and county: the aggregate is the contract, with its counts.
	must[contract.Contract](t, "complete")(f.Services.Contracts.Complete(ctx, s.CollectiveUser, c.ID))
	for _, code := range []string{s.Village, custodytest.Township, custodytest.County} {
		rep := must[stats.Report](t, "region "+code)(f.Services.Stats.Region(ctx, f.Admin, stats.Selection{SeasonYear: f.Today.Year(), RegionCode: code}, stats.ByNothing))
		same(t, "region "+code, stats.Shown(t, rep.Totals.Present(rep.Weights)), want, false)
		if got := counts(rep); got != (stats.Counts{Contracts: 1, Farms: 1, Households: 1, Providers: 1}) {
			t.Errorf("region %s counts %+v, want one of each", code, got)
		}
	}
	rep := must[stats.Report](t, "collectives")(f.Services.Stats.Collectives(ctx, s.CollectiveUser, stats.Selection{SeasonYear: f.Today.Year()}))
	if len(rep.Groups) != 1 || rep.Groups[0].Key != strconv.FormatInt(s.Collective.ID, 10) || rep.Groups[0].Name != s.Collective.Name {
		t.Fatalf("collective's rows %+v, want its own only", rep.Groups)
	}
	same(t, "collective's row", stats.Shown(t, rep.Groups[0].Totals.Present(rep.Weights)), want, false)
}

// create drafts a contract from in, as admin, and activates it unless draft.
func create(t *testing.T, f *custodytest.Fixture, in contract.Input, draft bool) contract.Contract {
	t.Helper()
	c, err := f.Services.Contracts.Create(ctx, f.Admin, in)
	if err != nil {
		t.Fatalf("draft contract: %v", err)
	}
	if draft {
		return c
	}
	if c, err = f.Services.Contracts.Activate(ctx, f.Admin, c.ID); err != nil {
		t.Fatalf("activate contract %d: %v", c.ID, err)
	}
	return c
}

func opInput(f *custodytest.Fixture, parcel int64, op, area, yield string) operation.Input {
	in := operation.Input{ParcelID: parcel, OpType: op, OpDate: f.Today, AreaMu: num.MustDec2(area)}
	if yield != "" {
		in.YieldKg = ptr(num.MustDec2(yield))
	}
	return in
}

// Work awaiting checks (recorded or disputed) is pending and nothing else; voided work counts nowhere;
// drafts never count in aggregates, terminated and completed contracts do, other seasons do not.
func TestPendingVoidedDraftsAndClosedContracts(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	year := f.Today.Year()
	s := f.Scene(t, "ploughing", "plant_protection", "harvesting", "sowing")
	line := custodytest.Line // price 30.00, subsidy 10.00, baseline 40.00; fee 5.00, baseline yield 500.00, 2.3000/kg
	pc := s.Parcel(t, "5.00")
	c1 := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "5.00")},
		line("ploughing", 1), line("plant_protection", 2), line("harvesting", 1)))
	ops := logAll(t, f, s.ProviderUser, []operation.Item{
		{ContractID: c1.ID, Input: opInput(f, pc.ID, "ploughing", "2.00", "")},        // confirmed
		{ContractID: c1.ID, Input: opInput(f, pc.ID, "ploughing", "1.00", "")},        // recorded
		{ContractID: c1.ID, Input: opInput(f, pc.ID, "ploughing", "1.50", "")},        // disputed
		{ContractID: c1.ID, Input: opInput(f, pc.ID, "ploughing", "0.50", "")},        // voided
		{ContractID: c1.ID, Input: opInput(f, pc.ID, "plant_protection", "3.00", "")}, // disputed, then voided
		{ContractID: c1.ID, Input: opInput(f, pc.ID, "plant_protection", "4.00", "")}, // disputed, then confirmed
		{ContractID: c1.ID, Input: opInput(f, pc.ID, "harvesting", "2.00", "999.00")}, // disputed, confirmed at the end
	})
	ok := func(what string) func(operation.Operation, error) operation.Operation {
		return must[operation.Operation](t, what)
	}
	ok("confirm")(f.Services.Operations.Confirm(ctx, s.CollectiveUser, ops[0].ID))
	ok("dispute")(f.Services.Operations.Dispute(ctx, s.CollectiveUser, ops[2].ID, "面积不符"))
	ok("void")(f.Services.Operations.Void(ctx, s.ProviderUser, ops[3].ID))
	ok("dispute")(f.Services.Operations.Dispute(ctx, s.CollectiveUser, ops[4].ID, "未作业"))
	ok("void")(f.Services.Operations.Void(ctx, s.ProviderUser, ops[4].ID))
	ok("dispute")(f.Services.Operations.Dispute(ctx, s.CollectiveUser, ops[5].ID, "待核实"))
	ok("confirm")(f.Services.Operations.Confirm(ctx, s.CollectiveUser, ops[5].ID))
	ok("dispute")(f.Services.Operations.Dispute(ctx, s.CollectiveUser, ops[6].ID, "产量待核"))

	// D: ploughing 2.00, plant protection 4.00, harvesting 0 (its only harvest is disputed).
	same(t, "contract with pending and voided work", benefit(t, f, f.Admin, c1.ID), map[string]string{
		"contracted_area_mu": "5.00", "service_area_mu": "6.00", "pending_area_mu": "4.50",
		"harvested_area_mu": "0.00", "harvested_yield_kg": "0.00", "yield_per_mu": "null",
		"farmer_cost": "145.00", "farmer_cost_per_mu": "29.00", "baseline_cost": "240.00", "baseline_cost_per_mu": "48.00",
		"cost_saving": "95.00", "cost_saving_per_mu": "19.00", "income_gain": "0.00", "income_gain_per_mu": "0.00",
		"benefit": "95.00", "benefit_per_mu": "19.00", "subsidy": "60.00", "provider_revenue": "180.00",
		"collective_income": "25.00", "standard_area_mu": "1.12",
		"service_area_by_op_type.ploughing": "2.00", "service_area_by_op_type.plant_protection": "4.00",
		"service_area_by_op_type.harvesting": "0.00",
	}, false)
	byOp := must[stats.Report](t, "by op type")(f.Services.Stats.Region(ctx, f.Admin, stats.Selection{SeasonYear: year, RegionCode: s.Village}, stats.ByOpType))
	pending := map[string]string{}
	for _, g := range byOp.Groups {
		pending[g.Key] = g.Totals.PendingArea.Round2().String()
	}
	if want := map[string]string{"ploughing": "2.50", "plant_protection": "0.00", "harvesting": "2.00"}; !maps.Equal(pending, want) {
		t.Errorf("pending area by operation type %v, want %v", pending, want)
	}

	// The disputed harvest confirmed: H 2.00, Y 999.00, a negative gain of (999 − 500 × 2) × 2.3.
	ok("confirm")(f.Services.Operations.Confirm(ctx, s.CollectiveUser, ops[6].ID))
	c1Figures := map[string]string{
		"contracted_area_mu": "5.00", "service_area_mu": "8.00", "pending_area_mu": "2.50",
		"harvested_area_mu": "2.00", "harvested_yield_kg": "999.00", "yield_per_mu": "499.50",
		"farmer_cost": "185.00", "farmer_cost_per_mu": "37.00", "baseline_cost": "320.00", "baseline_cost_per_mu": "64.00",
		"cost_saving": "135.00", "cost_saving_per_mu": "27.00", "income_gain": "-2.30", "income_gain_per_mu": "-0.46",
		"benefit": "132.70", "benefit_per_mu": "26.54", "subsidy": "80.00", "provider_revenue": "240.00",
		"collective_income": "25.00", "standard_area_mu": "1.66",
		"service_area_by_op_type.ploughing": "2.00", "service_area_by_op_type.plant_protection": "4.00",
		"service_area_by_op_type.harvesting": "2.00",
	}
	same(t, "contract after the harvest is confirmed", benefit(t, f, f.Admin, c1.ID), c1Figures, false)

	// A draft never counts in an aggregate, though its own benefit is computed: the fee on 3.00 mu and nothing done.
	pd := s.Parcel(t, "3.00")
	draft := f.Draft(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, pd.ID, "3.00")}, line("ploughing", 1)))
	same(t, "draft", benefit(t, f, f.Admin, draft.ID), map[string]string{
		"contracted_area_mu": "3.00", "farmer_cost": "15.00", "benefit": "-15.00", "benefit_per_mu": "-5.00",
		"service_area_by_op_type.ploughing": "0.00",
	}, true)

	// Terminated on 2.00 mu after 1.00 mu of wheat ploughing: farmer 2 × 5 + 1 × 20 = 30, baseline 40.
	pt := s.Parcel(t, "2.00")
	in := f.Input(s.Terms([]contract.ParcelInput{custodytest.Area(t, pt.ID, "2.00")}, line("ploughing", 1)))
	in.Crop = ptr("wheat")
	terminated := create(t, f, in, false)
	ok("confirm")(f.Services.Operations.Confirm(ctx, s.CollectiveUser, logAll(t, f, s.ProviderUser, []operation.Item{
		{ContractID: terminated.ID, Input: opInput(f, pt.ID, "ploughing", "1.00", "")}})[0].ID))
	must[contract.Contract](t, "terminate")(f.Services.Contracts.Terminate(ctx, s.CollectiveUser, terminated.ID, "农户退出"))

	// Completed on 1.50 mu, harvested 900.00 kg: farmer 7.50 + 30 = 37.50, baseline 60, gain (900 − 750) × 2.3 = 345.
	ph := s.Parcel(t, "1.50")
	completed := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, ph.ID, "1.50")}, line("harvesting", 1)))
	ok("confirm")(f.Services.Operations.Confirm(ctx, s.CollectiveUser, logAll(t, f, s.ProviderUser, []operation.Item{
		{ContractID: completed.ID, Input: opInput(f, ph.ID, "harvesting", "1.50", "900.00")}})[0].ID))
	must[contract.Contract](t, "complete")(f.Services.Contracts.Complete(ctx, s.CollectiveUser, completed.ID))

	// Of another season: never in this season's figures.
	po := s.Parcel(t, "4.00")
	terms := s.Terms([]contract.ParcelInput{custodytest.Area(t, po.ID, "4.00")}, line("ploughing", 1))
	terms.SeasonYear = year - 1
	last := f.Active(t, terms)
	logAll(t, f, s.ProviderUser, []operation.Item{{ContractID: last.ID, Input: opInput(f, po.ID, "ploughing", "4.00", "")}})

	want := map[string]string{
		"contracted_area_mu": "8.50", "service_area_mu": "10.50", "pending_area_mu": "2.50",
		"harvested_area_mu": "3.50", "harvested_yield_kg": "1899.00", "yield_per_mu": "542.57",
		"farmer_cost": "252.50", "farmer_cost_per_mu": "29.71", "baseline_cost": "420.00", "baseline_cost_per_mu": "49.41",
		"cost_saving": "167.50", "cost_saving_per_mu": "19.71", "income_gain": "342.70", "income_gain_per_mu": "40.32",
		"benefit": "510.20", "benefit_per_mu": "60.02", "subsidy": "105.00", "provider_revenue": "315.00",
		"collective_income": "42.50", "standard_area_mu": "2.43",
		"service_area_by_op_type.ploughing": "3.00", "service_area_by_op_type.plant_protection": "4.00",
		"service_area_by_op_type.harvesting": "3.50",
	}
	sel := stats.Selection{SeasonYear: year, RegionCode: custodytest.County}
	for _, g := range []stats.Grouping{stats.ByNothing, stats.ByTownship, stats.ByCollective, stats.ByCrop, stats.ByOpType} {
		rep := must[stats.Report](t, "region")(f.Services.Stats.Region(ctx, f.Admin, sel, g))
		same(t, "county totals grouped by "+string(g), stats.Shown(t, rep.Totals.Present(rep.Weights)), want, false)
		if got := counts(rep); got != (stats.Counts{Contracts: 3, Farms: 1, Households: 1, Providers: 1}) {
			t.Errorf("grouped by %s: counts %+v, want 3 contracts of one household and one provider", g, got)
		}
		checkSumsBack(t, "county by "+string(g), rep, g)
	}
	byCrop := must[stats.Report](t, "by crop")(f.Services.Stats.Region(ctx, f.Admin, sel, stats.ByCrop))
	if len(byCrop.Groups) != 2 || byCrop.Groups[0].Key != "corn" || byCrop.Groups[0].Name != "玉米" ||
		byCrop.Groups[1].Key != "wheat" || byCrop.Groups[1].Totals.Contracts != 1 || !byCrop.Groups[1].Totals.FarmerCost.Equal(num.SumOf(num.MustDec2("30"))) {
		t.Errorf("crop groups %+v, want corn and the terminated wheat contract", byCrop.Groups)
	}
	sel.Crop = "wheat"
	wheat := must[stats.Report](t, "wheat")(f.Services.Stats.Region(ctx, f.Admin, sel, stats.ByNothing))
	if wheat.Totals.Contracts != 1 || !wheat.Totals.ContractedArea.Equal(num.SumOf(num.MustDec2("2"))) || !wheat.Totals.Benefit().Equal(num.SumOf(num.MustDec2("10"))) {
		t.Errorf("wheat only: %d contracts on %s mu, benefit %s; want the terminated contract, 2.00 mu, 10.00", wheat.Totals.Contracts, wheat.Totals.ContractedArea, wheat.Totals.Benefit())
	}
	prev := must[stats.Report](t, "last season")(f.Services.Stats.Region(ctx, f.Admin, stats.Selection{SeasonYear: year - 1, RegionCode: custodytest.County}, stats.ByNothing))
	if prev.Totals.Contracts != 1 || !prev.Totals.PendingArea.Equal(num.SumOf(num.MustDec2("4"))) || !prev.Totals.ContractedArea.Equal(num.SumOf(num.MustDec2("4"))) {
		t.Errorf("last season: %d contracts, pending %s; want the one contract with 4.00 mu pending", prev.Totals.Contracts, prev.Totals.PendingArea)
	}
	// The provider sees its own work in the same figures; the collective its own row.
	prov := must[stats.Report](t, "provider")(f.Services.Stats.Region(ctx, s.ProviderUser, stats.Selection{SeasonYear: year, RegionCode: custodytest.County}, stats.ByNothing))
	same(t, "provider's county", stats.Shown(t, prov.Totals.Present(prov.Weights)), want, false)
	rows := must[stats.Report](t, "collectives")(f.Services.Stats.Collectives(ctx, s.CollectiveUser, stats.Selection{SeasonYear: year}))
	if len(rows.Groups) != 1 {
		t.Fatalf("collective's rows %+v, want its own", rows.Groups)
	}
	same(t, "collective's row", stats.Shown(t, rows.Groups[0].Totals.Present(rows.Weights)), want, false)
}

// checkSumsBack checks that the groups of a report add up to its totals in every additive figure: all of them
// for townships, collectives and crops; for operation types those of the service lines, the fee (in no line)
// being the difference in the farmer's cost.
func checkSumsBack(t *testing.T, label string, rep stats.Report, g stats.Grouping) {
	t.Helper()
	if g == stats.ByNothing {
		if len(rep.Groups) != 0 {
			t.Errorf("%s: %d groups without a grouping", label, len(rep.Groups))
		}
		return
	}
	type figure struct {
		name string
		of   func(stats.Totals) decimal.Decimal
	}
	lines := []figure{
		{"harvested area", func(x stats.Totals) decimal.Decimal { return x.HarvestedArea.Decimal() }},
		{"harvested yield", func(x stats.Totals) decimal.Decimal { return x.HarvestedYield.Decimal() }},
		{"baseline cost", func(x stats.Totals) decimal.Decimal { return x.BaselineCost.Decimal() }},
		{"income gain", func(x stats.Totals) decimal.Decimal { return x.IncomeGain.Decimal() }},
		{"subsidy", func(x stats.Totals) decimal.Decimal { return x.Subsidy.Decimal() }},
		{"provider revenue", func(x stats.Totals) decimal.Decimal { return x.ProviderRevenue.Decimal() }},
		{"service area", func(x stats.Totals) decimal.Decimal { return x.ServiceArea.Decimal() }},
		{"pending area", func(x stats.Totals) decimal.Decimal { return x.PendingArea.Decimal() }},
	}
	contractLevel := []figure{
		{"contracted area", func(x stats.Totals) decimal.Decimal { return x.ContractedArea.Decimal() }},
		{"farmer cost", func(x stats.Totals) decimal.Decimal { return x.FarmerCost.Decimal() }},
		{"collective income", func(x stats.Totals) decimal.Decimal { return x.CollectiveIncome.Decimal() }},
		{"cost saving", func(x stats.Totals) decimal.Decimal { return x.CostSaving().Decimal() }},
		{"benefit", func(x stats.Totals) decimal.Decimal { return x.Benefit().Decimal() }},
		{"contracts", func(x stats.Totals) decimal.Decimal { return decimal.NewFromInt(x.Contracts) }},
	}
	check := func(fs []figure) {
		for _, fg := range fs {
			sum := decimal.Zero
			for _, gr := range rep.Groups {
				sum = sum.Add(fg.of(gr.Totals))
			}
			if !sum.Equal(fg.of(rep.Totals)) {
				t.Errorf("%s: the groups' %s add up to %s, the total is %s", label, fg.name, sum, fg.of(rep.Totals))
			}
		}
	}
	check(lines)
	byOp := map[string]decimal.Decimal{}
	for _, gr := range rep.Groups {
		for op, a := range gr.Totals.ServiceAreaByOp {
			byOp[op] = byOp[op].Add(a.Decimal())
		}
	}
	if len(byOp) != len(rep.Totals.ServiceAreaByOp) {
		t.Errorf("%s: the groups deliver %v, the total %v", label, byOp, rep.Totals.ServiceAreaByOp)
	}
	for op, a := range rep.Totals.ServiceAreaByOp {
		if !byOp[op].Equal(a.Decimal()) {
			t.Errorf("%s: the groups deliver %s of %s, the total %s", label, byOp[op], op, a)
		}
	}
	switch g {
	case stats.ByOpType:
		fee, farmer, contracts := decimal.Zero, decimal.Zero, int64(0)
		for _, gr := range rep.Groups {
			fee, farmer, contracts = fee.Add(gr.Totals.CollectiveIncome.Decimal()), farmer.Add(gr.Totals.FarmerCost.Decimal()), contracts+gr.Totals.Contracts
		}
		if !fee.IsZero() || !farmer.Add(rep.Totals.CollectiveIncome.Decimal()).Equal(rep.Totals.FarmerCost.Decimal()) {
			t.Errorf("%s: the lines' farmer cost %s and fee %s, the total %s with the fee %s", label, farmer, fee, rep.Totals.FarmerCost, rep.Totals.CollectiveIncome)
		}
		if contracts < rep.Totals.Contracts {
			t.Errorf("%s: %d contracts in the groups, fewer than the %d of the total", label, contracts, rep.Totals.Contracts)
		}
	default:
		check(contractLevel)
		if g != stats.ByCrop {
			check([]figure{
				{"farms", func(x stats.Totals) decimal.Decimal { return decimal.NewFromInt(x.Farms) }},
				{"households", func(x stats.Totals) decimal.Decimal { return decimal.NewFromInt(x.Households) }},
			})
		}
	}
}

// ---------------------------------------------------------------------------------------------------------
// The property: every figure the service answers equals docs/figures.md applied to the rows, written the obvious way.

// row is one contract as its rows say, with its service lines and the state of their operations.
type row struct {
	id, collective, farm, provider int64
	status, region, crop           string
	season                         int
	household                      bool
	fee, baselineYield, pricePerKg decimal.Decimal
	area                           decimal.Decimal // Σ contract_parcels.area_mu
	lines                          map[string]*rowLine
}

type rowLine struct {
	price, subsidy, baseline  decimal.Decimal
	confirmed, pending, yield decimal.Decimal // confirmed area, recorded or disputed area, confirmed yield
}

// readRows reads every contract with its parcels, lines and operations straight from the tables.
func readRows(t *testing.T, f *custodytest.Fixture) map[int64]*row {
	t.Helper()
	db := f.Store.SQL
	rows := map[int64]*row{}
	q, err := db.QueryContext(ctx, `SELECT c.id, c.collective_id, c.farm_id, c.provider_id, c.status, c.region_code, c.crop, c.season_year,
		fm.kind = 'household', c.collective_fee_per_mu::text, c.baseline_yield_kg_per_mu::text, c.price_per_kg::text
		FROM contracts c JOIN farms fm ON fm.county_code = c.county_code AND fm.id = c.farm_id`)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		r := &row{lines: map[string]*rowLine{}, area: decimal.Zero}
		var fee, by, ppk string
		if err := q.Scan(&r.id, &r.collective, &r.farm, &r.provider, &r.status, &r.region, &r.crop, &r.season, &r.household, &fee, &by, &ppk); err != nil {
			t.Fatal(err)
		}
		r.fee, r.baselineYield, r.pricePerKg = dec(fee), dec(by), dec(ppk)
		rows[r.id] = r
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	q.Close()
	each := func(query string, scan func(id int64, rest []string)) {
		q, err := db.QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		cols, _ := q.Columns()
		for q.Next() {
			var id int64
			rest := make([]string, len(cols)-1)
			dst := []any{&id}
			for i := range rest {
				dst = append(dst, &rest[i])
			}
			if err := q.Scan(dst...); err != nil {
				t.Fatal(err)
			}
			if rows[id] == nil {
				t.Fatalf("%s: contract %d has no row", query, id)
			}
			scan(id, rest)
		}
		if err := q.Err(); err != nil {
			t.Fatal(err)
		}
	}
	each("SELECT contract_id, area_mu::text FROM contract_parcels", func(id int64, r []string) {
		rows[id].area = rows[id].area.Add(dec(r[0]))
	})
	each("SELECT contract_id, op_type, price_per_mu::text, subsidy_per_mu::text, baseline_cost_per_mu::text FROM contract_services", func(id int64, r []string) {
		rows[id].lines[r[0]] = &rowLine{price: dec(r[1]), subsidy: dec(r[2]), baseline: dec(r[3])}
	})
	each("SELECT contract_id, op_type, status, area_mu::text, coalesce(yield_kg::text, '') FROM operations", func(id int64, r []string) {
		l := rows[id].lines[r[0]]
		if l == nil {
			t.Fatalf("an operation of %s on contract %d, which has no such line", r[0], id)
		}
		switch r[1] {
		case "confirmed":
			l.confirmed = l.confirmed.Add(dec(r[2]))
			if r[3] != "" {
				l.yield = l.yield.Add(dec(r[3]))
			}
		case "recorded", "disputed":
			l.pending = l.pending.Add(dec(r[2]))
		}
	})
	return rows
}

// expect is what an aggregate must answer, summed from rows.
type expect struct {
	area, harvested, yield, farmer, baseline, income, subsidy, revenue, fees, service, pending decimal.Decimal
	byOp                                                                                       map[string]decimal.Decimal
	contracts                                                                                  int64
	farms, households, providers                                                               map[int64]bool
}

func newExpect() *expect {
	return &expect{byOp: map[string]decimal.Decimal{}, farms: map[int64]bool{}, households: map[int64]bool{}, providers: map[int64]bool{}}
}

// parties counts contract c and its area.
func (e *expect) parties(c *row) {
	e.contracts++
	e.farms[c.farm] = true
	if c.household {
		e.households[c.farm] = true
	}
	e.providers[c.provider] = true
	e.area = e.area.Add(c.area)
}

// fee adds A × collective_fee_per_mu, the collective's income and part of the farmer's cost.
func (e *expect) fee(c *row) {
	fee := c.area.Mul(c.fee)
	e.fees = e.fees.Add(fee)
	e.farmer = e.farmer.Add(fee)
}

// line adds service line op of c: D_t and what it costs and earns, and for harvesting H, Y and the gain.
func (e *expect) line(c *row, op string) {
	l := c.lines[op]
	dt := l.confirmed
	e.farmer = e.farmer.Add(dt.Mul(l.price.Sub(l.subsidy)))
	e.baseline = e.baseline.Add(dt.Mul(l.baseline))
	e.subsidy = e.subsidy.Add(dt.Mul(l.subsidy))
	e.revenue = e.revenue.Add(dt.Mul(l.price))
	e.service = e.service.Add(dt)
	e.pending = e.pending.Add(l.pending)
	e.byOp[op] = e.byOp[op].Add(dt)
	if op == "harvesting" {
		e.harvested = e.harvested.Add(dt)
		e.yield = e.yield.Add(l.yield)
		if !dt.IsZero() {
			e.income = e.income.Add(l.yield.Sub(c.baselineYield.Mul(dt)).Mul(c.pricePerKg))
		}
	}
}

// whole adds all of contract c.
func (e *expect) whole(c *row) {
	e.parties(c)
	e.fee(c)
	for op := range c.lines {
		e.line(c, op)
	}
}

// round2 rounds half away from zero to 2 places.
func round2(x decimal.Decimal) string { return x.Round(2).StringFixed(2) }

// perMu is x / a exactly, rounded half away from zero to 2 places; "null" when a is 0.
func perMu(x, a decimal.Decimal) string {
	if a.IsZero() {
		return "null"
	}
	rat := func(d decimal.Decimal) *big.Rat {
		r, ok := new(big.Rat).SetString(d.String())
		if !ok {
			panic(d.String())
		}
		return r
	}
	q := new(big.Rat).Quo(rat(x), rat(a))
	q.Mul(q, big.NewRat(100, 1))
	neg := q.Sign() < 0
	q.Abs(q)
	q.Add(q, big.NewRat(1, 2))
	cents := new(big.Int).Quo(q.Num(), q.Denom()) // floor(|x/a| × 100 + ½)
	if neg {
		cents.Neg(cents)
	}
	return decimal.NewFromBigInt(cents, -2).StringFixed(2)
}

// shown is what e presents with standard-area weights w.
func (e *expect) shown(w map[string]decimal.Decimal) map[string]string {
	saving := e.baseline.Sub(e.farmer)
	benefit := saving.Add(e.income)
	standard := decimal.Zero
	for op, a := range e.byOp {
		standard = standard.Add(a.Mul(w[op]))
	}
	m := map[string]string{
		"contracted_area_mu": round2(e.area), "service_area_mu": round2(e.service), "harvested_area_mu": round2(e.harvested),
		"harvested_yield_kg": round2(e.yield), "yield_per_mu": perMu(e.yield, e.harvested),
		"farmer_cost": round2(e.farmer), "farmer_cost_per_mu": perMu(e.farmer, e.area),
		"baseline_cost": round2(e.baseline), "baseline_cost_per_mu": perMu(e.baseline, e.area),
		"cost_saving": round2(saving), "cost_saving_per_mu": perMu(saving, e.area),
		"income_gain": round2(e.income), "income_gain_per_mu": perMu(e.income, e.area),
		"benefit": round2(benefit), "benefit_per_mu": perMu(benefit, e.area),
		"subsidy": round2(e.subsidy), "provider_revenue": round2(e.revenue), "collective_income": round2(e.fees),
		"pending_area_mu": round2(e.pending), "standard_area_mu": round2(standard),
	}
	for op, a := range e.byOp {
		m["service_area_by_op_type."+op] = round2(a)
	}
	return m
}

func (e *expect) counts() stats.Counts {
	return stats.Counts{Contracts: e.contracts, Farms: int64(len(e.farms)), Households: int64(len(e.households)), Providers: int64(len(e.providers))}
}

// checkTotals compares the exact totals x and their counts with e, then what x presents with the report's
// weights w with what e presents with the weights that must be in force, ww.
func checkTotals(t *testing.T, label string, x stats.Totals, w stats.Weights, e *expect, ww map[string]decimal.Decimal) {
	t.Helper()
	if got, want := x.Counts(), e.counts(); got != want {
		t.Errorf("%s: counts %+v, want %+v", label, got, want)
	}
	checkFigures(t, label, x, w, e, ww)
}

// checkFigures is checkTotals without the counts.
func checkFigures(t *testing.T, label string, x stats.Totals, w stats.Weights, e *expect, ww map[string]decimal.Decimal) {
	t.Helper()
	for _, f := range []struct {
		name      string
		got, want decimal.Decimal
	}{
		{"A", x.ContractedArea.Decimal(), e.area}, {"H", x.HarvestedArea.Decimal(), e.harvested}, {"Y", x.HarvestedYield.Decimal(), e.yield},
		{"farmer cost", x.FarmerCost.Decimal(), e.farmer}, {"baseline cost", x.BaselineCost.Decimal(), e.baseline},
		{"income gain", x.IncomeGain.Decimal(), e.income}, {"subsidy", x.Subsidy.Decimal(), e.subsidy},
		{"provider revenue", x.ProviderRevenue.Decimal(), e.revenue}, {"collective income", x.CollectiveIncome.Decimal(), e.fees},
		{"service area", x.ServiceArea.Decimal(), e.service}, {"pending area", x.PendingArea.Decimal(), e.pending},
	} {
		if !f.got.Equal(f.want) {
			t.Errorf("%s: exact %s %s, want %s", label, f.name, f.got, f.want)
		}
	}
	same(t, label, stats.Shown(t, x.Present(w)), e.shown(ww), false)
}

func sameWeights(w stats.Weights, ww map[string]decimal.Decimal) bool {
	if len(w) != len(ww) {
		return false
	}
	for op, v := range ww {
		if got, ok := w[op]; !ok || !got.Decimal().Equal(v) {
			return false
		}
	}
	return true
}

// viewer is a principal with the contracts it may read.
type viewer struct {
	name string
	p    scope.Principal
	sees func(*row) bool
}

// model is the expected side of a world.
type model struct {
	rows        map[int64]*row
	collectives []collectiveRow // in id order
	names       map[stats.Grouping]map[string]string
	weights     func(region string) map[string]decimal.Decimal
}

type collectiveRow struct {
	id           int64
	name, region string
}

// selected are the contracts of sel that v sees: not drafts, of the season, in the region, of the crop.
func (m *model) selected(v viewer, sel stats.Selection) []*row {
	var out []*row
	for _, id := range slices.Sorted(maps.Keys(m.rows)) {
		c := m.rows[id]
		if c.status == contract.StatusDraft || c.season != sel.SeasonYear || !v.sees(c) ||
			!strings.HasPrefix(c.region, scope.Prefix(sel.RegionCode)) || (sel.Crop != "" && c.crop != sel.Crop) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// region is what Region must answer: the totals and the groups by key.
func (m *model) region(v viewer, sel stats.Selection, g stats.Grouping) (*expect, map[string]*expect) {
	total, groups := newExpect(), map[string]*expect{}
	at := func(key string) *expect {
		if groups[key] == nil {
			groups[key] = newExpect()
		}
		return groups[key]
	}
	for _, c := range m.selected(v, sel) {
		total.whole(c)
		switch g {
		case stats.ByTownship:
			at(c.region[:9] + "000").whole(c)
		case stats.ByCollective:
			at(strconv.FormatInt(c.collective, 10)).whole(c)
		case stats.ByCrop:
			at(c.crop).whole(c)
		case stats.ByOpType:
			for op := range c.lines {
				e := at(op)
				e.parties(c)
				e.line(c, op)
			}
		}
	}
	return total, groups
}

func (m *model) checkRegion(t *testing.T, f *custodytest.Fixture, v viewer, sel stats.Selection, g stats.Grouping) {
	t.Helper()
	label := fmt.Sprintf("%s: region %s %d %q by %q", v.name, sel.RegionCode, sel.SeasonYear, sel.Crop, g)
	rep, err := f.Services.Stats.Region(ctx, v.p, sel, g)
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return
	}
	ww := m.weights(sel.RegionCode)
	if !sameWeights(rep.Weights, ww) {
		t.Errorf("%s: weights %v, want %v", label, rep.Weights, ww)
	}
	total, groups := m.region(v, sel, g)
	checkTotals(t, label+" totals", rep.Totals, rep.Weights, total, ww)
	var keys []string
	for _, gr := range rep.Groups {
		keys = append(keys, gr.Key)
	}
	if want := slices.Sorted(maps.Keys(groups)); !slices.Equal(keys, want) {
		t.Errorf("%s: groups %v, want %v", label, keys, want)
		return
	}
	for _, gr := range rep.Groups {
		if want := m.names[g][gr.Key]; gr.Name != want {
			t.Errorf("%s: group %s is named %q, want %q", label, gr.Key, gr.Name, want)
		}
		checkTotals(t, label+" group "+gr.Key, gr.Totals, rep.Weights, groups[gr.Key], ww)
	}
	checkSumsBack(t, label, rep, g)
}

// checkCollectives checks Collectives for v: a row for each collective of the region v may see (for a collective
// its own, for a provider those it has contracts of the selection with), in id order, with v's contracts only.
func (m *model) checkCollectives(t *testing.T, f *custodytest.Fixture, v viewer, sel stats.Selection, rowOf func(collectiveRow) bool) {
	t.Helper()
	label := fmt.Sprintf("%s: collectives of %q %d %q", v.name, sel.RegionCode, sel.SeasonYear, sel.Crop)
	rep, err := f.Services.Stats.Collectives(ctx, v.p, sel)
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return
	}
	in := sel.RegionCode
	if in == "" { // no region chosen: the weights of the viewer's own region
		in = v.p.RegionCode
	}
	ww := m.weights(in)
	if !sameWeights(rep.Weights, ww) {
		t.Errorf("%s: weights %v, want %v", label, rep.Weights, ww)
	}
	total, groups := m.region(v, sel, stats.ByCollective)
	var want, got []string
	for _, c := range m.collectives {
		if strings.HasPrefix(c.region, scope.Prefix(sel.RegionCode)) && rowOf(c) {
			want = append(want, strconv.FormatInt(c.id, 10))
		}
	}
	for _, gr := range rep.Groups {
		got = append(got, gr.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: rows %v, want %v", label, got, want)
		return
	}
	// The rows are what /stats/collectives answers; their sum carries no counts (farms and providers do not add up).
	checkFigures(t, label+" totals", rep.Totals, rep.Weights, total, ww)
	for _, gr := range rep.Groups {
		if name := m.names[stats.ByCollective][gr.Key]; gr.Name != name {
			t.Errorf("%s: row %s is named %q, want %q", label, gr.Key, gr.Name, name)
		}
		e := groups[gr.Key]
		if e == nil {
			e = newExpect()
		}
		checkTotals(t, label+" row "+gr.Key, gr.Totals, rep.Weights, e, ww)
	}
}

// readModel reads the rows and the names of everything a group can be keyed by.
func readModel(t *testing.T, f *custodytest.Fixture, weights func(string) map[string]decimal.Decimal) *model {
	t.Helper()
	m := &model{rows: readRows(t, f), weights: weights, names: map[stats.Grouping]map[string]string{}}
	for g, query := range map[stats.Grouping]string{
		stats.ByTownship:   "SELECT code, name FROM regions",
		stats.ByCollective: "SELECT id::text, name FROM collectives",
		stats.ByCrop:       "SELECT code, name_zh FROM crops",
		stats.ByOpType:     "SELECT code, name_zh FROM operation_types",
	} {
		m.names[g] = map[string]string{}
		q, err := f.Store.SQL.QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		for q.Next() {
			var k, n string
			if err := q.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			m.names[g][k] = n
		}
		q.Close()
	}
	q, err := f.Store.SQL.QueryContext(ctx, "SELECT id, name, region_code FROM collectives ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var c collectiveRow
		if err := q.Scan(&c.id, &c.name, &c.region); err != nil {
			t.Fatal(err)
		}
		m.collectives = append(m.collectives, c)
	}
	return m
}

// world is a county of two townships and a neighbouring county, with collectives, farms of every kind and
// providers, for random contracts.
type world struct {
	f            *custodytest.Fixture
	villages     []string           // villages with contracts; the first two in Township, then two in Township2, one in OtherCounty
	empty        int64              // a collective without contracts
	collectives  map[string]int64   // village → collective
	farms        map[string][]int64 // village → household, family farm, cooperative
	providers    []int64
	customWeight map[string]decimal.Decimal // Township2's own weights
}

var allOps = []string{"ploughing", "sowing", "fertilising", "plant_protection", "weeding", "harvesting"}

func region(t *testing.T, f *custodytest.Fixture, code, name string) {
	t.Helper()
	if _, err := f.Services.Regions.Create(ctx, f.Admin, code, name); err != nil {
		t.Fatalf("region %s: %v", code, err)
	}
}

func newFarm(t *testing.T, f *custodytest.Fixture, collective int64, kind, level, area string, models ...string) farm.Farm {
	t.Helper()
	in := farm.Input{Kind: ptr(kind), Name: ptr(fmt.Sprintf("%s-%s", kind, f.IDNumber(t)[12:])), OperatorName: ptr("赵六"),
		IDNumber: ptr(f.IDNumber(t)), Phone: ptr("13612345678"), CollectiveID: ptr(collective)}
	if kind == farm.KindFamilyFarm {
		in.RegisteredOn = ptr(time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC))
		in.DemonstrationLevel, in.BusinessModels, in.OperatedAreaMu = ptr(level), ptr(models), ptr(num.MustDec2(area))
	}
	fm, err := f.Services.Farms.Create(ctx, f.Admin, in)
	if err != nil {
		t.Fatalf("%s farm: %v", kind, err)
	}
	return fm
}

func newWorld(t *testing.T) *world {
	t.Helper()
	f := custodytest.New(t)
	w := &world{f: f, collectives: map[string]int64{}, farms: map[string][]int64{}}
	region(t, f, Township2, "三岔镇")
	region(t, f, OtherCounty, "宜君县")
	region(t, f, OtherTownship, "城关镇")
	w.villages = []string{f.Village(t), f.Village(t), Township2[:9] + "201", Township2[:9] + "202", OtherTownship[:9] + "201"}
	for i, v := range w.villages[2:] {
		region(t, f, v, fmt.Sprintf("新村%d", i))
	}
	for _, v := range w.villages {
		c := f.Collective(t, v).ID
		w.collectives[v] = c
		w.farms[v] = []int64{f.Farm(t, c).ID, newFarm(t, f, c, farm.KindFamilyFarm, "county", "150.00", "planting").ID, newFarm(t, f, c, "cooperative", "", "").ID}
	}
	w.empty = f.Collective(t, f.Village(t)).ID
	for range 3 {
		w.providers = append(w.providers, f.Provider(t, allOps...).ID)
	}
	in := map[string]num.Dec4{"ploughing": num.MustDec4("0.4000"), "sowing": num.MustDec4("0.2500"),
		"plant_protection": num.MustDec4("0.1250"), "harvesting": num.MustDec4("0.3333")}
	if _, _, err := f.Services.Stats.SetWeights(ctx, f.Admin, Township2, in); err != nil {
		t.Fatalf("weights of %s: %v", Township2, err)
	}
	w.customWeight = map[string]decimal.Decimal{}
	for op, v := range in {
		w.customWeight[op] = v.Decimal()
	}
	return w
}

// weights are the standard-area weights in force for a region.
func (w *world) weights(region string) map[string]decimal.Decimal {
	if strings.HasPrefix(region, Township2[:9]) {
		return w.customWeight
	}
	ww := map[string]decimal.Decimal{}
	for op, v := range stats.DefaultWeights {
		ww[op] = v.Decimal()
	}
	return ww
}

// gen draws random contracts and operations.
type gen struct {
	r *rand.Rand
}

// cents is a random amount with 2 decimals between lo and hi hundredths.
func (g gen) cents(lo, hi int64) decimal.Decimal { return decimal.New(lo+g.r.Int64N(hi-lo+1), -2) }

func (g gen) chance(p float64) bool { return g.r.Float64() < p }

func dec2(d decimal.Decimal) num.Dec2 {
	v, err := num.Dec2FromDecimal(d)
	if err != nil {
		panic(err)
	}
	return v
}

// build drafts n random contracts, activates most, logs random work on them, confirms, disputes and voids it at
// random, then terminates or completes some.
func (w *world) build(t *testing.T, seed uint64, n int) {
	t.Helper()
	f := w.f
	g := gen{rand.New(rand.NewPCG(seed, 0x5eed))}
	year := f.Today.Year()
	type planned struct {
		c      contract.Contract
		status string
	}
	var cs []planned
	var items []operation.Item
	for range n {
		v := w.villages[g.r.IntN(len(w.villages))]
		farmID := w.farms[v][g.r.IntN(3)]
		var parcels []contract.ParcelInput
		for range 1 + g.r.IntN(3) {
			size := g.cents(100, 4000)
			pc := f.Parcel(t, farmID, size.StringFixed(2))
			area := size
			if g.chance(0.5) {
				area = g.cents(1, size.Shift(2).IntPart())
			}
			parcels = append(parcels, contract.ParcelInput{ParcelID: pc.ID, AreaMu: dec2(area)})
		}
		ops := slices.Clone(allOps)
		g.r.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
		ops = ops[:1+g.r.IntN(4)]
		for _, likely := range []struct {
			op string
			p  float64
		}{{"harvesting", 0.7}, {"plant_protection", 0.6}} {
			if !slices.Contains(ops, likely.op) && g.chance(likely.p) {
				ops = append(ops, likely.op)
			}
		}
		var lines []contract.LineInput
		for _, op := range ops {
			passes := 1
			switch op {
			case "plant_protection":
				passes = 2
			case "fertilising":
				passes = 1 + g.r.IntN(3)
			}
			price := g.cents(0, 12000)
			lines = append(lines, contract.LineInput{OpType: op, Passes: passes, PricePerMu: dec2(price),
				SubsidyPerMu: dec2(g.cents(0, price.Shift(2).IntPart())), BaselineCostPerMu: dec2(g.cents(0, 15000))})
		}
		season := year
		if g.chance(0.15) {
			season = year - 1
		}
		in := f.Input(custodytest.Terms{CollectiveID: w.collectives[v], FarmID: farmID, ProviderID: w.providers[g.r.IntN(len(w.providers))],
			Parcels: parcels, Services: lines, SeasonYear: season})
		in.Crop = ptr([]string{"corn", "wheat", "soybean"}[g.r.IntN(3)])
		in.CollectiveFeePerMu = ptr(dec2(g.cents(0, 2000)))
		in.BaselineYieldKgPerMu = ptr(dec2(g.cents(0, 90000)))
		in.PricePerKg = ptr(must[num.Dec4](t, "price")(num.Dec4FromDecimal(decimal.New(g.r.Int64N(60001), -4))))
		status := []string{contract.StatusDraft, contract.StatusActive, contract.StatusActive, contract.StatusTerminated, contract.StatusCompleted}[g.r.IntN(5)]
		c := create(t, f, in, status == contract.StatusDraft)
		cs = append(cs, planned{c, status})
		if status == contract.StatusDraft {
			continue
		}
		for _, l := range lines {
			for _, pc := range parcels {
				left := pc.AreaMu.Decimal().Shift(2).IntPart() * int64(l.Passes)
				k := g.r.IntN(4)
				whole := g.chance(0.25)
				for i := 0; (whole && i == 0) || (!whole && i < k && left > 0); i++ {
					a := left
					if !whole {
						a = 1 + g.r.Int64N(left)
					}
					left -= a
					in := operation.Input{ParcelID: pc.ParcelID, OpType: l.OpType, OpDate: f.DaysAgo(g.r.IntN(30)), AreaMu: dec2(decimal.New(a, -2))}
					if l.OpType == operation.Harvesting {
						y := decimal.New(g.r.Int64N(a*900+1), -2)
						if g.chance(0.1) {
							y = decimal.Zero
						}
						in.YieldKg = ptr(dec2(y))
					}
					items = append(items, operation.Item{ContractID: c.ID, Key: fmt.Sprintf("op-%d", len(items)), Input: in})
				}
			}
		}
	}
	harvested := map[int64]bool{}
	ok := func(what string) func(operation.Operation, error) operation.Operation {
		return must[operation.Operation](t, what)
	}
	op := f.Services.Operations
	for _, o := range logAll(t, f, f.Admin, items) {
		switch x := g.r.Float64(); {
		case x < 0.45:
			ok("confirm")(op.Confirm(ctx, f.Admin, o.ID))
		case x < 0.55:
			ok("dispute")(op.Dispute(ctx, f.Admin, o.ID, "面积不符"))
			ok("confirm")(op.Confirm(ctx, f.Admin, o.ID))
		case x < 0.65:
			ok("dispute")(op.Dispute(ctx, f.Admin, o.ID, "面积不符"))
			continue
		case x < 0.75:
			ok("dispute")(op.Dispute(ctx, f.Admin, o.ID, "未作业"))
			ok("void")(op.Void(ctx, f.Admin, o.ID))
			continue
		case x < 0.85:
			ok("void")(op.Void(ctx, f.Admin, o.ID))
			continue
		default:
			continue
		}
		if o.OpType == operation.Harvesting {
			harvested[o.ContractID] = true
		}
	}
	for _, p := range cs {
		switch {
		case p.status == contract.StatusTerminated:
			must[contract.Contract](t, "terminate")(f.Services.Contracts.Terminate(ctx, f.Admin, p.c.ID, "提前终止"))
		case p.status == contract.StatusCompleted && harvested[p.c.ID]:
			must[contract.Contract](t, "complete")(f.Services.Contracts.Complete(ctx, f.Admin, p.c.ID))
		}
	}
}

func TestStatisticsMatchTheFiguresAppliedToTheRows(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 7, 42, 2026} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			f := w.f
			w.build(t, seed, 16)
			year := f.Today.Year()
			m := readModel(t, f, w.weights)
			statuses := map[string]int{}
			for _, c := range m.rows {
				statuses[c.status]++
			}
			t.Logf("seed %d: %d contracts %v", seed, len(m.rows), statuses)

			admin := viewer{"admin", f.Admin, func(*row) bool { return true }}
			bureau := viewer{"bureau of " + Township2, must[account.User](t, "bureau")(f.Services.Accounts.Create(ctx, f.Admin, account.NewUser{
				Username: "bureau-t2", Password: custodytest.Password, Role: scope.Bureau, RegionCode: Township2})).Principal(),
				func(c *row) bool { return strings.HasPrefix(c.region, Township2[:9]) }}
			own := w.collectives[w.villages[0]]
			coll := viewer{"collective", f.CollectiveAccount(t, own), func(c *row) bool { return c.collective == own }}
			prov := viewer{"provider", f.ProviderAccount(t, w.providers[0]), func(c *row) bool { return c.provider == w.providers[0] }}

			sel := stats.Selection{SeasonYear: year, RegionCode: custodytest.County}
			for _, g := range []stats.Grouping{stats.ByNothing, stats.ByTownship, stats.ByCollective, stats.ByCrop, stats.ByOpType} {
				m.checkRegion(t, f, admin, sel, g)
			}
			m.checkRegion(t, f, admin, stats.Selection{SeasonYear: year, RegionCode: custodytest.City}, stats.ByTownship)
			m.checkRegion(t, f, admin, stats.Selection{SeasonYear: year, RegionCode: custodytest.City}, stats.ByCrop)
			m.checkRegion(t, f, admin, stats.Selection{SeasonYear: year, RegionCode: custodytest.City, Crop: "corn"}, stats.ByOpType)
			m.checkRegion(t, f, admin, stats.Selection{SeasonYear: year, RegionCode: custodytest.City[:2] + "0000000000"}, stats.ByNothing)
			m.checkRegion(t, f, admin, stats.Selection{SeasonYear: year, RegionCode: custodytest.County, Crop: "corn"}, stats.ByOpType)
			m.checkRegion(t, f, admin, stats.Selection{SeasonYear: year - 1, RegionCode: custodytest.County}, stats.ByTownship)
			m.checkRegion(t, f, admin, stats.Selection{SeasonYear: year, RegionCode: Township2}, stats.ByCollective)
			m.checkRegion(t, f, admin, stats.Selection{SeasonYear: year, RegionCode: w.villages[0]}, stats.ByOpType)
			m.checkRegion(t, f, bureau, stats.Selection{SeasonYear: year, RegionCode: Township2}, stats.ByOpType)
			m.checkRegion(t, f, bureau, stats.Selection{SeasonYear: year, RegionCode: w.villages[2]}, stats.ByCrop)
			m.checkRegion(t, f, prov, stats.Selection{SeasonYear: year, RegionCode: custodytest.County}, stats.ByTownship)
			m.checkRegion(t, f, prov, stats.Selection{SeasonYear: year, RegionCode: custodytest.County}, stats.ByOpType)
			m.checkRegion(t, f, coll, stats.Selection{SeasonYear: year, RegionCode: w.villages[0]}, stats.ByOpType)
			if _, err := f.Services.Stats.Region(ctx, bureau.p, sel, stats.ByNothing); fault.KindOf(err) != fault.NotFound {
				t.Errorf("bureau of %s asking for the county: %v, want NotFound", Township2, err)
			}

			all := func(collectiveRow) bool { return true }
			m.checkCollectives(t, f, admin, sel, all)
			m.checkCollectives(t, f, admin, stats.Selection{SeasonYear: year, Crop: "wheat"}, all)
			m.checkCollectives(t, f, admin, stats.Selection{SeasonYear: year - 1, RegionCode: custodytest.Township}, all)
			m.checkCollectives(t, f, bureau, stats.Selection{SeasonYear: year, RegionCode: Township2}, all)
			m.checkCollectives(t, f, bureau, stats.Selection{SeasonYear: year}, func(c collectiveRow) bool { return strings.HasPrefix(c.region, Township2[:9]) })
			m.checkCollectives(t, f, coll, stats.Selection{SeasonYear: year}, func(c collectiveRow) bool { return c.id == own })
			works := func(c collectiveRow) bool {
				for _, r := range m.selected(prov, stats.Selection{SeasonYear: year}) {
					if r.collective == c.id {
						return true
					}
				}
				return false
			}
			m.checkCollectives(t, f, prov, stats.Selection{SeasonYear: year}, works)

			for _, id := range slices.Sorted(maps.Keys(m.rows)) {
				c := m.rows[id]
				e := newExpect()
				e.whole(c)
				same(t, fmt.Sprintf("benefit of contract %d (%s)", id, c.status), benefit(t, f, f.Admin, id), e.shown(w.weights(c.region)), false)
				_, _, err := f.Services.Stats.Benefit(ctx, prov.p, id)
				if prov.sees(c) != (err == nil) || (err != nil && fault.KindOf(err) != fault.NotFound) {
					t.Errorf("benefit of contract %d for the provider: %v", id, err)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------------------------------------

func TestFamilyFarms(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	region(t, f, Township2, "三岔镇")
	region(t, f, OtherCounty, "宜君县")
	region(t, f, OtherTownship, "城关镇")
	v1, v2, v3, v4 := f.Village(t), f.Village(t), Township2[:9]+"201", OtherTownship[:9]+"201"
	region(t, f, v3, "新村")
	region(t, f, v4, "邻村")
	c1, c2, c3, c4 := f.Collective(t, v1).ID, f.Collective(t, v2).ID, f.Collective(t, v3).ID, f.Collective(t, v4).ID
	newFarm(t, f, c1, farm.KindFamilyFarm, "county", "120.50", "planting")
	newFarm(t, f, c1, farm.KindFamilyFarm, "none", "80.25", "planting", "breeding")
	newFarm(t, f, c2, farm.KindFamilyFarm, "city", "300.00", "crop_livestock", "eco_cycle", "planting")
	newFarm(t, f, c3, farm.KindFamilyFarm, "county", "55.55", "machinery")
	newFarm(t, f, c3, farm.KindFamilyFarm, "national", "10.01", "agritourism", "courtyard")
	newFarm(t, f, c4, farm.KindFamilyFarm, "county", "999.99", "planting")
	f.Farm(t, c1) // a household
	newFarm(t, f, c3, "cooperative", "", "")

	type count struct {
		key, name string
		farms     int64
		area      string
	}
	flat := func(cs []stats.FamilyCount) []count {
		out := []count{}
		for _, c := range cs {
			out = append(out, count{c.Key, c.Name, c.Farms, c.AreaMu.StringFixed(2)})
		}
		return out
	}
	check := func(label string, rep stats.FamilyReport, total count, townships, levels, models []count) {
		t.Helper()
		if got := (count{"", "", rep.Total.Farms, rep.Total.AreaMu.StringFixed(2)}); got != total {
			t.Errorf("%s: total %+v, want %+v", label, got, total)
		}
		for _, b := range []struct {
			name      string
			got, want []count
		}{{"township", flat(rep.ByTownship), townships}, {"level", flat(rep.ByDemonstrationLevel), levels},
			{"model", flat(rep.ByBusinessModel), models}} {
			if !slices.Equal(b.got, b.want) {
				t.Errorf("%s: by %s %+v, want %+v", label, b.name, b.got, b.want)
			}
		}
		var n int64
		area := decimal.Zero
		for _, c := range rep.ByTownship {
			n, area = n+c.Farms, area.Add(c.AreaMu)
		}
		if n != rep.Total.Farms || !area.Equal(rep.Total.AreaMu) {
			t.Errorf("%s: the townships add up to %d farms on %s mu, the total is %d on %s", label, n, area, rep.Total.Farms, rep.Total.AreaMu)
		}
	}
	county := must[stats.FamilyReport](t, "county")(f.Services.Stats.FamilyFarms(ctx, f.Admin, custodytest.County))
	countyWant := []any{
		count{"", "", 5, "566.31"},
		[]count{{custodytest.Township, "石堡镇", 3, "500.75"}, {Township2, "三岔镇", 2, "65.56"}},
		[]count{{"city", "", 1, "300.00"}, {"county", "", 2, "176.05"}, {"national", "", 1, "10.01"}, {"none", "", 1, "80.25"}},
		[]count{{"agritourism", "", 1, "10.01"}, {"breeding", "", 1, "80.25"}, {"courtyard", "", 1, "10.01"},
			{"crop_livestock", "", 1, "300.00"}, {"eco_cycle", "", 1, "300.00"}, {"machinery", "", 1, "55.55"}, {"planting", "", 3, "500.75"}},
	}
	check("admin, county", county, countyWant[0].(count), countyWant[1].([]count), countyWant[2].([]count), countyWant[3].([]count))

	countyBureau := must[account.User](t, "bureau")(f.Services.Accounts.Create(ctx, f.Admin, account.NewUser{
		Username: "bureau-county", Password: custodytest.Password, Role: scope.Bureau, RegionCode: custodytest.County})).Principal()
	check("county bureau, county", must[stats.FamilyReport](t, "county bureau")(f.Services.Stats.FamilyFarms(ctx, countyBureau, custodytest.County)),
		countyWant[0].(count), countyWant[1].([]count), countyWant[2].([]count), countyWant[3].([]count))

	city := must[stats.FamilyReport](t, "city")(f.Services.Stats.FamilyFarms(ctx, f.Admin, custodytest.City))
	check("admin, city", city, count{"", "", 6, "1566.30"},
		[]count{{custodytest.Township, "石堡镇", 3, "500.75"}, {Township2, "三岔镇", 2, "65.56"}, {OtherTownship, "城关镇", 1, "999.99"}},
		[]count{{"city", "", 1, "300.00"}, {"county", "", 3, "1176.04"}, {"national", "", 1, "10.01"}, {"none", "", 1, "80.25"}},
		[]count{{"agritourism", "", 1, "10.01"}, {"breeding", "", 1, "80.25"}, {"courtyard", "", 1, "10.01"},
			{"crop_livestock", "", 1, "300.00"}, {"eco_cycle", "", 1, "300.00"}, {"machinery", "", 1, "55.55"}, {"planting", "", 4, "1500.74"}})

	t2Bureau := must[account.User](t, "bureau")(f.Services.Accounts.Create(ctx, f.Admin, account.NewUser{
		Username: "bureau-t2", Password: custodytest.Password, Role: scope.Bureau, RegionCode: Township2})).Principal()
	check("township bureau, its township", must[stats.FamilyReport](t, "township bureau")(f.Services.Stats.FamilyFarms(ctx, t2Bureau, Township2)),
		count{"", "", 2, "65.56"}, []count{{Township2, "三岔镇", 2, "65.56"}},
		[]count{{"county", "", 1, "55.55"}, {"national", "", 1, "10.01"}},
		[]count{{"agritourism", "", 1, "10.01"}, {"courtyard", "", 1, "10.01"}, {"machinery", "", 1, "55.55"}})

	own := f.CollectiveAccount(t, c1)
	check("collective, its village", must[stats.FamilyReport](t, "collective")(f.Services.Stats.FamilyFarms(ctx, own, v1)),
		count{"", "", 2, "200.75"}, []count{{custodytest.Township, "石堡镇", 2, "200.75"}},
		[]count{{"county", "", 1, "120.50"}, {"none", "", 1, "80.25"}},
		[]count{{"breeding", "", 1, "80.25"}, {"planting", "", 2, "200.75"}})
	check("admin, a village without family farms", must[stats.FamilyReport](t, "empty")(f.Services.Stats.FamilyFarms(ctx, f.Admin, f.Village(t))),
		count{"", "", 0, "0.00"}, []count{}, []count{}, []count{})

	for _, c := range []struct {
		name string
		p    scope.Principal
		code string
		want fault.Kind
	}{
		{"a provider", f.ProviderAccount(t, f.Provider(t, "ploughing").ID), custodytest.County, fault.Forbidden},
		{"a township's bureau, another township", t2Bureau, custodytest.Township, fault.NotFound},
		{"a township's bureau, its county", t2Bureau, custodytest.County, fault.NotFound},
		{"the county's bureau, the next county", countyBureau, OtherCounty, fault.NotFound},
		{"a collective, another village", own, v2, fault.NotFound},
		{"admin, no such region", f.Admin, "610631199000", fault.NotFound},
	} {
		if _, err := f.Services.Stats.FamilyFarms(ctx, c.p, c.code); fault.KindOf(err) != c.want {
			t.Errorf("%s asking for %s: %v, want kind %d", c.name, c.code, err, c.want)
		}
	}
}
