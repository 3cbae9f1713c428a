package farm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Input holds the fields of a registration or a change; nil fields are absent.
type Input struct {
	Kind               *string
	Name               *string
	OperatorName       *string
	IDNumber           *string
	Phone              *string
	CollectiveID       *int64
	RegisteredOn       *time.Time
	CreditCode         *string
	DemonstrationLevel *string
	BusinessModels     *[]string
	OperatedAreaMu     *num.Dec2
}

func mayWrite(p scope.Principal) error {
	if p.Role != scope.Admin && p.Role != scope.Collective {
		return fault.Forbiddenf("Only collectives and admin register and change farms.")
	}
	return nil
}

// Create registers a farm in a collective: a collective's account in its own (collective_id may be left
// out), admin in any. The operator's ID number must be valid and not registered in the collective already
// (Conflict). A collective outside p's scope is reported as not existing.
func (s *Service) Create(ctx context.Context, p scope.Principal, in Input) (Farm, error) {
	if err := mayWrite(p); err != nil {
		return Farm{}, err
	}
	if p.Role == scope.Collective && in.CollectiveID == nil {
		in.CollectiveID = &p.CollectiveID
	}
	var errs fault.Fields
	errs.Require("kind", in.Kind != nil)
	errs.Require("name", in.Name != nil)
	errs.Require("operator_name", in.OperatorName != nil)
	errs.Require("id_number", in.IDNumber != nil)
	errs.Require("phone", in.Phone != nil)
	errs.Require("collective_id", in.CollectiveID != nil)
	f := Farm{DemonstrationLevel: "none", BusinessModels: postgres.TextArray{}}
	if in.Kind != nil {
		if !slices.Contains(Kinds, *in.Kind) {
			errs.Add("kind", "must be one of %s", strings.Join(Kinds, ", "))
		}
		f.Kind = *in.Kind
	}
	idNumber, phone := s.apply(&errs, &f, in)
	checkFamilyFields(&errs, f, in)
	if err := errs.Err(); err != nil {
		return Farm{}, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		region, err := collective.RegionOf(ctx, tx, p, *in.CollectiveID)
		if fault.KindOf(err) == fault.NotFound {
			return fault.Invalidf("collective_id", "no such collective")
		} else if err != nil {
			return err
		}
		f.CollectiveID, f.RegionCode, f.CountyCode = *in.CollectiveID, region, scope.CountyCode(region)
		if err := tx.Raw("SELECT nextval(pg_get_serial_sequence('farms', 'id'))").Scan(&f.ID).Error; err != nil {
			return err
		}
		if err := s.seal(&f, idNumber, phone); err != nil {
			return err
		}
		if err := tx.Omit("created_at", "updated_at").Create(&f).Error; err != nil {
			return conflict(err)
		}
		if f, err = get(tx.Where("farms.county_code = ?", f.CountyCode), f.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "farm.create", ObjectType: "farm", ObjectID: f.ID, RegionCode: f.RegionCode, After: f})
	})
	return f, err
}

// Update changes the present fields of farm id: its collective or admin (others who can read it: Forbidden;
// those who cannot: NotFound). Kind and collective cannot change.
func (s *Service) Update(ctx context.Context, p scope.Principal, id int64, in Input) (Farm, error) {
	var errs fault.Fields
	if in.Kind != nil {
		errs.Add("kind", "cannot be changed; register the farm anew")
	}
	if in.CollectiveID != nil {
		errs.Add("collective_id", "cannot be changed")
	}
	var after Farm
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := getLocked(tx, p, id)
		if err != nil {
			return err
		}
		if err := mayWrite(p); err != nil {
			return err
		}
		after = before
		idNumber, phone := s.apply(&errs, &after, in)
		checkFamilyFields(&errs, after, in)
		if err := errs.Err(); err != nil {
			return err
		}
		if err := s.seal(&after, idNumber, phone); err != nil {
			return err
		}
		err = tx.Model(&Farm{}).Where("county_code = ? AND id = ?", before.CountyCode, id).Updates(map[string]any{
			"name": after.Name, "operator_name": after.OperatorName,
			"id_number_enc": after.IDNumberEnc, "id_number_mac": after.IDNumberMAC, "id_number_mask": after.IDNumberMask,
			"phone_enc": after.PhoneEnc, "phone_mac": after.PhoneMAC, "phone_mask": after.PhoneMask,
			"registered_on": after.RegisteredOn, "credit_code": after.CreditCode, "demonstration_level": after.DemonstrationLevel,
			"business_models": after.BusinessModels, "operated_area_mu": after.OperatedAreaMu, "updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return conflict(err)
		}
		if after, err = get(tx.Where("farms.county_code = ?", before.CountyCode), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "farm.update", ObjectType: "farm", ObjectID: id, RegionCode: after.RegionCode, Before: before, After: after})
	})
	return after, err
}

// apply validates the present fields of in into f and returns the normalised ID and phone numbers ("" when
// absent).
func (s *Service) apply(errs *fault.Fields, f *Farm, in Input) (idNumber, phone string) {
	if in.Name != nil {
		f.Name = errs.Text("name", *in.Name, 100)
	}
	if in.OperatorName != nil {
		f.OperatorName = errs.Text("operator_name", *in.OperatorName, 50)
	}
	if in.IDNumber != nil {
		idNumber = pii.NormalizeIDNumber(*in.IDNumber)
		if err := ident.ValidIDNumber(idNumber, calendar.Today(s.now())); err != nil {
			errs.Add("id_number", "%s", ident.Reason(err))
		}
	}
	if in.Phone != nil {
		phone = pii.NormalizePhone(*in.Phone)
		if err := ident.ValidPhone(phone); err != nil {
			errs.Add("phone", "%s", ident.Reason(err))
		}
	}
	if in.RegisteredOn != nil {
		if in.RegisteredOn.After(calendar.Today(s.now())) {
			errs.Add("registered_on", "must not be in the future")
		}
		f.RegisteredOn = in.RegisteredOn
	}
	if in.CreditCode != nil {
		code := ident.NormalizeCreditCode(*in.CreditCode)
		if err := ident.ValidCreditCode(code); err != nil {
			errs.Add("credit_code", "%s", ident.Reason(err))
		}
		f.CreditCode = &code
	}
	if in.DemonstrationLevel != nil {
		if !slices.Contains(DemonstrationLevels, *in.DemonstrationLevel) {
			errs.Add("demonstration_level", "must be one of %s", strings.Join(DemonstrationLevels, ", "))
		}
		f.DemonstrationLevel = *in.DemonstrationLevel
	}
	if in.BusinessModels != nil {
		for i, m := range *in.BusinessModels {
			if !slices.Contains(BusinessModels, m) {
				errs.Add(fmt.Sprintf("business_models[%d]", i), "must be one of %s", strings.Join(BusinessModels, ", "))
			}
		}
		f.BusinessModels = postgres.TextArray(slices.Compact(slices.Sorted(slices.Values(*in.BusinessModels))))
	}
	if in.OperatedAreaMu != nil {
		if in.OperatedAreaMu.Sign() <= 0 {
			errs.Add("operated_area_mu", "must be greater than 0")
		}
		f.OperatedAreaMu = in.OperatedAreaMu
	}
	return idNumber, phone
}

// checkFamilyFields enforces that the family-farm fields belong to family farms, which must have them.
func checkFamilyFields(errs *fault.Fields, f Farm, in Input) {
	if f.Kind != KindFamilyFarm {
		if in.DemonstrationLevel != nil && *in.DemonstrationLevel != "none" {
			errs.Add("demonstration_level", "is for family farms only")
		}
		if in.BusinessModels != nil && len(*in.BusinessModels) > 0 {
			errs.Add("business_models", "is for family farms only")
		}
		if in.OperatedAreaMu != nil {
			errs.Add("operated_area_mu", "is for family farms only")
		}
		return
	}
	if f.RegisteredOn == nil && !errs.Has("registered_on") {
		errs.Add("registered_on", "is required for a family farm")
	}
	if f.OperatedAreaMu == nil && !errs.Has("operated_area_mu") {
		errs.Add("operated_area_mu", "is required for a family farm")
	}
	if len(f.BusinessModels) == 0 && !errs.Has("business_models") {
		errs.Add("business_models", "must name at least one business model for a family farm")
	}
}

func conflict(err error) error {
	if constraint, ok := postgres.UniqueViolation(err); ok && constraint == "farms_person_key" {
		return fault.Conflictf("A farm of this operator (by ID number) is registered in the collective already.")
	}
	return err
}
