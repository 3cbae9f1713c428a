package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/sheet"
	"github.com/tuoguan/tuoguan/internal/stats"
)

// fill builds an API figure object from its parts: each part is marshalled and merged into dst in turn, so
// the many generated types that share the figures of PRODUCT §2 are filled from one source.
func fill(dst any, parts ...any) {
	for _, p := range parts {
		b, err := json.Marshal(p)
		if err == nil {
			err = json.Unmarshal(b, dst)
		}
		if err != nil {
			panic(err) // the parts are this package's own types
		}
	}
}

func (s *Server) GetContractBenefit(ctx context.Context, req api.GetContractBenefitRequestObject) (api.GetContractBenefitResponseObject, error) {
	c, f, err := s.Stats.Benefit(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	var out api.ContractBenefit
	fill(&out, f, map[string]any{"contract_id": c.ID, "number": c.Number})
	return api.GetContractBenefit200JSONResponse(out), nil
}

func (s *Server) GetCollectiveStats(ctx context.Context, req api.GetCollectiveStatsRequestObject) (api.GetCollectiveStatsResponseObject, error) {
	q := req.Params
	sel := stats.Selection{SeasonYear: q.SeasonYear, RegionCode: deref(q.RegionCode), Crop: deref(q.Crop)}
	if err := stats.CheckSelection(sel); err != nil {
		return nil, err
	}
	rep, err := s.Stats.Collectives(ctx, principal(ctx), sel)
	if err != nil {
		return nil, err
	}
	t := groupTable(fmt.Sprintf("村集体托管统计-%d", sel.SeasonYear), "collective_id", "村集体", rep.Groups, rep.Weights)
	switch format(ctx, q.Format) {
	case formatCSV:
		body, disp := export(t, sheet.WriteCSV, "csv")
		return api.GetCollectiveStats200TextcsvResponse{CollectiveStatsTextcsvResponse: api.CollectiveStatsTextcsvResponse{Body: body, Headers: api.CollectiveStatsResponseHeaders{ContentDisposition: disp}}}, nil
	case formatXLSX:
		body, disp := export(t, sheet.WriteXLSX, "xlsx")
		return api.GetCollectiveStats200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{CollectiveStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse: api.CollectiveStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.CollectiveStatsResponseHeaders{ContentDisposition: disp}}}, nil
	}
	out := api.CollectiveStatsList{Items: make([]api.CollectiveStatsRow, len(rep.Groups))}
	for i, g := range rep.Groups {
		fill(&out.Items[i], g.Totals.Present(rep.Weights), g.Totals.Counts(), map[string]any{"collective_id": json.Number(g.Key), "name": g.Name})
	}
	return api.GetCollectiveStats200JSONResponse{CollectiveStatsJSONResponse: api.CollectiveStatsJSONResponse{Body: out}}, nil
}

func (s *Server) GetRegionStats(ctx context.Context, req api.GetRegionStatsRequestObject) (api.GetRegionStatsResponseObject, error) {
	q := req.Params
	sel := stats.Selection{SeasonYear: q.SeasonYear, RegionCode: req.Code, Crop: deref(q.Crop)}
	if err := stats.CheckSelection(sel); err != nil {
		return nil, err
	}
	g := stats.Grouping(deref(q.GroupBy))
	rep, err := s.Stats.Region(ctx, principal(ctx), sel, g)
	if err != nil {
		return nil, err
	}
	rows := append([]stats.Row{{Key: rep.Region.Code, Name: rep.Region.Name + " 合计", Totals: rep.Totals}}, rep.Groups...)
	t := groupTable(fmt.Sprintf("%s托管统计-%d", rep.Region.Name, sel.SeasonYear), "key", "分组", rows, rep.Weights)
	switch format(ctx, q.Format) {
	case formatCSV:
		body, disp := export(t, sheet.WriteCSV, "csv")
		return api.GetRegionStats200TextcsvResponse{RegionStatsTextcsvResponse: api.RegionStatsTextcsvResponse{Body: body, Headers: api.RegionStatsResponseHeaders{ContentDisposition: disp}}}, nil
	case formatXLSX:
		body, disp := export(t, sheet.WriteXLSX, "xlsx")
		return api.GetRegionStats200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{RegionStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse: api.RegionStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.RegionStatsResponseHeaders{ContentDisposition: disp}}}, nil
	}
	var out api.RegionStats
	head := map[string]any{"region_code": rep.Region.Code, "name": rep.Region.Name, "level": rep.Region.Level, "season_year": sel.SeasonYear, "groups": []any{}}
	if sel.Crop != "" {
		head["crop"] = sel.Crop
	}
	if g != stats.ByNothing {
		head["group_by"] = string(g)
	}
	fill(&out, rep.Totals.Present(rep.Weights), rep.Totals.Counts(), head)
	out.Groups = make([]api.RegionStatsGroup, len(rep.Groups))
	for i, gr := range rep.Groups {
		fill(&out.Groups[i], gr.Totals.Present(rep.Weights), gr.Totals.Counts(), map[string]any{"key": gr.Key, "name": gr.Name})
	}
	return api.GetRegionStats200JSONResponse{RegionStatsJSONResponse: api.RegionStatsJSONResponse{Body: out}}, nil
}

func (s *Server) GetFamilyFarmStats(ctx context.Context, req api.GetFamilyFarmStatsRequestObject) (api.GetFamilyFarmStatsResponseObject, error) {
	rep, err := s.Stats.FamilyFarms(ctx, principal(ctx), req.Params.RegionCode)
	if err != nil {
		return nil, err
	}
	t := familyTable(rep)
	switch format(ctx, req.Params.Format) {
	case formatCSV:
		body, disp := export(t, sheet.WriteCSV, "csv")
		return api.GetFamilyFarmStats200TextcsvResponse{FamilyFarmStatsTextcsvResponse: api.FamilyFarmStatsTextcsvResponse{Body: body, Headers: api.FamilyFarmStatsResponseHeaders{ContentDisposition: disp}}}, nil
	case formatXLSX:
		body, disp := export(t, sheet.WriteXLSX, "xlsx")
		return api.GetFamilyFarmStats200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{FamilyFarmStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse: api.FamilyFarmStatsApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.FamilyFarmStatsResponseHeaders{ContentDisposition: disp}}}, nil
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

// opTypes are the operation types of a set of rows, sorted, for the service-area columns.
func opTypes(rows []stats.Row) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		for op := range r.Totals.ServiceAreaByOp {
			seen[op] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func weightsOut(code string, w stats.Weights, source string) api.StandardAreaWeights {
	out := api.StandardAreaWeights{RegionCode: code, Weights: map[string]api.Dec4{}}
	if source != "" {
		out.Source = &source
	}
	for op, v := range w {
		d, err := num.Dec4FromDecimal(v)
		if err != nil {
			panic(err) // stored as numeric(6,4)
		}
		out.Weights[op] = d
	}
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
