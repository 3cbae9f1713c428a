package stats

import (
	"maps"
	"slices"
	"strconv"

	"github.com/tuoguan/tuoguan/internal/num"
)

// AppendJSON appends f's members as encoding/json writes them by f's tags — the names of openapi.yaml —
// comma-separated and without the braces, for a response that holds them among its own: a county's
// collectives are fifty rows of twenty figures, which reflection took a seventh of the request's server time
// to encode. The operation types' areas come in the order of their codes.
func (f Figures) AppendJSON(b []byte) []byte {
	b = appendDec(b, `"contracted_area_mu":`, f.ContractedAreaMu)
	b = appendDec(b, `,"service_area_mu":`, f.ServiceAreaMu)
	b = appendDec(b, `,"harvested_area_mu":`, f.HarvestedAreaMu)
	b = appendDec(b, `,"harvested_yield_kg":`, f.HarvestedYieldKg)
	b = appendNullDec(b, `,"yield_per_mu":`, f.YieldPerMu)
	b = appendDec(b, `,"farmer_cost":`, f.FarmerCost)
	b = appendNullDec(b, `,"farmer_cost_per_mu":`, f.FarmerCostPerMu)
	b = appendDec(b, `,"baseline_cost":`, f.BaselineCost)
	b = appendNullDec(b, `,"baseline_cost_per_mu":`, f.BaselineCostPerMu)
	b = appendDec(b, `,"cost_saving":`, f.CostSaving)
	b = appendNullDec(b, `,"cost_saving_per_mu":`, f.CostSavingPerMu)
	b = appendDec(b, `,"income_gain":`, f.IncomeGain)
	b = appendNullDec(b, `,"income_gain_per_mu":`, f.IncomeGainPerMu)
	b = appendDec(b, `,"benefit":`, f.Benefit)
	b = appendNullDec(b, `,"benefit_per_mu":`, f.BenefitPerMu)
	b = appendDec(b, `,"subsidy":`, f.Subsidy)
	b = appendDec(b, `,"provider_revenue":`, f.ProviderRevenue)
	b = appendDec(b, `,"collective_income":`, f.CollectiveIncome)
	b = appendDec(b, `,"pending_area_mu":`, f.PendingAreaMu)
	b = appendDec(b, `,"standard_area_mu":`, f.StandardAreaMu)
	b = append(b, `,"service_area_by_op_type":`...)
	if f.ServiceAreaByOpType == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, op := range slices.Sorted(maps.Keys(f.ServiceAreaByOpType)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, op) // an operation type's code: lower-case ASCII letters and underscores
		b = appendDec(b, ":", f.ServiceAreaByOpType[op])
	}
	return append(b, '}')
}

// AppendJSON appends c's members as encoding/json writes them by c's tags, comma-separated and without the
// braces (see Figures.AppendJSON).
func (c Counts) AppendJSON(b []byte) []byte {
	b = strconv.AppendInt(append(b, `"contracts":`...), c.Contracts, 10)
	b = strconv.AppendInt(append(b, `,"farms":`...), c.Farms, 10)
	b = strconv.AppendInt(append(b, `,"households":`...), c.Households, 10)
	return strconv.AppendInt(append(b, `,"providers":`...), c.Providers, 10)
}

// appendDec appends member, then v as a JSON string.
func appendDec(b []byte, member string, v num.Dec2) []byte {
	b = append(append(b, member...), '"')
	b, _ = v.AppendText(b)
	return append(b, '"')
}

// appendNullDec appends member, then v as a JSON string, or null.
func appendNullDec(b []byte, member string, v *num.Dec2) []byte {
	if v == nil {
		return append(append(b, member...), "null"...)
	}
	return appendDec(b, member, *v)
}
