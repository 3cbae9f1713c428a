package contract

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// ParcelInput is a parcel to put on a contract.
type ParcelInput struct {
	ParcelID int64
	AreaMu   num.Dec2
}

// LineInput is a service line to put on a contract.
type LineInput struct {
	OpType            string
	Passes            int
	PricePerMu        num.Dec2
	SubsidyPerMu      num.Dec2
	BaselineCostPerMu num.Dec2
}

// Input holds the fields of a draft or a change to one; nil fields are absent. Parcels and Services replace
// the whole list when present.
type Input struct {
	CollectiveID         *int64
	FarmID               *int64
	ProviderID           *int64
	Crop                 *string
	SeasonYear           *int
	Mode                 *string
	StartDate            *time.Time
	EndDate              *time.Time
	Parcels              *[]ParcelInput
	Services             *[]LineInput
	CollectiveFeePerMu   *num.Dec2
	BaselineYieldKgPerMu *num.Dec2
	PricePerKg           *num.Dec4
}

func mayWrite(p scope.Principal) error {
	if p.Role != scope.Admin && p.Role != scope.Collective {
		return fault.Forbiddenf("Only collectives and admin write contracts.")
	}
	return nil
}

// Create drafts a contract for a farm of the caller's collective (admin: of any collective) with a provider
// that is active and offers every operation on it. Every rule of docs/domain.md that does not depend on other
// contracts is checked here; the overlap with other contracts is checked on activation.
func (s *Service) Create(ctx context.Context, p scope.Principal, in Input) (Contract, error) {
	if err := mayWrite(p); err != nil {
		return Contract{}, err
	}
	if p.Role == scope.Collective && in.CollectiveID == nil {
		in.CollectiveID = &p.CollectiveID
	}
	var errs fault.Fields
	for _, r := range []struct {
		field string
		ok    bool
	}{{"collective_id", in.CollectiveID != nil}, {"farm_id", in.FarmID != nil}, {"provider_id", in.ProviderID != nil},
		{"crop", in.Crop != nil}, {"season_year", in.SeasonYear != nil}, {"mode", in.Mode != nil},
		{"start_date", in.StartDate != nil}, {"end_date", in.EndDate != nil}, {"parcels", in.Parcels != nil},
		{"services", in.Services != nil}, {"collective_fee_per_mu", in.CollectiveFeePerMu != nil},
		{"baseline_yield_kg_per_mu", in.BaselineYieldKgPerMu != nil}, {"price_per_kg", in.PricePerKg != nil}} {
		errs.Require(r.field, r.ok)
	}
	if err := errs.Err(); err != nil {
		return Contract{}, err
	}
	c := Contract{Status: StatusDraft}
	merge(&c, in)
	var out Contract
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		region, err := collective.RegionOf(ctx, tx, p, c.CollectiveID)
		if fault.KindOf(err) == fault.NotFound {
			return fault.Invalidf("collective_id", "no such collective")
		} else if err != nil {
			return err
		}
		c.RegionCode, c.CountyCode = region, scope.CountyCode(region)
		if err := s.check(ctx, tx, p, &c); err != nil {
			return err
		}
		if c.Number, err = nextNumber(ctx, tx, c.CountyCode, c.RegionCode, c.SeasonYear); err != nil {
			return err
		}
		if err := tx.Omit("id", "created_at", "updated_at").Create(&c).Error; err != nil {
			return err
		}
		if err := writeLines(tx, &c); err != nil {
			return err
		}
		if out, err = Lookup(ctx, tx, p, c.ID, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "contract.create", ObjectType: "contract", ObjectID: c.ID, RegionCode: c.RegionCode, After: out})
	})
	return out, err
}

// Update changes a draft: its collective or admin. An active, completed or terminated contract is a
// Conflict; the collective cannot change.
func (s *Service) Update(ctx context.Context, p scope.Principal, id int64, in Input) (Contract, error) {
	if in.CollectiveID != nil {
		return Contract{}, fault.Invalidf("collective_id", "cannot be changed")
	}
	var out Contract
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := s.draft(ctx, tx, p, id)
		if err != nil {
			return err
		}
		c := before
		merge(&c, in)
		if err := s.check(ctx, tx, p, &c); err != nil {
			return err
		}
		if c.SeasonYear != before.SeasonYear {
			if c.Number, err = nextNumber(ctx, tx, c.CountyCode, c.RegionCode, c.SeasonYear); err != nil {
				return err
			}
		}
		err = tx.Model(&Contract{}).Where("county_code = ? AND id = ?", c.CountyCode, id).Updates(map[string]any{
			"number": c.Number, "farm_id": c.FarmID, "provider_id": c.ProviderID, "crop": c.Crop, "season_year": c.SeasonYear,
			"mode": c.Mode, "start_date": c.StartDate, "end_date": c.EndDate, "collective_fee_per_mu": c.CollectiveFeePerMu,
			"baseline_yield_kg_per_mu": c.BaselineYieldKgPerMu, "price_per_kg": c.PricePerKg,
			"contracted_area_mu": c.ContractedAreaMu, "updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return err
		}
		if err := tx.Where("county_code = ? AND contract_id = ?", c.CountyCode, id).Delete(&Parcel{}).Error; err != nil {
			return err
		}
		if err := tx.Where("county_code = ? AND contract_id = ?", c.CountyCode, id).Delete(&Line{}).Error; err != nil {
			return err
		}
		if err := writeLines(tx, &c); err != nil {
			return err
		}
		if out, err = Lookup(ctx, tx, p, id, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "contract.update", ObjectType: "contract", ObjectID: id, RegionCode: c.RegionCode, Before: before, After: out})
	})
	return out, err
}

// Delete removes a draft: its collective or admin. Other statuses are a Conflict.
func (s *Service) Delete(ctx context.Context, p scope.Principal, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := s.draft(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := tx.Where("county_code = ? AND id = ?", before.CountyCode, id).Delete(&Contract{}).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "contract.delete", ObjectType: "contract", ObjectID: id, RegionCode: before.RegionCode, Before: before})
	})
}

// draft locks contract id for a change by p: NotFound when p cannot read it, Forbidden when p's role may not
// write it, Conflict unless it is a draft.
func (s *Service) draft(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (Contract, error) {
	c, err := Lookup(ctx, tx, p, id, clause.LockingStrengthUpdate)
	if err != nil {
		return c, err
	}
	if err := mayWrite(p); err != nil {
		return c, err
	}
	if c.Status != StatusDraft {
		return c, fault.Conflictf("Contract %s is %s; only a draft can be changed or deleted.", c.Number, c.Status)
	}
	return c, nil
}

// merge copies the present fields of in onto c.
func merge(c *Contract, in Input) {
	set(&c.CollectiveID, in.CollectiveID)
	set(&c.FarmID, in.FarmID)
	set(&c.ProviderID, in.ProviderID)
	set(&c.Crop, in.Crop)
	set(&c.SeasonYear, in.SeasonYear)
	set(&c.Mode, in.Mode)
	set(&c.StartDate, in.StartDate)
	set(&c.EndDate, in.EndDate)
	set(&c.CollectiveFeePerMu, in.CollectiveFeePerMu)
	set(&c.BaselineYieldKgPerMu, in.BaselineYieldKgPerMu)
	set(&c.PricePerKg, in.PricePerKg)
	if in.Parcels != nil {
		c.Parcels = make([]Parcel, len(*in.Parcels))
		for i, pi := range *in.Parcels {
			c.Parcels[i] = Parcel{ParcelID: pi.ParcelID, AreaMu: pi.AreaMu}
		}
	}
	if in.Services != nil {
		c.Services = make([]Line, len(*in.Services))
		for i, l := range *in.Services {
			c.Services[i] = Line{OpType: l.OpType, Passes: l.Passes, PricePerMu: l.PricePerMu, SubsidyPerMu: l.SubsidyPerMu, BaselineCostPerMu: l.BaselineCostPerMu}
		}
	}
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// writeLines inserts c's parcels and service lines.
func writeLines(tx *gorm.DB, c *Contract) error {
	for i := range c.Parcels {
		c.Parcels[i].CountyCode, c.Parcels[i].ContractID = c.CountyCode, c.ID
	}
	for i := range c.Services {
		c.Services[i].CountyCode, c.Services[i].ContractID = c.CountyCode, c.ID
	}
	if err := tx.Create(&c.Parcels).Error; err != nil {
		return err
	}
	return tx.Omit("active_area_mu", "confirmed_area_mu", "confirmed_yield_kg").Create(&c.Services).Error
}

// nextNumber returns the next contract number of a village and season: <village>-<year>-<sequence>. The
// counter row serialises concurrent drafts of one village and year, so numbers never repeat.
func nextNumber(ctx context.Context, tx *gorm.DB, county, region string, year int) (string, error) {
	var seq int
	err := tx.WithContext(ctx).Raw(`INSERT INTO contract_numbers (county_code, region_code, season_year, last) VALUES (?, ?, ?, 1)
		ON CONFLICT (county_code, region_code, season_year) DO UPDATE SET last = contract_numbers.last + 1
		RETURNING last`, county, region, year).Scan(&seq).Error
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%d-%04d", region, year, seq), nil
}

// sumArea is the contracted area: Σ parcels.area_mu.
func sumArea(ps []Parcel) decimal.Decimal {
	sum := decimal.Zero
	for _, p := range ps {
		sum = sum.Add(p.AreaMu.Decimal())
	}
	return sum
}
