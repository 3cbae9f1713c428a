package httpapi

import (
	"context"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/page"
)

func farmOut(f farm.Farm) api.Farm {
	out := api.Farm{Id: f.ID, Kind: api.FarmKind(f.Kind), Name: f.Name, OperatorName: f.OperatorName, IdNumber: f.IDNumberMask,
		Phone: f.PhoneMask, CollectiveId: f.CollectiveID, RegionCode: f.RegionCode, CreditCode: f.CreditCode,
		DemonstrationLevel: api.DemonstrationLevel(f.DemonstrationLevel), OperatedAreaMu: f.OperatedAreaMu,
		BusinessModels: mapAll([]string(f.BusinessModels), func(m string) api.BusinessModel { return api.BusinessModel(m) }),
		CreatedAt:      f.CreatedAt, UpdatedAt: f.UpdatedAt}
	if f.RegisteredOn != nil {
		out.RegisteredOn = &openapi_types.Date{Time: *f.RegisteredOn}
	}
	return out
}

func (s *Server) ListFarms(ctx context.Context, req api.ListFarmsRequestObject) (api.ListFarmsResponseObject, error) {
	q := req.Params
	pr, err := page.Parse(q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	o, err := page.ParseOrder((*string)(q.Sort), farm.Sorts)
	if err != nil {
		return nil, err
	}
	f := farm.Filter{CollectiveID: deref(q.CollectiveId), RegionCode: deref(q.RegionCode), Kind: string(deref(q.Kind)),
		DemonstrationLevel: string(deref(q.DemonstrationLevel)), BusinessModel: string(deref(q.BusinessModel)),
		Name: deref(q.Name), IDNumber: deref(q.IdNumber), Phone: deref(q.Phone)}
	farms, next, err := s.Farms.List(ctx, principal(ctx), f, o, pr)
	if err != nil {
		return nil, err
	}
	return api.ListFarms200JSONResponse{Items: mapAll(farms, farmOut), NextCursor: next}, nil
}

func (s *Server) CreateFarm(ctx context.Context, req api.CreateFarmRequestObject) (api.CreateFarmResponseObject, error) {
	b := req.Body
	kind := string(b.Kind)
	f, err := s.Farms.Create(ctx, principal(ctx), farm.Input{Kind: &kind, Name: &b.Name, OperatorName: &b.OperatorName,
		IDNumber: &b.IdNumber, Phone: &b.Phone, CollectiveID: b.CollectiveId, RegisteredOn: date(b.RegisteredOn),
		CreditCode: b.CreditCode, DemonstrationLevel: (*string)(b.DemonstrationLevel), BusinessModels: strs(b.BusinessModels),
		OperatedAreaMu: b.OperatedAreaMu})
	if err != nil {
		return nil, err
	}
	return api.CreateFarm201JSONResponse{FarmCreatedJSONResponse: api.FarmCreatedJSONResponse{Body: farmOut(f),
		Headers: api.FarmCreatedResponseHeaders{Location: location("farms", f.ID)}}}, nil
}

func (s *Server) GetFarm(ctx context.Context, req api.GetFarmRequestObject) (api.GetFarmResponseObject, error) {
	f, err := s.Farms.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetFarm200JSONResponse(farmOut(f)), nil
}

func (s *Server) UpdateFarm(ctx context.Context, req api.UpdateFarmRequestObject) (api.UpdateFarmResponseObject, error) {
	b := req.Body
	f, err := s.Farms.Update(ctx, principal(ctx), req.Id, farm.Input{Name: b.Name, OperatorName: b.OperatorName,
		IDNumber: b.IdNumber, Phone: b.Phone, RegisteredOn: date(b.RegisteredOn), CreditCode: b.CreditCode,
		DemonstrationLevel: (*string)(b.DemonstrationLevel), BusinessModels: strs(b.BusinessModels), OperatedAreaMu: b.OperatedAreaMu})
	if err != nil {
		return nil, err
	}
	return api.UpdateFarm200JSONResponse(farmOut(f)), nil
}

func date(d *openapi_types.Date) *time.Time {
	if d == nil {
		return nil
	}
	return &d.Time
}

// strs converts a list of a generated string enum to plain strings.
func strs[T ~string](in *[]T) *[]string {
	if in == nil {
		return nil
	}
	out := make([]string, len(*in))
	for i, v := range *in {
		out[i] = string(v)
	}
	return &out
}
