package stats_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/stats"
)

// rollupRows reads both rollup tables as text, one line a row, in key order, decimals without trailing zeros.
func rollupRows(t *testing.T, f *custodytest.Fixture) []string {
	t.Helper()
	var rows []string
	if err := f.DB.Raw(`SELECT concat_ws(' ', county_code, season_year, collective_id, crop, quote_literal(op_type), region_code,
			contracts, farms, households, first_farms, first_households, trim_scale(contracted_area_mu),
			trim_scale(collective_income), trim_scale(active_area_mu), trim_scale(confirmed_area_mu), trim_scale(net_cost),
			trim_scale(baseline_cost), trim_scale(subsidy), trim_scale(provider_revenue), trim_scale(confirmed_yield_kg),
			trim_scale(income_gain))
		FROM stats_rollup ORDER BY county_code, season_year, collective_id, crop, op_type`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var providers []string
	if err := f.DB.Raw(`SELECT p::text FROM stats_providers p ORDER BY county_code, season_year, collective_id, crop, op_type, provider_id`).
		Scan(&providers).Error; err != nil {
		t.Fatal(err)
	}
	return append(rows, providers...)
}

// TestRollupsKeptWithEveryChangeMatchTheirRebuild drives contracts and operations through the services —
// activations, logging, confirmations, disputes, voids, completions, terminations — and compares the rollups
// they kept, row by row, with stats_rebuild()'s recomputation from the contracts and their lines.
func TestRollupsKeptWithEveryChangeMatchTheirRebuild(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{3, 11, 2027} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.build(t, seed, 24)
			kept := rollupRows(t, w.f)
			if len(kept) == 0 {
				t.Fatal("no rollup rows after building the world")
			}
			if err := stats.Rebuild(ctx, w.f.DB); err != nil {
				t.Fatal(err)
			}
			rebuilt := rollupRows(t, w.f)
			for _, r := range kept {
				if !slices.Contains(rebuilt, r) {
					t.Errorf("kept row %s is not in the rebuild", r)
				}
			}
			for _, r := range rebuilt {
				if !slices.Contains(kept, r) {
					t.Errorf("rebuilt row %s was not kept", r)
				}
			}
		})
	}
}
