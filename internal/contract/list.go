package contract

import (
	"context"
	"database/sql"
	"slices"

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

// loadAll fills the parcels and lines of cs with one query each. Each names the counties of its contracts:
// a page of one county (a page is of one county but for an admin's) runs on Citus on the one shard that holds
// the county's rows.
func loadAll(ctx context.Context, db *gorm.DB, cs []Contract) error {
	at := make(map[int64]int, len(cs))
	counties, ids := make([]string, len(cs)), make([]int64, len(cs))
	for i, c := range cs {
		at[c.ID] = i
		counties[i], ids[i] = c.CountyCode, c.ID
	}
	err := ofContracts(ctx, db, "contract_parcels", "parcel_id", "contract_id, parcel_id, area_mu", counties, ids, func(rows *sql.Rows) error {
		p := Parcel{}
		if err := rows.Scan(&p.ContractID, &p.ParcelID, &p.AreaMu); err != nil {
			return err
		}
		c := &cs[at[p.ContractID]]
		p.CountyCode = c.CountyCode
		c.Parcels = append(c.Parcels, p)
		return nil
	})
	if err != nil {
		return err
	}
	return ofContracts(ctx, db, "contract_services", "op_type", `contract_id, op_type, passes, price_per_mu, subsidy_per_mu,
		baseline_cost_per_mu, active_area_mu, confirmed_area_mu, confirmed_yield_kg`, counties, ids, func(rows *sql.Rows) error {
		l := Line{}
		if err := rows.Scan(&l.ContractID, &l.OpType, &l.Passes, &l.PricePerMu, &l.SubsidyPerMu, &l.BaselineCostPerMu,
			&l.ActiveAreaMu, &l.ConfirmedAreaMu, &l.ConfirmedYieldKg); err != nil {
			return err
		}
		c := &cs[at[l.ContractID]]
		l.CountyCode = c.CountyCode
		c.Services = append(c.Services, l)
		return nil
	})
}

// ofContracts reads columns of the rows of table that belong to the contracts ids, of counties (one county per
// id), ordered by column order, and hands each row to scan: as an equality on the county when there is one,
// else by (county, contract) pairs. The rows are scanned column by column: a page of contracts has a few
// hundred, and gorm's mapping of each row onto a struct took a third of the server's time for the page.
func ofContracts(ctx context.Context, db *gorm.DB, table, order, columns string, counties []string, ids []int64, scan func(*sql.Rows) error) error {
	if len(ids) == 0 {
		return nil
	}
	q := db.WithContext(ctx)
	if !slices.ContainsFunc(counties, func(c string) bool { return c != counties[0] }) {
		q = q.Raw("SELECT "+columns+" FROM "+table+" t WHERE t.county_code = ? AND t.contract_id = ANY (?::bigint[]) ORDER BY t."+order,
			counties[0], postgres.Int64Array(ids))
	} else {
		q = q.Raw("SELECT "+columns+" FROM "+table+" t WHERE (t.county_code, t.contract_id) IN (SELECT * FROM unnest(?::text[], ?::bigint[])) ORDER BY t."+order,
			postgres.TextArray(counties), postgres.Int64Array(ids))
	}
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
