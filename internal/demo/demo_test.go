package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/geo"
	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/internal/services"
)

var smallScale = decimal.RequireFromString("0.025")

// TestFullPlan checks the full county without a database: the county's figures, and that every identifier
// the data set carries passes the checks the services make.
func TestFullPlan(t *testing.T) {
	t.Parallel()
	today := calendar.Today(time.Now())
	p := newPlan(DefaultSeed, decimal.NewFromInt(1), today)
	s := p.summary()
	if s.FamilyFarms != 936 || s.FamilyFarmAreaMu.StringFixed(2) != "228500.00" {
		t.Fatalf("family farms: %d on %s mu; want 936 on 228500.00", s.FamilyFarms, s.FamilyFarmAreaMu.StringFixed(2))
	}
	if s.Villages != 50 || s.Townships != 7 || s.Providers != 40 || s.Households < 2000 || s.Households > 3000 {
		t.Errorf("shape: %d villages, %d townships, %d providers, %d households", s.Villages, s.Townships, s.Providers, s.Households)
	}
	if perMu := s.Seasons[2026].BenefitPerMu; perMu.Sub(decimal.NewFromInt(180)).Abs().GreaterThan(decimal.NewFromInt(1)) {
		t.Errorf("2026 benefit per mu = %s; want about 180", perMu.StringFixed(2))
	}
	for _, season := range []int{2025, 2026} {
		if k := p.figures[season].YieldFactor; k.LessThan(decimal.RequireFromString("0.8")) || k.GreaterThan(decimal.RequireFromString("1.6")) {
			t.Errorf("season %d: the yield gains had to be stretched by %s to reach the target", season, k.StringFixed(2))
		}
	}
	if s.MismatchParcels == 0 || s.Contracts["terminated"] == 0 || s.Operations["disputed"] == 0 || s.Operations["voided"] == 0 {
		t.Errorf("the data set lacks the troubles it should show: %+v %+v %d", s.Contracts, s.Operations, s.MismatchParcels)
	}
	now := time.Now()
	for _, v := range p.villages {
		if err := ident.ValidCreditCode(v.collective.creditCode); err != nil {
			t.Errorf("%s: %v", v.collective.name, err)
		}
		for _, f := range v.farms {
			if err := ident.ValidIDNumber(f.operator.idNumber, now); err != nil || !strings.HasPrefix(f.operator.idNumber, "610631") {
				t.Errorf("%s: ID number %s: %v", f.name, f.operator.idNumber, err)
			}
			if err := ident.ValidPhone(f.operator.phone); err != nil || len(f.operator.phone) != 11 {
				t.Errorf("%s: phone %s: %v", f.name, f.operator.phone, err)
			}
			if f.kind == "family_farm" && (f.areaCents < minFarmCents || f.areaCents > maxFarmCents) {
				t.Errorf("%s operates %s mu", f.name, centsText(f.areaCents))
			}
			if f.kind == "household" && (len(f.parcels) < 1 || len(f.parcels) > 4) {
				t.Errorf("%s has %d parcels", f.name, len(f.parcels))
			}
			for _, pc := range f.parcels {
				if f.kind == "household" && (pc.areaCents < 1_00 || pc.areaCents > 15_00) {
					t.Errorf("%s: parcel of %s mu", f.name, centsText(pc.areaCents))
				}
				if pc.boundary == nil {
					continue
				}
				b, err := geo.ParseBoundary(pc.boundary)
				if err != nil {
					t.Fatalf("%s: boundary: %v", f.name, err)
				}
				c := b.Centroid()
				if c.Lat < 35.2 || c.Lat > 36 || c.Lon < 109.4 || c.Lon > 110.3 {
					t.Errorf("%s: parcel at %v, not in Huanglong", f.name, c)
				}
				if got := geo.AreaMismatch(decimal.New(pc.areaCents, -2), b.AreaMu()); got != pc.mismatch {
					t.Errorf("%s: parcel of %s mu measured %s: mismatch %v, want %v", f.name, centsText(pc.areaCents), b.AreaMu(), got, pc.mismatch)
				}
			}
		}
		for _, c := range v.contracts {
			for _, o := range c.ops {
				if o.date.After(today) || o.date.Before(c.start) || o.date.After(c.end) {
					t.Errorf("%s: %s on %s outside %s … %s (today %s)", c.farm.name, o.op, o.date, c.start, c.end, today)
				}
			}
		}
	}
	for _, pr := range p.providers {
		if pr.creditCode != nil {
			if err := ident.ValidCreditCode(*pr.creditCode); err != nil {
				t.Errorf("%s: %v", pr.def.name, err)
			}
		} else if pr.def.kind != "individual" {
			t.Errorf("%s has no credit code", pr.def.name)
		}
	}
	if again := newPlan(DefaultSeed, decimal.NewFromInt(1), today).summary(); again.String() != s.String() {
		t.Errorf("the same seed planned another data set:\n%s\n%s", s, again)
	}
}

// TestLoadSmall loads a small county twice with the same seed, each into a database of its own, and checks
// what the services wrote.
func TestLoadSmall(t *testing.T) {
	t.Parallel()
	type loaded struct {
		db  *postgres.DB
		sum Summary
	}
	var runs [2]loaded
	var wg sync.WaitGroup
	var errs [2]error
	for i := range runs {
		db := pgtest.New(t)
		runs[i].db = db
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := newServices(t, db)
			ctx := context.Background()
			if empty, err := Empty(ctx, svc); err != nil || !empty {
				errs[i] = fmt.Errorf("a fresh database is not empty: %v, %v", empty, err)
				return
			}
			runs[i].sum, errs[i] = Load(ctx, svc, Options{Seed: 7, Scale: smallScale, Workers: 8, AdminPassword: "demo-admin-password"})
			if errs[i] != nil {
				return
			}
			if _, err := Load(ctx, svc, Options{Seed: 7, Scale: smallScale}); !errors.Is(err, ErrNotEmpty) {
				errs[i] = fmt.Errorf("a second load answered %v; want ErrNotEmpty", err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := runs[0].sum
	t.Logf("\n%s", s)

	// The county shrunk in proportion: family farms and their area scale exactly.
	wantFarms := int(decimal.NewFromInt(fullFamilyFarms).Mul(smallScale).Round(0).IntPart())
	wantArea := decimal.New(fullFamilyAreaCent, -2).Mul(smallScale).StringFixed(2)
	db := runs[0].db
	n := count(t, db, "SELECT count(*) FROM farms WHERE kind = 'family_farm'")
	area := text(t, db, "SELECT sum(operated_area_mu)::text FROM farms WHERE kind = 'family_farm'")
	if n != wantFarms || area != wantArea || s.FamilyFarms != n || s.FamilyFarmAreaMu.StringFixed(2) != area {
		t.Errorf("family farms: %d on %s mu (summary %d on %s); want %d on %s", n, area, s.FamilyFarms,
			s.FamilyFarmAreaMu.StringFixed(2), wantFarms, wantArea)
	}
	checks := []struct {
		query string
		want  int
	}{
		{"SELECT count(*) FROM farms WHERE kind = 'household'", int(decimal.NewFromInt(fullHouseholds).Mul(smallScale).Round(0).IntPart())},
		{"SELECT count(*) FROM collectives", len(townships)},
		{"SELECT count(*) FROM regions WHERE level = 'township'", len(townships)},
		{"SELECT count(*) FROM providers", len(providers)},
		{"SELECT count(*) FROM providers WHERE status = 'suspended'", 1},
		{"SELECT count(*) FROM parcels", s.Parcels},
		{"SELECT count(*) FROM parcels WHERE area_mismatch", s.MismatchParcels},
		{"SELECT count(*) FROM contracts WHERE status = 'completed'", s.Contracts["completed"]},
		{"SELECT count(*) FROM contracts WHERE status = 'active'", s.Contracts["active"]},
		{"SELECT count(*) FROM contracts WHERE status = 'terminated'", s.Contracts["terminated"]},
		{"SELECT count(*) FROM operations WHERE status = 'confirmed'", s.Operations["confirmed"]},
		{"SELECT count(*) FROM operations WHERE status = 'recorded'", s.Operations["recorded"]},
		{"SELECT count(*) FROM operations WHERE status = 'voided'", s.Operations["voided"]},
		{"SELECT count(*) FROM users", 1 + len(demoAccounts)},
		{"SELECT count(*) FROM operations WHERE op_date > CURRENT_DATE + 1", 0},
		// The subsidy cycle: both seasons' policies, the first season settled and paid for every provider with
		// confirmed work, the second's in draft for every provider, and a field sample with some measured short.
		{"SELECT count(*) FROM subsidy_policies", 2},
		{"SELECT count(*) FROM settlements WHERE season_year = 2026 AND status = 'draft'", len(providers)},
		{"SELECT count(*) FROM settlements WHERE season_year = 2025 AND status = 'paid'",
			count(t, db, "SELECT count(DISTINCT provider_id) FROM operations WHERE season_year = 2025 AND status = 'confirmed'")},
		{"SELECT count(*) FROM verification_items WHERE verified_area_mu < area_mu", count(t, db, "SELECT (count(*) + 4) / 9 FROM verification_items")},
	}
	for _, c := range checks {
		if n := count(t, db, c.query); n != c.want {
			t.Errorf("%s = %d; want %d", c.query, n, c.want)
		}
	}
	if s.Contracts["completed"] == 0 || s.Operations["confirmed"] == 0 {
		t.Errorf("nothing was done: %+v %+v", s.Contracts, s.Operations)
	}

	// The 2026 benefit per mu, computed from the tables as docs/figures.md defines it, is the calibrated one.
	for season, f := range s.Seasons {
		perMu := text(t, db, benefitSQL, season)
		if perMu != f.BenefitPerMu.StringFixed(2) {
			t.Errorf("season %d: benefit per mu %s in the database, %s planned", season, perMu, f.BenefitPerMu.StringFixed(2))
		}
		if got, _ := decimal.RequireFromString(perMu).Float64(); season == 2026 && (got < 170 || got > 190) {
			t.Errorf("2026 benefit per mu = %s; want 170–190", perMu)
		}
	}

	// The same seed wrote the same rows.
	for _, q := range []string{
		"SELECT count(*)::text FROM farms", "SELECT sum(operated_area_mu)::text FROM farms",
		"SELECT count(*)::text FROM parcels", "SELECT sum(area_mu)::text FROM parcels",
		"SELECT count(*)::text FROM contracts", "SELECT count(*)::text FROM operations",
		"SELECT sum(yield_kg)::text FROM operations WHERE status <> 'voided'",
		"SELECT md5(string_agg(name || '/' || operator_name || '/' || id_number_mask, ',' ORDER BY name, operator_name, id_number_mask)) FROM farms",
	} {
		if a, b := text(t, runs[0].db, q), text(t, runs[1].db, q); a != b {
			t.Errorf("%s: %s in one load, %s in the other", q, a, b)
		}
	}
}

// benefitSQL is the county's benefit per mu of a season, straight from the tables.
const benefitSQL = `
WITH lines AS (
	SELECT county_code, contract_id,
		sum(confirmed_area_mu * (price_per_mu - subsidy_per_mu)) AS service_cost,
		sum(confirmed_area_mu * baseline_cost_per_mu) AS baseline_cost,
		coalesce(sum(confirmed_area_mu) FILTER (WHERE op_type = 'harvesting'), 0) AS h,
		coalesce(sum(confirmed_yield_kg) FILTER (WHERE op_type = 'harvesting'), 0) AS y
	FROM contract_services GROUP BY county_code, contract_id
)
SELECT round(sum(l.baseline_cost - l.service_cost - c.contracted_area_mu * c.collective_fee_per_mu
		+ CASE WHEN l.h = 0 THEN 0 ELSE (l.y - c.baseline_yield_kg_per_mu * l.h) * c.price_per_kg END)
	/ sum(c.contracted_area_mu), 2)::text
FROM contracts c JOIN lines l ON l.county_code = c.county_code AND l.contract_id = c.id
WHERE c.season_year = $1 AND c.status IN ('active', 'completed', 'terminated')`

func newServices(t *testing.T, db *postgres.DB) services.Services {
	keys, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Error(err)
	}
	return services.New(db, keys, account.Config{Hash: account.HashParams{MemoryKiB: 64, Time: 1, Threads: 1}})
}

func text(t *testing.T, db *postgres.DB, query string, args ...any) string {
	t.Helper()
	var v string
	if err := db.SQL.QueryRow(query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

func count(t *testing.T, db *postgres.DB, query string) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
