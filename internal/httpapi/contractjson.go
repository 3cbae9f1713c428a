package httpapi

import (
	"net/http"
	"strconv"

	"github.com/tuoguan/tuoguan/api"
)

// contractsJSON is the JSON of a page of contracts as api.ListContracts200JSONResponse writes it: fifty
// contracts with their parcels and lines are some 55 KB, which encoding/json took a fifth of the server's time
// for the page to write.
func contractsJSON(page api.ContractList) jsonBody {
	b := append(make([]byte, 0, 1100*len(page.Items)+64), `{"items":`...)
	b = appendList(b, page.Items, appendContract)
	b = appendNullString(append(b, `,"next_cursor":`...), page.NextCursor)
	return jsonBody(append(b, "}\n"...))
}

func (b jsonBody) VisitListContractsResponse(w http.ResponseWriter) error { return b.write(w) }

// appendContract appends c as encoding/json writes it by its tags: members in the order of its fields,
// activated_at and closed_at left out when nil.
func appendContract(b []byte, c *api.Contract) []byte {
	b = append(b, '{')
	if c.ActivatedAt != nil {
		b = appendTime(append(b, `"activated_at":`...), *c.ActivatedAt)
		b = append(b, ',')
	}
	b = appendDec2(append(b, `"baseline_yield_kg_per_mu":`...), c.BaselineYieldKgPerMu)
	if c.ClosedAt != nil {
		b = appendTime(append(b, `,"closed_at":`...), *c.ClosedAt)
	}
	b = appendDec2(append(b, `,"collective_fee_per_mu":`...), c.CollectiveFeePerMu)
	b = strconv.AppendInt(append(b, `,"collective_id":`...), c.CollectiveId, 10)
	b = appendDec2(append(b, `,"contracted_area_mu":`...), c.ContractedAreaMu)
	b = appendTime(append(b, `,"created_at":`...), c.CreatedAt)
	b = appendString(append(b, `,"crop":`...), c.Crop)
	b = appendDate(append(b, `,"end_date":`...), c.EndDate.Time)
	b = strconv.AppendInt(append(b, `,"farm_id":`...), c.FarmId, 10)
	b = strconv.AppendInt(append(b, `,"id":`...), c.Id, 10)
	b = appendString(append(b, `,"mode":`...), string(c.Mode))
	b = appendString(append(b, `,"number":`...), c.Number)
	b = append(b, `,"parcels":`...)
	b = appendList(b, c.Parcels, func(b []byte, p *api.ContractParcel) []byte {
		b = appendDec2(append(b, `{"area_mu":`...), p.AreaMu)
		return append(strconv.AppendInt(append(b, `,"parcel_id":`...), p.ParcelId, 10), '}')
	})
	b = append(b, `,"policy_flags":`...)
	b = appendList(b, c.PolicyFlags, func(b []byte, f *api.PolicyFlag) []byte {
		b = appendString(append(b, `{"field":`...), f.Field)
		b = appendString(append(b, `,"message":`...), f.Message)
		return append(appendString(append(b, `,"rule":`...), string(f.Rule)), '}')
	})
	b = appendDec4(append(b, `,"price_per_kg":`...), c.PricePerKg)
	b = strconv.AppendInt(append(b, `,"provider_id":`...), c.ProviderId, 10)
	b = appendString(append(b, `,"region_code":`...), c.RegionCode)
	b = strconv.AppendInt(append(b, `,"season_year":`...), int64(c.SeasonYear), 10)
	b = append(b, `,"services":`...)
	b = appendList(b, c.Services, func(b []byte, l *api.ServiceLine) []byte {
		b = appendDec2(append(b, `{"baseline_cost_per_mu":`...), l.BaselineCostPerMu)
		b = appendDec2(append(b, `,"delivered_area_mu":`...), l.DeliveredAreaMu)
		b = appendString(append(b, `,"op_type":`...), l.OpType)
		b = strconv.AppendInt(append(b, `,"passes":`...), int64(l.Passes), 10)
		b = appendDec2(append(b, `,"pending_area_mu":`...), l.PendingAreaMu)
		b = appendDec2(append(b, `,"price_per_mu":`...), l.PricePerMu)
		return append(appendDec2(append(b, `,"subsidy_per_mu":`...), l.SubsidyPerMu), '}')
	})
	b = appendDate(append(b, `,"start_date":`...), c.StartDate.Time)
	b = appendString(append(b, `,"status":`...), string(c.Status))
	b = appendNullString(append(b, `,"termination_reason":`...), c.TerminationReason)
	b = appendTime(append(b, `,"updated_at":`...), c.UpdatedAt)
	return append(b, '}')
}
