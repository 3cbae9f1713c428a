package httpapi

import (
	"context"
	"iter"
	"strconv"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/sheet"
)

func (s *Server) ListOperations(ctx context.Context, req api.ListOperationsRequestObject) (api.ListOperationsResponseObject, error) {
	q := req.Params
	oq := operation.Query{RegionCode: deref(q.RegionCode), SeasonYear: deref(q.SeasonYear), Status: string(deref(q.Status)),
		OpType: deref(q.OpType), ProviderID: deref(q.ProviderId), CollectiveID: deref(q.CollectiveId)}
	if q.From != nil {
		oq.From = q.From.Time
	}
	if q.To != nil {
		oq.To = q.To.Time
	}
	switch format(ctx, q.Format) {
	case formatCSV:
		body, disp := export(s.ledger(ctx, oq), sheet.WriteCSV, "csv")
		return api.ListOperations200TextcsvResponse{OperationSearchTextcsvResponse: api.OperationSearchTextcsvResponse{Body: body, Headers: api.OperationSearchResponseHeaders{ContentDisposition: disp}}}, nil
	case formatXLSX:
		body, disp := export(s.ledger(ctx, oq), sheet.WriteXLSX, "xlsx")
		return api.ListOperations200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{OperationSearchApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse: api.OperationSearchApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.OperationSearchResponseHeaders{ContentDisposition: disp}}}, nil
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

var ledgerColumns = []sheet.Column{
	{ZH: "作业编号", EN: "id"}, {ZH: "合同编号", EN: "contract_number"}, {ZH: "村", EN: "region_code"},
	{ZH: "村集体", EN: "collective_id"}, {ZH: "服务主体", EN: "provider_id"}, {ZH: "作物", EN: "crop"},
	{ZH: "年度", EN: "season_year", Kind: sheet.Integer}, {ZH: "地块", EN: "parcel_id"}, {ZH: "作业类型", EN: "op_type"},
	{ZH: "作业日期", EN: "op_date"}, {ZH: "作业面积(亩)", EN: "area_mu", Kind: sheet.Decimal},
	{ZH: "产量(公斤)", EN: "yield_kg", Kind: sheet.Decimal}, {ZH: "含水率(%)", EN: "moisture_pct", Kind: sheet.Decimal},
	{ZH: "机具", EN: "machine"}, {ZH: "机手", EN: "operator"}, {ZH: "状态", EN: "status"}, {ZH: "争议原因", EN: "dispute_reason"},
}

// ledger is the table of the operations q selects, read from a database cursor while it is written. A failure
// after the first row ends the rows and is the table's Err, so the export fails rather than ending short.
func (s *Server) ledger(ctx context.Context, q operation.Query) sheet.Table {
	p := principal(ctx)
	var failed error
	rows := func(yield func([]sheet.Cell) bool) {
		stop := errStop{}
		err := s.Operations.Each(ctx, p, q, func(r operation.Row) error {
			if !yield(ledgerRow(r)) {
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
	return sheet.Table{Name: name, Columns: ledgerColumns, Rows: iter.Seq[[]sheet.Cell](rows), Err: func() error { return failed }}
}

type errStop struct{}

func (errStop) Error() string { return "stopped" }

func ledgerRow(r operation.Row) []sheet.Cell {
	text := func(s *string) sheet.Cell {
		if s == nil {
			return sheet.T("")
		}
		return sheet.T(*s)
	}
	return []sheet.Cell{sheet.T(strconv.FormatInt(r.ID, 10)), sheet.T(r.Number), sheet.T(r.RegionCode),
		sheet.T(strconv.FormatInt(r.CollectiveID, 10)), sheet.T(strconv.FormatInt(r.ProviderID, 10)), sheet.T(r.Crop),
		sheet.I(int64(r.SeasonYear)), sheet.T(strconv.FormatInt(r.ParcelID, 10)), sheet.T(r.OpType),
		sheet.T(r.OpDate.Format(time.DateOnly)), sheet.D(&r.AreaMu), sheet.D(r.YieldKg), sheet.D(r.MoisturePct),
		text(r.Machine), text(r.Operator), sheet.T(r.Status), text(r.DisputeReason)}
}
