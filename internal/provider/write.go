package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Input holds the fields of a creation or a change; nil fields are absent.
type Input struct {
	Name           *string
	Kind           *string
	CreditCode     *string
	RegionCode     *string
	OperationTypes *[]string
	Machinery      *[]Machine
	ContactName    *string
	ContactPhone   *string
	Status         *string
}

// contactOnly reports whether in changes nothing but contact details, all a provider may change of itself.
func (in Input) contactOnly() bool {
	return in.Name == nil && in.Kind == nil && in.CreditCode == nil && in.RegionCode == nil &&
		in.OperationTypes == nil && in.Machinery == nil && in.Status == nil
}

// Create adds a provider to the directory. A bureau adds providers of its region, admin any; others get
// Forbidden. A home region outside the bureau's region is reported as not existing; a taken credit code is
// a Conflict.
func (s *Service) Create(ctx context.Context, p scope.Principal, in Input) (Provider, error) {
	if p.Role != scope.Admin && p.Role != scope.Bureau {
		return Provider{}, fault.Forbiddenf("Only the bureau and admin add providers.")
	}
	var errs fault.Fields
	errs.Require("name", in.Name != nil)
	errs.Require("kind", in.Kind != nil)
	errs.Require("region_code", in.RegionCode != nil)
	errs.Require("operation_types", in.OperationTypes != nil)
	errs.Require("contact_name", in.ContactName != nil)
	errs.Require("contact_phone", in.ContactPhone != nil)
	pr := Provider{Status: StatusActive, Machinery: []Machine{}}
	if in.RegionCode != nil {
		if _, err := scope.Level(*in.RegionCode); err != nil {
			errs.Add("region_code", "%s", err.Error())
		}
		pr.RegionCode = *in.RegionCode
	}
	phone := apply(&errs, &pr, in)
	if pr.CreditCode == nil && pr.Kind != "individual" && !errs.Has("kind") && !errs.Has("credit_code") {
		errs.Add("credit_code", "is required except for an individual")
	}
	if err := errs.Err(); err != nil {
		return Provider{}, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := region.Visible(ctx, tx, p, pr.RegionCode); err != nil {
			if fault.KindOf(err) == fault.NotFound {
				return fault.Invalidf("region_code", "no such region")
			}
			return err
		}
		if err := knownOperations(ctx, tx, pr.OperationTypes); err != nil {
			return err
		}
		if err := tx.Raw("SELECT nextval(pg_get_serial_sequence('providers', 'id'))").Scan(&pr.ID).Error; err != nil {
			return err
		}
		if err := s.seal(&pr, phone); err != nil {
			return err
		}
		if err := tx.Omit("created_at", "updated_at").Create(&pr).Error; err != nil {
			return conflict(err)
		}
		if err := tx.Where("id = ?", pr.ID).Take(&pr).Error; err != nil {
			return err
		}
		return record(ctx, tx, p, "provider.create", nil, &pr)
	})
	return pr, err
}

// Update changes the present fields of provider id. A bureau for a provider of its region and admin change
// anything; a provider's own account its contact details only (Forbidden otherwise); collectives get
// Forbidden; a provider p cannot read is NotFound.
func (s *Service) Update(ctx context.Context, p scope.Principal, id int64, in Input) (Provider, error) {
	var errs fault.Fields
	if in.RegionCode != nil {
		errs.Add("region_code", "cannot be changed")
	}
	var after Provider
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock("+statusLock+") FROM (SELECT ?::bigint AS id) AS ids", id).Error; err != nil {
			return err
		}
		before, err := get(visible(tx, p).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
		if err != nil {
			return err
		}
		switch {
		case p.Role == scope.Collective:
			return fault.Forbiddenf("Collectives do not change the provider directory.")
		case p.Role == scope.Provider && !in.contactOnly():
			return fault.Forbiddenf("A provider changes its own contact details only.")
		}
		after = before
		phone := apply(&errs, &after, in)
		if after.CreditCode == nil && after.Kind != "individual" && !errs.Has("kind") {
			errs.Add("credit_code", "is required except for an individual")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := knownOperations(ctx, tx, after.OperationTypes); err != nil {
			return err
		}
		if in.ContactPhone != nil {
			if err := s.seal(&after, phone); err != nil {
				return err
			}
		}
		err = tx.Model(&Provider{}).Where("id = ?", id).Updates(map[string]any{
			"name": after.Name, "kind": after.Kind, "credit_code": after.CreditCode, "operation_types": after.OperationTypes,
			"machinery": machinery(after.Machinery), "contact_name": after.ContactName,
			"contact_phone_enc": after.ContactPhoneEnc, "contact_phone_mac": after.ContactPhoneMAC,
			"contact_phone_mask": after.ContactPhoneMask, "status": after.Status, "updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return conflict(err)
		}
		if after, err = get(tx, id); err != nil {
			return err
		}
		return record(ctx, tx, p, "provider.update", &before, &after)
	})
	return after, err
}

// apply validates the present fields of in into pr and returns the normalised phone ("" when absent).
func apply(errs *fault.Fields, pr *Provider, in Input) string {
	if in.Name != nil {
		pr.Name = errs.Text("name", *in.Name, 100)
	}
	if in.Kind != nil {
		if !slices.Contains(Kinds, *in.Kind) {
			errs.Add("kind", "must be one of %s", strings.Join(Kinds, ", "))
		}
		pr.Kind = *in.Kind
	}
	if in.CreditCode != nil {
		code := ident.NormalizeCreditCode(*in.CreditCode)
		if err := ident.ValidCreditCode(code); err != nil {
			errs.Add("credit_code", "%s", ident.Reason(err))
		}
		pr.CreditCode = &code
	}
	if in.OperationTypes != nil {
		pr.OperationTypes = postgres.TextArray(slices.Compact(slices.Sorted(slices.Values(*in.OperationTypes))))
		if len(pr.OperationTypes) == 0 {
			errs.Add("operation_types", "must name at least one operation type")
		}
	}
	if in.Machinery != nil {
		pr.Machinery = *in.Machinery
		for i, m := range pr.Machinery {
			if n := utf8.RuneCountInString(strings.TrimSpace(m.Type)); n < 1 || n > 50 {
				errs.Add(fmt.Sprintf("machinery[%d].type", i), "must be 1 to 50 characters")
			}
			if m.Count < 1 || m.Count > 100000 {
				errs.Add(fmt.Sprintf("machinery[%d].count", i), "must be between 1 and 100000")
			}
		}
	}
	if in.ContactName != nil {
		pr.ContactName = errs.Text("contact_name", *in.ContactName, 50)
	}
	if in.Status != nil {
		if !slices.Contains(Statuses, *in.Status) {
			errs.Add("status", "must be active or suspended")
		}
		pr.Status = *in.Status
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

func knownOperations(ctx context.Context, tx *gorm.DB, ops []string) error {
	unknown, err := reference.ValidOperationTypes(ctx, tx, ops)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		return fault.Invalidf("operation_types", "unknown operation types: %s", strings.Join(unknown, ", "))
	}
	return nil
}

func conflict(err error) error {
	if constraint, ok := postgres.UniqueViolation(err); ok && constraint == "providers_credit_code_key" {
		return fault.Conflictf("A provider with this credit code is in the directory.")
	}
	return err
}

// machinery is the jsonb value of a machinery list.
func machinery(ms []Machine) any {
	b, _ := json.Marshal(ms)
	return gorm.Expr("?::jsonb", string(b))
}
