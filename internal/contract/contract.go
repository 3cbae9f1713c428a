// Package contract keeps custody contracts (托管合同): a farm (the principal), its village collective and a
// service provider agree on parcels, service lines with prices, subsidies and baselines, and a season.
// A contract is a draft until activated; activation checks under row locks that no parcel's area is sold
// twice for one operation type; an active contract is completed or terminated, and nothing else changes it.
package contract

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/scope"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

// The statuses and modes of docs/domain.md.
const (
	StatusDraft      = "draft"
	StatusActive     = "active"
	StatusCompleted  = "completed"
	StatusTerminated = "terminated"

	ModeFull    = "full"
	ModePartial = "partial"
)

// FullCustodyOperations are the operation types a full-custody contract must include.
var FullCustodyOperations = []string{"ploughing", "sowing", "plant_protection", "harvesting"}

// Contract is a custody contract with its parcels and service lines; its JSON form is what audit snapshots
// carry.
type Contract struct {
	CountyCode           string    `gorm:"column:county_code" json:"-"`
	ID                   int64     `gorm:"column:id;primaryKey" json:"id"`
	Number               string    `gorm:"column:number" json:"number"`
	CollectiveID         int64     `gorm:"column:collective_id" json:"collective_id"`
	FarmID               int64     `gorm:"column:farm_id" json:"farm_id"`
	ProviderID           int64     `gorm:"column:provider_id" json:"provider_id"`
	RegionCode           string    `gorm:"column:region_code" json:"region_code"`
	Crop                 string    `gorm:"column:crop" json:"crop"`
	SeasonYear           int       `gorm:"column:season_year" json:"season_year"`
	Mode                 string    `gorm:"column:mode" json:"mode"`
	StartDate            time.Time `gorm:"column:start_date" json:"start_date"`
	EndDate              time.Time `gorm:"column:end_date" json:"end_date"`
	CollectiveFeePerMu   num.Dec2  `gorm:"column:collective_fee_per_mu" json:"collective_fee_per_mu"`
	BaselineYieldKgPerMu num.Dec2  `gorm:"column:baseline_yield_kg_per_mu" json:"baseline_yield_kg_per_mu"`
	PricePerKg           num.Dec4  `gorm:"column:price_per_kg" json:"price_per_kg"`
	ContractedAreaMu     num.Dec2  `gorm:"column:contracted_area_mu" json:"contracted_area_mu"`
	Status               string    `gorm:"column:status" json:"status"`
	TerminationReason    *string   `gorm:"column:termination_reason" json:"termination_reason"`
	// PolicyFlags are the rules of the subsidy policy in force at activation that the contract breaks, where
	// the policy flags instead of refusing.
	PolicyFlags []subsidy.Flag `gorm:"column:policy_flags;serializer:json;<-:false" json:"policy_flags"`
	ActivatedAt *time.Time     `gorm:"column:activated_at" json:"activated_at"`
	ClosedAt    *time.Time     `gorm:"column:closed_at" json:"closed_at"`
	CreatedAt   time.Time      `gorm:"column:created_at;->" json:"created_at"`
	UpdatedAt   time.Time      `gorm:"column:updated_at;<-:update" json:"updated_at"`
	Parcels     []Parcel       `gorm:"-" json:"parcels"`
	Services    []Line         `gorm:"-" json:"services"`
}

// TableName is the table contracts live in.
func (Contract) TableName() string { return "contracts" }

// Parcel is a parcel on a contract and the area of it the contract covers.
type Parcel struct {
	CountyCode string   `gorm:"column:county_code" json:"-"`
	ContractID int64    `gorm:"column:contract_id" json:"-"`
	ParcelID   int64    `gorm:"column:parcel_id" json:"parcel_id"`
	AreaMu     num.Dec2 `gorm:"column:area_mu" json:"area_mu"`
}

// TableName is the table contract parcels live in.
func (Parcel) TableName() string { return "contract_parcels" }

// Line is a service line: one operation type with its passes, price, subsidy and baseline cost per mu
// per pass, and the running totals of the work logged against it.
type Line struct {
	CountyCode        string   `gorm:"column:county_code" json:"-"`
	ContractID        int64    `gorm:"column:contract_id" json:"-"`
	OpType            string   `gorm:"column:op_type" json:"op_type"`
	Passes            int      `gorm:"column:passes" json:"passes"`
	PricePerMu        num.Dec2 `gorm:"column:price_per_mu" json:"price_per_mu"`
	SubsidyPerMu      num.Dec2 `gorm:"column:subsidy_per_mu" json:"subsidy_per_mu"`
	BaselineCostPerMu num.Dec2 `gorm:"column:baseline_cost_per_mu" json:"baseline_cost_per_mu"`
	ActiveAreaMu      num.Dec2 `gorm:"column:active_area_mu;->" json:"-"`
	ConfirmedAreaMu   num.Dec2 `gorm:"column:confirmed_area_mu;->" json:"-"`
	ConfirmedYieldKg  num.Dec2 `gorm:"column:confirmed_yield_kg;->" json:"-"`
}

// TableName is the table service lines live in.
func (Line) TableName() string { return "contract_services" }

// LineOf returns the service line of op, if the contract has one.
func (c Contract) LineOf(op string) (Line, bool) {
	for _, l := range c.Services {
		if l.OpType == op {
			return l, true
		}
	}
	return Line{}, false
}

// Visible narrows q, a query on contracts, to the contracts p may read: admin all, a bureau those in its
// region, a collective its own, a provider those it is party to.
func Visible(q *gorm.DB, p scope.Principal) *gorm.DB { return VisibleIn(q, "contracts", p) }

// VisibleIn narrows q to the rows of table that belong to contracts p may read, as Visible does, by the
// contract's county_code, region_code, collective_id and provider_id that table carries.
func VisibleIn(q *gorm.DB, table string, p scope.Principal) *gorm.DB {
	switch p.Role {
	case scope.Admin:
		return q
	case scope.Bureau:
		cond, args := scope.Within(table, p.RegionPrefix())
		return q.Where(cond, args...)
	case scope.Collective:
		cond, args := scope.OfCollective(table, "collective_id", p)
		return q.Where(cond, args...)
	case scope.Provider:
		return q.Where(table+".provider_id = ?", p.ProviderID)
	}
	return q.Where("false")
}

// Service reads and writes contracts.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// NewService returns a Service over db.
func NewService(db *gorm.DB) *Service { return &Service{db: db, now: time.Now} }

// load fills c's parcels and service lines.
func load(ctx context.Context, tx *gorm.DB, c *Contract) error {
	cs := []Contract{*c}
	if err := loadAll(ctx, tx, cs); err != nil {
		return err
	}
	*c = cs[0]
	return nil
}

// Lookup returns contract id with its parcels and lines when p may read it, NotFound otherwise; lock takes
// the given row lock on it. tx is the caller's transaction. A locking read names the contract's county, the
// key contracts are distributed by, so that it runs on the one shard that holds the row (a distributed
// database locks rows of one shard only): the county is read first, without a lock, by id.
func Lookup(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64, lock string) (Contract, error) {
	q := Visible(tx.WithContext(ctx), p).Where("contracts.id = ?", id)
	if lock != "" {
		county, err := countyOf(ctx, tx, p, id)
		if err != nil {
			return Contract{}, err
		}
		q = q.Where("contracts.county_code = ?", county).Clauses(clause.Locking{Strength: lock, Table: clause.Table{Name: "contracts"}})
	}
	var c Contract
	err := q.Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, fault.NotFoundf("No contract %d.", id)
	}
	if err != nil {
		return c, err
	}
	return c, load(ctx, tx, &c)
}

// countyOf returns the county of contract id when p may read it, NotFound otherwise. A contract never moves
// to another county, so a read without a lock names the shard for a locking read that follows.
func countyOf(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error) {
	var counties []string
	if err := Visible(tx.WithContext(ctx).Model(&Contract{}), p).Where("contracts.id = ?", id).Pluck("county_code", &counties).Error; err != nil {
		return "", err
	}
	if len(counties) == 0 {
		return "", fault.NotFoundf("No contract %d.", id)
	}
	return counties[0], nil
}

// Get returns contract id if p may read it, NotFound otherwise.
func (s *Service) Get(ctx context.Context, p scope.Principal, id int64) (Contract, error) {
	return Lookup(ctx, s.db, p, id, "")
}
