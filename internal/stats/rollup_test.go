package stats_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/rollup"
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
// they kept, row by row, with rollup.Rebuild's recomputation from the contracts and their lines.
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
			if err := rollup.Rebuild(ctx, w.f.DB); err != nil {
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

// TestConcurrentActivationsOfOneFarmCountItOnce activates, all at once, contracts of one farm on parcels of
// their own, with several providers: the farm is counted once in every rollup row, as rollup.Rebuild counts it, and the statistics
// show one farm.
func TestConcurrentActivationsOfOneFarmCountItOnce(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "harvesting")
	const n = 12
	drafts := make([]contract.Contract, n)
	for i := range drafts {
		p := s.Parcel(t, "5.00")
		terms := s.Terms([]contract.ParcelInput{custodytest.Area(t, p.ID, "5.00")},
			custodytest.Line("ploughing", 1), custodytest.Line("harvesting", 1))
		if i%2 == 1 {
			terms.ProviderID = f.Provider(t, "ploughing", "harvesting").ID // activations of one provider take turns
		}
		drafts[i] = f.Draft(t, terms)
	}
	var wg sync.WaitGroup
	for _, d := range drafts {
		wg.Go(func() {
			if _, err := f.Services.Contracts.Activate(ctx, f.Admin, d.ID); err != nil {
				t.Errorf("activate %d: %v", d.ID, err)
			}
		})
	}
	wg.Wait()
	kept := rollupRows(t, f)
	if err := rollup.Rebuild(ctx, f.DB); err != nil {
		t.Fatal(err)
	}
	if rebuilt := rollupRows(t, f); !slices.Equal(kept, rebuilt) {
		t.Errorf("rollups after %d concurrent activations:\n%v\nrebuilt:\n%v", n, kept, rebuilt)
	}
	rep, err := f.Services.Stats.Region(ctx, f.Admin, stats.Selection{SeasonYear: f.Today.Year(), RegionCode: s.Village}, stats.ByOpType)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Contracts != n || rep.Totals.Farms != 1 || rep.Totals.Households != 1 || rep.Totals.Providers != n/2+1 {
		t.Errorf("village totals: %d contracts, %d farms, %d households, %d providers; want %d, 1, 1, %d",
			rep.Totals.Contracts, rep.Totals.Farms, rep.Totals.Households, rep.Totals.Providers, n, n/2+1)
	}
	for _, g := range rep.Groups {
		if g.Totals.Farms != 1 || g.Totals.Contracts != n {
			t.Errorf("%s: %d contracts, %d farms; want %d and 1", g.Key, g.Totals.Contracts, g.Totals.Farms, n)
		}
	}
}
