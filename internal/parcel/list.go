package parcel

import (
	"context"

	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Sorts are the orders a listing may take besides id.
var Sorts = map[string]string{"name": "name", "area_mu": "area_mu"}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	FarmID       int64
	CollectiveID int64
	RegionCode   string
	LandType     string
	Code         string
	Name         string
	AreaMismatch *bool
}

// List returns the parcels p may read, in order o.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, o page.Order, r page.Request) ([]Parcel, *string, error) {
	q := Visible(s.db.WithContext(ctx), p)
	if f.FarmID != 0 {
		q = q.Where("parcels.farm_id = ?", f.FarmID)
	}
	if f.CollectiveID != 0 {
		q = q.Where("parcels.collective_id = ?", f.CollectiveID)
	}
	if f.RegionCode != "" {
		cond, args, err := scope.InsideByTownship("region_code", "parcels", f.RegionCode)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(cond, args...)
	}
	if f.LandType != "" {
		q = q.Where("parcels.land_type = ?", f.LandType)
	}
	if f.Code != "" {
		q = q.Where("parcels.code = ?", f.Code)
	}
	if f.Name != "" {
		q = q.Where("parcels.name LIKE ?", "%"+page.EscapeLike(f.Name)+"%")
	}
	if f.AreaMismatch != nil {
		q = q.Where("parcels.area_mismatch = ?", *f.AreaMismatch)
	}
	q, err := o.Apply(q, "parcels", r)
	if err != nil {
		return nil, nil, err
	}
	var ps []Parcel
	if err := q.Find(&ps).Error; err != nil {
		return nil, nil, err
	}
	ps, next := page.Trim(ps, r, func(pc Parcel) string {
		if o.Column() == "area_mu" {
			return o.Key(pc.AreaMu, pc.ID)
		}
		return o.Key(pc.Name, pc.ID)
	})
	return ps, next, nil
}
