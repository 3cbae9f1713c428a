package farm

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Sorts are the orders a listing may take besides id.
var Sorts = map[string]string{"name": "name", "created_at": "created_at"}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	CollectiveID       int64
	RegionCode         string
	Kind               string
	DemonstrationLevel string
	BusinessModel      string
	Name               string // farm or operator name contains it (starts with it, when shorter than 3 characters)
	IDNumber           string // exact, through the keyed hash
	Phone              string // exact, through the keyed hash
}

// List returns the farms p may read, in order o.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, o page.Order, r page.Request) ([]Farm, *string, error) {
	q := Visible(s.db.WithContext(ctx), p)
	if f.CollectiveID != 0 {
		q = q.Where("farms.collective_id = ?", f.CollectiveID)
	}
	if f.RegionCode != "" {
		cond, args, err := scope.InsideByTownship("region_code", "farms", f.RegionCode)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(cond, args...)
	}
	if f.Kind != "" {
		q = q.Where("farms.kind = ?", f.Kind)
	}
	if f.DemonstrationLevel != "" {
		q = q.Where("farms.demonstration_level = ?", f.DemonstrationLevel)
	}
	if f.BusinessModel != "" {
		q = q.Where("farms.business_models @> ARRAY[?]::text[]", f.BusinessModel)
	}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
	case n < 3:
		// Too short for a trigram index to narrow: a name of one or two characters (a surname, a given name)
		// matches the start of the farm's or the operator's name, as an equality on their first characters
		// that the planner estimates from statistics of its own (migration 0013).
		q = q.Where(fmt.Sprintf("(left(farms.name, %d) = ? OR left(farms.operator_name, %d) = ?)", n, n), f.Name, f.Name)
	default:
		q = q.Where("(farms.name LIKE ? OR farms.operator_name LIKE ?)", "%"+page.EscapeLike(f.Name)+"%", "%"+page.EscapeLike(f.Name)+"%")
	}
	if f.IDNumber != "" {
		q = q.Where("farms.id_number_mac = ?", s.keys.Lookup(pii.KindIDNumber, f.IDNumber))
	}
	if f.Phone != "" {
		q = q.Where("farms.phone_mac = ?", s.keys.Lookup(pii.KindPhone, f.Phone))
	}
	q, err := o.Apply(q, "farms", r)
	if err != nil {
		return nil, nil, err
	}
	var farms []Farm
	if err := q.Find(&farms).Error; err != nil {
		return nil, nil, err
	}
	farms, next := page.Trim(farms, r, func(f Farm) string {
		if o.Column() == "created_at" {
			return o.Key(f.CreatedAt, f.ID)
		}
		return o.Key(f.Name, f.ID)
	})
	return farms, next, nil
}
