package stats

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// fromRollup reports whether aggregate can answer from the rollups: they are kept per collective, so they
// serve every scope but a provider's, whose figures cover its own contracts only, and any selection but one
// contract.
func fromRollup(p scope.Principal, sel Selection) bool {
	return sel.ContractID == 0 && p.Role != scope.Provider
}

// countyLevel reports whether the counties' rollup rows answer: when neither p's scope nor the selected region
// lies inside a county and the groups are not townships or collectives.
func countyLevel(p scope.Principal, sel Selection, g Grouping) bool {
	switch {
	case g == ByTownship || g == ByCollective:
		return false
	case p.Role == scope.Bureau && len(p.RegionPrefix()) > 6:
		return false
	case p.Role != scope.Admin && p.Role != scope.Bureau:
		return false
	}
	return sel.RegionCode == "" || len(scope.Prefix(sel.RegionCode)) <= 6
}

// rollupWhere is the condition and arguments that narrow the rollup rows, aliased c, to sel within p's scope,
// at the counties' level or the collectives', and the crops' rows or those of all crops.
func rollupWhere(p scope.Principal, sel Selection, counties, allCrops bool) (string, []any) {
	cond, args := "c.season_year = ? AND c.collective_id >= 1", []any{sel.SeasonYear}
	if counties {
		cond = "c.season_year = ? AND c.collective_id = 0"
	}
	if allCrops {
		cond += " AND c.crop = ''"
	} else {
		cond += " AND c.crop <> ''"
	}
	and := func(c string, a ...any) {
		cond, args = cond+" AND "+c, append(args, a...)
	}
	switch p.Role {
	case scope.Bureau:
		c, a := scope.Within("c", p.RegionPrefix())
		and(c, a...)
	case scope.Collective:
		c, a := scope.OfCollective("c", "collective_id", p)
		and(c, a...)
	case scope.Admin:
	default:
		and("false")
	}
	if sel.RegionCode != "" {
		c, a := scope.Within("c", scope.Prefix(sel.RegionCode))
		and(c, a...)
	}
	if sel.Crop != "" {
		and("c.crop = ?", sel.Crop)
	}
	return cond, args
}

// rollupColumns are the figures of stats_rollup that queueRolled reads, in the order of its row: rollupCounts
// integers, then the numeric figures.
var rollupColumns = []string{"contracts", "farms", "households", "first_farms", "first_households", "contracted_area_mu",
	"collective_income", "active_area_mu", "confirmed_area_mu", "net_cost", "baseline_cost", "subsidy", "provider_revenue",
	"confirmed_yield_kg", "income_gain"}

const rollupCounts = 5

// queueRolled queues on b the statements of aggregate, with its arguments, read from the rollups of migration 0005 — the
// counties' rows when they suffice, the collectives' otherwise: one query over stats_rollup (the contracts'
// rows and their lines' rows) and one counting the distinct providers of stats_providers. The map it returns
// is filled as b's results are read. Without a crop to select or group by, the rows of all crops answer,
// their farms counted once across crops; the total of a grouping by crop counts each farm under the crop of
// its first contract. Every figure of the rollups adds up over groups, so the total of the whole selection
// is the exact sum of its groups' rows; only the distinct providers are counted again.
func queueRolled(b *pgx.Batch, p scope.Principal, sel Selection, g Grouping, total bool) map[string]*Totals {
	allCrops := sel.Crop == "" && g != ByCrop
	where, args := rollupWhere(p, sel, countyLevel(p, sel, g), allCrops)
	key, level := contractKey[g], ""
	if g == ByOpType {
		key, level = "c.op_type", "c.op_type <> '' AND "
	}
	// A collective's rows of all crops are one per operation type: grouped by collective, there is nothing
	// for the database to add up.
	unique := g == ByCollective && allCrops
	cols := make([]string, len(rollupColumns))
	for i, col := range rollupColumns {
		cols[i] = "c." + col
		if !unique {
			cols[i] = "sum(" + cols[i] + ")"
		}
	}
	query := `SELECT ` + key + `, c.op_type, ` + strings.Join(cols, ", ") + ` FROM stats_rollup c WHERE ` + level + where
	if !unique {
		query += ` GROUP BY 1, 2`
	}
	type row struct {
		Key, OpType                                                                       string
		Contracts, Farms, Households, FirstFarms, FirstHouseholds                         int64
		Area, Income, Active, Confirmed, NetCost, Baseline, Subsidy, Revenue, Yield, Gain num.Sum
	}
	out := map[string]*Totals{}
	at := func(key string) *Totals {
		t := out[key]
		if t == nil {
			t = &Totals{ServiceAreaByOp: map[string]num.Sum{}}
			out[key] = t
		}
		return t
	}
	// add adds row r into t.
	add := func(t *Totals, r *row) {
		if r.OpType == "" || g == ByOpType {
			t.Contracts, t.Farms, t.Households = t.Contracts+r.Contracts, t.Farms+r.Farms, t.Households+r.Households
			t.ContractedArea, t.CollectiveIncome = t.ContractedArea.Add(r.Area), t.CollectiveIncome.Add(r.Income)
			t.FarmerCost = t.FarmerCost.Add(r.Income)
		}
		if r.OpType == "" {
			return
		}
		t.FarmerCost = t.FarmerCost.Add(r.NetCost)
		t.BaselineCost = t.BaselineCost.Add(r.Baseline)
		t.Subsidy = t.Subsidy.Add(r.Subsidy)
		t.ProviderRevenue = t.ProviderRevenue.Add(r.Revenue)
		t.ServiceArea = t.ServiceArea.Add(r.Confirmed)
		t.PendingArea = t.PendingArea.Add(r.Active.Sub(r.Confirmed))
		t.ServiceAreaByOp[r.OpType] = t.ServiceAreaByOp[r.OpType].Add(r.Confirmed)
		if r.OpType == harvesting {
			t.HarvestedArea = t.HarvestedArea.Add(r.Confirmed)
			t.HarvestedYield = t.HarvestedYield.Add(r.Yield)
			t.IncomeGain = t.IncomeGain.Add(r.Gain)
		}
	}
	// Each row is added to its totals as it arrives, scanned by hand: gorm's reflection cost more than the
	// query over a county's collectives.
	b.Queue(postgres.Numbered(query), args...).Query(func(rows pgx.Rows) error {
		var r row
		var firstFarms, firstHouseholds int64 // of the whole selection, with each farm under its first contract's crop
		// The numeric figures are read by num.Sum from their text as it came (postgres.Open has numerics sent
		// as text), without a string for each.
		dest := []any{&r.Key, &r.OpType, &r.Contracts, &r.Farms, &r.Households, &r.FirstFarms, &r.FirstHouseholds}
		figures := []*num.Sum{&r.Area, &r.Income, &r.Active, &r.Confirmed, &r.NetCost, &r.Baseline, &r.Subsidy, &r.Revenue, &r.Yield, &r.Gain}
		dest = append(dest, make([]any, len(figures))...)
		fields := rows.FieldDescriptions()[len(dest)-len(figures):]
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			raw := rows.RawValues()[len(dest)-len(figures):]
			for i, f := range figures {
				if err := f.ScanBytes(raw[i]); err != nil {
					return fmt.Errorf("%s: %w", fields[i].Name, err)
				}
			}
			add(at(r.Key), &r)
			if r.OpType == "" {
				firstFarms, firstHouseholds = firstFarms+r.FirstFarms, firstHouseholds+r.FirstHouseholds
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if total && len(out) > 0 {
			whole := &Totals{ServiceAreaByOp: map[string]num.Sum{}}
			for _, t := range out {
				whole.add(*t)
				whole.Contracts, whole.Farms, whole.Households = whole.Contracts+t.Contracts, whole.Farms+t.Farms, whole.Households+t.Households
			}
			if g == ByCrop {
				whole.Farms, whole.Households = firstFarms, firstHouseholds
			}
			out[""] = whole
		}
		return nil
	})
	level = "c.op_type = '' AND "
	if g == ByOpType {
		level = "c.op_type <> '' AND "
	}
	// A collective's rows of one crop and level name each of its providers once (their key ends in the
	// provider), so its count needs no DISTINCT, which sorted every collective's providers; the whole
	// selection's does, a provider working for several collectives.
	distinct := "count(DISTINCT c.provider_id) AS providers"
	perGroup := distinct
	if g == ByCollective {
		perGroup = "count(*) AS providers"
	}
	providers := grouped(`SELECT `+key+` AS key, c.provider_id FROM stats_providers c WHERE `+level+where,
		perGroup, distinct, g != ByNothing, total)
	b.Queue(postgres.Numbered(providers), args...).Query(func(rows pgx.Rows) error {
		var key string
		var n int64
		_, err := pgx.ForEachRow(rows, []any{&key, &n}, func() error {
			if t := out[key]; t != nil {
				t.Providers = n
			}
			return nil
		})
		return err
	})
	return out
}

// send runs the statements queued on b in one round trip on a connection of db, under generic plans
// (postgres.SendGeneric): each reads rollup rows, a region, collectives or weights through an index by the
// leading columns of its key, and planning them anew for every request cost more than running them.
func send(ctx context.Context, db *gorm.DB, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	pool, err := db.DB()
	if err != nil {
		return err
	}
	return postgres.SendGeneric(ctx, pool, b)
}
