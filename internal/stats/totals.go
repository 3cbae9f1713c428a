// Package stats computes the numbers of docs/figures.md — contract benefit and aggregates over collectives and
// regions — and the family-farm registry statistics. Every figure is summed exactly from the running totals
// that operations keep (never from raw operations), rounded once when presented, and per-mu figures divide an
// exact total by an exact area.
package stats

import (
	"maps"
	"slices"

	"github.com/tuoguan/tuoguan/internal/num"
)

// Totals are the exact sums over a set of contracts: one contract, a collective, a region, a group. Each is a
// num.Sum: the columns they are summed from hold at most 8 fractional places by their types (migration 0003),
// so they add, round and divide exactly in integers.
type Totals struct {
	ContractedArea   num.Sum // A
	HarvestedArea    num.Sum // H
	HarvestedYield   num.Sum // Y
	FarmerCost       num.Sum
	BaselineCost     num.Sum
	IncomeGain       num.Sum
	Subsidy          num.Sum
	ProviderRevenue  num.Sum
	CollectiveIncome num.Sum
	ServiceArea      num.Sum // Σ D_t
	PendingArea      num.Sum // recorded or disputed, not yet confirmed
	ServiceAreaByOp  map[string]num.Sum
	Contracts        int64
	Farms            int64
	Households       int64
	Providers        int64
}

// CostSaving is baseline_cost − farmer_cost (节支).
func (t Totals) CostSaving() num.Sum { return t.BaselineCost.Sub(t.FarmerCost) }

// Benefit is cost_saving + income_gain (节支增收).
func (t Totals) Benefit() num.Sum { return t.CostSaving().Add(t.IncomeGain) }

// StandardArea is the weighted sum of delivered area per operation type (标准托管面积).
func (t Totals) StandardArea(w Weights) num.Sum {
	var sum num.Sum
	for _, op := range slices.Sorted(maps.Keys(t.ServiceAreaByOp)) {
		sum = sum.Add(t.ServiceAreaByOp[op].MulDec4(w[op]))
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
	perMu := func(x num.Sum) *num.Dec2 {
		v, ok := x.DivRound2(t.ContractedArea)
		if !ok {
			return nil
		}
		return &v
	}
	f := Figures{
		ContractedAreaMu: t.ContractedArea.Round2(), ServiceAreaMu: t.ServiceArea.Round2(),
		HarvestedAreaMu: t.HarvestedArea.Round2(), HarvestedYieldKg: t.HarvestedYield.Round2(),
		FarmerCost: t.FarmerCost.Round2(), FarmerCostPerMu: perMu(t.FarmerCost),
		BaselineCost: t.BaselineCost.Round2(), BaselineCostPerMu: perMu(t.BaselineCost),
		CostSaving: t.CostSaving().Round2(), CostSavingPerMu: perMu(t.CostSaving()),
		IncomeGain: t.IncomeGain.Round2(), IncomeGainPerMu: perMu(t.IncomeGain),
		Benefit: t.Benefit().Round2(), BenefitPerMu: perMu(t.Benefit()),
		Subsidy: t.Subsidy.Round2(), ProviderRevenue: t.ProviderRevenue.Round2(),
		CollectiveIncome: t.CollectiveIncome.Round2(), PendingAreaMu: t.PendingArea.Round2(),
		StandardAreaMu: t.StandardArea(w).Round2(), ServiceAreaByOpType: map[string]num.Dec2{},
	}
	if y, ok := t.HarvestedYield.DivRound2(t.HarvestedArea); ok {
		f.YieldPerMu = &y
	}
	for op, a := range t.ServiceAreaByOp {
		f.ServiceAreaByOpType[op] = a.Round2()
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
		t.ServiceAreaByOp = map[string]num.Sum{}
	}
	for op, a := range u.ServiceAreaByOp {
		t.ServiceAreaByOp[op] = t.ServiceAreaByOp[op].Add(a)
	}
}

// Weights are the standard-area weights per operation type; types without a weight count 0.
type Weights map[string]num.Dec4

// DefaultWeights are the weights provincial programmes use unless a region sets its own.
var DefaultWeights = Weights{
	"ploughing":        num.MustDec4("0.36"),
	"sowing":           num.MustDec4("0.27"),
	"plant_protection": num.MustDec4("0.10"),
	"harvesting":       num.MustDec4("0.27"),
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
