// Package stats computes the numbers of docs/figures.md — contract benefit and aggregates over collectives and
// regions — and the family-farm registry statistics. Every figure is summed exactly from the running totals
// that operations keep (never from raw operations), rounded once when presented, and per-mu figures divide an
// exact total by an exact area.
package stats

import (
	"maps"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/num"
)

// Totals are the exact sums over a set of contracts: one contract, a collective, a region, a group.
type Totals struct {
	ContractedArea   decimal.Decimal // A
	HarvestedArea    decimal.Decimal // H
	HarvestedYield   decimal.Decimal // Y
	FarmerCost       decimal.Decimal
	BaselineCost     decimal.Decimal
	IncomeGain       decimal.Decimal
	Subsidy          decimal.Decimal
	ProviderRevenue  decimal.Decimal
	CollectiveIncome decimal.Decimal
	ServiceArea      decimal.Decimal // Σ D_t
	PendingArea      decimal.Decimal // recorded or disputed, not yet confirmed
	ServiceAreaByOp  map[string]decimal.Decimal
	Contracts        int64
	Farms            int64
	Households       int64
	Providers        int64
}

// CostSaving is baseline_cost − farmer_cost (节支).
func (t Totals) CostSaving() decimal.Decimal { return t.BaselineCost.Sub(t.FarmerCost) }

// Benefit is cost_saving + income_gain (节支增收).
func (t Totals) Benefit() decimal.Decimal { return t.CostSaving().Add(t.IncomeGain) }

// StandardArea is the weighted sum of delivered area per operation type (标准托管面积).
func (t Totals) StandardArea(w Weights) decimal.Decimal {
	sum := decimal.Zero
	for _, op := range slices.Sorted(maps.Keys(t.ServiceAreaByOp)) {
		sum = sum.Add(t.ServiceAreaByOp[op].Mul(w[op]))
	}
	return sum
}

// Figures are Totals as presented, with the JSON names of openapi.yaml: every total rounded once to 2 places, every per-mu figure the exact total
// divided by the exact contracted area and rounded once (nil when the area is zero), the yield per mu the
// exact yield divided by the exact harvested area (nil when nothing was harvested).
type Figures struct {
	ContractedAreaMu    num.Dec2            `json:"contracted_area_mu"`
	ServiceAreaMu       num.Dec2            `json:"service_area_mu"`
	HarvestedAreaMu     num.Dec2            `json:"harvested_area_mu"`
	HarvestedYieldKg    num.Dec2            `json:"harvested_yield_kg"`
	YieldPerMu          *num.Dec2           `json:"yield_per_mu"`
	FarmerCost          num.Dec2            `json:"farmer_cost"`
	FarmerCostPerMu     *num.Dec2           `json:"farmer_cost_per_mu"`
	BaselineCost        num.Dec2            `json:"baseline_cost"`
	BaselineCostPerMu   *num.Dec2           `json:"baseline_cost_per_mu"`
	CostSaving          num.Dec2            `json:"cost_saving"`
	CostSavingPerMu     *num.Dec2           `json:"cost_saving_per_mu"`
	IncomeGain          num.Dec2            `json:"income_gain"`
	IncomeGainPerMu     *num.Dec2           `json:"income_gain_per_mu"`
	Benefit             num.Dec2            `json:"benefit"`
	BenefitPerMu        *num.Dec2           `json:"benefit_per_mu"`
	Subsidy             num.Dec2            `json:"subsidy"`
	ProviderRevenue     num.Dec2            `json:"provider_revenue"`
	CollectiveIncome    num.Dec2            `json:"collective_income"`
	PendingAreaMu       num.Dec2            `json:"pending_area_mu"`
	StandardAreaMu      num.Dec2            `json:"standard_area_mu"`
	ServiceAreaByOpType map[string]num.Dec2 `json:"service_area_by_op_type"`
}

// Present rounds t for presentation, with standard-area weights w.
func (t Totals) Present(w Weights) Figures {
	perMu := func(x decimal.Decimal) *num.Dec2 {
		v, ok := num.DivRound2(x, t.ContractedArea)
		if !ok {
			return nil
		}
		return &v
	}
	f := Figures{
		ContractedAreaMu: num.Round2(t.ContractedArea), ServiceAreaMu: num.Round2(t.ServiceArea),
		HarvestedAreaMu: num.Round2(t.HarvestedArea), HarvestedYieldKg: num.Round2(t.HarvestedYield),
		FarmerCost: num.Round2(t.FarmerCost), FarmerCostPerMu: perMu(t.FarmerCost),
		BaselineCost: num.Round2(t.BaselineCost), BaselineCostPerMu: perMu(t.BaselineCost),
		CostSaving: num.Round2(t.CostSaving()), CostSavingPerMu: perMu(t.CostSaving()),
		IncomeGain: num.Round2(t.IncomeGain), IncomeGainPerMu: perMu(t.IncomeGain),
		Benefit: num.Round2(t.Benefit()), BenefitPerMu: perMu(t.Benefit()),
		Subsidy: num.Round2(t.Subsidy), ProviderRevenue: num.Round2(t.ProviderRevenue),
		CollectiveIncome: num.Round2(t.CollectiveIncome), PendingAreaMu: num.Round2(t.PendingArea),
		StandardAreaMu: num.Round2(t.StandardArea(w)), ServiceAreaByOpType: map[string]num.Dec2{},
	}
	if y, ok := num.DivRound2(t.HarvestedYield, t.HarvestedArea); ok {
		f.YieldPerMu = &y
	}
	for op, a := range t.ServiceAreaByOp {
		f.ServiceAreaByOpType[op] = num.Round2(a)
	}
	return f
}

// add accumulates u into t.
func (t *Totals) add(u Totals) {
	t.ContractedArea = t.ContractedArea.Add(u.ContractedArea)
	t.HarvestedArea = t.HarvestedArea.Add(u.HarvestedArea)
	t.HarvestedYield = t.HarvestedYield.Add(u.HarvestedYield)
	t.FarmerCost = t.FarmerCost.Add(u.FarmerCost)
	t.BaselineCost = t.BaselineCost.Add(u.BaselineCost)
	t.IncomeGain = t.IncomeGain.Add(u.IncomeGain)
	t.Subsidy = t.Subsidy.Add(u.Subsidy)
	t.ProviderRevenue = t.ProviderRevenue.Add(u.ProviderRevenue)
	t.CollectiveIncome = t.CollectiveIncome.Add(u.CollectiveIncome)
	t.ServiceArea = t.ServiceArea.Add(u.ServiceArea)
	t.PendingArea = t.PendingArea.Add(u.PendingArea)
	if t.ServiceAreaByOp == nil {
		t.ServiceAreaByOp = map[string]decimal.Decimal{}
	}
	for op, a := range u.ServiceAreaByOp {
		t.ServiceAreaByOp[op] = t.ServiceAreaByOp[op].Add(a)
	}
}

// Weights are the standard-area weights per operation type; types without a weight count 0.
type Weights map[string]decimal.Decimal

// DefaultWeights are the weights provincial programmes use unless a region sets its own.
var DefaultWeights = Weights{
	"ploughing":        decimal.RequireFromString("0.36"),
	"sowing":           decimal.RequireFromString("0.27"),
	"plant_protection": decimal.RequireFromString("0.10"),
	"harvesting":       decimal.RequireFromString("0.27"),
}

// Counts are the numbers of an aggregate, with the JSON names of openapi.yaml.
type Counts struct {
	Contracts  int64 `json:"contracts"`
	Farms      int64 `json:"farms"`
	Households int64 `json:"households"`
	Providers  int64 `json:"providers"`
}

// Counts returns the numbers of t.
func (t Totals) Counts() Counts {
	return Counts{Contracts: t.Contracts, Farms: t.Farms, Households: t.Households, Providers: t.Providers}
}
