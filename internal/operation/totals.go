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
//   - contract_services: area not voided, confirmed and voided per service line;
//   - contracts: confirmed harvested area and yield.

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

// confirmTotals adds a confirmed operation to its service line's confirmed area and, for harvesting, to its
// contract's harvested area and yield.
func confirmTotals(tx *gorm.DB, op Operation) error {
	if err := tx.Exec(`UPDATE contract_services SET confirmed_area_mu = confirmed_area_mu + ?::numeric
		WHERE county_code = ? AND contract_id = ? AND op_type = ?`, op.AreaMu, op.CountyCode, op.ContractID, op.OpType).Error; err != nil {
		return err
	}
	if op.OpType != Harvesting {
		return nil
	}
	return tx.Exec(`UPDATE contracts SET harvested_area_mu = harvested_area_mu + ?::numeric, harvested_yield_kg = harvested_yield_kg + ?::numeric
		WHERE county_code = ? AND id = ?`, op.AreaMu, op.YieldKg, op.CountyCode, op.ContractID).Error
}
