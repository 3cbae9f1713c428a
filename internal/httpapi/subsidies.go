package httpapi

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/sheet"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

func policyOut(p subsidy.Policy) api.SubsidyPolicy {
	return api.SubsidyPolicy{CountyCode: p.CountyCode + "000000", SeasonYear: p.SeasonYear, MaxSharePct: p.MaxSharePct,
		MaxPerMu: p.MaxPerMu, KeyOpTypes: mapAll(p.KeyOpTypes, func(op string) api.OperationType { return api.OperationType(op) }),
		MaxPerProvider: p.MaxPerProvider, MinHouseholdSharePct: p.MinHouseholdSharePct, SamplePct: p.SamplePct,
		Enforcement: api.SubsidyPolicyEnforcement(p.Enforcement), UpdatedAt: p.UpdatedAt.UTC()}
}

func (s *Server) GetSubsidyPolicy(ctx context.Context, req api.GetSubsidyPolicyRequestObject) (api.GetSubsidyPolicyResponseObject, error) {
	p, err := s.Subsidies.Get(ctx, principal(ctx), req.CountyCode, req.SeasonYear)
	if err != nil {
		return nil, err
	}
	return api.GetSubsidyPolicy200JSONResponse(policyOut(p)), nil
}

func (s *Server) PutSubsidyPolicy(ctx context.Context, req api.PutSubsidyPolicyRequestObject) (api.PutSubsidyPolicyResponseObject, error) {
	b := req.Body
	in := subsidy.Policy{MaxSharePct: b.MaxSharePct, MaxPerMu: b.MaxPerMu, MaxPerProvider: b.MaxPerProvider,
		MinHouseholdSharePct: b.MinHouseholdSharePct, SamplePct: b.SamplePct, Enforcement: string(b.Enforcement),
		KeyOpTypes: postgres.TextArray(mapAll(b.KeyOpTypes, func(op api.OperationType) string { return string(op) }))}
	p, err := s.Subsidies.Put(ctx, principal(ctx), req.CountyCode, req.SeasonYear, in)
	if err != nil {
		return nil, err
	}
	return api.PutSubsidyPolicy200JSONResponse(policyOut(p)), nil
}

func settlementOut(s subsidy.Settlement) api.Settlement {
	st := s.Statement
	out := api.Settlement{Id: s.ID, ProviderId: s.ProviderID, CountyCode: s.CountyCode + "000000", SeasonYear: s.SeasonYear,
		Status: api.SettlementStatus(s.Status), Reference: s.Reference, CreatedAt: s.CreatedAt.UTC(), ApprovedAt: utc(s.ApprovedAt),
		PaidAt: utc(s.PaidAt), Operations: int(st.Operations), AreaMu: num.Round2(st.AreaMu), CountedAreaMu: num.Round2(st.CountedAreaMu),
		Claimed: num.Round2(st.Claimed), Eligible: num.Round2(st.Eligible), Payable: num.Round2(st.Payable),
		HouseholdAreaMu: num.Round2(st.HouseholdAreaMu), HouseholdSharePct: st.HouseholdSharePct(),
		MinHouseholdSharePct: st.MinHouseholdSharePct,
		Lines: mapAll(st.Lines, func(l subsidy.StatementLine) api.SettlementLine {
			return api.SettlementLine{CollectiveId: l.CollectiveID, CollectiveName: l.CollectiveName, OpType: api.OperationType(l.OpType),
				Operations: int(l.Operations), AreaMu: num.Round2(l.AreaMu), CountedAreaMu: num.Round2(l.CountedAreaMu),
				Claimed: num.Round2(l.Claimed), Eligible: num.Round2(l.Eligible)}
		})}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *Server) ListSettlements(ctx context.Context, req api.ListSettlementsRequestObject) (api.ListSettlementsResponseObject, error) {
	q := req.Params
	pr, err := page.Parse(q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	f := subsidy.Filter{CountyCode: deref(q.CountyCode), SeasonYear: deref(q.SeasonYear), ProviderID: deref(q.ProviderId), Status: string(deref(q.Status))}
	list, next, err := s.Subsidies.ListSettlements(ctx, principal(ctx), f, pr)
	if err != nil {
		return nil, err
	}
	return api.ListSettlements200JSONResponse{Items: mapAll(list, settlementOut), NextCursor: next}, nil
}

func (s *Server) CreateSettlement(ctx context.Context, req api.CreateSettlementRequestObject) (api.CreateSettlementResponseObject, error) {
	b := req.Body
	st, err := s.Subsidies.CreateSettlement(ctx, principal(ctx), b.ProviderId, b.CountyCode, b.SeasonYear)
	if err != nil {
		return nil, err
	}
	return api.CreateSettlement201JSONResponse{Body: settlementOut(st), Headers: api.CreateSettlement201ResponseHeaders{Location: location("settlements", st.ID)}}, nil
}

func (s *Server) GetSettlement(ctx context.Context, req api.GetSettlementRequestObject) (api.GetSettlementResponseObject, error) {
	st, err := s.Subsidies.GetSettlement(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	table := func() (sheet.Table, error) {
		ops, err := s.Reference.OperationTypes(ctx)
		return statementTable(st, ops), err
	}
	if r, ok, err := sheetAnswer(ctx, req.Params.Format, table, func(body io.Reader, disp *string) api.GetSettlementResponseObject {
		return api.GetSettlement200TextcsvResponse{Body: body, Headers: api.GetSettlement200ResponseHeaders{ContentDisposition: disp}}
	}, func(body io.Reader, disp *string) api.GetSettlementResponseObject {
		return api.GetSettlement200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.GetSettlement200ResponseHeaders{ContentDisposition: disp}}
	}); ok {
		return r, err
	}
	return api.GetSettlement200JSONResponse{Body: settlementOut(st)}, nil
}

func (s *Server) DeleteSettlement(ctx context.Context, req api.DeleteSettlementRequestObject) (api.DeleteSettlementResponseObject, error) {
	if err := s.Subsidies.DeleteSettlement(ctx, principal(ctx), req.Id); err != nil {
		return nil, err
	}
	return api.DeleteSettlement204Response{}, nil
}

func (s *Server) ApproveSettlement(ctx context.Context, req api.ApproveSettlementRequestObject) (api.ApproveSettlementResponseObject, error) {
	st, err := s.Subsidies.Approve(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.ApproveSettlement200JSONResponse(settlementOut(st)), nil
}

func (s *Server) PaySettlement(ctx context.Context, req api.PaySettlementRequestObject) (api.PaySettlementResponseObject, error) {
	st, err := s.Subsidies.Pay(ctx, principal(ctx), req.Id, req.Body.Reference)
	if err != nil {
		return nil, err
	}
	return api.PaySettlement200JSONResponse(settlementOut(st)), nil
}

// statementTable is a settlement's ledger (台账) as a table: a line per village and operation type, named in
// Chinese beside the codes, then the total with the household share against the policy's minimum.
func statementTable(st subsidy.Settlement, ops []reference.Item) sheet.Table {
	zh := map[string]string{}
	for _, it := range ops {
		zh[it.Code] = it.NameZH
	}
	cols := []sheet.Column{{ZH: "村集体", EN: "collective_name"}, {ZH: "村集体编号", EN: "collective_id"},
		{ZH: "作业类型", EN: "op_type_name"}, {ZH: "作业类型代码", EN: "op_type"},
		{ZH: "作业数", EN: "operations", Kind: sheet.Integer}, {ZH: "作业面积(亩次)", EN: "area_mu", Kind: sheet.Decimal},
		{ZH: "核定面积(亩次)", EN: "counted_area_mu", Kind: sheet.Decimal}, {ZH: "申报补贴(元)", EN: "claimed", Kind: sheet.Decimal},
		{ZH: "核定补贴(元)", EN: "eligible", Kind: sheet.Decimal}, {ZH: "应付补贴(元)", EN: "payable", Kind: sheet.Decimal},
		{ZH: "小农户占比(%)", EN: "household_share_pct", Kind: sheet.Decimal}, {ZH: "小农户占比下限(%)", EN: "min_household_share_pct", Kind: sheet.Decimal}}
	out := settlementOut(st)
	name := fmt.Sprintf("补贴结算单-%d-%d", st.SeasonYear, st.ID)
	return sheet.Table{Name: name, Columns: cols, Totals: 1, Rows: func(yield func([]sheet.Cell) bool) {
		total := []sheet.Cell{sheet.T("合计"), sheet.T(""), sheet.T(""), sheet.T(""), sheet.I(int64(out.Operations)), sheet.D(&out.AreaMu),
			sheet.D(&out.CountedAreaMu), sheet.D(&out.Claimed), sheet.D(&out.Eligible), sheet.D(&out.Payable),
			sheet.D(out.HouseholdSharePct), sheet.D(out.MinHouseholdSharePct)}
		if !yield(total) {
			return
		}
		for _, l := range out.Lines {
			if !yield([]sheet.Cell{sheet.T(l.CollectiveName), sheet.T(strconv.FormatInt(l.CollectiveId, 10)), sheet.T(zh[string(l.OpType)]),
				sheet.T(string(l.OpType)), sheet.I(int64(l.Operations)), sheet.D(&l.AreaMu), sheet.D(&l.CountedAreaMu),
				sheet.D(&l.Claimed), sheet.D(&l.Eligible), sheet.D(nil), sheet.D(nil), sheet.D(nil)}) {
				return
			}
		}
	}}
}

func sampleOut(s subsidy.Sample) api.VerificationSample {
	out := api.VerificationSample{Id: s.ID, CountyCode: s.CountyCode + "000000", SeasonYear: s.SeasonYear, SamplePct: s.SamplePct,
		Seed: s.Seed, CreatedAt: s.CreatedAt.UTC(),
		Items: mapAll(s.Items, func(it subsidy.Item) api.VerificationItem {
			v := api.VerificationItem{OperationId: it.OperationID, ProviderId: it.ProviderID, ContractId: it.ContractID,
				CollectiveId: it.CollectiveID, ParcelId: it.ParcelID, OpType: api.OperationType(it.OpType),
				OpDate: openapi_types.Date{Time: it.OpDate}, AreaMu: it.AreaMu}
			if it.VerifiedAreaMu != nil && it.CheckedAt != nil {
				v.Result = &api.VerificationResult{VerifiedAreaMu: *it.VerifiedAreaMu, Note: it.Note, CheckedBy: it.CheckedBy, CheckedAt: it.CheckedAt.UTC()}
			}
			return v
		}),
		Providers: mapAll(s.Providers(), func(c subsidy.ProviderCheck) api.VerificationProvider {
			return api.VerificationProvider{ProviderId: c.ProviderID, Items: c.Items, Checked: c.Checked,
				SampledAreaMu: num.Round2(c.SampledAreaMu), VerifiedAreaMu: num.Round2(c.VerifiedAreaMu), DiscrepancyPct: c.DiscrepancyPct()}
		})}
	return out
}

func (s *Server) DrawVerificationSample(ctx context.Context, req api.DrawVerificationSampleRequestObject) (api.DrawVerificationSampleResponseObject, error) {
	b := req.Body
	sm, err := s.Subsidies.Draw(ctx, principal(ctx), b.CountyCode, b.SeasonYear, b.SamplePct, b.Seed)
	if err != nil {
		return nil, err
	}
	return api.DrawVerificationSample201JSONResponse{Body: sampleOut(sm),
		Headers: api.DrawVerificationSample201ResponseHeaders{Location: location("verification-samples", sm.ID)}}, nil
}

func (s *Server) GetVerificationSample(ctx context.Context, req api.GetVerificationSampleRequestObject) (api.GetVerificationSampleResponseObject, error) {
	table := func() (sheet.Table, error) {
		sm, rows, err := s.Subsidies.CheckSheet(ctx, principal(ctx), req.Id)
		if err != nil {
			return sheet.Table{}, err
		}
		ops, err := s.Reference.OperationTypes(ctx)
		return checkSheet(sm, rows, ops), err
	}
	if r, ok, err := sheetAnswer(ctx, req.Params.Format, table, func(body io.Reader, disp *string) api.GetVerificationSampleResponseObject {
		return api.GetVerificationSample200TextcsvResponse{Body: body, Headers: api.GetVerificationSample200ResponseHeaders{ContentDisposition: disp}}
	}, func(body io.Reader, disp *string) api.GetVerificationSampleResponseObject {
		return api.GetVerificationSample200ApplicationvndOpenxmlformatsOfficedocumentSpreadsheetmlSheetResponse{Body: body, Headers: api.GetVerificationSample200ResponseHeaders{ContentDisposition: disp}}
	}); ok {
		return r, err
	}
	sm, err := s.Subsidies.GetSample(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetVerificationSample200JSONResponse{Body: sampleOut(sm)}, nil
}

// checkSheet is the inspectors' field-check sheet of a sample: a line per operation drawn, with empty columns
// for what they measure, and a signature line.
func checkSheet(sm subsidy.Sample, rows []subsidy.CheckRow, ops []reference.Item) sheet.Table {
	zh := map[string]string{}
	for _, it := range ops {
		zh[it.Code] = it.NameZH
	}
	cols := []sheet.Column{{ZH: "村", EN: "village"}, {ZH: "服务主体", EN: "provider"}, {ZH: "合同编号", EN: "contract_number"},
		{ZH: "经营主体", EN: "farm"}, {ZH: "地块", EN: "parcel"}, {ZH: "作业类型", EN: "op_type"}, {ZH: "作业日期", EN: "op_date"},
		{ZH: "记录面积(亩)", EN: "area_mu", Kind: sheet.Decimal}, {ZH: "实测面积(亩)", EN: "verified_area_mu"}, {ZH: "备注", EN: "note"}}
	name := fmt.Sprintf("补贴作业抽查表-%d-%d", sm.SeasonYear, sm.ID)
	return sheet.Table{Name: name, Columns: cols, Rows: func(yield func([]sheet.Cell) bool) {
		for _, r := range rows {
			a := r.AreaMu
			if !yield([]sheet.Cell{sheet.T(r.Village), sheet.T(r.Provider), sheet.T(r.Contract), sheet.T(r.Farm), sheet.T(r.Parcel),
				sheet.T(zh[r.OpType]), sheet.T(r.OpDate.Format(time.DateOnly)), sheet.D(&a), sheet.T(""), sheet.T("")}) {
				return
			}
		}
		yield([]sheet.Cell{sheet.T("检查人签字："), sheet.T(""), sheet.T("被检查服务主体签字："), sheet.T(""), sheet.T(""),
			sheet.T("日期："), sheet.T(""), sheet.D(nil), sheet.T(""), sheet.T("")})
	}}
}

func (s *Server) RecordVerificationResults(ctx context.Context, req api.RecordVerificationResultsRequestObject) (api.RecordVerificationResultsResponseObject, error) {
	results := make([]subsidy.Result, len(req.Body.Results))
	for i, r := range req.Body.Results {
		results[i] = subsidy.Result{OperationID: r.OperationId, VerifiedAreaMu: r.VerifiedAreaMu, Note: r.Note}
	}
	sm, err := s.Subsidies.Record(ctx, principal(ctx), req.Id, results)
	if err != nil {
		return nil, err
	}
	return api.RecordVerificationResults200JSONResponse(sampleOut(sm)), nil
}
