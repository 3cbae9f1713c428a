package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/internal/services"
)

// tuoguan verify passes over totals the services kept, and fails, naming the check, once one is changed
// behind their back.
func TestVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	key := pii.GenerateKey()
	keys, err := pii.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := services.New(db, keys, account.Config{Hash: account.HashParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if _, err := svc.Accounts.Bootstrap(ctx, custodytest.AdminPassword); err != nil {
		t.Fatal(err)
	}
	f := custodytest.On(t, db, svc)
	s := f.Scene(t, "ploughing")
	parcel := s.Parcel(t, "8.00")
	c := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, parcel.ID, "8.00")}, custodytest.Line("ploughing", 1)))
	op, _, err := svc.Operations.Create(ctx, s.ProviderUser, c.ID, "verify-cmd",
		operation.Input{ParcelID: parcel.ID, OpType: "ploughing", OpDate: f.Today, AreaMu: custodytest.Dec2(t, "8.00")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Operations.Confirm(ctx, s.CollectiveUser, op.ID); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": url, pii.KeyEnv: key, "TUOGUAN_LOG_LEVEL": "error"}
	verify := func() (string, error) {
		var out bytes.Buffer
		err := run(ctx, []string{"verify"}, func(k string) string { return env[k] }, strings.NewReader(""), &out)
		return out.String(), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "checks agree") {
		t.Fatalf("verify over kept totals: %v\n%s", err, out)
	}
	if _, err := db.SQL.ExecContext(ctx, "UPDATE stats_rollup SET baseline_cost = baseline_cost + 1 WHERE collective_id = 0 AND crop = ''"); err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	if err == nil || !strings.Contains(out, "stats_rollup and stats_providers") || !strings.Contains(out, "DISAGREE") {
		t.Errorf("verify over a changed rollup: %v\n%s", err, out)
	}
}
