// Package provider keeps the service provider directory (服务组织名录库): cooperatives, companies, family farms,
// machinery teams and individuals that do field work for a price per mu. The bureau keeps the directory for its
// region; a provider's own account may change only its contact details; a suspended provider takes no new
// contracts and logs no new operations.
package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Kinds and statuses of docs/domain.md.
var (
	Kinds    = []string{"cooperative", "company", "family_farm", "machinery_team", "individual"}
	Statuses = []string{StatusActive, StatusSuspended}
)

// The statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Machine is a kind of machine and how many the provider has.
type Machine struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// Provider is a directory entry; its JSON form is the masked view audit snapshots carry.
type Provider struct {
	ID               int64              `gorm:"column:id;primaryKey" json:"id"`
	Name             string             `gorm:"column:name" json:"name"`
	Kind             string             `gorm:"column:kind" json:"kind"`
	CreditCode       *string            `gorm:"column:credit_code" json:"credit_code"`
	RegionCode       string             `gorm:"column:region_code" json:"region_code"`
	OperationTypes   postgres.TextArray `gorm:"column:operation_types" json:"operation_types"`
	Machinery        []Machine          `gorm:"column:machinery;serializer:json" json:"machinery"`
	ContactName      string             `gorm:"column:contact_name" json:"contact_name"`
	ContactPhoneEnc  []byte             `gorm:"column:contact_phone_enc" json:"-"`
	ContactPhoneMAC  []byte             `gorm:"column:contact_phone_mac" json:"-"`
	ContactPhoneMask string             `gorm:"column:contact_phone_mask" json:"contact_phone"`
	Status           string             `gorm:"column:status" json:"status"`
	CreatedAt        time.Time          `gorm:"column:created_at;->" json:"created_at"`
	UpdatedAt        time.Time          `gorm:"column:updated_at;<-:update" json:"updated_at"`
}

// TableName is the table the directory lives in.
func (Provider) TableName() string { return "providers" }

// Offers reports whether the provider offers operation type op.
func (p Provider) Offers(op string) bool { return slices.Contains(p.OperationTypes, op) }

// Service reads and writes the directory.
type Service struct {
	db   *gorm.DB
	keys *pii.Keyring
}

// NewService returns a Service over db that seals contact phones with keys.
func NewService(db *gorm.DB, keys *pii.Keyring) *Service { return &Service{db: db, keys: keys} }

// visible narrows q to the providers p may read: admin and collectives all (a collective chooses providers
// for its contracts), a bureau those of its region, a provider itself.
func visible(q *gorm.DB, p scope.Principal) *gorm.DB {
	switch p.Role {
	case scope.Admin, scope.Collective:
		return q
	case scope.Bureau:
		return q.Where("providers.region_code LIKE ?", p.RegionPrefix()+"%")
	case scope.Provider:
		return q.Where("providers.id = ?", p.ProviderID)
	}
	return q.Where("false")
}

func get(q *gorm.DB, id int64) (Provider, error) {
	var pr Provider
	err := q.Where("providers.id = ?", id).Take(&pr).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return pr, fault.NotFoundf("No provider %d.", id)
	}
	return pr, err
}

// Get returns provider id if p may read it, NotFound otherwise.
func (s *Service) Get(ctx context.Context, p scope.Principal, id int64) (Provider, error) {
	return get(visible(s.db.WithContext(ctx), p), id)
}

// Lookup returns provider id when p may read it, holding its status against a concurrent suspension
// (HoldStatuses) when lock is set; tx is the caller's transaction.
func Lookup(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64, lock bool) (Provider, error) {
	if lock {
		if err := tx.WithContext(ctx).Exec(HoldStatuses, postgres.Int64Array{id}).Error; err != nil {
			return Provider{}, err
		}
	}
	return get(visible(tx.WithContext(ctx), p), id)
}

// RegionOf returns the home region of provider id when p may read it, NotFound otherwise.
func RegionOf(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error) {
	pr, err := get(visible(tx.WithContext(ctx).Select("id", "region_code"), p), id)
	return pr.RegionCode, err
}

func (s *Service) seal(pr *Provider, phone string) error {
	enc, err := s.keys.Seal(phone, fmt.Sprintf("providers/%d/contact_phone", pr.ID))
	if err != nil {
		return err
	}
	pr.ContactPhoneEnc, pr.ContactPhoneMAC, pr.ContactPhoneMask = enc, s.keys.Lookup(pii.KindPhone, phone), pii.MaskPhone(phone)
	return nil
}

func record(ctx context.Context, tx *gorm.DB, p scope.Principal, action string, before, after *Provider) error {
	c := audit.Change{Action: action, ObjectType: "provider", ObjectID: after.ID, RegionCode: after.RegionCode, After: after}
	if before != nil {
		c.Before = before
	}
	return audit.Record(ctx, tx, p, c)
}

// HoldStatuses is the statement, with one ? for an array of provider ids, that holds the statuses of those
// providers until the transaction ends: a change of status waits for the holder, and the holder's reads
// after it see a change committed before. It shares an advisory lock per provider, which a change takes
// exclusively; a row lock cannot serve, for providers is a reference table on Citus, where a row lock on it
// locks the whole table against the writes of every table that refers to it.
const HoldStatuses = `SELECT pg_advisory_xact_lock_shared(` + statusLock + `)
	FROM (SELECT DISTINCT id FROM unnest(?::bigint[]) AS id ORDER BY id) AS ids`

// statusLock is the key of the advisory lock that stands for the status of the provider whose id is the
// column id.
const statusLock = "hashtextextended('provider status', id)"
