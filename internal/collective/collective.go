// Package collective keeps the village collectives (村集体经济组织): one per village, with a validated unified
// social credit code and a contact whose phone is sealed at rest and masked in every view.
package collective

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Collective is a village collective. Its JSON form is the masked view that responses and audit snapshots
// carry; the sealed phone and its lookup hash have no JSON name.
type Collective struct {
	CountyCode       string    `gorm:"column:county_code" json:"-"`
	ID               int64     `gorm:"column:id;primaryKey" json:"id"`
	RegionCode       string    `gorm:"column:region_code" json:"region_code"`
	Name             string    `gorm:"column:name" json:"name"`
	CreditCode       string    `gorm:"column:credit_code" json:"credit_code"`
	ContactName      string    `gorm:"column:contact_name" json:"contact_name"`
	ContactPhoneEnc  []byte    `gorm:"column:contact_phone_enc" json:"-"`
	ContactPhoneMAC  []byte    `gorm:"column:contact_phone_mac" json:"-"`
	ContactPhoneMask string    `gorm:"column:contact_phone_mask" json:"contact_phone"`
	CreatedAt        time.Time `gorm:"column:created_at;->" json:"created_at"`
	UpdatedAt        time.Time `gorm:"column:updated_at;<-:update" json:"updated_at"`
}

// TableName is the table collectives live in.
func (Collective) TableName() string { return "collectives" }

// Input holds the fields of a creation or a change; nil fields are absent.
type Input struct {
	Name         *string
	CreditCode   *string
	RegionCode   *string
	ContactName  *string
	ContactPhone *string
}

// Service reads and writes collectives.
type Service struct {
	db   *gorm.DB
	keys *pii.Keyring
}

// NewService returns a Service over db that seals personal data with keys.
func NewService(db *gorm.DB, keys *pii.Keyring) *Service { return &Service{db: db, keys: keys} }

// visible narrows q to the collectives p may read: admin all, a bureau those inside its region, a collective
// itself. Providers read no collectives; callers refuse them first.
func visible(q *gorm.DB, p scope.Principal) *gorm.DB {
	switch p.Role {
	case scope.Admin:
		return q
	case scope.Bureau:
		cond, args := scope.Within("", p.RegionPrefix())
		return q.Where(cond, args...)
	case scope.Collective:
		cond, args := scope.OfCollective("", "id", p)
		return q.Where(cond, args...)
	}
	return q.Where("false")
}

func mayRead(p scope.Principal) error {
	if p.Role == scope.Provider {
		return fault.Forbiddenf("Providers do not read collectives.")
	}
	return nil
}

func mayWrite(p scope.Principal) error {
	if p.Role != scope.Admin && p.Role != scope.Bureau {
		return fault.Forbiddenf("Only the bureau and admin register and change collectives.")
	}
	return nil
}

// Create registers a collective for a village inside p's region. Admin or bureau (others: Forbidden). A village
// outside p's region is reported as not existing; a second collective for a village, or a credit code taken
// in the county, is a Conflict.
func (s *Service) Create(ctx context.Context, p scope.Principal, in Input) (Collective, error) {
	if err := mayWrite(p); err != nil {
		return Collective{}, err
	}
	var c Collective
	var errs fault.Fields
	errs.Require("name", in.Name != nil)
	errs.Require("credit_code", in.CreditCode != nil)
	errs.Require("region_code", in.RegionCode != nil)
	errs.Require("contact_name", in.ContactName != nil)
	errs.Require("contact_phone", in.ContactPhone != nil)
	phone := s.apply(&errs, &c, in)
	if in.RegionCode != nil {
		if level, err := scope.Level(*in.RegionCode); err != nil || level != scope.Village {
			errs.Add("region_code", "must be the 12-digit code of a village")
		}
		c.RegionCode = *in.RegionCode
		c.CountyCode = scope.CountyCode(c.RegionCode)
	}
	if err := errs.Err(); err != nil {
		return Collective{}, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := region.Visible(ctx, tx, p, c.RegionCode); err != nil {
			if fault.KindOf(err) == fault.NotFound {
				return fault.Invalidf("region_code", "no such village")
			}
			return err
		}
		if err := tx.Raw("SELECT nextval(pg_get_serial_sequence('collectives', 'id'))").Scan(&c.ID).Error; err != nil {
			return err
		}
		if err := s.seal(&c, phone); err != nil {
			return err
		}
		if err := tx.Create(&c).Error; err != nil {
			return conflict(err)
		}
		if err := tx.Where("county_code = ? AND id = ?", c.CountyCode, c.ID).Take(&c).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "collective.create", ObjectType: "collective", ObjectID: c.ID, RegionCode: c.RegionCode, After: c})
	})
	return c, err
}

// apply validates the present fields of in into c and returns the normalised phone ("" when absent).
func (s *Service) apply(errs *fault.Fields, c *Collective, in Input) string {
	if in.Name != nil {
		c.Name = errs.Text("name", *in.Name, 100)
	}
	if in.CreditCode != nil {
		c.CreditCode = ident.NormalizeCreditCode(*in.CreditCode)
		if err := ident.ValidCreditCode(c.CreditCode); err != nil {
			errs.Add("credit_code", "%s", ident.Reason(err))
		}
	}
	if in.ContactName != nil {
		c.ContactName = errs.Text("contact_name", *in.ContactName, 50)
	}
	if in.ContactPhone == nil {
		return ""
	}
	phone := pii.NormalizePhone(*in.ContactPhone)
	if err := ident.ValidPhone(phone); err != nil {
		errs.Add("contact_phone", "%s", ident.Reason(err))
	}
	return phone
}

func (s *Service) seal(c *Collective, phone string) error {
	enc, err := s.keys.Seal(phone, fmt.Sprintf("collectives/%s/%d/contact_phone", c.CountyCode, c.ID))
	if err != nil {
		return err
	}
	c.ContactPhoneEnc, c.ContactPhoneMAC, c.ContactPhoneMask = enc, s.keys.Lookup(pii.KindPhone, phone), pii.MaskPhone(phone)
	return nil
}

func conflict(err error) error {
	switch constraint, _ := postgres.UniqueViolation(err); constraint {
	case "collectives_region_key":
		return fault.Conflictf("This village already has a collective.")
	case "collectives_credit_code_key":
		return fault.Conflictf("A collective with this credit code is registered in the county.")
	}
	return err
}

// Update changes the present fields of collective id. Admin, or a bureau for a collective inside its region;
// a collective's own account reading it gets Forbidden, anyone else who cannot read it NotFound.
func (s *Service) Update(ctx context.Context, p scope.Principal, id int64, in Input) (Collective, error) {
	if err := mayRead(p); err != nil {
		return Collective{}, err
	}
	var errs fault.Fields
	if in.RegionCode != nil {
		errs.Add("region_code", "cannot be changed; a collective belongs to its village")
	}
	var after Collective
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := getLocked(tx, p, id)
		if err != nil {
			return err
		}
		if err := mayWrite(p); err != nil {
			return err
		}
		after = before
		phone := s.apply(&errs, &after, in)
		if err := errs.Err(); err != nil {
			return err
		}
		if in.ContactPhone != nil {
			if err := s.seal(&after, phone); err != nil {
				return err
			}
		}
		err = tx.Model(&Collective{}).Where("county_code = ? AND id = ?", before.CountyCode, id).Updates(map[string]any{
			"name": after.Name, "credit_code": after.CreditCode, "contact_name": after.ContactName,
			"contact_phone_enc": after.ContactPhoneEnc, "contact_phone_mac": after.ContactPhoneMAC,
			"contact_phone_mask": after.ContactPhoneMask, "updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return conflict(err)
		}
		if after, err = get(tx.Where("county_code = ?", before.CountyCode), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "collective.update", ObjectType: "collective", ObjectID: id, RegionCode: after.RegionCode, Before: before, After: after})
	})
	return after, err
}

func get(q *gorm.DB, id int64) (Collective, error) {
	var c Collective
	err := q.Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, fault.NotFoundf("No collective %d.", id)
	}
	return c, err
}

// getLocked returns collective id when p may read it, locked for update; tx is the caller's transaction. On
// Citus a row lock must name the one shard it takes: the collective is read first, then locked by its county
// and id (a collective never changes village).
func getLocked(tx *gorm.DB, p scope.Principal, id int64) (Collective, error) {
	c, err := get(visible(tx, p), id)
	if err != nil {
		return c, err
	}
	return get(tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("county_code = ?", c.CountyCode), id)
}

// Get returns collective id if p may read it, NotFound otherwise; providers get Forbidden.
func (s *Service) Get(ctx context.Context, p scope.Principal, id int64) (Collective, error) {
	if err := mayRead(p); err != nil {
		return Collective{}, err
	}
	return get(visible(s.db.WithContext(ctx), p), id)
}

// RegionOf returns the village code of collective id when p may read it, NotFound otherwise; tx is the
// caller's transaction.
func RegionOf(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error) {
	c, err := get(visible(tx.WithContext(ctx).Select("county_code", "id", "region_code"), p), id)
	return c.RegionCode, err
}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	RegionCode string
	Name       string
	CreditCode string
}

// List returns the collectives p may read, ordered by id; providers get Forbidden.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, r page.Request) ([]Collective, *string, error) {
	if err := mayRead(p); err != nil {
		return nil, nil, err
	}
	after, err := r.AfterID()
	if err != nil {
		return nil, nil, err
	}
	q := visible(s.db.WithContext(ctx), p).Where("id > ?", after)
	if f.RegionCode != "" {
		cond, arg, err := scope.Inside("region_code", "region_code", f.RegionCode)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(cond, arg)
	}
	if f.Name != "" {
		q = q.Where("strpos(name, ?) > 0", f.Name)
	}
	if f.CreditCode != "" {
		q = q.Where("credit_code = ?", ident.NormalizeCreditCode(f.CreditCode))
	}
	var cs []Collective
	if err := q.Order("id").Limit(r.Limit + 1).Find(&cs).Error; err != nil {
		return nil, nil, err
	}
	cs, next := page.Trim(cs, r, func(c Collective) string { return strconv.FormatInt(c.ID, 10) })
	return cs, next, nil
}
