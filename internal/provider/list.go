package provider

import (
	"context"

	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Sorts are the orders a listing may take besides id.
var Sorts = map[string]string{"name": "name"}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	RegionCode    string
	Kind          string
	Status        string
	OperationType string
	Name          string
}

// List returns the providers p may read, in order o.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, o page.Order, r page.Request) ([]Provider, *string, error) {
	q := visible(s.db.WithContext(ctx), p)
	if f.RegionCode != "" {
		cond, arg, err := scope.Inside("region_code", "providers.region_code", f.RegionCode)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(cond, arg)
	}
	if f.Kind != "" {
		q = q.Where("providers.kind = ?", f.Kind)
	}
	if f.Status != "" {
		q = q.Where("providers.status = ?", f.Status)
	}
	if f.OperationType != "" {
		q = q.Where("providers.operation_types @> ARRAY[?]::text[]", f.OperationType)
	}
	if f.Name != "" {
		q = q.Where("providers.name LIKE ?", "%"+page.EscapeLike(f.Name)+"%")
	}
	q, err := o.Apply(q, "providers", r)
	if err != nil {
		return nil, nil, err
	}
	var ps []Provider
	if err := q.Find(&ps).Error; err != nil {
		return nil, nil, err
	}
	ps, next := page.Trim(ps, r, func(pr Provider) string { return o.Key(pr.Name, pr.ID) })
	return ps, next, nil
}
