package httpapi

import (
	"context"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

func contractOut(c contract.Contract) api.Contract {
	return api.Contract{Id: c.ID, Number: c.Number, CollectiveId: c.CollectiveID, FarmId: c.FarmID, ProviderId: c.ProviderID,
		RegionCode: c.RegionCode, Crop: c.Crop, SeasonYear: c.SeasonYear, Mode: api.ContractMode(c.Mode),
		StartDate: openapi_types.Date{Time: c.StartDate}, EndDate: openapi_types.Date{Time: c.EndDate},
		CollectiveFeePerMu: c.CollectiveFeePerMu, BaselineYieldKgPerMu: c.BaselineYieldKgPerMu, PricePerKg: c.PricePerKg,
		ContractedAreaMu: c.ContractedAreaMu, Status: api.ContractStatus(c.Status), TerminationReason: c.TerminationReason,
		ActivatedAt: c.ActivatedAt, ClosedAt: c.ClosedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		PolicyFlags: mapAll(c.PolicyFlags, func(f subsidy.Flag) api.PolicyFlag {
			return api.PolicyFlag{Rule: api.PolicyFlagRule(f.Rule), Field: f.Field, Message: f.Message}
		}),
		Parcels: mapAll(c.Parcels, func(p contract.Parcel) api.ContractParcel {
			return api.ContractParcel{ParcelId: p.ParcelID, AreaMu: p.AreaMu}
		}),
		Services: mapAll(c.Services, func(l contract.Line) api.ServiceLine {
			return api.ServiceLine{OpType: l.OpType, Passes: l.Passes, PricePerMu: l.PricePerMu, SubsidyPerMu: l.SubsidyPerMu,
				BaselineCostPerMu: l.BaselineCostPerMu, DeliveredAreaMu: l.ConfirmedAreaMu,
				PendingAreaMu: num.Round2(l.ActiveAreaMu.Decimal().Sub(l.ConfirmedAreaMu.Decimal()))}
		}),
	}
}

// contractIn maps the fields of a draft or a change; absent lists stay nil.
func contractIn(collectiveID, farmID, providerID *int64, crop *string, year *int, mode *api.ContractMode, start, end *openapi_types.Date,
	parcels *[]api.ContractParcelInput, services *[]api.ServiceLineInput, fee, baseYield *num.Dec2, price *num.Dec4) contract.Input {
	in := contract.Input{CollectiveID: collectiveID, FarmID: farmID, ProviderID: providerID, Crop: crop, SeasonYear: year,
		Mode: (*string)(mode), StartDate: date(start), EndDate: date(end), CollectiveFeePerMu: fee, BaselineYieldKgPerMu: baseYield, PricePerKg: price}
	if parcels != nil {
		ps := mapAll(*parcels, func(p api.ContractParcelInput) contract.ParcelInput {
			return contract.ParcelInput{ParcelID: p.ParcelId, AreaMu: p.AreaMu}
		})
		in.Parcels = &ps
	}
	if services != nil {
		ls := mapAll(*services, func(l api.ServiceLineInput) contract.LineInput {
			return contract.LineInput{OpType: l.OpType, Passes: l.Passes, PricePerMu: l.PricePerMu, SubsidyPerMu: l.SubsidyPerMu, BaselineCostPerMu: l.BaselineCostPerMu}
		})
		in.Services = &ls
	}
	return in
}

func (s *Server) ListContracts(ctx context.Context, req api.ListContractsRequestObject) (api.ListContractsResponseObject, error) {
	q := req.Params
	pr, err := page.Parse(q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	o, err := page.ParseOrder((*string)(q.Sort), contract.Sorts)
	if err != nil {
		return nil, err
	}
	f := contract.Filter{CollectiveID: deref(q.CollectiveId), FarmID: deref(q.FarmId), ProviderID: deref(q.ProviderId),
		RegionCode: deref(q.RegionCode), Crop: string(deref(q.Crop)), SeasonYear: deref(q.SeasonYear), Status: string(deref(q.Status)),
		Mode: string(deref(q.Mode)), Number: deref(q.Number)}
	cs, next, err := s.Contracts.List(ctx, principal(ctx), f, o, pr)
	if err != nil {
		return nil, err
	}
	return contractsJSON(api.ContractList{Items: mapAll(cs, contractOut), NextCursor: next}), nil
}

func (s *Server) CreateContract(ctx context.Context, req api.CreateContractRequestObject) (api.CreateContractResponseObject, error) {
	b := req.Body
	c, err := s.Contracts.Create(ctx, principal(ctx), contractIn(b.CollectiveId, &b.FarmId, &b.ProviderId, &b.Crop, &b.SeasonYear,
		&b.Mode, &b.StartDate, &b.EndDate, &b.Parcels, &b.Services, &b.CollectiveFeePerMu, &b.BaselineYieldKgPerMu, &b.PricePerKg))
	if err != nil {
		return nil, err
	}
	return api.CreateContract201JSONResponse{ContractCreatedJSONResponse: api.ContractCreatedJSONResponse{Body: contractOut(c),
		Headers: api.ContractCreatedResponseHeaders{Location: location("contracts", c.ID)}}}, nil
}

func (s *Server) GetContract(ctx context.Context, req api.GetContractRequestObject) (api.GetContractResponseObject, error) {
	c, err := s.Contracts.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetContract200JSONResponse(contractOut(c)), nil
}

func (s *Server) UpdateContract(ctx context.Context, req api.UpdateContractRequestObject) (api.UpdateContractResponseObject, error) {
	b := req.Body
	c, err := s.Contracts.Update(ctx, principal(ctx), req.Id, contractIn(nil, b.FarmId, b.ProviderId, b.Crop, b.SeasonYear,
		b.Mode, b.StartDate, b.EndDate, b.Parcels, b.Services, b.CollectiveFeePerMu, b.BaselineYieldKgPerMu, b.PricePerKg))
	if err != nil {
		return nil, err
	}
	return api.UpdateContract200JSONResponse(contractOut(c)), nil
}

func (s *Server) DeleteContract(ctx context.Context, req api.DeleteContractRequestObject) (api.DeleteContractResponseObject, error) {
	if err := s.Contracts.Delete(ctx, principal(ctx), req.Id); err != nil {
		return nil, err
	}
	return api.DeleteContract204Response{}, nil
}

func (s *Server) ActivateContract(ctx context.Context, req api.ActivateContractRequestObject) (api.ActivateContractResponseObject, error) {
	c, err := s.Contracts.Activate(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.ActivateContract200JSONResponse(contractOut(c)), nil
}

func (s *Server) CompleteContract(ctx context.Context, req api.CompleteContractRequestObject) (api.CompleteContractResponseObject, error) {
	c, err := s.Contracts.Complete(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.CompleteContract200JSONResponse(contractOut(c)), nil
}

func (s *Server) TerminateContract(ctx context.Context, req api.TerminateContractRequestObject) (api.TerminateContractResponseObject, error) {
	c, err := s.Contracts.Terminate(ctx, principal(ctx), req.Id, req.Body.Reason)
	if err != nil {
		return nil, err
	}
	return api.TerminateContract200JSONResponse(contractOut(c)), nil
}
