package stats

import (
	"context"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// FamilyCount is a number of family farms and the area they operate.
type FamilyCount struct {
	Key    string
	Name   string
	Farms  int64
	AreaMu decimal.Decimal
}

// FamilyReport is the family-farm registry of a region: totals and the breakdowns by township,
// demonstration level and business model (a farm of several models counts under each).
type FamilyReport struct {
	Region               region.Region
	Total                FamilyCount
	ByTownship           []FamilyCount
	ByDemonstrationLevel []FamilyCount
	ByBusinessModel      []FamilyCount
}

// FamilyFarms counts the family farms of region code that p may see: admin and the bureau of the region,
// a collective its own; providers get Forbidden, a region outside p's scope NotFound.
func (s *Service) FamilyFarms(ctx context.Context, p scope.Principal, code string) (FamilyReport, error) {
	var rep FamilyReport
	if p.Role == scope.Provider {
		return rep, fault.Forbiddenf("Providers see statistics of their own work only.")
	}
	r, err := region.NewService(s.db).Get(ctx, p, code)
	if err != nil {
		return rep, err
	}
	rep.Region = r
	base := farm.Visible(s.db.WithContext(ctx).Table("farms"), p).
		Where("farms.kind = ? AND farms.region_code LIKE ?", farm.KindFamilyFarm, scope.Prefix(code)+"%")
	sub := base.Session(&gorm.Session{}).Select("farms.*")
	count := func(key, join string) ([]FamilyCount, error) {
		var rows []FamilyCount
		q := "SELECT " + key + " AS key, count(*) AS farms, coalesce(sum(farms.operated_area_mu), 0) AS area_mu FROM (?) AS farms " + join
		if key != "''" {
			q += " GROUP BY 1 ORDER BY 1"
		}
		err := s.db.WithContext(ctx).Raw(q, sub).Scan(&rows).Error
		return rows, err
	}
	totals, err := count("''", "")
	if err != nil {
		return rep, err
	}
	if len(totals) > 0 {
		rep.Total = totals[0]
	}
	if rep.ByTownship, err = count("left(farms.region_code, 9) || '000'", ""); err != nil {
		return rep, err
	}
	if rep.ByDemonstrationLevel, err = count("farms.demonstration_level", ""); err != nil {
		return rep, err
	}
	if rep.ByBusinessModel, err = count("m.model", "CROSS JOIN unnest(farms.business_models) AS m(model)"); err != nil {
		return rep, err
	}
	names, err := s.names(ctx, ByTownship, keys(rep.ByTownship))
	if err != nil {
		return rep, err
	}
	for i := range rep.ByTownship {
		rep.ByTownship[i].Name = names[rep.ByTownship[i].Key]
	}
	return rep, nil
}

func keys(cs []FamilyCount) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Key
	}
	return out
}
