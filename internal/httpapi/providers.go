package httpapi

import (
	"context"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/provider"
)

func providerOut(p provider.Provider) api.Provider {
	return api.Provider{Id: p.ID, Name: p.Name, Kind: api.ProviderKind(p.Kind), CreditCode: p.CreditCode, RegionCode: p.RegionCode,
		OperationTypes: p.OperationTypes, ContactName: p.ContactName, ContactPhone: p.ContactPhoneMask,
		Status: api.ProviderStatus(p.Status), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		Machinery: mapAll(p.Machinery, func(m provider.Machine) api.Machinery { return api.Machinery{Type: m.Type, Count: m.Count} })}
}

func machinesIn(in *[]api.Machinery) *[]provider.Machine {
	if in == nil {
		return nil
	}
	out := mapAll(*in, func(m api.Machinery) provider.Machine { return provider.Machine{Type: m.Type, Count: m.Count} })
	return &out
}

func (s *Server) ListProviders(ctx context.Context, req api.ListProvidersRequestObject) (api.ListProvidersResponseObject, error) {
	q := req.Params
	pr, err := page.Parse(q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	o, err := page.ParseOrder((*string)(q.Sort), provider.Sorts)
	if err != nil {
		return nil, err
	}
	f := provider.Filter{RegionCode: deref(q.RegionCode), Kind: string(deref(q.Kind)), Status: string(deref(q.Status)),
		OperationType: string(deref(q.OperationType)), Name: deref(q.Name)}
	ps, next, err := s.Providers.List(ctx, principal(ctx), f, o, pr)
	if err != nil {
		return nil, err
	}
	return api.ListProviders200JSONResponse{Items: mapAll(ps, providerOut), NextCursor: next}, nil
}

func (s *Server) CreateProvider(ctx context.Context, req api.CreateProviderRequestObject) (api.CreateProviderResponseObject, error) {
	b := req.Body
	kind := string(b.Kind)
	p, err := s.Providers.Create(ctx, principal(ctx), provider.Input{Name: &b.Name, Kind: &kind, CreditCode: b.CreditCode,
		RegionCode: &b.RegionCode, OperationTypes: &b.OperationTypes, Machinery: machinesIn(b.Machinery),
		ContactName: &b.ContactName, ContactPhone: &b.ContactPhone, Status: (*string)(b.Status)})
	if err != nil {
		return nil, err
	}
	return api.CreateProvider201JSONResponse{ProviderCreatedJSONResponse: api.ProviderCreatedJSONResponse{Body: providerOut(p),
		Headers: api.ProviderCreatedResponseHeaders{Location: location("providers", p.ID)}}}, nil
}

func (s *Server) GetProvider(ctx context.Context, req api.GetProviderRequestObject) (api.GetProviderResponseObject, error) {
	p, err := s.Providers.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetProvider200JSONResponse(providerOut(p)), nil
}

func (s *Server) UpdateProvider(ctx context.Context, req api.UpdateProviderRequestObject) (api.UpdateProviderResponseObject, error) {
	b := req.Body
	p, err := s.Providers.Update(ctx, principal(ctx), req.Id, provider.Input{Name: b.Name, Kind: (*string)(b.Kind),
		CreditCode: b.CreditCode, OperationTypes: b.OperationTypes, Machinery: machinesIn(b.Machinery),
		ContactName: b.ContactName, ContactPhone: b.ContactPhone, Status: (*string)(b.Status)})
	if err != nil {
		return nil, err
	}
	return api.UpdateProvider200JSONResponse(providerOut(p)), nil
}
