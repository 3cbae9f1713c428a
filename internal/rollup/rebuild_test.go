package rollup_test

import (
	"cmp"
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/rollup"
)

// The rebuild writes the rollup rows in the order statistics read them: a season, crop by crop with all crops
// first, county by county, collective by collective — not in the order of the key, which puts a collective's
// crops together — and the counties' providers a season, level and crop at a time, county by county.
func TestRebuildWritesRowsInReadOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := custodytest.New(t)
	for range 3 {
		s := f.Scene(t, "ploughing", "harvesting")
		parcel := s.Parcel(t, "10.00")
		f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, parcel.ID, "10.00")},
			custodytest.Line("ploughing", 1), custodytest.Line("harvesting", 1)))
	}
	if err := f.DB.Transaction(func(tx *gorm.DB) error { return rollup.Rebuild(ctx, tx) }); err != nil {
		t.Fatal(err)
	}

	type key struct {
		County     string
		Season     int
		Crop       string
		Collective int64
		OpType     string
	}
	var rows []key
	if err := f.DB.Raw(`SELECT county_code AS county, season_year AS season, crop, collective_id AS collective, op_type
		FROM stats_rollup_collectives ORDER BY ctid`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	storedInOrder(t, "stats_rollup_collectives", rows, func(p, r key) int {
		return cmp.Or(cmp.Compare(p.Season, r.Season), cmp.Compare(p.Crop, r.Crop), cmp.Compare(p.County, r.County),
			cmp.Compare(p.Collective, r.Collective), cmp.Compare(p.OpType, r.OpType))
	})
	collectives, crops := map[int64]bool{}, map[string]bool{}
	for _, r := range rows {
		collectives[r.Collective], crops[r.Crop] = true, true
	}
	if len(collectives) != 3 || len(crops) != 2 {
		t.Fatalf("rows of %d collectives and %d crops, want 3 and 2 (all crops and the contracts' one): %+v", len(collectives), len(crops), rows)
	}

	type provider struct {
		Season       int
		OpType, Crop string
		County       string
		Provider     int64
	}
	var providers []provider
	if err := f.DB.Raw(`SELECT season_year AS season, op_type, crop, county_code AS county, provider_id AS provider
		FROM stats_providers_counties ORDER BY ctid`).Scan(&providers).Error; err != nil {
		t.Fatal(err)
	}
	storedInOrder(t, "stats_providers_counties", providers, func(p, r provider) int {
		return cmp.Or(cmp.Compare(p.Season, r.Season), cmp.Compare(p.OpType, r.OpType), cmp.Compare(p.Crop, r.Crop),
			cmp.Compare(p.County, r.County), cmp.Compare(p.Provider, r.Provider))
	})
	levels := map[string]bool{}
	for _, r := range providers {
		levels[r.OpType] = true
	}
	if len(levels) != 3 || len(providers) < 6 {
		t.Fatalf("the counties' providers: %d rows at %d levels, want the contracts' and their two lines': %+v", len(providers), len(levels), providers)
	}
}

// storedInOrder checks that rows, as they are stored, strictly increase by compare.
func storedInOrder[T any](t *testing.T, table string, rows []T, compare func(a, b T) int) {
	t.Helper()
	for i := 1; i < len(rows); i++ {
		if compare(rows[i-1], rows[i]) >= 0 {
			t.Fatalf("%s: row %d %+v is stored after %+v", table, i, rows[i], rows[i-1])
		}
	}
}
