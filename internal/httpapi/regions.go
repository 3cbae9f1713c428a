package httpapi

import (
	"context"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/region"
)

func regionOut(r region.Region) api.Region {
	return api.Region{Code: r.Code, Name: r.Name, Level: api.RegionLevel(r.Level), ParentCode: r.ParentCode}
}

func (s *Server) ListRegions(ctx context.Context, req api.ListRegionsRequestObject) (api.ListRegionsResponseObject, error) {
	pr, err := page.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := region.Filter{ParentCode: deref(req.Params.ParentCode), Level: string(deref(req.Params.Level)),
		Within: deref(req.Params.Within), Name: deref(req.Params.Name)}
	regions, next, err := s.Regions.List(ctx, principal(ctx), f, pr)
	if err != nil {
		return nil, err
	}
	return api.ListRegions200JSONResponse{Items: mapAll(regions, regionOut), NextCursor: next}, nil
}

func (s *Server) CreateRegion(ctx context.Context, req api.CreateRegionRequestObject) (api.CreateRegionResponseObject, error) {
	r, err := s.Regions.Create(ctx, principal(ctx), req.Body.Code, req.Body.Name)
	if err != nil {
		return nil, err
	}
	return api.CreateRegion201JSONResponse{RegionCreatedJSONResponse: api.RegionCreatedJSONResponse{Body: regionOut(r), Headers: api.RegionCreatedResponseHeaders{Location: location("regions", r.Code)}}}, nil
}

func (s *Server) GetRegion(ctx context.Context, req api.GetRegionRequestObject) (api.GetRegionResponseObject, error) {
	r, err := s.Regions.Get(ctx, principal(ctx), req.Code)
	if err != nil {
		return nil, err
	}
	return api.GetRegion200JSONResponse(regionOut(r)), nil
}

func (s *Server) UpdateRegion(ctx context.Context, req api.UpdateRegionRequestObject) (api.UpdateRegionResponseObject, error) {
	r, err := s.Regions.Rename(ctx, principal(ctx), req.Code, req.Body.Name)
	if err != nil {
		return nil, err
	}
	return api.UpdateRegion200JSONResponse(regionOut(r)), nil
}
