package httpapi

import (
	"context"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/postgres"
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
