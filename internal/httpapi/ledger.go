package httpapi

import (
	"context"
	"io"
	"iter"
	"strconv"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/sheet"
)

func (s *Server) ListOperations(ctx context.Context, req api.ListOperationsRequestObject) (api.ListOperationsResponseObject, error) {
	q := req.Params
	oq := operation.Query{RegionCode: deref(q.RegionCode), SeasonYear: deref(q.SeasonYear), Status: string(deref(q.Status)),
		OpType: string(deref(q.OpType)), ProviderID: deref(q.ProviderId), CollectiveID: deref(q.CollectiveId)}
	if q.From != nil {
		oq.From = q.From.Time
	}
	if q.To != nil {
		oq.To = q.To.Time
	}
	table := func() (sheet.Table, error) { return s.ledger(ctx, oq) }
	if r, ok, err := sheetAnswer(ctx, q.Format, table, func(body io.Reader, disp *string) api.ListOperationsResponseObject {
		return api.ListOperations200TextcsvResponse{OperationSearchTextcsvResponse: api.OperationSearchTextcsvResponse{Body: body, Headers: api.OperationSearchResponseHeaders{ContentDisposition: disp}}}
	}, func(body io.Reader, disp *string) api.ListOperationsResponseObject {
		return api.ListOperations200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{OperationSearchApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse: api.OperationSearchApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.OperationSearchResponseHeaders{ContentDisposition: disp}}}
	}); ok {
		return r, err
	}
	pr, err := page.Parse(q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	rows, next, err := s.Operations.Search(ctx, principal(ctx), oq, pr)
	if err != nil {
		return nil, err
	}
	return api.ListOperations200JSONResponse{OperationSearchJSONResponse: api.OperationSearchJSONResponse{Body: api.OperationList{
		Items: mapAll(rows, func(r operation.Row) api.Operation { return operationOut(r.Operation) }), NextCursor: next}}}, nil
}

// ledgerColumns are the ledger's columns: each name beside its id or code, the name first, so that a person
// reads the table and a program keys on the codes.
var ledgerColumns = []sheet.Column{
	{ZH: "作业编号", EN: "id"}, {ZH: "合同编号", EN: "contract_number"},
	{ZH: "村", EN: "region_name"}, {ZH: "村区划代码", EN: "region_code"},
	{ZH: "村集体", EN: "collective_name"}, {ZH: "村集体编号", EN: "collective_id"},
	{ZH: "服务主体", EN: "provider_name"}, {ZH: "服务主体编号", EN: "provider_id"},
	{ZH: "经营主体", EN: "farm_name"}, {ZH: "经营主体编号", EN: "farm_id"},
	{ZH: "地块", EN: "parcel_name"}, {ZH: "地块编号", EN: "parcel_id"},
	{ZH: "作物", EN: "crop_name"}, {ZH: "作物代码", EN: "crop"}, {ZH: "年度", EN: "season_year"}, // a year, not a count: no separator
	{ZH: "作业类型", EN: "op_type_name"}, {ZH: "作业类型代码", EN: "op_type"},
	{ZH: "作业日期", EN: "op_date"}, {ZH: "作业面积(亩)", EN: "area_mu", Kind: sheet.Decimal},
	{ZH: "产量(公斤)", EN: "yield_kg", Kind: sheet.Decimal}, {ZH: "含水率(%)", EN: "moisture_pct", Kind: sheet.Decimal},
	{ZH: "机具", EN: "machine"}, {ZH: "机手", EN: "operator"},
	{ZH: "状态", EN: "status_name"}, {ZH: "状态代码", EN: "status"}, {ZH: "争议原因", EN: "dispute_reason"},
}

// ledger is the table of the operations q selects, read from a database cursor while it is written. A failure
// after the first row ends the rows and is the table's Err, so the export fails rather than ending short.
func (s *Server) ledger(ctx context.Context, q operation.Query) (sheet.Table, error) {
	p := principal(ctx)
	crops, err := s.referenceNames(ctx, s.Reference.Crops)
	if err != nil {
		return sheet.Table{}, err
	}
	ops, err := s.referenceNames(ctx, s.Reference.OperationTypes)
	if err != nil {
		return sheet.Table{}, err
	}
	var failed error
	rows := func(yield func([]sheet.Cell) bool) {
		stop := errStop{}
		err := s.Operations.Each(ctx, p, q, func(r operation.LedgerRow) error {
			if !yield(ledgerRow(r, crops, ops)) {
				return stop
			}
			return nil
		})
		if err != nil && err != stop {
			failed = err
		}
	}
	name := "作业台账"
	if q.RegionCode != "" {
		name += "-" + q.RegionCode
	}
	if q.SeasonYear != 0 {
		name += "-" + strconv.Itoa(q.SeasonYear)
	}
	return sheet.Table{Name: name, Columns: ledgerColumns, Rows: iter.Seq[[]sheet.Cell](rows), Err: func() error { return failed }}, nil
}

// referenceNames are the Chinese names of a reference list by code.
func (s *Server) referenceNames(ctx context.Context, list func(context.Context) ([]reference.Item, error)) (map[string]string, error) {
	items, err := list(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(items))
	for _, it := range items {
		names[it.Code] = it.NameZH
	}
	return names, nil
}

type errStop struct{}

func (errStop) Error() string { return "stopped" }

func ledgerRow(r operation.LedgerRow, crops, ops map[string]string) []sheet.Cell {
	text := func(s *string) sheet.Cell {
		if s == nil {
			return sheet.T("")
		}
		return sheet.T(*s)
	}
	id := func(n int64) sheet.Cell { return sheet.T(strconv.FormatInt(n, 10)) }
	return []sheet.Cell{id(r.ID), sheet.T(r.Number),
		sheet.T(r.RegionName), sheet.T(r.RegionCode),
		sheet.T(r.CollectiveName), id(r.CollectiveID),
		sheet.T(r.ProviderName), id(r.ProviderID),
		sheet.T(r.FarmName), id(r.FarmID),
		sheet.T(r.ParcelName), id(r.ParcelID),
		sheet.T(crops[r.Crop]), sheet.T(r.Crop), sheet.T(strconv.Itoa(r.SeasonYear)),
		sheet.T(ops[r.OpType]), sheet.T(r.OpType),
		sheet.T(r.OpDate.Format(time.DateOnly)), sheet.D(&r.AreaMu),
		sheet.D(r.YieldKg), sheet.D(r.MoisturePct),
		text(r.Machine), text(r.Operator),
		sheet.T(operation.StatusNames[r.Status]), sheet.T(r.Status), text(r.DisputeReason)}
}
