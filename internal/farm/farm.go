// Package farm keeps the farms (经营主体) that entrust land to custody — households, family farms,
// cooperatives, enterprises — and with them the family-farm registry. Operators' ID and phone numbers are
// sealed at rest, findable by exact value through a keyed hash, and masked in every view.
package farm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// The kinds, demonstration levels and business models of docs/domain.md.
var (
	Kinds               = []string{"household", KindFamilyFarm, "cooperative", "enterprise"}
	DemonstrationLevels = []string{"none", "county", "city", "province", "national"}
	BusinessModels      = []string{"planting", "breeding", "crop_livestock", "eco_cycle", "machinery", "agritourism", "courtyard"}
)

// The demonstration levels and business models in Chinese, as the family-farm registry names them.
var (
	DemonstrationLevelNames = map[string]string{"none": "非示范", "county": "县级示范", "city": "市级示范",
		"province": "省级示范", "national": "国家级示范"}
	BusinessModelNames = map[string]string{"planting": "种植", "breeding": "养殖", "crop_livestock": "种养结合",
		"eco_cycle": "生态循环", "machinery": "农机一体", "agritourism": "农旅融合", "courtyard": "庭院经济"}
)

// KindFamilyFarm is the kind that carries the family-farm fields.
const KindFamilyFarm = "family_farm"

// Farm is a registered farm; its JSON form is the masked view audit snapshots carry.
type Farm struct {
	CountyCode         string             `gorm:"column:county_code" json:"-"`
	ID                 int64              `gorm:"column:id;primaryKey" json:"id"`
	CollectiveID       int64              `gorm:"column:collective_id" json:"collective_id"`
	RegionCode         string             `gorm:"column:region_code" json:"region_code"`
	Kind               string             `gorm:"column:kind" json:"kind"`
	Name               string             `gorm:"column:name" json:"name"`
	OperatorName       string             `gorm:"column:operator_name" json:"operator_name"`
	IDNumberEnc        []byte             `gorm:"column:id_number_enc" json:"-"`
	IDNumberMAC        []byte             `gorm:"column:id_number_mac" json:"-"`
	IDNumberMask       string             `gorm:"column:id_number_mask" json:"id_number"`
	PhoneEnc           []byte             `gorm:"column:phone_enc" json:"-"`
	PhoneMAC           []byte             `gorm:"column:phone_mac" json:"-"`
	PhoneMask          string             `gorm:"column:phone_mask" json:"phone"`
	RegisteredOn       *time.Time         `gorm:"column:registered_on" json:"registered_on"`
	CreditCode         *string            `gorm:"column:credit_code" json:"credit_code"`
	DemonstrationLevel string             `gorm:"column:demonstration_level" json:"demonstration_level"`
	BusinessModels     postgres.TextArray `gorm:"column:business_models" json:"business_models"`
	OperatedAreaMu     *num.Dec2          `gorm:"column:operated_area_mu" json:"operated_area_mu"`
	CreatedAt          time.Time          `gorm:"column:created_at;->" json:"created_at"`
	UpdatedAt          time.Time          `gorm:"column:updated_at;<-:update" json:"updated_at"`
}

// TableName is the table farms live in.
func (Farm) TableName() string { return "farms" }

// Service reads and writes farms.
type Service struct {
	db   *gorm.DB
	keys *pii.Keyring
	now  func() time.Time
}

// NewService returns a Service over db that seals personal data with keys.
func NewService(db *gorm.DB, keys *pii.Keyring) *Service {
	return &Service{db: db, keys: keys, now: time.Now}
}

// Visible narrows q, a query on farms, to the farms p may read: admin all, a bureau those in its region, a
// collective its own, a provider those it has a draft or active contract with.
func Visible(q *gorm.DB, p scope.Principal) *gorm.DB {
	switch p.Role {
	case scope.Admin:
		return q
	case scope.Bureau:
		cond, args := scope.WithinByTownship("farms", p.RegionPrefix())
		return q.Where(cond, args...)
	case scope.Collective:
		cond, args := scope.OfCollective("farms", "collective_id", p)
		return q.Where(cond, args...)
	case scope.Provider:
		return q.Where(`EXISTS (SELECT 1 FROM contracts c WHERE c.county_code = farms.county_code AND c.farm_id = farms.id
			AND c.provider_id = ? AND c.status IN ('draft', 'active'))`, p.ProviderID)
	}
	return q.Where("false")
}

func get(q *gorm.DB, id int64) (Farm, error) {
	var f Farm
	err := q.Where("farms.id = ?", id).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return f, fault.NotFoundf("No farm %d.", id)
	}
	return f, err
}

// getLocked returns farm id when p may read it, locked for update; tx is the caller's transaction. On Citus a
// row lock must name the one shard it takes: the farm is read first, then locked by its county and id (a farm
// never changes county).
func getLocked(tx *gorm.DB, p scope.Principal, id int64) (Farm, error) {
	f, err := get(Visible(tx, p), id)
	if err != nil {
		return f, err
	}
	return get(tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("farms.county_code = ?", f.CountyCode), id)
}

// Get returns farm id if p may read it, NotFound otherwise.
func (s *Service) Get(ctx context.Context, p scope.Principal, id int64) (Farm, error) {
	return get(Visible(s.db.WithContext(ctx), p), id)
}

// Lookup returns farm id when p may read it; tx is the caller's transaction.
func Lookup(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (Farm, error) {
	return get(Visible(tx.WithContext(ctx), p), id)
}

// seal seals the operator's ID and phone numbers into f, bound to f's row.
func (s *Service) seal(f *Farm, idNumber, phone string) error {
	if idNumber != "" {
		enc, err := s.keys.Seal(idNumber, fmt.Sprintf("farms/%s/%d/id_number", f.CountyCode, f.ID))
		if err != nil {
			return err
		}
		f.IDNumberEnc, f.IDNumberMAC, f.IDNumberMask = enc, s.keys.Lookup(pii.KindIDNumber, idNumber), pii.MaskIDNumber(idNumber)
	}
	if phone != "" {
		enc, err := s.keys.Seal(phone, fmt.Sprintf("farms/%s/%d/phone", f.CountyCode, f.ID))
		if err != nil {
			return err
		}
		f.PhoneEnc, f.PhoneMAC, f.PhoneMask = enc, s.keys.Lookup(pii.KindPhone, phone), pii.MaskPhone(phone)
	}
	return nil
}
