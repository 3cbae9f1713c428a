package httpapi

import (
	"context"
	"encoding/json"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/parcel"
)

func parcelOut(p parcel.Parcel) api.Parcel {
	out := api.Parcel{Id: p.ID, FarmId: p.FarmID, CollectiveId: p.CollectiveID, RegionCode: p.RegionCode, Code: p.Code,
		Name: p.Name, AreaMu: p.AreaMu, LandType: api.LandType(p.LandType), CertificateNo: p.CertificateNo,
		MeasuredAreaMu: p.MeasuredAreaMu, AreaMismatch: p.AreaMismatch, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if len(p.Boundary) > 0 {
		var g map[string]any
		if json.Unmarshal(p.Boundary, &g) == nil {
			out.Boundary = &g
		}
	}
	return out
}

func (s *Server) ListParcels(ctx context.Context, req api.ListParcelsRequestObject) (api.ListParcelsResponseObject, error) {
	q := req.Params
	pr, err := page.Parse(q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	o, err := page.ParseOrder((*string)(q.Sort), parcel.Sorts)
	if err != nil {
		return nil, err
	}
	f := parcel.Filter{FarmID: deref(q.FarmId), CollectiveID: deref(q.CollectiveId), RegionCode: deref(q.RegionCode),
		LandType: string(deref(q.LandType)), Code: deref(q.Code), Name: deref(q.Name), AreaMismatch: q.AreaMismatch}
	ps, next, err := s.Parcels.List(ctx, principal(ctx), f, o, pr)
	if err != nil {
		return nil, err
	}
	return api.ListParcels200JSONResponse{Items: mapAll(ps, parcelOut), NextCursor: next}, nil
}

func (s *Server) CreateParcel(ctx context.Context, req api.CreateParcelRequestObject) (api.CreateParcelResponseObject, error) {
	b := req.Body
	lt := string(b.LandType)
	p, err := s.Parcels.Create(ctx, principal(ctx), parcel.Input{FarmID: &b.FarmId, Name: &b.Name, AreaMu: &b.AreaMu,
		LandType: &lt, Code: b.Code, CertificateNo: b.CertificateNo, Boundary: b.Boundary})
	if err != nil {
		return nil, err
	}
	return api.CreateParcel201JSONResponse{ParcelCreatedJSONResponse: api.ParcelCreatedJSONResponse{Body: parcelOut(p),
		Headers: api.ParcelCreatedResponseHeaders{Location: location("parcels", p.ID)}}}, nil
}

func (s *Server) GetParcel(ctx context.Context, req api.GetParcelRequestObject) (api.GetParcelResponseObject, error) {
	p, err := s.Parcels.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetParcel200JSONResponse(parcelOut(p)), nil
}

func (s *Server) UpdateParcel(ctx context.Context, req api.UpdateParcelRequestObject) (api.UpdateParcelResponseObject, error) {
	b := req.Body
	p, err := s.Parcels.Update(ctx, principal(ctx), req.Id, parcel.Input{Name: b.Name, AreaMu: b.AreaMu,
		LandType: (*string)(b.LandType), Code: b.Code, CertificateNo: b.CertificateNo, Boundary: b.Boundary})
	if err != nil {
		return nil, err
	}
	return api.UpdateParcel200JSONResponse(parcelOut(p)), nil
}
