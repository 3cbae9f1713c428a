package httpapi

import (
	"context"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/reference"
)

func referenceOut(items []reference.Item) api.ReferenceList {
	return api.ReferenceList{Items: mapAll(items, func(i reference.Item) api.ReferenceItem {
		return api.ReferenceItem{Code: i.Code, NameZh: i.NameZH, NameEn: i.NameEN}
	})}
}

func (s *Server) ListCrops(ctx context.Context, _ api.ListCropsRequestObject) (api.ListCropsResponseObject, error) {
	items, err := s.Reference.Crops(ctx)
	if err != nil {
		return nil, err
	}
	return api.ListCrops200JSONResponse(referenceOut(items)), nil
}

func (s *Server) ListOperationTypes(ctx context.Context, _ api.ListOperationTypesRequestObject) (api.ListOperationTypesResponseObject, error) {
	items, err := s.Reference.OperationTypes(ctx)
	if err != nil {
		return nil, err
	}
	return api.ListOperationTypes200JSONResponse(referenceOut(items)), nil
}
