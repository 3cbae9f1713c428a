package operation_test

import (
	"context"
	"testing"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/operation"
)

func TestForgetKeysKeepsKeysForTheRetentionPeriod(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	ctx := context.Background()
	if _, err := f.Store.SQL.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES
		(1, 'fresh', '\x00', now()),
		(1, 'fifteen-days', '\x00', now() - interval '15 days'),
		(1, 'twenty-nine-days', '\x00', now() - interval '29 days'),
		(1, 'thirty-one-days', '\x00', now() - interval '31 days'),
		(2, 'a-year', '\x00', now() - interval '1 year')`); err != nil {
		t.Fatal(err)
	}
	n, err := f.Services.Operations.ForgetKeys(ctx)
	if err != nil || n != 2 {
		t.Fatalf("forgot %d, %v; want the two keys older than 30 days", n, err)
	}
	var left int
	if err := f.Store.SQL.QueryRowContext(ctx, "SELECT count(*) FROM idempotency_keys WHERE key IN ('fresh', 'fifteen-days', 'twenty-nine-days')").Scan(&left); err != nil || left != 3 {
		t.Fatalf("%d of the keys within 30 days left, %v; want 3", left, err)
	}
}

// A keyed request's response is kept with its key, and a replay answers it from there.
func TestReplaysAnswerFromTheKeyStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing")
	parcel := s.Parcel(t, "6.00")
	c := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, parcel.ID, "6.00")}, custodytest.Line("ploughing", 1)))
	in := operation.Input{ParcelID: parcel.ID, OpType: "ploughing", OpDate: f.Today, AreaMu: custodytest.Dec2(t, "2.00")}
	op, replay, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "kept-1", in)
	if err != nil || replay {
		t.Fatalf("create: %v, replay %v", err, replay)
	}
	var id int64
	var area string
	if err := f.Store.SQL.QueryRowContext(ctx, "SELECT (response->>'id')::bigint, response->>'area_mu' FROM idempotency_keys WHERE key = 'kept-1'").
		Scan(&id, &area); err != nil || id != op.ID || area != "2.00" {
		t.Fatalf("kept response: id %d, area %s, %v; want %d, 2.00", id, area, err, op.ID)
	}
	// Confirming changes the operation, not the answer to its key.
	if _, err := f.Services.Operations.Confirm(ctx, s.CollectiveUser, op.ID); err != nil {
		t.Fatal(err)
	}
	again, replay, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "kept-1", in)
	if err != nil || !replay || again.ID != op.ID || again.Status != operation.StatusRecorded {
		t.Errorf("replay: %+v, replay %v, %v; want operation %d as created", again, replay, err, op.ID)
	}
}
