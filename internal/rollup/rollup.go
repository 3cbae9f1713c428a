// Package rollup owns the totals Tuoguan keeps for speed, and is the only code that writes them:
//   - delivery_caps: per contract × parcel × operation type, the area a contract may deliver (cap_area_mu)
//     and the area logged and not voided (active_area_mu), so that logging never sums operations;
//   - the running totals of contract_services: area not voided, confirmed and voided per service line, and
//     the confirmed yield of the harvesting line;
//   - stats_rollup and stats_providers: the same summed per collective (and county) × season × crop ×
//     operation type, with the money the confirmed area is worth (docs/figures.md), so that statistics of a
//     county sum a few hundred rows.
//
// Every change that moves them calls this package inside its own transaction: a contract's activation
// (Enter), work logged or voided (MoveActive), work confirmed (Confirm). Each money figure is defined once,
// in Figures, and used by those writes, by the statistics reads and by Rebuild; Verify recomputes everything
// from the operations and names each total that disagrees.
package rollup

import (
	"fmt"
	"strings"

	"github.com/tuoguan/tuoguan/internal/num"
)

// Figure is one money figure of docs/figures.md that confirmed work on a service line is worth: its rollup
// column, and its SQL over the line s (price_per_mu, subsidy_per_mu, baseline_cost_per_mu, op_type) and its
// contract c (baseline_yield_kg_per_mu, price_per_kg), given the confirmed area and yield as expressions.
type Figure struct {
	Column string
	expr   string // %[1]s is the confirmed area, %[2]s the confirmed yield
}

// Figures are the money figures of a service line, in the order of the rollup's columns.
var Figures = []Figure{
	{"net_cost", "%[1]s * (s.price_per_mu - s.subsidy_per_mu)"}, // D × (price − subsidy)
	{"baseline_cost", "%[1]s * s.baseline_cost_per_mu"},         // D × baseline cost
	{"subsidy", "%[1]s * s.subsidy_per_mu"},                     // D × subsidy
	{"provider_revenue", "%[1]s * s.price_per_mu"},              // D × price
	{"income_gain", "CASE WHEN s.op_type = 'harvesting' " + // (Y − baseline yield × H) × price per kg
		"THEN (%[2]s - c.baseline_yield_kg_per_mu * %[1]s) * c.price_per_kg ELSE 0 END"},
}

// Of is f's SQL for the confirmed area and yield given as SQL expressions.
func (f Figure) Of(area, yield string) string { return fmt.Sprintf(f.expr, area, yield) }

// Sums is the SQL that sums every figure over lines s of contracts c, from their stored confirmed totals,
// each named by its column: what statistics over individual contracts read.
func Sums() string {
	parts := make([]string, len(Figures))
	for i, f := range Figures {
		parts[i] = "coalesce(sum(" + f.Of("s.confirmed_area_mu", "s.confirmed_yield_kg") + "), 0) AS " + f.Column
	}
	return strings.Join(parts, ", ")
}

// Contract is what an activated contract brings into the totals.
type Contract struct {
	CountyCode   string
	ID           int64
	CollectiveID int64
	RegionCode   string // its village
	FarmID       int64
	ProviderID   int64
	Crop         string
	SeasonYear   int
	AreaMu       num.Dec2 // contracted area A
	FeePerMu     num.Dec2 // the collective's fee per contracted mu
	Parcels      []Parcel
	Lines        []Line
}

// Parcel is a parcel on a contract and the area the contract covers.
type Parcel struct {
	ID     int64
	AreaMu num.Dec2
}

// Line is a service line: its operation type and passes.
type Line struct {
	OpType string
	Passes int
}

// Work is an operation as the totals see it.
type Work struct {
	CountyCode string
	ContractID int64
	ParcelID   int64
	OpType     string
	AreaMu     num.Dec2
	YieldKg    *num.Dec2
}
