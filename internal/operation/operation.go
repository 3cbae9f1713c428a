// Package operation keeps the field operations (作业记录) providers log against active contracts: every rule
// of docs/domain.md, the delivery caps under concurrency, idempotent retries, batch sync for phones that were
// offline, the confirm / dispute / void workflow, and the running totals that statistics read.
package operation

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/tuoguan/tuoguan/internal/rollup"
	"time"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// The statuses of docs/domain.md.
const (
	StatusRecorded  = "recorded"
	StatusConfirmed = "confirmed"
	StatusDisputed  = "disputed"
	StatusVoided    = "voided"
)

// StatusNames are the statuses in Chinese, as a collective's clerk reads them in a ledger.
var StatusNames = map[string]string{
	StatusRecorded:  "待确认",
	StatusConfirmed: "已确认",
	StatusDisputed:  "有争议",
	StatusVoided:    "已作废",
}

// Harvesting is the operation type that carries a yield.
const Harvesting = "harvesting"

// Material is an input used: seed, fertiliser, pesticide.
type Material struct {
	Material string   `json:"material"`
	Quantity num.Dec2 `json:"quantity"`
	Unit     string   `json:"unit"`
}

// Operation is a logged field operation. Its JSON form is what idempotent replays return and audit
// snapshots carry.
type Operation struct {
	CountyCode    string          `gorm:"column:county_code" json:"county_code"`
	ID            int64           `gorm:"column:id;primaryKey" json:"id"`
	ContractID    int64           `gorm:"column:contract_id" json:"contract_id"`
	ParcelID      int64           `gorm:"column:parcel_id" json:"parcel_id"`
	OpType        string          `gorm:"column:op_type" json:"op_type"`
	OpDate        time.Time       `gorm:"column:op_date" json:"op_date"`
	AreaMu        num.Dec2        `gorm:"column:area_mu" json:"area_mu"`
	YieldKg       *num.Dec2       `gorm:"column:yield_kg" json:"yield_kg"`
	MoisturePct   *num.Dec2       `gorm:"column:moisture_pct" json:"moisture_pct"`
	Machine       *string         `gorm:"column:machine" json:"machine"`
	Operator      *string         `gorm:"column:operator" json:"operator"`
	Inputs        []Material      `gorm:"column:inputs;serializer:json" json:"inputs"`
	Location      json.RawMessage `gorm:"column:location" json:"location"`
	Note          *string         `gorm:"column:note" json:"note"`
	Status        string          `gorm:"column:status" json:"status"`
	DisputeReason *string         `gorm:"column:dispute_reason" json:"dispute_reason"`
	CreatedBy     *int64          `gorm:"column:created_by" json:"created_by"`
	CreatedAt     time.Time       `gorm:"column:created_at" json:"created_at"`
	UpdatedAt     time.Time       `gorm:"column:updated_at" json:"updated_at"`
}

// TableName is the table operations live in.
func (Operation) TableName() string { return "operations" }

// Service reads and writes operations.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// NewService returns a Service over db.
func NewService(db *gorm.DB) *Service { return &Service{db: db, now: time.Now} }

// visible narrows q, a query on operations, to those of the contracts p may read, by the contract's scope
// every operation carries.
func visible(q *gorm.DB, p scope.Principal) *gorm.DB { return contract.VisibleIn(q, "operations", p) }

func get(q *gorm.DB, id int64) (Operation, error) {
	var op Operation
	err := q.Select("operations.*").Where("operations.id = ?", id).Take(&op).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return op, fault.NotFoundf("No operation %d.", id)
	}
	return op, err
}

// countyOf returns the county of operation id among those q finds, NotFound when there is none. An
// operation never moves to another county, so a read without a lock names the shard for a locking read.
func countyOf(q *gorm.DB, id int64) (string, error) {
	var counties []string
	if err := q.Where("operations.id = ?", id).Pluck("operations.county_code", &counties).Error; err != nil {
		return "", err
	}
	if len(counties) == 0 {
		return "", fault.NotFoundf("No operation %d.", id)
	}
	return counties[0], nil
}

// Get returns operation id if p may read its contract, NotFound otherwise.
func (s *Service) Get(ctx context.Context, p scope.Principal, id int64) (Operation, error) {
	return get(visible(s.db.WithContext(ctx).Model(&Operation{}), p), id)
}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	Status   string
	OpType   string
	ParcelID int64
}

// List returns the operations of contract contractID, which p must be able to read (NotFound otherwise),
// ordered by id.
func (s *Service) List(ctx context.Context, p scope.Principal, contractID int64, f Filter, r page.Request) ([]Operation, *string, error) {
	c, err := contract.Lookup(ctx, s.db, p, contractID, "")
	if err != nil {
		return nil, nil, err
	}
	q := s.db.WithContext(ctx).Where("county_code = ? AND contract_id = ?", c.CountyCode, c.ID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.OpType != "" {
		q = q.Where("op_type = ?", f.OpType)
	}
	if f.ParcelID != 0 {
		q = q.Where("parcel_id = ?", f.ParcelID)
	}
	q, err = page.ByID.Apply(q, "operations", r)
	if err != nil {
		return nil, nil, err
	}
	var ops []Operation
	if err := q.Find(&ops).Error; err != nil {
		return nil, nil, err
	}
	ops, next := page.Trim(ops, r, func(o Operation) string { return page.ByID.Key(nil, o.ID) })
	return ops, next, nil
}

// KeyRetention is how long idempotency keys are kept: phones stay offline for days, and a retry must find
// its key for at least 14 of them.
const KeyRetention = 30 * 24 * time.Hour

// ForgetKeys deletes idempotency keys older than KeyRetention and returns how many it deleted.
func (s *Service) ForgetKeys(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM idempotency_keys WHERE created_at < ?", s.now().Add(-KeyRetention))
	return res.RowsAffected, res.Error
}

// work is op as the running totals see it.
func (op Operation) work() rollup.Work {
	return rollup.Work{CountyCode: op.CountyCode, ContractID: op.ContractID, ParcelID: op.ParcelID, OpType: op.OpType,
		AreaMu: op.AreaMu, YieldKg: op.YieldKg}
}
