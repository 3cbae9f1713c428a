package stats

import (
	"context"

	"github.com/shopspring/decimal"

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
	within, args := scope.WithinByTownship("farms", scope.Prefix(code))
	base := farm.Visible(s.db.WithContext(ctx).Table("farms"), p).Where("farms.kind = ?", farm.KindFamilyFarm).Where(within, args...).
		Select("farms.region_code, farms.demonstration_level, farms.business_models, farms.operated_area_mu")
	// One reading of the farms, counted four ways: in all, by township, by demonstration level and by
	// business model (a farm of several models under each).
	var rows []struct {
		Breakdown string
		FamilyCount
	}
	err = s.db.WithContext(ctx).Raw(`WITH f AS MATERIALIZED (?)
		SELECT 'total' AS breakdown, '' AS key, count(*) AS farms, coalesce(sum(f.operated_area_mu), 0) AS area_mu FROM f
		UNION ALL SELECT 'township', left(f.region_code, 9) || '000', count(*), sum(f.operated_area_mu) FROM f GROUP BY 2
		UNION ALL SELECT 'level', f.demonstration_level, count(*), sum(f.operated_area_mu) FROM f GROUP BY 2
		UNION ALL SELECT 'model', m.model, count(*), sum(f.operated_area_mu) FROM f CROSS JOIN unnest(f.business_models) AS m (model) GROUP BY 2
		ORDER BY 1, 2`, base).Scan(&rows).Error
	if err != nil {
		return rep, err
	}
	for _, r := range rows {
		switch r.Breakdown {
		case "total":
			rep.Total = r.FamilyCount
		case "township":
			rep.ByTownship = append(rep.ByTownship, r.FamilyCount)
		case "level":
			rep.ByDemonstrationLevel = append(rep.ByDemonstrationLevel, r.FamilyCount)
		case "model":
			rep.ByBusinessModel = append(rep.ByBusinessModel, r.FamilyCount)
		}
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
