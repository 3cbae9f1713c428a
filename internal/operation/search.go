package operation

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Query selects operations across contracts; zero fields do not filter.
type Query struct {
	RegionCode   string
	SeasonYear   int
	Status       string
	OpType       string
	ProviderID   int64
	CollectiveID int64
	From, To     time.Time
}

// Row is an operation with what a ledger shows of its contract.
type Row struct {
	Operation
	Number       string `gorm:"column:number"`
	RegionCode   string `gorm:"column:region_code"`
	CollectiveID int64  `gorm:"column:collective_id"`
	ProviderID   int64  `gorm:"column:provider_id"`
	Crop         string `gorm:"column:crop"`
	SeasonYear   int    `gorm:"column:season_year"`
}

// search is the query of q over the operations of the contracts p may read. It filters on the operations
// alone — every filter on the contract is on the scope and season each operation carries — so that the
// ledger's indexes serve it; withContract adds what the rows show of their contracts.
func (s *Service) search(ctx context.Context, p scope.Principal, q Query) (*gorm.DB, error) {
	db := visible(s.db.WithContext(ctx).Table("operations"), p)
	if q.RegionCode != "" {
		cond, args, err := scope.InsideTenant("region_code", "operations", q.RegionCode)
		if err != nil {
			return nil, err
		}
		db = db.Where(cond, args...)
	}
	if q.SeasonYear != 0 {
		db = db.Where("operations.season_year = ?", q.SeasonYear)
	}
	if q.Status != "" {
		db = db.Where("operations.status = ?", q.Status)
	}
	if q.OpType != "" {
		db = db.Where("operations.op_type = ?", q.OpType)
	}
	if q.ProviderID != 0 {
		db = db.Where("operations.provider_id = ?", q.ProviderID)
	}
	if q.CollectiveID != 0 {
		db = db.Where("operations.collective_id = ?", q.CollectiveID)
	}
	if !q.From.IsZero() {
		db = db.Where("operations.op_date >= ?", q.From)
	}
	if !q.To.IsZero() {
		db = db.Where("operations.op_date <= ?", q.To)
	}
	return db, nil
}

// withContract selects the rows of q, a query on operations, with their contracts' numbers and crops.
func withContract(q *gorm.DB) *gorm.DB {
	return q.Select("operations.*, contracts.number, contracts.crop").
		Joins("JOIN contracts ON contracts.county_code = operations.county_code AND contracts.id = operations.contract_id")
}

// Search returns a page of the operations q selects among those p may read, ordered by id.
func (s *Service) Search(ctx context.Context, p scope.Principal, q Query, r page.Request) ([]Row, *string, error) {
	county, oneCounty := fixedCounty(p, q)
	season := q.SeasonYear
	// A collective's operations of a season come from its own index, (collective, id, season).
	bySeason := oneCounty && season != 0 && p.Role != scope.Collective
	if bySeason {
		q.SeasonYear = 0
	}
	db, err := s.search(ctx, p, q)
	if err != nil {
		return nil, nil, err
	}
	if bySeason {
		// Within one county and season, the rows come by season and id as they do by id. Asked so, with the
		// season as a range the planner does not fold into a constant, it reads them in order from the
		// season index (county, season, id), where by the index on id alone it would first read through the
		// county's earlier seasons, whose operations have the lower ids.
		db = db.Where("operations.season_year BETWEEN ? AND ?", season, season).Order("operations.season_year")
	}
	if db, err = page.ByID.Apply(db, "operations", r); err != nil {
		return nil, nil, err
	}
	rows := withContract(s.db.WithContext(ctx).Table("(?) AS operations", db))
	if oneCounty {
		// Naming the county on the contracts too keeps the whole query on the county's shard on Citus.
		rows = rows.Where("contracts.county_code = ?", county)
	}
	var found []Row
	if err := rows.Order("operations.id").Find(&found).Error; err != nil {
		return nil, nil, err
	}
	found, next := page.Trim(found, r, func(o Row) string { return page.ByID.Key(nil, o.ID) })
	return found, next, nil
}

// fixedCounty returns the county q's region or p's scope fixes, when one does.
func fixedCounty(p scope.Principal, q Query) (string, bool) {
	switch {
	case q.RegionCode != "" && len(scope.Prefix(q.RegionCode)) >= 6:
		return q.RegionCode[:6], true
	case (p.Role == scope.Bureau && len(p.RegionPrefix()) >= 6) || p.Role == scope.Collective:
		return scope.CountyCode(p.RegionCode), true
	}
	return "", false
}

// LedgerRow is an operation as the exported ledger shows it: with the names beside the ids — the village,
// the collective, the provider, the farm and the parcel.
type LedgerRow struct {
	Row
	RegionName     string `gorm:"column:region_name"`
	CollectiveName string `gorm:"column:collective_name"`
	ProviderName   string `gorm:"column:provider_name"`
	FarmID         int64  `gorm:"column:farm_id"`
	FarmName       string `gorm:"column:farm_name"`
	ParcelName     string `gorm:"column:parcel_name"`
}

// withNames selects the rows of q, a query on operations, with what withContract adds and the names of
// LedgerRow. Every join is on a key, so the rows still come in the order of the operations' index.
func withNames(q *gorm.DB) *gorm.DB {
	return q.Select(`operations.*, contracts.number, contracts.crop, contracts.farm_id,
		coalesce(regions.name, '') AS region_name, collectives.name AS collective_name, providers.name AS provider_name,
		farms.name AS farm_name, parcels.name AS parcel_name`).
		Joins("JOIN contracts ON contracts.county_code = operations.county_code AND contracts.id = operations.contract_id").
		Joins("JOIN collectives ON collectives.county_code = operations.county_code AND collectives.id = operations.collective_id").
		Joins("JOIN providers ON providers.id = operations.provider_id").
		Joins("JOIN farms ON farms.county_code = contracts.county_code AND farms.id = contracts.farm_id").
		Joins("JOIN parcels ON parcels.county_code = operations.county_code AND parcels.id = operations.parcel_id").
		Joins("LEFT JOIN regions ON regions.code = operations.region_code")
}

// Each calls fn with every operation q selects among those p may read, in id order, with the names the
// ledger shows, reading them from a database cursor so that a million operations take no more memory than
// one. It stops at fn's first error and returns it, or the database's.
func (s *Service) Each(ctx context.Context, p scope.Principal, q Query, fn func(LedgerRow) error) error {
	db, err := s.search(ctx, p, q)
	if err != nil {
		return err
	}
	rows, err := withNames(db).Order("operations.id").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r LedgerRow
		if err := db.ScanRows(rows, &r); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
