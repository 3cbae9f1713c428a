package operation

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/postgres"
)

// The running totals of PRODUCT §2 are kept in the transaction of each operation change, so that statistics
// never scan operations and caps never sum them:
//   - delivery_caps.active_area_mu: area not voided per contract × parcel × operation type;
//   - contract_services: area not voided, confirmed and voided per service line, and the confirmed yield of
//     the harvesting line;
//   - stats_rollup: the same summed per collective (and county) × season × crop × operation type, with the
//     money the confirmed area is worth (migration 0005).

// moveActive runs through run the statements that add (sign +1) or remove (sign −1, a void) the area of ops
// from the totals of work not voided; a void also adds it to the voided area. The rows are locked in key order first — the delivery caps only when
// capsLocked is false (logging locked them already), the lines when there is more than one, then the
// rollups — so concurrent writers never deadlock.
func moveActive(run func(query string, args ...any) error, ops []Operation, sign int64, capsLocked bool) error {
	caps := map[capKey]decimal.Decimal{}
	lines := map[lineKey]decimal.Decimal{}
	for _, op := range ops {
		a := op.AreaMu.Decimal().Mul(decimal.NewFromInt(sign))
		ck := capKey{op.CountyCode, op.ContractID, op.ParcelID, op.OpType}
		lk := lineKey{op.CountyCode, op.ContractID, op.OpType}
		caps[ck] = caps[ck].Add(a)
		lines[lk] = lines[lk].Add(a)
	}
	capKeys := slices.Collect(maps.Keys(caps))
	counties, contracts, parcels, opTypes := capColumns(capKeys)
	capAreas := make([]string, len(capKeys))
	for i, k := range capKeys {
		capAreas[i] = caps[k].String()
	}
	if !capsLocked {
		if err := run(`SELECT 1 FROM delivery_caps d
			JOIN unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[]) AS k (county_code, contract_id, parcel_id, op_type)
			  USING (county_code, contract_id, parcel_id, op_type)
			ORDER BY d.county_code, d.contract_id, d.parcel_id, d.op_type FOR UPDATE OF d`, counties, contracts, parcels, opTypes); err != nil {
			return err
		}
	}
	lineKeys := slices.Collect(maps.Keys(lines))
	lCounties, lContracts, lOps, lAreas := make([]string, len(lineKeys)), make([]int64, len(lineKeys)), make([]string, len(lineKeys)), make([]string, len(lineKeys))
	for i, k := range lineKeys {
		lCounties[i], lContracts[i], lOps[i], lAreas[i] = k.county, k.contract, k.opType, lines[k].String()
	}
	if len(lineKeys) > 1 {
		if err := run(`SELECT 1 FROM contract_services s
			JOIN unnest(?::text[], ?::bigint[], ?::text[]) AS k (county_code, contract_id, op_type) USING (county_code, contract_id, op_type)
			ORDER BY s.county_code, s.contract_id, s.op_type FOR UPDATE OF s`, lCounties, lContracts, lOps); err != nil {
			return err
		}
	}
	if err := run(`UPDATE delivery_caps d SET active_area_mu = d.active_area_mu + v.area
		FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::numeric[]) AS v (county_code, contract_id, parcel_id, op_type, area)
		WHERE d.county_code = v.county_code AND d.contract_id = v.contract_id AND d.parcel_id = v.parcel_id AND d.op_type = v.op_type`,
		counties, contracts, parcels, opTypes, capAreas); err != nil {
		return fmt.Errorf("delivery caps: %w", err)
	}
	voided := "s.voided_area_mu"
	if sign < 0 {
		voided = "s.voided_area_mu - v.area"
	}
	return run(`WITH s AS (
			UPDATE contract_services s SET active_area_mu = s.active_area_mu + v.area, voided_area_mu = `+voided+`
			FROM unnest(?::text[], ?::bigint[], ?::text[], ?::numeric[]) AS v (county_code, contract_id, op_type, area)
			WHERE s.county_code = v.county_code AND s.contract_id = v.contract_id AND s.op_type = v.op_type
			RETURNING s.county_code, s.contract_id, s.op_type, v.area)`+
		rollupUpdate(change{"active_area_mu", "s.area"}),
		lCounties, lContracts, lOps, lAreas)
}

// execIn is a statement runner over tx. gorm expands a slice argument into a list, so the arrays go to it
// as the PostgreSQL array types, which it passes whole.
func execIn(tx *gorm.DB) func(query string, args ...any) error {
	return func(query string, args ...any) error {
		for i, a := range args {
			switch a := a.(type) {
			case []string:
				args[i] = postgres.TextArray(a)
			case []int64:
				args[i] = postgres.Int64Array(a)
			}
		}
		return tx.Exec(query, args...).Error
	}
}

// change is a rollup column and the SQL of what a changed service line adds to it, over the line's CTE row s
// and its contract c.
type change struct{ column, delta string }

// rollupUpdate is the SQL that follows a CTE s of changed service lines (county_code, contract_id, op_type and
// what changes needs): it adds each line's changes to the rollup rows of its collective and its county, of
// its crop and of all crops, locking those rows in key order first, so that concurrent writers never
// deadlock on them.
func rollupUpdate(changes ...change) string {
	var deltas, sums, cols, sets []string
	for _, ch := range changes {
		deltas = append(deltas, ch.delta+" AS "+ch.column)
		sums = append(sums, "sum("+ch.column+") AS "+ch.column)
		cols = append(cols, "d."+ch.column)
		sets = append(sets, ch.column+" = r."+ch.column+" + l."+ch.column)
	}
	return `, k AS (
			SELECT c.county_code, c.season_year, l.collective_id, l.crop, s.op_type, ` + strings.Join(deltas, ", ") + `
			FROM s JOIN contracts c ON c.county_code = s.county_code AND c.id = s.contract_id,
			LATERAL (VALUES (0::bigint, ''), (0::bigint, c.crop), (c.collective_id, ''), (c.collective_id, c.crop))
			  AS l (collective_id, crop)),
		d AS (SELECT county_code, season_year, collective_id, crop, op_type, ` + strings.Join(sums, ", ") + `
			FROM k GROUP BY 1, 2, 3, 4, 5),
		l AS MATERIALIZED (
			SELECT r.county_code, r.season_year, r.collective_id, r.crop, r.op_type, ` + strings.Join(cols, ", ") + `
			FROM stats_rollup r JOIN d USING (county_code, season_year, collective_id, crop, op_type)
			ORDER BY 1, 2, 3, 4, 5 FOR UPDATE OF r)
		UPDATE stats_rollup r SET ` + strings.Join(sets, ", ") + `
		FROM l
		WHERE r.county_code = l.county_code AND r.season_year = l.season_year AND r.collective_id = l.collective_id
		  AND r.crop = l.crop AND r.op_type = l.op_type`
}

// capColumns splits cap keys into one array per column, for unnest.
func capColumns(ks []capKey) (counties []string, contracts, parcels []int64, ops []string) {
	for _, k := range ks {
		counties, contracts, parcels, ops = append(counties, k.county), append(contracts, k.contract), append(parcels, k.parcel), append(ops, k.opType)
	}
	return counties, contracts, parcels, ops
}

// lineKey names a service line.
type lineKey struct {
	county   string
	contract int64
	opType   string
}

// confirmTotals adds a confirmed operation to its service line's confirmed area and, for harvesting, yield,
// and its figures to the line's statistics rollup. It changes the service line and the rollup only: the
// contract row, which logging share-locks, is never written by an operation change, so logging and
// confirming cannot deadlock on it.
func confirmTotals(tx *gorm.DB, op Operation) error {
	y := "0"
	if op.YieldKg != nil {
		y = op.YieldKg.String()
	}
	return tx.Exec(`WITH s AS (
			UPDATE contract_services s SET confirmed_area_mu = s.confirmed_area_mu + v.area, confirmed_yield_kg = s.confirmed_yield_kg + v.yield
			FROM (VALUES (?::numeric, ?::numeric)) AS v (area, yield) WHERE s.county_code = ? AND s.contract_id = ? AND s.op_type = ?
			RETURNING s.*, v.area, v.yield)`+
		rollupUpdate(
			change{"confirmed_area_mu", "s.area"},
			change{"net_cost", "s.area * (s.price_per_mu - s.subsidy_per_mu)"},
			change{"baseline_cost", "s.area * s.baseline_cost_per_mu"},
			change{"subsidy", "s.area * s.subsidy_per_mu"},
			change{"provider_revenue", "s.area * s.price_per_mu"},
			change{"confirmed_yield_kg", "s.yield"},
			change{"income_gain", "CASE WHEN s.op_type = 'harvesting' THEN (s.yield - c.baseline_yield_kg_per_mu * s.area) * c.price_per_kg ELSE 0 END"}),
		op.AreaMu, y, op.CountyCode, op.ContractID, op.OpType).Error
}
