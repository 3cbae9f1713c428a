package contract

import (
	"context"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Sorts are the orders a listing may take besides id.
var Sorts = map[string]string{"number": "number", "start_date": "start_date"}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	CollectiveID int64
	FarmID       int64
	ProviderID   int64
	RegionCode   string
	Crop         string
	SeasonYear   int
	Status       string
	Mode         string
	Number       string
}

// List returns the contracts p may read with their parcels and lines, in order o.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, o page.Order, r page.Request) ([]Contract, *string, error) {
	q := Visible(s.db.WithContext(ctx), p)
	for col, v := range map[string]int64{"collective_id": f.CollectiveID, "farm_id": f.FarmID, "provider_id": f.ProviderID} {
		if v != 0 {
			q = q.Where("contracts."+col+" = ?", v)
		}
	}
	for col, v := range map[string]string{"crop": f.Crop, "status": f.Status, "mode": f.Mode, "number": f.Number} {
		if v != "" {
			q = q.Where("contracts."+col+" = ?", v)
		}
	}
	if f.RegionCode != "" {
		cond, args, err := scope.InsideByTownship("region_code", "contracts", f.RegionCode)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(cond, args...)
	}
	if f.SeasonYear != 0 {
		q = q.Where("contracts.season_year = ?", f.SeasonYear)
	}
	q, err := o.Apply(q, "contracts", r)
	if err != nil {
		return nil, nil, err
	}
	var cs []Contract
	if err := q.Find(&cs).Error; err != nil {
		return nil, nil, err
	}
	cs, next := page.Trim(cs, r, func(c Contract) string {
		if o.Column() == "start_date" {
			return o.Key(c.StartDate.Format("2006-01-02"), c.ID)
		}
		return o.Key(c.Number, c.ID)
	})
	if err := loadAll(ctx, s.db, cs); err != nil {
		return nil, nil, err
	}
	return cs, next, nil
}

// loadAll fills the parcels and lines of cs with one query each, joining their keys as pairs: contracts of
// many counties (an admin's page) would otherwise probe every county with every id.
func loadAll(ctx context.Context, db *gorm.DB, cs []Contract) error {
	if len(cs) == 0 {
		return nil
	}
	ids, counties := make([]int64, len(cs)), make([]string, len(cs))
	at := make(map[int64]int, len(cs))
	for i, c := range cs {
		ids[i], counties[i], at[c.ID] = c.ID, c.CountyCode, i
	}
	of := func(table, order string) string {
		return "SELECT t.* FROM " + table + " t JOIN unnest(?::text[], ?::bigint[]) AS k (county_code, id)" +
			" ON t.county_code = k.county_code AND t.contract_id = k.id ORDER BY t." + order
	}
	var ps []Parcel
	if err := db.WithContext(ctx).Raw(of("contract_parcels", "parcel_id"), postgres.TextArray(counties), postgres.Int64Array(ids)).Scan(&ps).Error; err != nil {
		return err
	}
	for _, p := range ps {
		cs[at[p.ContractID]].Parcels = append(cs[at[p.ContractID]].Parcels, p)
	}
	var ls []Line
	if err := db.WithContext(ctx).Raw(of("contract_services", "op_type"), postgres.TextArray(counties), postgres.Int64Array(ids)).Scan(&ls).Error; err != nil {
		return err
	}
	for _, l := range ls {
		cs[at[l.ContractID]].Services = append(cs[at[l.ContractID]].Services, l)
	}
	return nil
}
