package subsidy_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

func opIDs(s subsidy.Sample) []int64 {
	var ids []int64
	for _, it := range s.Items {
		ids = append(ids, it.OperationID)
	}
	return ids
}

// The same seed over the same population draws the same operations; every provider with confirmed work is
// drawn; the size lies between ceil(N × pct / 100) and that plus the number of providers; no operation twice.
func TestSamplesAreReproducibleAndCoverEveryProvider(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ex := buildExample(t)
	f, year, svc := ex.f, ex.f.Today.Year(), ex.f.Services.Subsidies
	for _, pct := range []string{"1.00", "20.00", "50.00", "100.00"} {
		a, err := svc.Draw(ctx, f.Admin, county, year, ptr(num.MustDec2(pct)), ptr(int64(42)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.Draw(ctx, f.Admin, county, year, ptr(num.MustDec2(pct)), ptr(int64(42)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(opIDs(a), opIDs(b)) {
			t.Errorf("%s %%: seed 42 drew %v, then %v", pct, opIDs(a), opIDs(b))
		}
		// Six confirmed operations of two providers.
		want := int(num.MustDec2(pct).Decimal().Mul(num.MustDec2("6.00").Decimal()).Div(num.MustDec2("100.00").Decimal()).Ceil().IntPart())
		if n := len(a.Items); n < want || n > want+2 || n > 6 {
			t.Errorf("%s %%: %d items, want %d to %d", pct, n, want, want+2)
		}
		ids := opIDs(a)
		if len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("%s %%: an operation twice: %v", pct, ids)
		}
		if len(a.Providers()) != 2 {
			t.Errorf("%s %%: providers %+v, want both", pct, a.Providers())
		}
	}
	// Without a seed one is chosen and returned; the policy's share applies.
	c, err := svc.Draw(ctx, f.Admin, county, year, nil, nil)
	if err != nil || c.SamplePct.String() != "5.00" || c.Seed < 0 {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	if _, err := svc.Draw(ctx, f.Admin, county, year, ptr(num.MustDec2("0.00")), nil); fault.KindOf(err) != fault.Invalid {
		t.Errorf("a share of 0: %v", err)
	}
	if _, err := svc.Draw(ctx, f.Admin, county, year-1, nil, nil); fault.KindOf(err) != fault.Invalid {
		t.Errorf("no share and no policy: %v", err)
	}
}

// Results replace earlier ones; an operation not in the sample is refused naming it; each provider's
// discrepancy counts verified area at most as logged.
func TestSampleResultsAndDiscrepancy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ex := buildExample(t)
	f, svc := ex.f, ex.f.Services.Subsidies
	sm, err := svc.GetSample(ctx, f.Admin, ex.sample)
	if err != nil {
		t.Fatal(err)
	}
	var other int64
	for _, it := range sm.Items {
		if it.ProviderID == ex.p1 && it.OperationID != ex.harvest.ID {
			other = it.OperationID
		}
	}
	// Provider 1: the harvest (20.00) measured 18.50, another operation (10.00) measured 12.00 — counted as 10.00.
	sm, err = svc.Record(ctx, f.Admin, ex.sample, []subsidy.Result{{OperationID: other, VerifiedAreaMu: num.MustDec2("12.00"), Note: ptr("量多了")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sm.Providers() {
		if c.ProviderID != ex.p1 {
			continue
		}
		if c.Checked != 2 || num.Round2(c.SampledAreaMu).String() != "30.00" || num.Round2(c.VerifiedAreaMu).String() != "28.50" || c.DiscrepancyPct().String() != "5.00" {
			t.Errorf("provider 1: %+v, discrepancy %s; want 2 checked, 30.00 sampled, 28.50 verified, 5.00 %%", c, c.DiscrepancyPct())
		}
	}
	_, err = svc.Record(ctx, f.Admin, ex.sample, []subsidy.Result{{OperationID: 999999, VerifiedAreaMu: num.MustDec2("1.00")}})
	if fe := fault.As(err); fe == nil || fe.Kind != fault.Invalid || fe.Fields[0].Field != "results[0].operation_id" {
		t.Errorf("an operation not in the sample: %v", err)
	}
}
