package subsidy_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

// Over random policies, contracts, operations and field checks, every settlement figure equals a plain
// recomputation from the raw rows: each confirmed operation of the provider on its line, capped and counted
// one by one, summed, rounded once.
func TestSettlementsEqualAPlainRecomputation(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 7, 2026} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			checkRandomCounty(t, seed)
		})
	}
}

func checkRandomCounty(t *testing.T, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 99))
	f := custodytest.New(t)
	year := f.Today.Year()
	money := func(lo, hi int) string { return decimal.New(int64(lo*100+r.IntN((hi-lo)*100)), -2).StringFixed(2) }
	ops := []string{"ploughing", "sowing", "plant_protection", "harvesting"}
	var logged []operation.Operation
	providers := map[int64]bool{}
	for range 3 {
		s := f.Scene(t, ops...)
		providers[s.Provider.ID] = true
		for range 2 {
			area := money(5, 40)
			pc := s.Parcel(t, area)
			var lines []contract.LineInput
			for _, op := range ops[:1+r.IntN(len(ops))] {
				price := money(10, 90)
				sub := decimal.RequireFromString(price).Mul(decimal.New(int64(r.IntN(60)), -2)).Round(2).StringFixed(2)
				lines = append(lines, line(op, 1+r.IntN(2), price, sub))
			}
			c := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, area)}, lines...))
			for _, l := range lines {
				for pass := range l.Passes {
					part := decimal.RequireFromString(area).Mul(decimal.New(int64(30+r.IntN(71)), -2)).Round(2)
					if part.Sign() <= 0 {
						continue
					}
					var yield *num.Dec2
					if l.OpType == "harvesting" {
						yield = ptr(num.MustDec2(money(100, 900)))
					}
					o, _, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, fmt.Sprintf("p-%d-%d-%s-%d", seed, c.ID, l.OpType, pass),
						operation.Input{ParcelID: pc.ID, OpType: l.OpType, OpDate: f.Today, AreaMu: num.MustDec2(part.StringFixed(2)), YieldKg: yield})
					if err != nil {
						t.Fatal(err)
					}
					switch r.IntN(5) {
					case 0: // stays recorded
					case 1:
						if _, err := f.Services.Operations.Void(ctx, s.ProviderUser, o.ID); err != nil {
							t.Fatal(err)
						}
					default:
						if o, err = f.Services.Operations.Confirm(ctx, s.CollectiveUser, o.ID); err != nil {
							t.Fatal(err)
						}
						logged = append(logged, o)
					}
				}
			}
		}
	}
	if len(logged) == 0 {
		t.Fatal("no confirmed work to settle")
	}
	pol := subsidy.Policy{MaxSharePct: num.MustDec2(money(15, 50)), MaxPerMu: num.MustDec2("9999.00"), KeyOpTypes: ops,
		MaxPerProvider: num.MustDec2(money(50, 600)), MinHouseholdSharePct: num.MustDec2("60.00"), SamplePct: num.MustDec2(money(10, 60)),
		Enforcement: subsidy.EnforceFlag}
	if _, err := f.Services.Subsidies.Put(ctx, f.Admin, county, year, pol); err != nil {
		t.Fatal(err)
	}
	sm, err := f.Services.Subsidies.Draw(ctx, f.Admin, county, year, nil, ptr(int64(seed)))
	if err != nil {
		t.Fatal(err)
	}
	var results []subsidy.Result
	for _, it := range sm.Items {
		if r.IntN(3) > 0 {
			results = append(results, subsidy.Result{OperationID: it.OperationID,
				VerifiedAreaMu: num.MustDec2(it.AreaMu.Decimal().Mul(decimal.New(int64(50+r.IntN(70)), -2)).Round(2).StringFixed(2))})
		}
	}
	if len(results) > 0 {
		if _, err := f.Services.Subsidies.Record(ctx, f.Admin, sm.ID, results); err != nil {
			t.Fatal(err)
		}
	}
	verified := map[int64]decimal.Decimal{}
	for _, res := range results {
		verified[res.OperationID] = res.VerifiedAreaMu.Decimal()
	}

	for prov := range providers {
		st, err := f.Services.Subsidies.CreateSettlement(ctx, f.Admin, prov, county, year)
		if err != nil {
			t.Fatal(err)
		}
		// The plain recomputation, from each operation and the line it was logged on.
		var n int64
		var area, counted, claimed, eligible, household decimal.Decimal
		for _, o := range logged {
			c, err := f.Services.Contracts.Get(ctx, f.Admin, o.ContractID)
			if err != nil {
				t.Fatal(err)
			}
			if c.ProviderID != prov {
				continue
			}
			l, _ := c.LineOf(o.OpType)
			capped := decimal.Min(l.SubsidyPerMu.Decimal(), l.PricePerMu.Decimal().Mul(pol.MaxSharePct.Decimal()).Div(decimal.NewFromInt(100)))
			cnt := o.AreaMu.Decimal()
			if v, ok := verified[o.ID]; ok {
				cnt = decimal.Min(v, cnt)
			}
			n++
			area, counted = area.Add(o.AreaMu.Decimal()), counted.Add(cnt)
			claimed = claimed.Add(o.AreaMu.Decimal().Mul(l.SubsidyPerMu.Decimal()))
			eligible = eligible.Add(cnt.Mul(capped))
			household = household.Add(cnt) // every custodytest farm is a household
		}
		payable := decimal.Min(eligible, pol.MaxPerProvider.Decimal())
		s := st.Statement
		got := fmt.Sprintln(s.Operations, num.Round2(s.AreaMu), num.Round2(s.CountedAreaMu), num.Round2(s.Claimed), num.Round2(s.Eligible),
			num.Round2(s.Payable), num.Round2(s.HouseholdAreaMu))
		want := fmt.Sprintln(n, num.Round2(area), num.Round2(counted), num.Round2(claimed), num.Round2(eligible), num.Round2(payable), num.Round2(household))
		if got != want {
			t.Errorf("seed %d, provider %d: %s want %s", seed, prov, got, want)
		}
	}
}
