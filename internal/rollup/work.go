package rollup

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/postgres"
)

// LockCaps is the statement that locks delivery caps of one county in key order, the order every writer of
// them takes, and reads each one's contract, parcel, operation type, cap and area not voided (as text). Its
// arguments are the caps' contract ids, parcel ids and operation types, as three arrays, and the county,
// which it names so that it runs on the one shard that holds the county's caps.
const LockCaps = `SELECT d.contract_id, d.parcel_id, d.op_type, d.cap_area_mu::text, d.active_area_mu::text FROM delivery_caps d
	JOIN unnest(?::bigint[], ?::bigint[], ?::text[]) AS k (contract_id, parcel_id, op_type) USING (contract_id, parcel_id, op_type)
	WHERE d.county_code = ? ORDER BY d.contract_id, d.parcel_id, d.op_type FOR UPDATE OF d`

// MoveActive runs through run the statements that add (sign +1: logged) or remove (sign −1: voided) the area of
// work from the totals of work not voided; a void also adds it to the voided area. The rows are locked in key
// order first — the delivery caps only when capsLocked is false (logging locked them already), the lines when
// there is more than one, then the rollups — so concurrent writers never deadlock. Every statement names one
// county, the key the totals are distributed by, so that each runs on the one shard that holds that county's
// rows: work that spans counties takes a statement per county and step, in county order, which is the first
// column of every key order.
func MoveActive(run func(query string, args ...any) error, work []Work, sign int64, capsLocked bool) error {
	counties := byCounty(work, sign)
	if !capsLocked {
		for _, c := range counties {
			if err := run(LockCaps, c.capContracts, c.capParcels, c.capOps, c.county); err != nil {
				return err
			}
		}
	}
	if err := lockLines(run, counties); err != nil {
		return err
	}
	for _, c := range counties {
		if err := c.move(run, sign); err != nil {
			return err
		}
	}
	return nil
}

// lockLines locks the service lines of counties in key order, county by county, when there is more than
// one: the update of a single line locks it alone.
func lockLines(run func(query string, args ...any) error, counties []countyWork) error {
	lines := 0
	for _, c := range counties {
		lines += len(c.lineContracts)
	}
	if lines == 1 {
		return nil
	}
	for _, c := range counties {
		if err := run(`SELECT 1 FROM contract_services s
			JOIN unnest(?::bigint[], ?::text[]) AS k (contract_id, op_type) USING (contract_id, op_type)
			WHERE s.county_code = ? ORDER BY s.contract_id, s.op_type FOR UPDATE OF s`, c.lineContracts, c.lineOps, c.county); err != nil {
			return err
		}
	}
	return nil
}

// move adds c's areas to its delivery caps, its service lines (and, for a void, their voided area) and
// their rollups, with statements that name c's county.
func (c countyWork) move(run func(query string, args ...any) error, sign int64) error {
	if err := run(`UPDATE delivery_caps d SET active_area_mu = d.active_area_mu + v.area
		FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::numeric[]) AS v (contract_id, parcel_id, op_type, area)
		WHERE d.county_code = ? AND d.contract_id = v.contract_id AND d.parcel_id = v.parcel_id AND d.op_type = v.op_type`,
		c.capContracts, c.capParcels, c.capOps, c.capAreas, c.county); err != nil {
		return fmt.Errorf("delivery caps: %w", err)
	}
	voided := "s.voided_area_mu"
	if sign < 0 {
		voided = "s.voided_area_mu - v.area"
	}
	totals, args := rollupUpdate(c.county, change{"active_area_mu", "s.area"})
	return run(`WITH s AS (
			UPDATE contract_services s SET active_area_mu = s.active_area_mu + v.area, voided_area_mu = `+voided+`
			FROM unnest(?::bigint[], ?::text[], ?::numeric[]) AS v (contract_id, op_type, area)
			WHERE s.county_code = ? AND s.contract_id = v.contract_id AND s.op_type = v.op_type
			RETURNING s.county_code, s.contract_id, s.op_type, v.area)`+totals,
		append([]any{c.lineContracts, c.lineOps, c.lineAreas, c.county}, args...)...)
}

// countyWork is the work of one county summed per delivery cap and per service line, one array per column,
// each in key order.
type countyWork struct {
	county                   string
	capContracts, capParcels []int64
	capOps, capAreas         []string
	lineContracts            []int64
	lineOps, lineAreas       []string
}

// byCounty sums work, times sign, per delivery cap and service line of each county, the counties in order.
func byCounty(work []Work, sign int64) []countyWork {
	caps := map[capKey]decimal.Decimal{}
	lines := map[lineKey]decimal.Decimal{}
	for _, op := range work {
		a := op.AreaMu.Decimal().Mul(decimal.NewFromInt(sign))
		ck := capKey{op.CountyCode, op.ContractID, op.ParcelID, op.OpType}
		lk := lineKey{op.CountyCode, op.ContractID, op.OpType}
		caps[ck] = caps[ck].Add(a)
		lines[lk] = lines[lk].Add(a)
	}
	var out []countyWork
	at := func(county string) *countyWork {
		if len(out) == 0 || out[len(out)-1].county != county {
			out = append(out, countyWork{county: county})
		}
		return &out[len(out)-1]
	}
	for _, k := range slices.SortedFunc(maps.Keys(caps), capKey.compare) {
		c := at(k.county)
		c.capContracts, c.capParcels = append(c.capContracts, k.contract), append(c.capParcels, k.parcel)
		c.capOps, c.capAreas = append(c.capOps, k.opType), append(c.capAreas, caps[k].String())
	}
	i := 0
	for _, k := range slices.SortedFunc(maps.Keys(lines), lineKey.compare) {
		for out[i].county != k.county {
			i++
		}
		c := &out[i]
		c.lineContracts, c.lineOps, c.lineAreas = append(c.lineContracts, k.contract), append(c.lineOps, k.opType), append(c.lineAreas, lines[k].String())
	}
	return out
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

// rollupUpdate is the SQL, and its arguments, that follows a CTE s of changed service lines of county
// (county_code, contract_id, op_type and what changes needs): it adds each line's changes to the rollup rows
// of its collective and its county, of its crop and of all crops, locking those rows in key order first, so
// that concurrent writers never deadlock on them. Each table it reads names county, so that the statement
// runs on the one shard that holds the county's rows.
func rollupUpdate(county string, changes ...change) (string, []any) {
	var deltas, sums, cols, sets []string
	for _, ch := range changes {
		deltas = append(deltas, ch.delta+" AS "+ch.column)
		sums = append(sums, "sum("+ch.column+") AS "+ch.column)
		cols = append(cols, "d."+ch.column)
		sets = append(sets, ch.column+" = r."+ch.column+" + l."+ch.column)
	}
	return `, k AS (
			SELECT c.county_code, c.season_year, l.collective_id, l.crop, s.op_type, ` + strings.Join(deltas, ", ") + `
			FROM s JOIN contracts c ON c.county_code = ? AND c.id = s.contract_id,
			LATERAL (VALUES (0::bigint, ''), (0::bigint, c.crop), (c.collective_id, ''), (c.collective_id, c.crop))
			  AS l (collective_id, crop)),
		d AS (SELECT county_code, season_year, collective_id, crop, op_type, ` + strings.Join(sums, ", ") + `
			FROM k GROUP BY 1, 2, 3, 4, 5),
		l AS MATERIALIZED (
			SELECT r.county_code, r.season_year, r.collective_id, r.crop, r.op_type, ` + strings.Join(cols, ", ") + `
			FROM stats_rollup r JOIN d USING (county_code, season_year, collective_id, crop, op_type)
			WHERE r.county_code = ?
			ORDER BY 1, 2, 3, 4, 5 FOR UPDATE OF r)
		UPDATE stats_rollup r SET ` + strings.Join(sets, ", ") + `
		FROM l
		WHERE r.county_code = ? AND r.county_code = l.county_code AND r.season_year = l.season_year
		  AND r.collective_id = l.collective_id AND r.crop = l.crop AND r.op_type = l.op_type`, []any{county, county, county}
}

// capKey names a delivery cap.
type capKey struct {
	county   string
	contract int64
	parcel   int64
	opType   string
}

// compare orders cap keys by their columns.
func (k capKey) compare(o capKey) int {
	return cmp.Or(strings.Compare(k.county, o.county), cmp.Compare(k.contract, o.contract), cmp.Compare(k.parcel, o.parcel),
		strings.Compare(k.opType, o.opType))
}

// lineKey names a service line.
type lineKey struct {
	county   string
	contract int64
	opType   string
}

// compare orders line keys by their columns.
func (k lineKey) compare(o lineKey) int {
	return cmp.Or(strings.Compare(k.county, o.county), cmp.Compare(k.contract, o.contract), strings.Compare(k.opType, o.opType))
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
	totals, args := rollupUpdate(w.CountyCode, changes...)
	return tx.Exec(`WITH s AS (
			UPDATE contract_services s SET confirmed_area_mu = s.confirmed_area_mu + v.area, confirmed_yield_kg = s.confirmed_yield_kg + v.yield
			FROM (VALUES (?::numeric, ?::numeric)) AS v (area, yield) WHERE s.county_code = ? AND s.contract_id = ? AND s.op_type = ?
			RETURNING s.*, v.area, v.yield)`+totals,
		append([]any{w.AreaMu, y, w.CountyCode, w.ContractID, w.OpType}, args...)...).Error
}
