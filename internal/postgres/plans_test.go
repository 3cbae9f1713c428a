package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
)

// TestSendGenericReadsUnderGenericPlans runs a batch through SendGeneric on a pool of one connection: its
// statements run under generic plans (on Citus under the pool's custom plans, which route them to their
// shard), and the connection is back to the pool's custom plans after it, whether the batch succeeded or
// failed.
func TestSendGenericReadsUnderGenericPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	db.SQL.SetMaxOpenConns(1)
	var mode, seqscan string
	b := &pgx.Batch{}
	b.Queue("SELECT current_setting('plan_cache_mode'), current_setting('enable_seqscan')").
		QueryRow(func(row pgx.Row) error { return row.Scan(&mode, &seqscan) })
	if err := postgres.SendGeneric(ctx, db.SQL, b); err != nil {
		t.Fatal(err)
	}
	citus, err := postgres.Citus(ctx, db.SQL)
	if err != nil {
		t.Fatal(err)
	}
	want := [2]string{"force_generic_plan", "off"}
	if citus {
		want = [2]string{"force_custom_plan", "on"}
	}
	if [2]string{mode, seqscan} != want {
		t.Errorf("inside: plan_cache_mode %s, enable_seqscan %s; want %s, %s (Citus: %t)", mode, seqscan, want[0], want[1], citus)
	}

	failing := &pgx.Batch{}
	failing.Queue("SELECT 1 WHERE false").QueryRow(func(row pgx.Row) error { var n int; return row.Scan(&n) })
	if err := postgres.SendGeneric(ctx, db.SQL, failing); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("a read that finds nothing: %v, want pgx.ErrNoRows", err)
	}
	if err := db.SQL.QueryRowContext(ctx, "SELECT current_setting('plan_cache_mode'), current_setting('enable_seqscan')").Scan(&mode, &seqscan); err != nil {
		t.Fatal(err)
	}
	if mode != "force_custom_plan" || seqscan != "on" {
		t.Errorf("after: plan_cache_mode %s, enable_seqscan %s; want the pool's force_custom_plan, on", mode, seqscan)
	}
}
