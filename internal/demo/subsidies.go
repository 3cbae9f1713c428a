package demo

import (
	"context"
	"fmt"

	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

// subsidies runs Huanglong's subsidy cycle over the loaded work, as its bureau does, after the contracts were
// activated (a policy holds only later activations to it): the policies of the seasons with work (a hilly
// county: 40 % of the price, 130 yuan per mu over the key operations), the first season's field sample
// checked with a few operations measured short, its settlements approved and paid, and the current season's
// settlements as drafts.
func (l *loader) subsidies(ctx context.Context) error {
	svc := l.svc.Subsidies
	done, current := seasons[0], seasons[1]
	for _, year := range []int{done, current} {
		if _, err := svc.Put(ctx, bureau, county.code, year, subsidy.Policy{MaxSharePct: num.MustDec2("40.00"), MaxPerMu: num.MustDec2("130.00"),
			KeyOpTypes: []string{"ploughing", "sowing", "plant_protection", "harvesting"}, MaxPerProvider: num.MustDec2("100000.00"),
			MinHouseholdSharePct: num.MustDec2("60.00"), SamplePct: num.MustDec2("5.00"), Enforcement: subsidy.EnforceRefuse}); err != nil {
			return fmt.Errorf("subsidy policy %d: %w", year, err)
		}
	}
	seed := int64(l.plan.seed % (1 << 53))
	sm, err := svc.Draw(ctx, bureau, county.code, done, nil, &seed)
	if err != nil {
		return fmt.Errorf("field sample %d: %w", done, err)
	}
	results := make([]subsidy.Result, len(sm.Items))
	for i, it := range sm.Items {
		verified := it.AreaMu
		if i%9 == 4 { // a few measured short, by a tenth
			verified = num.Round2(it.AreaMu.Decimal().Mul(num.MustDec2("0.90").Decimal()))
		}
		results[i] = subsidy.Result{OperationID: it.OperationID, VerifiedAreaMu: verified}
	}
	if len(results) > 0 {
		if _, err := svc.Record(ctx, bureau, sm.ID, results); err != nil {
			return fmt.Errorf("field sample %d results: %w", done, err)
		}
	}
	for i, pr := range l.plan.providers {
		for _, year := range []int{done, current} {
			st, err := svc.CreateSettlement(ctx, bureau, pr.id, county.code, year)
			if err != nil {
				return fmt.Errorf("settlement of provider %d for %d: %w", pr.id, year, err)
			}
			if year != done || st.Statement.Operations == 0 {
				continue
			}
			if _, err := svc.Approve(ctx, bureau, st.ID); err != nil {
				return err
			}
			if _, err := svc.Pay(ctx, bureau, st.ID, fmt.Sprintf("黄财农〔%d〕%d号", done+1, 10+i)); err != nil {
				return err
			}
		}
	}
	return nil
}
