package stats

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

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
// at the counties' level or the collectives'.
func rollupWhere(p scope.Principal, sel Selection, counties bool) (string, []any) {
	cond, args := "c.season_year = ? AND c.collective_id <> 0", []any{sel.SeasonYear}
	if counties {
		cond = "c.season_year = ? AND c.collective_id = 0"
	}
	and := func(c string, a ...any) {
		cond, args = cond+" AND "+c, append(args, a...)
	}
	switch p.Role {
	case scope.Bureau:
		c, a := scope.Within("c", p.RegionPrefix())
		and(c, a...)
	case scope.Collective:
		and("c.collective_id = ?", p.CollectiveID)
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

// rolled is aggregate read from the rollups of migration 0005 — the counties' rows when they suffice, the
// collectives' otherwise: one query over stats_rollup (the contracts' rows and their lines' rows) and one
// counting the distinct providers of stats_providers. Farms are counted
// per crop in a selection or a group of one crop, and once across crops otherwise.
func rolled(ctx context.Context, db *gorm.DB, p scope.Principal, sel Selection, g Grouping, total bool) (map[string]*Totals, error) {
	where, args := rollupWhere(p, sel, countyLevel(p, sel, g))
	key, groups, level := keyColumn(g, total), groupBy(g, total, "c.op_type"), ""
	if g == ByOpType {
		key, groups, level = "c.op_type", "c.op_type", "c.op_type <> '' AND "
	}
	farms, households := "sum(c.first_farms)", "sum(c.first_households)"
	switch {
	case sel.Crop != "" || g == ByCrop && !total:
		farms, households = "sum(c.farms)", "sum(c.households)"
	case g == ByCrop:
		farms = "CASE WHEN GROUPING(c.crop) = 1 THEN sum(c.first_farms) ELSE sum(c.farms) END"
		households = "CASE WHEN GROUPING(c.crop) = 1 THEN sum(c.first_households) ELSE sum(c.households) END"
	}
	var rows []struct {
		Key, OpType                                                                       string
		Contracts, Farms, Households                                                      int64
		Area, Income, Active, Confirmed, NetCost, Baseline, Subsidy, Revenue, Yield, Gain decimal.Decimal
	}
	err := db.WithContext(ctx).Raw(fmt.Sprintf(`
		SELECT %s AS key, c.op_type, sum(c.contracts) AS contracts, %s AS farms, %s AS households,
		       sum(c.contracted_area_mu) AS area, sum(c.collective_income) AS income,
		       sum(c.active_area_mu) AS active, sum(c.confirmed_area_mu) AS confirmed, sum(c.net_cost) AS net_cost,
		       sum(c.baseline_cost) AS baseline, sum(c.subsidy) AS subsidy, sum(c.provider_revenue) AS revenue,
		       sum(c.confirmed_yield_kg) AS yield, sum(c.income_gain) AS gain
		FROM stats_rollup c WHERE %s%s
		GROUP BY %s`, key, farms, households, level, where, groups), args...).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[string]*Totals{}
	at := func(key string) *Totals {
		t := out[key]
		if t == nil {
			t = &Totals{ServiceAreaByOp: map[string]decimal.Decimal{}}
			out[key] = t
		}
		return t
	}
	for _, r := range rows {
		t := at(r.Key)
		if r.OpType == "" || g == ByOpType {
			t.Contracts, t.Farms, t.Households, t.ContractedArea = r.Contracts, r.Farms, r.Households, r.Area
			t.CollectiveIncome, t.FarmerCost = r.Income, t.FarmerCost.Add(r.Income)
		}
		if r.OpType == "" {
			continue
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
	var providers []struct {
		Key       string
		Providers int64
	}
	level, groups = "c.op_type = '' AND ", groupBy(g, total, "")
	if g == ByOpType {
		level, groups = "c.op_type <> '' AND ", "c.op_type"
	}
	err = db.WithContext(ctx).Raw(fmt.Sprintf(`SELECT %s AS key, count(DISTINCT c.provider_id) AS providers
		FROM stats_providers c WHERE %s%s GROUP BY %s`, key, level, where, groups), args...).Find(&providers).Error
	if err != nil {
		return nil, err
	}
	for _, r := range providers {
		if t := out[r.Key]; t != nil {
			t.Providers = r.Providers
		}
	}
	return out, nil
}

// Rebuild recomputes the rollups from the contracts and their service lines, for data loaded in bulk past
// the services. It holds the rollups' rows locked until tx ends; writers wait.
func Rebuild(ctx context.Context, tx *gorm.DB) error {
	return tx.WithContext(ctx).Exec("SELECT stats_rebuild()").Error
}
