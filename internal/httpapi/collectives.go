package httpapi

import (
	"context"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/page"
)

func collectiveOut(c collective.Collective) api.Collective {
	return api.Collective{Id: c.ID, Name: c.Name, CreditCode: c.CreditCode, RegionCode: c.RegionCode,
		ContactName: c.ContactName, ContactPhone: c.ContactPhoneMask, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func (s *Server) ListCollectives(ctx context.Context, req api.ListCollectivesRequestObject) (api.ListCollectivesResponseObject, error) {
	pr, err := page.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := collective.Filter{RegionCode: deref(req.Params.RegionCode), Name: deref(req.Params.Name), CreditCode: deref(req.Params.CreditCode)}
	cs, next, err := s.Collectives.List(ctx, principal(ctx), f, pr)
	if err != nil {
		return nil, err
	}
	return api.ListCollectives200JSONResponse{Items: mapAll(cs, collectiveOut), NextCursor: next}, nil
}

func (s *Server) CreateCollective(ctx context.Context, req api.CreateCollectiveRequestObject) (api.CreateCollectiveResponseObject, error) {
	b := req.Body
	c, err := s.Collectives.Create(ctx, principal(ctx), collective.Input{Name: &b.Name, CreditCode: &b.CreditCode,
		RegionCode: &b.RegionCode, ContactName: &b.ContactName, ContactPhone: &b.ContactPhone})
	if err != nil {
		return nil, err
	}
	return api.CreateCollective201JSONResponse{CollectiveCreatedJSONResponse: api.CollectiveCreatedJSONResponse{Body: collectiveOut(c), Headers: api.CollectiveCreatedResponseHeaders{Location: location("collectives", c.ID)}}}, nil
}

func (s *Server) GetCollective(ctx context.Context, req api.GetCollectiveRequestObject) (api.GetCollectiveResponseObject, error) {
	c, err := s.Collectives.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetCollective200JSONResponse(collectiveOut(c)), nil
}

func (s *Server) UpdateCollective(ctx context.Context, req api.UpdateCollectiveRequestObject) (api.UpdateCollectiveResponseObject, error) {
	b := req.Body
	c, err := s.Collectives.Update(ctx, principal(ctx), req.Id, collective.Input{Name: b.Name, CreditCode: b.CreditCode,
		ContactName: b.ContactName, ContactPhone: b.ContactPhone})
	if err != nil {
		return nil, err
	}
	return api.UpdateCollective200JSONResponse(collectiveOut(c)), nil
}
