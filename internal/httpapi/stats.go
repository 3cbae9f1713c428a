package httpapi

import (
	"context"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"sync"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/sheet"
	"github.com/tuoguan/tuoguan/internal/stats"
)

// fill sets the figures of docs/figures.md on dst, a pointer to one of the generated types that carry them, from
// f and c: each field of dst takes the field of f or c with the same name, integers converted to dst's width.
// The generated types share those names with stats.Figures and stats.Counts, so one source fills them all.
func fill(dst any, f stats.Figures, c stats.Counts) {
	d := reflect.ValueOf(dst).Elem()
	for _, src := range []reflect.Value{reflect.ValueOf(f), reflect.ValueOf(c)} {
		for _, m := range fieldMap(src.Type(), d.Type()) {
			d.Field(m.dst).Set(src.Field(m.src).Convert(d.Field(m.dst).Type()))
		}
	}
}

// fieldPair is a field of a source struct and the field of the same name in a destination struct.
type fieldPair struct{ src, dst int }

// fieldMaps caches fieldMap by [source, destination] type.
var fieldMaps sync.Map

// fieldMap returns the fields of src that dst has by the same name and a type src's converts to.
func fieldMap(src, dst reflect.Type) []fieldPair {
	key := [2]reflect.Type{src, dst}
	if m, ok := fieldMaps.Load(key); ok {
		return m.([]fieldPair)
	}
	var m []fieldPair
	for i := range src.NumField() {
		if f, ok := dst.FieldByName(src.Field(i).Name); ok && len(f.Index) == 1 && src.Field(i).Type.ConvertibleTo(f.Type) {
			m = append(m, fieldPair{i, f.Index[0]})
		}
	}
	fieldMaps.Store(key, m)
	return m
}

func (s *Server) GetContractBenefit(ctx context.Context, req api.GetContractBenefitRequestObject) (api.GetContractBenefitResponseObject, error) {
	c, f, err := s.Stats.Benefit(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	out := api.ContractBenefit{ContractId: c.ID, Number: c.Number}
	fill(&out, f, stats.Counts{})
	return api.GetContractBenefit200JSONResponse(out), nil
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
	out := api.CollectiveStatsList{Items: make([]api.CollectiveStatsRow, len(rep.Groups))}
	for i, g := range rep.Groups {
		id, err := strconv.ParseInt(g.Key, 10, 64)
		if err != nil {
			return nil, err
		}
		out.Items[i] = api.CollectiveStatsRow{CollectiveId: id, Name: g.Name}
		fill(&out.Items[i], g.Totals.Present(rep.Weights), g.Totals.Counts())
	}
	return api.GetCollectiveStats200JSONResponse{CollectiveStatsJSONResponse: api.CollectiveStatsJSONResponse{Body: out}}, nil
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
	out := api.RegionStats{RegionCode: rep.Region.Code, Name: rep.Region.Name, Level: api.RegionLevel(rep.Region.Level),
		SeasonYear: sel.SeasonYear, Groups: make([]api.RegionStatsGroup, len(rep.Groups))}
	if sel.Crop != "" {
		out.Crop = &sel.Crop
	}
	if g != stats.ByNothing {
		out.GroupBy = (*string)(&g)
	}
	fill(&out, rep.Totals.Present(rep.Weights), rep.Totals.Counts())
	for i, gr := range rep.Groups {
		out.Groups[i] = api.RegionStatsGroup{Key: gr.Key, Name: gr.Name}
		fill(&out.Groups[i], gr.Totals.Present(rep.Weights), gr.Totals.Counts())
	}
	return api.GetRegionStats200JSONResponse{RegionStatsJSONResponse: api.RegionStatsJSONResponse{Body: out}}, nil
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
