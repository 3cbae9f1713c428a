// Package subsidy keeps a county's subsidy policy per season and applies it: the caps a contract's subsidy
// lines must keep when it is activated (docs/subsidies.md).
package subsidy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Enforcement says what an activation that breaks the policy meets: refusal, or a flag on the contract.
const (
	EnforceRefuse = "refuse"
	EnforceFlag   = "flag"
)

// Policy is a county's subsidy policy for one season.
type Policy struct {
	CountyCode           string             `gorm:"column:county_code" json:"county_code"`
	SeasonYear           int                `gorm:"column:season_year" json:"season_year"`
	MaxSharePct          num.Dec2           `gorm:"column:max_share_pct" json:"max_share_pct"`
	MaxPerMu             num.Dec2           `gorm:"column:max_per_mu" json:"max_per_mu"`
	KeyOpTypes           postgres.TextArray `gorm:"column:key_op_types" json:"key_op_types"`
	MaxPerProvider       num.Dec2           `gorm:"column:max_per_provider" json:"max_per_provider"`
	MinHouseholdSharePct num.Dec2           `gorm:"column:min_household_share_pct" json:"min_household_share_pct"`
	SamplePct            num.Dec2           `gorm:"column:sample_pct" json:"sample_pct"`
	Enforcement          string             `gorm:"column:enforcement" json:"enforcement"`
	UpdatedAt            time.Time          `gorm:"column:updated_at;<-:false" json:"updated_at"`
}

// TableName is the table policies live in.
func (Policy) TableName() string { return "subsidy_policies" }

// Service keeps policies.
type Service struct {
	db *gorm.DB
}

// NewService returns a Service over db.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }

// Get returns county's policy for year: NotFound when there is none, or when p may not read it (a bureau
// outside its region, a collective outside its county). Providers read every county's rules.
func (s *Service) Get(ctx context.Context, p scope.Principal, county string, year int) (Policy, error) {
	if lvl, err := scope.Level(county); err != nil || lvl != scope.County {
		return Policy{}, fault.NotFoundf("%s is not a county.", county)
	}
	if err := mayRead(p, county); err != nil {
		return Policy{}, err
	}
	pol, ok, err := Lookup(s.db.WithContext(ctx), county[:6], year)
	if err == nil && !ok {
		err = fault.NotFoundf("No subsidy policy for %s in %d.", county, year)
	}
	return pol, err
}

// Lookup returns the policy of county (six digits) for year, if there is one; tx is the caller's.
func Lookup(tx *gorm.DB, county string, year int) (Policy, bool, error) {
	var pol Policy
	err := tx.Where("county_code = ? AND season_year = ?", county, year).Take(&pol).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return pol, false, nil
	}
	return pol, err == nil, err
}

// Put creates or replaces county's policy for year: the county's own bureau or admin (Forbidden for other
// roles, NotFound for another county or a code that is not a county's). Every field is checked (Invalid naming
// it); a replacement after a settlement of that county and season was approved is a Conflict. Audited.
func (s *Service) Put(ctx context.Context, p scope.Principal, county string, year int, in Policy) (Policy, error) {
	if err := mayKeep(p, county); err != nil {
		return Policy{}, err
	}
	if err := s.validate(ctx, in); err != nil {
		return Policy{}, err
	}
	in.CountyCode, in.SeasonYear = county[:6], year
	var out Policy
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw("SELECT count(*) FROM regions WHERE code = ?", county).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fault.NotFoundf("No region %s.", county)
		}
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('subsidy:' || ?), ?)", in.CountyCode, year).Error; err != nil {
			return err
		}
		approved, err := settled(tx, in.CountyCode, year)
		if err != nil {
			return err
		}
		if approved {
			return fault.Conflictf("A settlement of %s for %d is approved; its policy can no longer change.", county, year)
		}
		before, existed, err := Lookup(tx, in.CountyCode, year)
		if err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO subsidy_policies (county_code, season_year, max_share_pct, max_per_mu, key_op_types,
				max_per_provider, min_household_share_pct, sample_pct, enforcement)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (county_code, season_year) DO UPDATE SET max_share_pct = excluded.max_share_pct,
				max_per_mu = excluded.max_per_mu, key_op_types = excluded.key_op_types, max_per_provider = excluded.max_per_provider,
				min_household_share_pct = excluded.min_household_share_pct, sample_pct = excluded.sample_pct,
				enforcement = excluded.enforcement, updated_at = excluded.updated_at`,
			in.CountyCode, year, in.MaxSharePct, in.MaxPerMu, in.KeyOpTypes, in.MaxPerProvider, in.MinHouseholdSharePct,
			in.SamplePct, in.Enforcement).Error; err != nil {
			return err
		}
		if out, _, err = Lookup(tx, in.CountyCode, year); err != nil {
			return err
		}
		ch := audit.Change{Action: "subsidy_policy.put", ObjectType: "subsidy_policy", ObjectID: 0, RegionCode: county, After: out}
		if existed {
			ch.Before = before
		}
		return audit.Record(ctx, tx, p, ch)
	})
	return out, err
}

// settled reports whether a settlement of county and year is approved (or paid).
func settled(tx *gorm.DB, county string, year int) (bool, error) {
	var n int64
	err := tx.Raw(`SELECT count(*) FROM settlements WHERE county_code = ? AND season_year = ? AND status <> 'draft'`,
		county, year).Scan(&n).Error
	return n > 0, err
}

func (s *Service) validate(ctx context.Context, in Policy) error {
	var errs fault.Fields
	hundred := decimal.NewFromInt(100)
	pct := func(field string, v num.Dec2, zero bool) {
		if d := v.Decimal(); d.IsNegative() || d.GreaterThan(hundred) || (!zero && d.IsZero()) {
			errs.Add(field, "must be between 0 and 100")
		}
	}
	pct("max_share_pct", in.MaxSharePct, true)
	pct("min_household_share_pct", in.MinHouseholdSharePct, true)
	pct("sample_pct", in.SamplePct, false)
	if in.MaxPerMu.Decimal().IsNegative() {
		errs.Add("max_per_mu", "must not be negative")
	}
	if in.MaxPerProvider.Decimal().IsNegative() {
		errs.Add("max_per_provider", "must not be negative")
	}
	if in.Enforcement != EnforceRefuse && in.Enforcement != EnforceFlag {
		errs.Add("enforcement", "must be one of refuse, flag")
	}
	known, err := reference.NewService(s.db).OperationTypes(ctx)
	if err != nil {
		return err
	}
	for i, op := range in.KeyOpTypes {
		if !slices.ContainsFunc(known, func(it reference.Item) bool { return it.Code == op }) {
			errs.Add(fmt.Sprintf("key_op_types[%d]", i), "is not an operation type")
		}
	}
	return errs.Err()
}

// mayRead refuses, as not found, a county p may not see.
func mayRead(p scope.Principal, county string) error {
	switch p.Role {
	case scope.Admin, scope.Provider:
		return nil
	case scope.Bureau:
		prefix, inCounty := p.RegionPrefix(), county[:6]
		if len(prefix) <= 6 && len(inCounty) >= len(prefix) && inCounty[:len(prefix)] == prefix || len(prefix) > 6 && prefix[:6] == inCounty {
			return nil
		}
	case scope.Collective:
		if len(p.RegionCode) >= 6 && p.RegionCode[:6] == county[:6] {
			return nil
		}
	}
	return fault.NotFoundf("No subsidy policy for %s.", county)
}

// mayKeep refuses a county whose policy p may not keep: Forbidden for a role that keeps none, NotFound for a
// code that is not a county or a county that is not the bureau's own.
func mayKeep(p scope.Principal, county string) error {
	if p.Role != scope.Admin && p.Role != scope.Bureau {
		return fault.Forbiddenf("Only the county's bureau keeps its subsidy policy.")
	}
	if lvl, err := scope.Level(county); err != nil || lvl != scope.County {
		return fault.NotFoundf("%s is not a county.", county)
	}
	if p.Role == scope.Bureau && p.RegionPrefix() != county[:6] {
		return fault.NotFoundf("No county %s in your region.", county)
	}
	return nil
}
