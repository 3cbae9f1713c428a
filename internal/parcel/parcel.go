// Package parcel keeps land parcels (地块): each belongs to a farm and lies in its collective's village, with
// a declared area in mu and, where a boundary is drawn, a measured one. Declared and measured areas that
// differ by more than 5 % flag the parcel — area disputes are the most common dispute in custody work.
package parcel

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/geo"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// LandTypes are the land types of docs/domain.md.
var LandTypes = []string{"dry", "irrigated", "paddy", "orchard", "other"}

// Parcel is a land parcel; its JSON form is what audit snapshots carry.
type Parcel struct {
	CountyCode     string          `gorm:"column:county_code" json:"-"`
	ID             int64           `gorm:"column:id;primaryKey" json:"id"`
	FarmID         int64           `gorm:"column:farm_id" json:"farm_id"`
	CollectiveID   int64           `gorm:"column:collective_id" json:"collective_id"`
	RegionCode     string          `gorm:"column:region_code" json:"region_code"`
	Code           *string         `gorm:"column:code" json:"code"`
	Name           string          `gorm:"column:name" json:"name"`
	AreaMu         num.Dec2        `gorm:"column:area_mu" json:"area_mu"`
	LandType       string          `gorm:"column:land_type" json:"land_type"`
	CertificateNo  *string         `gorm:"column:certificate_no" json:"certificate_no"`
	Boundary       json.RawMessage `gorm:"column:boundary" json:"boundary"`
	MeasuredAreaMu *num.Dec2       `gorm:"column:measured_area_mu" json:"measured_area_mu"`
	AreaMismatch   bool            `gorm:"column:area_mismatch" json:"area_mismatch"`
	CreatedAt      time.Time       `gorm:"column:created_at;->" json:"created_at"`
	UpdatedAt      time.Time       `gorm:"column:updated_at;<-:update" json:"updated_at"`
}

// TableName is the table parcels live in.
func (Parcel) TableName() string { return "parcels" }

// Service reads and writes parcels.
type Service struct{ db *gorm.DB }

// NewService returns a Service over db.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }

// Visible narrows q, a query on parcels, to the parcels p may read: admin all, a bureau those in its region,
// a collective its own, a provider those on its draft or active contracts.
func Visible(q *gorm.DB, p scope.Principal) *gorm.DB {
	switch p.Role {
	case scope.Admin:
		return q
	case scope.Bureau:
		cond, args := scope.WithinByTownship("parcels", p.RegionPrefix())
		return q.Where(cond, args...)
	case scope.Collective:
		cond, args := scope.OfCollective("parcels", "collective_id", p)
		return q.Where(cond, args...)
	case scope.Provider:
		return q.Where(`EXISTS (SELECT 1 FROM contract_parcels cp JOIN contracts c ON c.county_code = cp.county_code AND c.id = cp.contract_id
			WHERE cp.county_code = parcels.county_code AND cp.parcel_id = parcels.id AND c.provider_id = ? AND c.status IN ('draft', 'active'))`, p.ProviderID)
	}
	return q.Where("false")
}

func get(q *gorm.DB, id int64) (Parcel, error) {
	var pc Parcel
	err := q.Where("parcels.id = ?", id).Take(&pc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return pc, fault.NotFoundf("No parcel %d.", id)
	}
	return pc, err
}

// getLocked returns parcel id when p may read it, locked for update; tx is the caller's transaction. On Citus
// a row lock must name the one shard it takes: the parcel is read first, then locked by its county and id (a
// parcel never changes county).
func getLocked(tx *gorm.DB, p scope.Principal, id int64) (Parcel, error) {
	pc, err := get(Visible(tx, p), id)
	if err != nil {
		return pc, err
	}
	return get(tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("parcels.county_code = ?", pc.CountyCode), id)
}

// Get returns parcel id if p may read it, NotFound otherwise.
func (s *Service) Get(ctx context.Context, p scope.Principal, id int64) (Parcel, error) {
	return get(Visible(s.db.WithContext(ctx), p), id)
}

// Input holds the fields of a registration or a change; nil fields are absent. Boundary is absent when
// empty and removed when it is the JSON null.
type Input struct {
	FarmID        *int64
	Name          *string
	AreaMu        *num.Dec2
	LandType      *string
	Code          *string
	CertificateNo *string
	Boundary      json.RawMessage
}

func mayWrite(p scope.Principal) error {
	if p.Role != scope.Admin && p.Role != scope.Collective {
		return fault.Forbiddenf("Only collectives and admin register and change parcels.")
	}
	return nil
}

// Create registers a parcel of a farm that p may write: its collective, or admin. A farm outside p's scope
// is reported as not existing; a parcel code taken in the county is a Conflict.
func (s *Service) Create(ctx context.Context, p scope.Principal, in Input) (Parcel, error) {
	if err := mayWrite(p); err != nil {
		return Parcel{}, err
	}
	var errs fault.Fields
	errs.Require("farm_id", in.FarmID != nil)
	errs.Require("name", in.Name != nil)
	errs.Require("area_mu", in.AreaMu != nil)
	errs.Require("land_type", in.LandType != nil)
	var pc Parcel
	apply(&errs, &pc, in)
	if err := errs.Err(); err != nil {
		return Parcel{}, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		f, err := farm.Lookup(ctx, tx, p, *in.FarmID)
		if fault.KindOf(err) == fault.NotFound {
			return fault.Invalidf("farm_id", "no such farm")
		} else if err != nil {
			return err
		}
		pc.FarmID, pc.CollectiveID, pc.RegionCode, pc.CountyCode = f.ID, f.CollectiveID, f.RegionCode, f.CountyCode
		if err := tx.Omit("id", "created_at", "updated_at").Create(&pc).Error; err != nil {
			return conflict(err)
		}
		if pc, err = get(tx.Where("parcels.county_code = ?", pc.CountyCode), pc.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "parcel.create", ObjectType: "parcel", ObjectID: pc.ID, RegionCode: pc.RegionCode, After: pc})
	})
	return pc, err
}

// Update changes the present fields of parcel id: its collective or admin (others who can read it:
// Forbidden; those who cannot: NotFound). The farm cannot change.
func (s *Service) Update(ctx context.Context, p scope.Principal, id int64, in Input) (Parcel, error) {
	var errs fault.Fields
	if in.FarmID != nil {
		errs.Add("farm_id", "cannot be changed")
	}
	var after Parcel
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := getLocked(tx, p, id)
		if err != nil {
			return err
		}
		if err := mayWrite(p); err != nil {
			return err
		}
		after = before
		apply(&errs, &after, in)
		if err := errs.Err(); err != nil {
			return err
		}
		if in.AreaMu != nil && in.AreaMu.Cmp(before.AreaMu) < 0 {
			if err := checkHeld(ctx, tx, before, *in.AreaMu); err != nil {
				return err
			}
		}
		err = tx.Model(&Parcel{}).Where("county_code = ? AND id = ?", before.CountyCode, id).Updates(map[string]any{
			"name": after.Name, "area_mu": after.AreaMu, "land_type": after.LandType, "code": after.Code,
			"certificate_no": after.CertificateNo, "boundary": boundaryValue(after.Boundary),
			"measured_area_mu": after.MeasuredAreaMu, "area_mismatch": after.AreaMismatch, "updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return conflict(err)
		}
		if after, err = get(tx.Where("parcels.county_code = ?", before.CountyCode), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "parcel.update", ObjectType: "parcel", ObjectID: id, RegionCode: after.RegionCode, Before: before, After: after})
	})
	return after, err
}

// apply validates the present fields of in into pc and recomputes the measured area and its flag.
func apply(errs *fault.Fields, pc *Parcel, in Input) {
	if in.Name != nil {
		pc.Name = errs.Text("name", *in.Name, 100)
	}
	if in.AreaMu != nil {
		if in.AreaMu.Sign() <= 0 {
			errs.Add("area_mu", "must be greater than 0")
		}
		pc.AreaMu = *in.AreaMu
	}
	if in.LandType != nil {
		if !slices.Contains(LandTypes, *in.LandType) {
			errs.Add("land_type", "must be one of %s", strings.Join(LandTypes, ", "))
		}
		pc.LandType = *in.LandType
	}
	if in.Code != nil {
		pc.Code = optional(errs, "code", *in.Code, 40)
	}
	if in.CertificateNo != nil {
		pc.CertificateNo = optional(errs, "certificate_no", *in.CertificateNo, 40)
	}
	switch {
	case len(in.Boundary) == 0:
	case string(in.Boundary) == "null":
		pc.Boundary = nil
	default:
		b, err := geo.ParseBoundary(in.Boundary)
		var ve *geo.ValidationError
		if errors.As(err, &ve) {
			errs.Add(ve.Field("boundary"), "%s", ve.Message)
			return
		} else if err != nil {
			errs.Add("boundary", "%s", err.Error())
			return
		}
		pc.Boundary = b.JSON()
	}
	measure(pc)
}

// measure sets the measured area and the mismatch flag from the boundary.
func measure(pc *Parcel) {
	pc.MeasuredAreaMu, pc.AreaMismatch = nil, false
	if len(pc.Boundary) == 0 {
		return
	}
	var b geo.Boundary
	if err := json.Unmarshal(pc.Boundary, &b); err != nil {
		return
	}
	m := num.Round2(b.AreaMu())
	pc.MeasuredAreaMu = &m
	pc.AreaMismatch = geo.AreaMismatch(pc.AreaMu.Decimal(), m.Decimal())
}

// optional trims v; empty means "none".
func optional(errs *fault.Fields, field, v string, max int) *string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	v = errs.Text(field, v, max)
	return &v
}

func boundaryValue(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return gorm.Expr("?::jsonb", string(b))
}

func conflict(err error) error {
	if constraint, ok := postgres.UniqueViolation(err); ok && constraint == "parcels_code_key" {
		return fault.Conflictf("A parcel with this code is registered in the county.")
	}
	return err
}
