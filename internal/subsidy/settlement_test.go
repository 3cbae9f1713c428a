package subsidy_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/scope"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

// county is custodytest's county as a policy names it.
const county = custodytest.County

// example builds the worked example of docs/subsidies.md and returns the fixture, the two providers' ids and
// one confirmed operation of the first.
type example struct {
	f       *custodytest.Fixture
	p1, p2  int64
	harvest operation.Operation
	sample  int64
}

func line(op string, passes int, price, subsidy string) contract.LineInput {
	return contract.LineInput{OpType: op, Passes: passes, PricePerMu: num.MustDec2(price), SubsidyPerMu: num.MustDec2(subsidy),
		BaselineCostPerMu: num.MustDec2("99.00")}
}

func buildExample(t *testing.T) example {
	t.Helper()
	ctx := context.Background()
	f := custodytest.New(t)
	year := f.Today.Year()
	if _, err := f.Services.Subsidies.Put(ctx, f.Admin, county, year, subsidy.Policy{
		MaxSharePct: num.MustDec2("40.00"), MaxPerMu: num.MustDec2("500.00"), KeyOpTypes: []string{"ploughing", "sowing", "plant_protection", "harvesting"},
		MaxPerProvider: num.MustDec2("1000.00"), MinHouseholdSharePct: num.MustDec2("60.00"), SamplePct: num.MustDec2("5.00"),
		Enforcement: subsidy.EnforceFlag}); err != nil {
		t.Fatal(err)
	}
	// Provider 1 in village 1 for a household: ploughing subsidised beyond the 40 % share (capped at 24.00),
	// sowing within it; in village 2 for a family farm: harvesting, whose operation a field check measures short.
	s1 := f.Scene(t, "ploughing", "sowing", "harvesting")
	pa := s1.Parcel(t, "10.00")
	c1 := f.Active(t, s1.Terms([]contract.ParcelInput{custodytest.Area(t, pa.ID, "10.00")},
		line("ploughing", 1, "60.00", "30.00"), line("sowing", 1, "40.00", "10.00")))
	v2 := f.Collective(t, f.Village(t))
	family, err := f.Services.Farms.Create(ctx, f.Admin, farm.Input{Kind: ptr("family_farm"), Name: ptr("丰源家庭农场"), OperatorName: ptr("张志强"),
		IDNumber: ptr(f.IDNumber(t)), Phone: ptr("13891234567"), CollectiveID: ptr(v2.ID), RegisteredOn: ptr(f.Today.AddDate(-2, 0, 0)),
		DemonstrationLevel: ptr("county"), BusinessModels: ptr([]string{"planting"}), OperatedAreaMu: ptr(num.MustDec2("300.00"))})
	if err != nil {
		t.Fatal(err)
	}
	pb := f.Parcel(t, family.ID, "20.00")
	c2 := f.Active(t, custodytest.Terms{CollectiveID: v2.ID, FarmID: family.ID, ProviderID: s1.Provider.ID,
		Parcels: []contract.ParcelInput{custodytest.Area(t, pb.ID, "20.00")}, Services: []contract.LineInput{line("harvesting", 1, "70.00", "20.00")}})
	// Provider 2 for another household of village 1: plant protection at exactly the share, twice over 100 mu,
	// and sowing whose cap has three places (33.33 × 40 % = 13.332); it claims more than the policy pays one
	// provider.
	s2 := f.Scene(t, "plant_protection", "sowing")
	pc := s2.Parcel(t, "100.00")
	c3 := f.Active(t, s2.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "100.00")},
		line("plant_protection", 2, "15.00", "6.00"), line("sowing", 1, "33.33", "15.00")))

	ex := example{f: f, p1: s1.Provider.ID, p2: s2.Provider.ID}
	logged := func(s *custodytest.Scene, prov scope.Principal, coll scope.Principal, c contract.Contract, parcel int64, op, area string, yield *num.Dec2) operation.Operation {
		o, _, err := f.Services.Operations.Create(ctx, prov, c.ID, fmt.Sprintf("ex-%d-%s-%s-%d", c.ID, op, area, time.Now().UnixNano()),
			operation.Input{ParcelID: parcel, OpType: op, OpDate: f.Today, AreaMu: num.MustDec2(area), YieldKg: yield})
		if err != nil {
			t.Fatalf("log %s on %d: %v", op, c.ID, err)
		}
		if o, err = f.Services.Operations.Confirm(ctx, coll, o.ID); err != nil {
			t.Fatal(err)
		}
		return o
	}
	v2Clerk := f.CollectiveAccount(t, v2.ID)
	logged(s1, s1.ProviderUser, s1.CollectiveUser, c1, pa.ID, "ploughing", "10.00", nil)
	logged(s1, s1.ProviderUser, s1.CollectiveUser, c1, pa.ID, "sowing", "10.00", nil)
	ex.harvest = logged(s1, s1.ProviderUser, v2Clerk, c2, pb.ID, "harvesting", "20.00", ptr(num.MustDec2("10000.00")))
	logged(s2, s2.ProviderUser, s2.CollectiveUser, c3, pc.ID, "plant_protection", "100.00", nil)
	logged(s2, s2.ProviderUser, s2.CollectiveUser, c3, pc.ID, "plant_protection", "100.00", nil)
	logged(s2, s2.ProviderUser, s2.CollectiveUser, c3, pc.ID, "sowing", "7.50", nil)
	// A recorded operation and a voided one count nowhere.
	if _, _, err := f.Services.Operations.Create(ctx, s1.ProviderUser, c1.ID, "ex-recorded",
		operation.Input{ParcelID: pa.ID, OpType: "harvesting", OpDate: f.Today, AreaMu: num.MustDec2("1.00"), YieldKg: ptr(num.MustDec2("1.00"))}); err == nil {
		t.Fatal("harvesting is not on contract 1, yet logging it succeeded")
	}
	// The field check: a sample of everything, and inspectors measured the harvest at 18.50 mu.
	sm, err := f.Services.Subsidies.Draw(ctx, f.Admin, county, year, ptr(num.MustDec2("100.00")), ptr(int64(7)))
	if err != nil || len(sm.Items) != 6 {
		t.Fatalf("sample of everything: %d items, %v", len(sm.Items), err)
	}
	if _, err := f.Services.Subsidies.Record(ctx, f.Admin, sm.ID, []subsidy.Result{{OperationID: ex.harvest.ID, VerifiedAreaMu: num.MustDec2("18.50")}}); err != nil {
		t.Fatal(err)
	}
	ex.sample = sm.ID
	return ex
}

func ptr[T any](v T) *T { return &v }

// The worked example of docs/subsidies.md, to the fen.
func TestSettlementWorkedExample(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ex := buildExample(t)
	f, year := ex.f, ex.f.Today.Year()
	type lineWant struct{ op, ops, area, counted, claimed, eligible string }
	cases := []struct {
		provider                                                    int64
		ops                                                         int64
		area, counted, claimed, eligible, payable, household, share string
		lines                                                       []lineWant
	}{
		{ex.p1, 3, "40.00", "38.50", "800.00", "710.00", "710.00", "20.00", "51.95", []lineWant{
			{"ploughing", "1", "10.00", "10.00", "300.00", "240.00"},
			{"sowing", "1", "10.00", "10.00", "100.00", "100.00"},
			{"harvesting", "1", "20.00", "18.50", "400.00", "370.00"},
		}},
		{ex.p2, 3, "207.50", "207.50", "1312.50", "1299.99", "1000.00", "207.50", "100.00", []lineWant{
			{"plant_protection", "2", "200.00", "200.00", "1200.00", "1200.00"},
			{"sowing", "1", "7.50", "7.50", "112.50", "99.99"},
		}},
	}
	for _, c := range cases {
		st, err := f.Services.Subsidies.CreateSettlement(ctx, f.Admin, c.provider, county, year)
		if err != nil {
			t.Fatal(err)
		}
		s := st.Statement
		got := fmt.Sprintln(s.Operations, num.Round2(s.AreaMu), num.Round2(s.CountedAreaMu), num.Round2(s.Claimed), num.Round2(s.Eligible),
			num.Round2(s.Payable), num.Round2(s.HouseholdAreaMu), *s.HouseholdSharePct())
		want := fmt.Sprintln(c.ops, c.area, c.counted, c.claimed, c.eligible, c.payable, c.household, c.share)
		if got != want {
			t.Errorf("provider %d: %s, want %s", c.provider, got, want)
		}
		if len(s.Lines) != len(c.lines) {
			t.Fatalf("provider %d: %d lines, want %d: %+v", c.provider, len(s.Lines), len(c.lines), s.Lines)
		}
		for _, w := range c.lines {
			found := false
			for _, l := range s.Lines {
				if l.OpType != w.op {
					continue
				}
				found = true
				g := fmt.Sprintln(l.Operations, num.Round2(l.AreaMu), num.Round2(l.CountedAreaMu), num.Round2(l.Claimed), num.Round2(l.Eligible))
				if wl := fmt.Sprintln(w.ops, w.area, w.counted, w.claimed, w.eligible); g != wl {
					t.Errorf("provider %d, %s: %s, want %s", c.provider, w.op, g, wl)
				}
			}
			if !found {
				t.Errorf("provider %d: no %s line", c.provider, w.op)
			}
		}
	}
}

// Approval freezes the statement: work confirmed and checks recorded afterwards leave it as it was; a second
// approval of the same provider, county and season is refused, racing ones included; a paid settlement keeps
// its reference; only a draft is deleted.
func TestSettlementApprovalFreezes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ex := buildExample(t)
	f, year := ex.f, ex.f.Today.Year()
	svc := f.Services.Subsidies
	var drafts []subsidy.Settlement
	for range 4 {
		st, err := svc.CreateSettlement(ctx, f.Admin, ex.p1, county, year)
		if err != nil {
			t.Fatal(err)
		}
		drafts = append(drafts, st)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(drafts))
	for i, d := range drafts {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = svc.Approve(ctx, f.Admin, d.ID) }()
	}
	wg.Wait()
	approved := -1
	for i, err := range errs {
		switch {
		case err == nil && approved < 0:
			approved = i
		case err == nil:
			t.Errorf("settlements %d and %d both approved", drafts[approved].ID, drafts[i].ID)
		case fault.KindOf(err) != fault.Conflict:
			t.Errorf("approval %d: %v, want a conflict", i, err)
		}
	}
	if approved < 0 {
		t.Fatal("no approval succeeded")
	}
	id := drafts[approved].ID
	before, err := svc.GetSettlement(ctx, f.Admin, id)
	if err != nil {
		t.Fatal(err)
	}
	// Afterwards the check is recorded again, at 10.00 mu: the approved statement keeps 18.50, a new draft sees 10.00.
	if _, err := svc.Record(ctx, f.Admin, ex.sample, []subsidy.Result{{OperationID: ex.harvest.ID, VerifiedAreaMu: num.MustDec2("10.00")}}); err != nil {
		t.Fatal(err)
	}
	after, err := svc.GetSettlement(ctx, f.Admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != subsidy.Approved || !after.Statement.Eligible.Equal(before.Statement.Eligible) || after.Statement.Eligible.String() != "710" {
		t.Errorf("approved statement moved: %s then %s", before.Statement.Eligible, after.Statement.Eligible)
	}
	other := drafts[(approved+1)%len(drafts)]
	if d, err := svc.GetSettlement(ctx, f.Admin, other.ID); err != nil || num.Round2(d.Statement.Eligible).String() != "540.00" {
		t.Errorf("a draft after the new check: %v, eligible %s, want 540.00", err, d.Statement.Eligible)
	}
	if err := svc.DeleteSettlement(ctx, f.Admin, id); fault.KindOf(err) != fault.Conflict {
		t.Errorf("deleting an approved settlement: %v", err)
	}
	if _, err := svc.Pay(ctx, f.Admin, other.ID, "黄财农〔2026〕17号"); fault.KindOf(err) != fault.Conflict {
		t.Errorf("paying a draft: %v", err)
	}
	paid, err := svc.Pay(ctx, f.Admin, id, "黄财农〔2026〕17号")
	if err != nil || paid.Status != subsidy.Paid || paid.Reference == nil || *paid.Reference != "黄财农〔2026〕17号" {
		t.Errorf("pay: %+v, %v", paid, err)
	}
	if err := svc.DeleteSettlement(ctx, f.Admin, other.ID); err != nil {
		t.Errorf("deleting a draft: %v", err)
	}
	// The policy cannot change any more.
	if _, err := svc.Put(ctx, f.Admin, county, year, subsidy.Policy{MaxSharePct: num.MustDec2("30.00"), MaxPerMu: num.MustDec2("100.00"),
		KeyOpTypes: []string{"ploughing"}, MaxPerProvider: num.MustDec2("1.00"), MinHouseholdSharePct: num.MustDec2("1.00"),
		SamplePct: num.MustDec2("1.00"), Enforcement: subsidy.EnforceRefuse}); fault.KindOf(err) != fault.Conflict {
		t.Errorf("replacing the policy after approval: %v", err)
	}
}
