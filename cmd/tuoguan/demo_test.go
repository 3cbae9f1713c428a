package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
)

// tuoguan demo leaves the planner statistics of what it loaded, so that the first reads after it are planned
// on the county's real sizes rather than on tables taken for empty.
func TestDemoAnalyzes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	env := map[string]string{"DATABASE_URL": url, pii.KeyEnv: pii.GenerateKey(), "TUOGUAN_LOG_LEVEL": "error"}
	var out bytes.Buffer
	if err := run(ctx, []string{"demo", "-scale", "0.025"}, func(k string) string { return env[k] }, strings.NewReader(""), &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables := []string{"farms", "parcels", "contracts", "contract_services", "operations", "delivery_caps", "stats_rollup"}
	var analyzed int
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_user_tables
		WHERE relname = ANY($1) AND last_analyze IS NOT NULL`, tables).Scan(&analyzed); err != nil {
		t.Fatal(err)
	}
	if analyzed != len(tables) {
		t.Fatalf("%d of the %d loaded tables have planner statistics after the demo", analyzed, len(tables))
	}
}
