package httpapi

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/sheet"
	"github.com/tuoguan/tuoguan/internal/stats"
)

func (s *Server) GetContractBenefit(ctx context.Context, req api.GetContractBenefitRequestObject) (api.GetContractBenefitResponseObject, error) {
	c, f, err := s.Stats.Benefit(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return benefitJSON(c.ID, c.Number, f), nil
}

// benefitJSON is the JSON of contract id's figures f, api.ContractBenefit.
func benefitJSON(id int64, number string, f stats.Figures) jsonBody {
	b := strconv.AppendInt(append(make([]byte, 0, 1024), `{"contract_id":`...), id, 10)
	b = f.AppendJSON(append(appendString(append(b, `,"number":`...), number), ','))
	return jsonBody(append(b, "}\n"...))
}

func (s *Server) GetCollectiveStats(ctx context.Context, req api.GetCollectiveStatsRequestObject) (api.GetCollectiveStatsResponseObject, error) {
	q := req.Params
	sel := stats.Selection{SeasonYear: q.SeasonYear, RegionCode: deref(q.RegionCode), Crop: string(deref(q.Crop))}
	if err := stats.CheckSelection(sel); err != nil {
		return nil, err
	}
	rep, err := s.Stats.Collectives(ctx, principal(ctx), sel)
	if err != nil {
		return nil, err
	}
	table := func() (sheet.Table, error) {
		ops, err := s.Reference.OperationTypes(ctx)
		rows := append([]stats.Row{{Name: "合计", Totals: rep.Totals}}, rep.Groups...)
		return groupTable(fmt.Sprintf("村集体托管统计-%d", sel.SeasonYear), sheet.Column{ZH: "村集体编号", EN: "collective_id"}, rows, 1, rep.Weights, ops), err
	}
	if r, ok, err := sheetAnswer(ctx, q.Format, table, func(body io.Reader, disp *string) api.GetCollectiveStatsResponseObject {
		return api.GetCollectiveStats200TextcsvResponse{CollectiveStatsTextcsvResponse: api.CollectiveStatsTextcsvResponse{Body: body, Headers: api.CollectiveStatsResponseHeaders{ContentDisposition: disp}}}
	}, func(body io.Reader, disp *string) api.GetCollectiveStatsResponseObject {
		return api.GetCollectiveStats200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{CollectiveStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse: api.CollectiveStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.CollectiveStatsResponseHeaders{ContentDisposition: disp}}}
	}); ok {
		return r, err
	}
	body, err := collectivesJSON(rep)
	if err != nil {
		return nil, err
	}
	return body, nil
}

// collectivesJSON is the JSON of rep's collectives, api.CollectiveStatsList.
func collectivesJSON(rep stats.Report) (jsonBody, error) {
	b := append(make([]byte, 0, 1024*(len(rep.Groups)+1)), `{"items":[`...)
	for i, g := range rep.Groups {
		id, err := strconv.ParseInt(g.Key, 10, 64)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(append(b, `{"collective_id":`...), id, 10)
		b = appendRow(appendString(append(b, `,"name":`...), g.Name), g.Totals, rep.Weights)
	}
	return jsonBody(append(b, "]}\n"...)), nil
}

func (b jsonBody) VisitGetContractBenefitResponse(w http.ResponseWriter) error { return b.write(w) }

func (b jsonBody) VisitGetCollectiveStatsResponse(w http.ResponseWriter) error { return b.write(w) }

func (b jsonBody) VisitGetRegionStatsResponse(w http.ResponseWriter) error { return b.write(w) }

// appendRow appends the figures and counts of t presented with weights w, and closes the object.
func appendRow(b []byte, t stats.Totals, w stats.Weights) []byte {
	b = t.Present(w).AppendJSON(append(b, ','))
	return append(t.Counts().AppendJSON(append(b, ',')), '}')
}

func (s *Server) GetRegionStats(ctx context.Context, req api.GetRegionStatsRequestObject) (api.GetRegionStatsResponseObject, error) {
	q := req.Params
	sel := stats.Selection{SeasonYear: q.SeasonYear, RegionCode: req.Code, Crop: string(deref(q.Crop))}
	if err := stats.CheckSelection(sel); err != nil {
		return nil, err
	}
	g := stats.Grouping(deref(q.GroupBy))
	rep, err := s.Stats.Region(ctx, principal(ctx), sel, g)
	if err != nil {
		return nil, err
	}
	table := func() (sheet.Table, error) {
		ops, err := s.Reference.OperationTypes(ctx)
		rows := append([]stats.Row{{Key: rep.Region.Code, Name: rep.Region.Name + " 合计", Totals: rep.Totals}}, rep.Groups...)
		return groupTable(fmt.Sprintf("%s托管统计-%d", rep.Region.Name, sel.SeasonYear), groupKeys[g], rows, 1, rep.Weights, ops), err
	}
	if r, ok, err := sheetAnswer(ctx, q.Format, table, func(body io.Reader, disp *string) api.GetRegionStatsResponseObject {
		return api.GetRegionStats200TextcsvResponse{RegionStatsTextcsvResponse: api.RegionStatsTextcsvResponse{Body: body, Headers: api.RegionStatsResponseHeaders{ContentDisposition: disp}}}
	}, func(body io.Reader, disp *string) api.GetRegionStatsResponseObject {
		return api.GetRegionStats200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{RegionStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse: api.RegionStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.RegionStatsResponseHeaders{ContentDisposition: disp}}}
	}); ok {
		return r, err
	}
	return regionJSON(rep, sel, g), nil
}

// regionJSON is the JSON of rep, the statistics of sel grouped by g, api.RegionStats.
func regionJSON(rep stats.Report, sel stats.Selection, g stats.Grouping) jsonBody {
	b := appendString(append(make([]byte, 0, 1024*(len(rep.Groups)+1)), `{"region_code":`...), rep.Region.Code)
	b = appendString(append(b, `,"name":`...), rep.Region.Name)
	b = appendString(append(b, `,"level":`...), rep.Region.Level)
	b = strconv.AppendInt(append(b, `,"season_year":`...), int64(sel.SeasonYear), 10)
	if sel.Crop != "" {
		b = appendString(append(b, `,"crop":`...), sel.Crop)
	}
	if g != stats.ByNothing {
		b = appendString(append(b, `,"group_by":`...), string(g))
	}
	b = append(b, `,"groups":[`...)
	for i, gr := range rep.Groups {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(append(b, `{"key":`...), gr.Key)
		b = appendRow(appendString(append(b, `,"name":`...), gr.Name), gr.Totals, rep.Weights)
	}
	return jsonBody(append(appendRow(append(b, ']'), rep.Totals, rep.Weights), '\n'))
}

func (s *Server) GetFamilyFarmStats(ctx context.Context, req api.GetFamilyFarmStatsRequestObject) (api.GetFamilyFarmStatsResponseObject, error) {
	rep, err := s.Stats.FamilyFarms(ctx, principal(ctx), req.Params.RegionCode)
	if err != nil {
		return nil, err
	}
	table := func() (sheet.Table, error) { return familyTable(rep), nil }
	if r, ok, err := sheetAnswer(ctx, req.Params.Format, table, func(body io.Reader, disp *string) api.GetFamilyFarmStatsResponseObject {
		return api.GetFamilyFarmStats200TextcsvResponse{FamilyFarmStatsTextcsvResponse: api.FamilyFarmStatsTextcsvResponse{Body: body, Headers: api.FamilyFarmStatsResponseHeaders{ContentDisposition: disp}}}
	}, func(body io.Reader, disp *string) api.GetFamilyFarmStatsResponseObject {
		return api.GetFamilyFarmStats200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{FamilyFarmStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse: api.FamilyFarmStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.FamilyFarmStatsResponseHeaders{ContentDisposition: disp}}}
	}); ok {
		return r, err
	}
	count := func(c stats.FamilyCount) api.FamilyFarmCount {
		return api.FamilyFarmCount{Key: c.Key, Name: c.Name, FamilyFarms: int(c.Farms), OperatedAreaMu: roundArea(c)}
	}
	return api.GetFamilyFarmStats200JSONResponse{FamilyFarmStatsJSONResponse: api.FamilyFarmStatsJSONResponse{Body: api.FamilyFarmStats{
		RegionCode: rep.Region.Code, Name: rep.Region.Name, FamilyFarms: int(rep.Total.Farms), OperatedAreaMu: roundArea(rep.Total),
		ByTownship: mapAll(rep.ByTownship, count), ByDemonstrationLevel: mapAll(rep.ByDemonstrationLevel, count),
		ByBusinessModel: mapAll(rep.ByBusinessModel, count),
	}}}, nil
}

// opTypes are the operation types of a set of rows, for the service-area columns: in the order of the
// reference list, then any the list does not know, sorted.
func opTypes(rows []stats.Row, order []reference.Item) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		for op := range r.Totals.ServiceAreaByOp {
			seen[op] = true
		}
	}
	var out []string
	for _, it := range order {
		if seen[it.Code] {
			out = append(out, it.Code)
			delete(seen, it.Code)
		}
	}
	return append(out, slices.Sorted(maps.Keys(seen))...)
}

func weightsOut(code string, w stats.Weights, source string) api.StandardAreaWeights {
	out := api.StandardAreaWeights{RegionCode: code, Weights: map[string]api.Dec4{}}
	if source != "" {
		out.Source = &source
	}
	maps.Copy(out.Weights, w)
	return out
}

func (s *Server) GetStandardAreaWeights(ctx context.Context, req api.GetStandardAreaWeightsRequestObject) (api.GetStandardAreaWeightsResponseObject, error) {
	w, source, err := s.Stats.Weights(ctx, principal(ctx), req.Code)
	if err != nil {
		return nil, err
	}
	return api.GetStandardAreaWeights200JSONResponse(weightsOut(req.Code, w, source)), nil
}

func (s *Server) SetStandardAreaWeights(ctx context.Context, req api.SetStandardAreaWeightsRequestObject) (api.SetStandardAreaWeightsResponseObject, error) {
	w, source, err := s.Stats.SetWeights(ctx, principal(ctx), req.Code, req.Body.Weights)
	if err != nil {
		return nil, err
	}
	return api.SetStandardAreaWeights200JSONResponse(weightsOut(req.Code, w, source)), nil
}
