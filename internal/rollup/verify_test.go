package rollup_test

import (
	"context"
	"testing"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/rollup"
)

// Verify finds nothing wrong with totals the services kept, and names every kind of total that was tampered
// with: a delivery cap, a service line's confirmed area, a rollup row.
func TestVerifyNamesEveryTotalThatDisagrees(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := custodytest.New(t)
	var checks []rollup.Check
	s := f.Scene(t, "ploughing", "harvesting")
	parcel := s.Parcel(t, "10.00")
	c := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, parcel.ID, "10.00")},
		custodytest.Line("ploughing", 1), custodytest.Line("harvesting", 1)))
	op, _, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "verify-1",
		operation.Input{ParcelID: parcel.ID, OpType: "ploughing", OpDate: f.Today, AreaMu: custodytest.Dec2(t, "4.00")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Services.Operations.Confirm(ctx, s.CollectiveUser, op.ID); err != nil {
		t.Fatal(err)
	}

	checks, err = rollup.Verify(ctx, f.Store.SQL)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if c.Disagree != 0 {
			t.Errorf("%s: %d rows disagree on totals the services kept: %v", c.Name, c.Disagree, c.Examples)
		}
	}
	for _, q := range []string{
		"UPDATE delivery_caps SET active_area_mu = active_area_mu + 1 WHERE op_type = 'ploughing'",
		"UPDATE contract_services SET voided_area_mu = voided_area_mu + 1 WHERE op_type = 'harvesting'",
		"UPDATE stats_rollup SET subsidy = subsidy + 0.01 WHERE collective_id = 0 AND crop = '' AND op_type = 'ploughing'",
	} {
		if _, err := f.Store.SQL.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	checks, err = rollup.Verify(ctx, f.Store.SQL)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, c := range checks {
		if c.Disagree > 0 {
			bad++
		}
	}
	if bad != 3 {
		t.Errorf("%d checks disagree after three kinds of tampering, want 3: %+v", bad, checks)
	}
}
