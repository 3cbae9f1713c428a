package operation

import (
	"fmt"
	"maps"
	"slices"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/postgres"
)

// The running totals of PRODUCT §2 are kept in the transaction of each operation change, so that statistics
// never scan operations and caps never sum them:
//   - delivery_caps.active_area_mu: area not voided per contract × parcel × operation type;
//   - contract_services: area not voided, confirmed and voided per service line, and the confirmed yield of
//     the harvesting line;
//   - stats_rollup: the same summed per collective × season × crop × operation type, with the money the
//     confirmed area is worth (migration 0005).

// moveActive adds (sign +1) or removes (sign −1, a void) the area of ops from the totals of work not voided;
// a void also adds it to the voided area. The rows are locked in key order first — the delivery caps only when
// capsLocked is false (logging locked them already), the lines and rollups only when there is more than one —
// so concurrent writers never deadlock.
func moveActive(tx *gorm.DB, ops []Operation, sign int64, capsLocked bool) error {
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
	capAreas := make(postgres.TextArray, len(capKeys))
	for i, k := range capKeys {
		capAreas[i] = caps[k].String()
	}
	if !capsLocked {
		if err := tx.Exec(`SELECT 1 FROM delivery_caps d
			JOIN unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[]) AS k (county_code, contract_id, parcel_id, op_type)
			  USING (county_code, contract_id, parcel_id, op_type)
			ORDER BY d.county_code, d.contract_id, d.parcel_id, d.op_type FOR UPDATE OF d`, counties, contracts, parcels, opTypes).Error; err != nil {
			return err
		}
	}
	lineKeys := slices.Collect(maps.Keys(lines))
	lCounties, lContracts, lOps, lAreas := make(postgres.TextArray, len(lineKeys)), make(postgres.Int64Array, len(lineKeys)), make(postgres.TextArray, len(lineKeys)), make(postgres.TextArray, len(lineKeys))
	for i, k := range lineKeys {
		lCounties[i], lContracts[i], lOps[i], lAreas[i] = k.county, k.contract, k.opType, lines[k].String()
	}
	if len(lineKeys) > 1 {
		if err := tx.Exec(`SELECT 1 FROM contract_services s
			JOIN unnest(?::text[], ?::bigint[], ?::text[]) AS k (county_code, contract_id, op_type) USING (county_code, contract_id, op_type)
			ORDER BY s.county_code, s.contract_id, s.op_type FOR UPDATE OF s`, lCounties, lContracts, lOps).Error; err != nil {
			return err
		}
		if err := tx.Exec(`SELECT 1 FROM stats_rollup r
			JOIN (SELECT DISTINCT c.county_code, c.season_year, c.collective_id, c.crop, k.op_type
			      FROM unnest(?::text[], ?::bigint[], ?::text[]) AS k (county_code, contract_id, op_type)
			      JOIN contracts c ON c.county_code = k.county_code AND c.id = k.contract_id) k
			  USING (county_code, season_year, collective_id, crop, op_type)
			ORDER BY r.county_code, r.season_year, r.collective_id, r.crop, r.op_type FOR UPDATE OF r`, lCounties, lContracts, lOps).Error; err != nil {
			return err
		}
	}
	if err := tx.Exec(`UPDATE delivery_caps d SET active_area_mu = d.active_area_mu + v.area
		FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::numeric[]) AS v (county_code, contract_id, parcel_id, op_type, area)
		WHERE d.county_code = v.county_code AND d.contract_id = v.contract_id AND d.parcel_id = v.parcel_id AND d.op_type = v.op_type`,
		counties, contracts, parcels, opTypes, capAreas).Error; err != nil {
		return fmt.Errorf("delivery caps: %w", err)
	}
	voided := "s.voided_area_mu"
	if sign < 0 {
		voided = "s.voided_area_mu - v.area"
	}
	return tx.Exec(`WITH s AS (
			UPDATE contract_services s SET active_area_mu = s.active_area_mu + v.area, voided_area_mu = `+voided+`
			FROM unnest(?::text[], ?::bigint[], ?::text[], ?::numeric[]) AS v (county_code, contract_id, op_type, area)
			WHERE s.county_code = v.county_code AND s.contract_id = v.contract_id AND s.op_type = v.op_type
			RETURNING s.county_code, s.contract_id, s.op_type, v.area)
		UPDATE stats_rollup r SET active_area_mu = r.active_area_mu + v.area
		FROM (SELECT c.county_code, c.season_year, c.collective_id, c.crop, s.op_type, sum(s.area) AS area
		      FROM s JOIN contracts c ON c.county_code = s.county_code AND c.id = s.contract_id
		      GROUP BY 1, 2, 3, 4, 5) v
		WHERE r.county_code = v.county_code AND r.season_year = v.season_year AND r.collective_id = v.collective_id
		  AND r.crop = v.crop AND r.op_type = v.op_type`,
		lCounties, lContracts, lOps, lAreas).Error
}

// capColumns splits cap keys into one array per column, for unnest.
func capColumns(ks []capKey) (counties postgres.TextArray, contracts, parcels postgres.Int64Array, ops postgres.TextArray) {
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
	return tx.Exec(`WITH v (area, yield) AS (VALUES (?::numeric, ?::numeric)), s AS (
			UPDATE contract_services s SET confirmed_area_mu = s.confirmed_area_mu + v.area, confirmed_yield_kg = s.confirmed_yield_kg + v.yield
			FROM v WHERE s.county_code = ? AND s.contract_id = ? AND s.op_type = ?
			RETURNING s.*)
		UPDATE stats_rollup r SET confirmed_area_mu = r.confirmed_area_mu + v.area,
			net_cost = r.net_cost + v.area * (s.price_per_mu - s.subsidy_per_mu),
			baseline_cost = r.baseline_cost + v.area * s.baseline_cost_per_mu,
			subsidy = r.subsidy + v.area * s.subsidy_per_mu,
			provider_revenue = r.provider_revenue + v.area * s.price_per_mu,
			confirmed_yield_kg = r.confirmed_yield_kg + v.yield,
			income_gain = r.income_gain + CASE WHEN s.op_type = 'harvesting'
				THEN (v.yield - c.baseline_yield_kg_per_mu * v.area) * c.price_per_kg ELSE 0 END
		FROM v, s JOIN contracts c ON c.county_code = s.county_code AND c.id = s.contract_id
		WHERE r.county_code = c.county_code AND r.season_year = c.season_year AND r.collective_id = c.collective_id
		  AND r.crop = c.crop AND r.op_type = s.op_type`, op.AreaMu, y, op.CountyCode, op.ContractID, op.OpType).Error
}
