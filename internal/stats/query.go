package stats

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/rollup"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Selection names the contracts an aggregate covers: those p may read, of one season, inside a region,
// optionally of one crop, in status active, completed or terminated (never draft).
type Selection struct {
	SeasonYear int
	RegionCode string // "" for everything p may read
	Crop       string
	ContractID int64 // one contract only, whatever its status and season
	// CountyCode is the county of ContractID: it names the one shard the contract's rows lie on.
	CountyCode string
}

// Grouping is how an aggregate is split.
type Grouping string

// The groupings of /stats/regions.
const (
	ByNothing    Grouping = ""
	ByTownship   Grouping = "township"
	ByCollective Grouping = "collective"
	ByCrop       Grouping = "crop"
	ByOpType     Grouping = "op_type"
)

// contractKey is the SQL of each grouping's key over the contracts table c.
var contractKey = map[Grouping]string{
	ByNothing:    "''",
	ByTownship:   "left(c.region_code, 9) || '000'",
	ByCollective: "c.collective_id::text",
	ByCrop:       "c.crop",
}

// selected returns the contracts of sel that p may read, as a query on contracts aliased c.
func selected(db *gorm.DB, p scope.Principal, sel Selection) *gorm.DB {
	q := contract.Visible(db.Table("contracts"), p)
	if sel.ContractID != 0 {
		return q.Where("contracts.county_code = ? AND contracts.id = ?", sel.CountyCode, sel.ContractID)
	}
	q = q.Where("contracts.status <> 'draft' AND contracts.season_year = ?", sel.SeasonYear)
	if sel.RegionCode != "" {
		cond, args := scope.Within("contracts", scope.Prefix(sel.RegionCode))
		q = q.Where(cond, args...)
	}
	if sel.Crop != "" {
		q = q.Where("contracts.crop = ?", sel.Crop)
	}
	return q
}

// wholeToo reports whether an aggregate split by g carries the totals of the whole selection when asked to:
// op_type groupings cannot carry them, since their contract figures are per line.
func wholeToo(g Grouping, total bool) bool { return total && g != ByNothing && g != ByOpType }

// aggregate sums the exact totals of the selected contracts, split by g: queueAggregate's figures, read at once.
func aggregate(ctx context.Context, db *gorm.DB, p scope.Principal, sel Selection, g Grouping, total bool) (map[string]*Totals, error) {
	b := &pgx.Batch{}
	out, err := queueAggregate(ctx, db, b, p, sel, g, total)
	if err != nil {
		return nil, err
	}
	return out, send(ctx, db, b)
}

// queueAggregate sums the exact totals of the selected contracts, split by g, for a caller that sends b: where
// the rollups answer (fromRollup) their statements are queued on b and the map is filled once b is sent;
// otherwise, for a provider or one contract, the figures are read from the contracts' running totals at once.
//
// With total, the totals of the whole selection come back too, under the key "": distinct farms and providers
// do not add up over groups, so they are counted again; see wholeToo.
func queueAggregate(ctx context.Context, db *gorm.DB, b *pgx.Batch, p scope.Principal, sel Selection, g Grouping, total bool) (map[string]*Totals, error) {
	total = wholeToo(g, total)
	if fromRollup(p, sel) {
		return queueRolled(b, p, sel, g, total), nil
	}
	return computed(ctx, db, p, sel, g, total)
}

// computed is aggregate from the contracts themselves: one query over contracts (areas, fees, harvests,
// counts) and one over their service lines, the contracts' query counting the whole selection again for total.
func computed(ctx context.Context, db *gorm.DB, p scope.Principal, sel Selection, g Grouping, total bool) (map[string]*Totals, error) {
	base := selected(db.WithContext(ctx), p, sel).Select("contracts.*")
	out := map[string]*Totals{}
	at := func(key string) *Totals {
		t := out[key]
		if t == nil {
			t = &Totals{ServiceAreaByOp: map[string]num.Sum{}}
			out[key] = t
		}
		return t
	}
	if g != ByOpType {
		var rows []struct {
			Key                                     string
			Contracts, Farms, Households, Providers int64
			Area, Fees                              num.Sum
		}
		counts := `count(*) AS contracts, count(DISTINCT c.farm_id) AS farms,
			count(DISTINCT c.farm_id) FILTER (WHERE c.household) AS households, count(DISTINCT c.provider_id) AS providers,
			coalesce(sum(c.contracted_area_mu), 0) AS area, coalesce(sum(c.contracted_area_mu * c.collective_fee_per_mu), 0) AS fees`
		query := grouped(fmt.Sprintf(`SELECT %s AS key, c.farm_id, c.provider_id, c.contracted_area_mu, c.collective_fee_per_mu,
				f.kind = 'household' AS household
			FROM (?) c JOIN farms f ON f.county_code = c.county_code AND f.id = c.farm_id`, contractKey[g]), counts, counts, g != ByNothing, total)
		err := db.WithContext(ctx).Raw(query, base).Find(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			t := at(r.Key)
			t.Contracts, t.Farms, t.Households, t.Providers = r.Contracts, r.Farms, r.Households, r.Providers
			t.ContractedArea, t.CollectiveIncome, t.FarmerCost = r.Area, r.Fees, r.Fees
		}
	}
	key := contractKey[g]
	if g == ByOpType {
		key = "s.op_type"
	}
	// The harvesting line carries the contract's harvested area H and yield Y; its income gain is
	// (Y − baseline yield × H) × price, and 0 when nothing was harvested.
	type line struct {
		Key, OpType                                                                            string
		Delivered, Pending, NetCost, BaselineCost, Subsidy, ProviderRevenue, Yield, IncomeGain num.Sum
	}
	var lines []line
	err := db.WithContext(ctx).Raw(fmt.Sprintf(`
		SELECT %s AS key, s.op_type,
		       coalesce(sum(s.confirmed_area_mu), 0) AS delivered, coalesce(sum(s.active_area_mu - s.confirmed_area_mu), 0) AS pending,
		       coalesce(sum(s.confirmed_yield_kg), 0) AS yield, %s
		FROM (?) c JOIN contract_services s ON s.county_code = c.county_code AND s.contract_id = c.id
		GROUP BY 1, 2`, key, rollup.Sums()), base).Find(&lines).Error
	if err != nil {
		return nil, err
	}
	add := func(t *Totals, l *line) {
		t.FarmerCost = t.FarmerCost.Add(l.NetCost)
		t.BaselineCost = t.BaselineCost.Add(l.BaselineCost)
		t.Subsidy = t.Subsidy.Add(l.Subsidy)
		t.ProviderRevenue = t.ProviderRevenue.Add(l.ProviderRevenue)
		t.ServiceArea = t.ServiceArea.Add(l.Delivered)
		t.PendingArea = t.PendingArea.Add(l.Pending)
		t.ServiceAreaByOp[l.OpType] = t.ServiceAreaByOp[l.OpType].Add(l.Delivered)
		if l.OpType == harvesting {
			t.HarvestedArea = t.HarvestedArea.Add(l.Delivered)
			t.HarvestedYield = t.HarvestedYield.Add(l.Yield)
			t.IncomeGain = t.IncomeGain.Add(l.IncomeGain)
		}
	}
	for i := range lines {
		add(at(lines[i].Key), &lines[i])
		if total {
			add(at(""), &lines[i])
		}
	}
	if g == ByOpType {
		if err := opTypeContracts(ctx, db, base, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// opTypeContracts fills the contract-level figures of op_type groups: the contracts that have a line of the
// type, their area and counts.
func opTypeContracts(ctx context.Context, db *gorm.DB, base *gorm.DB, out map[string]*Totals) error {
	var rows []struct {
		Key                                     string
		Contracts, Farms, Households, Providers int64
		Area                                    num.Sum
	}
	err := db.WithContext(ctx).Raw(`
		SELECT s.op_type AS key, count(*) AS contracts, count(DISTINCT c.farm_id) AS farms,
		       count(DISTINCT c.farm_id) FILTER (WHERE f.kind = 'household') AS households,
		       count(DISTINCT c.provider_id) AS providers, coalesce(sum(c.contracted_area_mu), 0) AS area
		FROM (?) c JOIN contract_services s ON s.county_code = c.county_code AND s.contract_id = c.id
		JOIN farms f ON f.county_code = c.county_code AND f.id = c.farm_id
		GROUP BY 1`, base).Find(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		if t := out[r.Key]; t != nil {
			t.Contracts, t.Farms, t.Households, t.Providers = r.Contracts, r.Farms, r.Households, r.Providers
			t.ContractedArea = r.Area
		}
	}
	return nil
}

// harvesting is the operation type whose line carries the harvest.
const harvesting = "harvesting"

// grouped is the SQL of the aggregate columns cols over rows, a query whose column key names each row's group,
// read as c: one row per group (byKey), or one row of everything even over no rows (!byKey, with wholeCols);
// and with total also the row of all of rows under the empty key, with wholeCols, for figures that do not add
// up over groups such as distinct counts. The rows are read once, into a materialized CTE, and aggregated
// twice by two plain GROUP BYs joined with UNION ALL rather than by GROUPING SETS, which Citus cannot run
// across shards.
func grouped(rows, cols, wholeCols string, byKey, total bool) string {
	if !byKey {
		return "SELECT '' AS key, " + wholeCols + " FROM (" + rows + ") c"
	}
	if !total {
		return "SELECT c.key, " + cols + " FROM (" + rows + ") c GROUP BY c.key"
	}
	return "WITH c AS MATERIALIZED (" + rows + ") SELECT c.key, " + cols + " FROM c GROUP BY c.key UNION ALL SELECT '', " + wholeCols + " FROM c"
}
