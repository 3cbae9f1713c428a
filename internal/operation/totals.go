package operation

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// The running totals of PRODUCT §2 are kept in the transaction of each operation change, so that statistics
// never scan operations and caps never sum them:
//   - delivery_caps.active_area_mu: area not voided per contract × parcel × operation type;
//   - contract_services: area not voided, confirmed and voided per service line, and the confirmed yield of
//     the harvesting line.

// moveActive adds (sign +1) or removes (sign −1, a void) the area of ops from the totals of work not voided;
// a void also adds it to the voided area.
func moveActive(tx *gorm.DB, ops []Operation, sign int64) error {
	caps := map[capKey]decimal.Decimal{}
	lines := map[lineKey]decimal.Decimal{}
	for _, op := range ops {
		a := op.AreaMu.Decimal().Mul(decimal.NewFromInt(sign))
		ck := capKey{op.CountyCode, op.ContractID, op.ParcelID, op.OpType}
		lk := lineKey{op.CountyCode, op.ContractID, op.OpType}
		caps[ck] = caps[ck].Add(a)
		lines[lk] = lines[lk].Add(a)
	}
	if err := lockInOrder(tx, "delivery_caps", "county_code, contract_id, parcel_id, op_type", keysOf(caps, func(k capKey) []any {
		return []any{k.county, k.contract, k.parcel, k.opType}
	})); err != nil {
		return err
	}
	if err := lockInOrder(tx, "contract_services", "county_code, contract_id, op_type", keysOf(lines, func(k lineKey) []any {
		return []any{k.county, k.contract, k.opType}
	})); err != nil {
		return err
	}
	var capVals []string
	var capArgs []any
	for k, a := range caps {
		capVals = append(capVals, "(?, ?::bigint, ?::bigint, ?, ?::numeric)")
		capArgs = append(capArgs, k.county, k.contract, k.parcel, k.opType, a.String())
	}
	if err := tx.Exec(`UPDATE delivery_caps d SET active_area_mu = d.active_area_mu + v.area
		FROM (VALUES `+strings.Join(capVals, ", ")+`) AS v (county_code, contract_id, parcel_id, op_type, area)
		WHERE d.county_code = v.county_code AND d.contract_id = v.contract_id AND d.parcel_id = v.parcel_id AND d.op_type = v.op_type`,
		capArgs...).Error; err != nil {
		return fmt.Errorf("delivery caps: %w", err)
	}
	var lineVals []string
	var lineArgs []any
	for k, a := range lines {
		lineVals = append(lineVals, "(?, ?::bigint, ?, ?::numeric)")
		lineArgs = append(lineArgs, k.county, k.contract, k.opType, a.String())
	}
	voided := "s.voided_area_mu"
	if sign < 0 {
		voided = "s.voided_area_mu - v.area"
	}
	return tx.Exec(`UPDATE contract_services s SET active_area_mu = s.active_area_mu + v.area, voided_area_mu = `+voided+`
		FROM (VALUES `+strings.Join(lineVals, ", ")+`) AS v (county_code, contract_id, op_type, area)
		WHERE s.county_code = v.county_code AND s.contract_id = v.contract_id AND s.op_type = v.op_type`, lineArgs...).Error
}

// lineKey names a service line.
type lineKey struct {
	county   string
	contract int64
	opType   string
}

// confirmTotals adds a confirmed operation to its service line's confirmed area and, for harvesting, yield.
// It changes the service line only: the contract row, which logging share-locks, is never written by an
// operation change, so logging and confirming cannot deadlock on it.
func confirmTotals(tx *gorm.DB, op Operation) error {
	y := "0"
	if op.YieldKg != nil {
		y = op.YieldKg.String()
	}
	return tx.Exec(`UPDATE contract_services SET confirmed_area_mu = confirmed_area_mu + ?::numeric, confirmed_yield_kg = confirmed_yield_kg + ?::numeric
		WHERE county_code = ? AND contract_id = ? AND op_type = ?`, op.AreaMu, y, op.CountyCode, op.ContractID, op.OpType).Error
}

// lockInOrder row-locks the rows of table whose columns equal one of tuples, in the order of those columns.
// An UPDATE … FROM locks rows in whatever order its plan visits them; two transactions that lock the same
// rows in different orders deadlock, so every writer of running totals locks them in key order first.
func lockInOrder(tx *gorm.DB, table, columns string, tuples [][]any) error {
	if len(tuples) == 0 {
		return nil
	}
	return tx.Exec("SELECT 1 FROM "+table+" WHERE ("+columns+") IN ? ORDER BY "+columns+" FOR UPDATE", tuples).Error
}

func keysOf[K comparable](m map[K]decimal.Decimal, tuple func(K) []any) [][]any {
	out := make([][]any, 0, len(m))
	for k := range m {
		out = append(out, tuple(k))
	}
	return out
}
