package operation_test

import (
	"context"
	"testing"

	"github.com/tuoguan/tuoguan/internal/custodytest"
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
