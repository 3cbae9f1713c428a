package rollup

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/postgres"
)

// MoveActive runs through run the statements that add (sign +1: logged) or remove (sign −1: voided) the area of
// work from the totals of work not voided; a void also adds it to the voided area. The rows are locked in key order first — the delivery caps only when
// capsLocked is false (logging locked them already), the lines when there is more than one, then the
// rollups — so concurrent writers never deadlock.
func MoveActive(run func(query string, args ...any) error, work []Work, sign int64, capsLocked bool) error {
	caps := map[capKey]decimal.Decimal{}
	lines := map[lineKey]decimal.Decimal{}
	for _, op := range work {
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

// ExecIn is a statement runner over tx for MoveActive. gorm expands a slice argument into a list, so the arrays go to it
// as the PostgreSQL array types, which it passes whole.
func ExecIn(tx *gorm.DB) func(query string, args ...any) error {
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

// capKey names a delivery cap.
type capKey struct {
	county   string
	contract int64
	parcel   int64
	opType   string
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

// Confirm adds confirmed work to its service line's confirmed area and, for harvesting, yield, and every
// figure it is worth to the line's statistics rollups. It changes the service line and the rollups only: the
// contract row, which logging share-locks, is never written by an operation change, so logging and
// confirming cannot deadlock on it.
func Confirm(tx *gorm.DB, w Work) error {
	y := "0"
	if w.YieldKg != nil {
		y = w.YieldKg.String()
	}
	changes := []change{{"confirmed_area_mu", "s.area"}, {"confirmed_yield_kg", "s.yield"}}
	for _, f := range Figures {
		changes = append(changes, change{f.Column, f.Of("s.area", "s.yield")})
	}
	return tx.Exec(`WITH s AS (
			UPDATE contract_services s SET confirmed_area_mu = s.confirmed_area_mu + v.area, confirmed_yield_kg = s.confirmed_yield_kg + v.yield
			FROM (VALUES (?::numeric, ?::numeric)) AS v (area, yield) WHERE s.county_code = ? AND s.contract_id = ? AND s.op_type = ?
			RETURNING s.*, v.area, v.yield)`+rollupUpdate(changes...),
		w.AreaMu, y, w.CountyCode, w.ContractID, w.OpType).Error
}
