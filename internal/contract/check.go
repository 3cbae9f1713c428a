package contract

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/parcel"
	"github.com/tuoguan/tuoguan/internal/provider"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// check validates c against every rule of docs/domain.md except the overlap with other contracts, reporting
// all broken rules at once, and sets its contracted area. Objects outside p's scope are reported as not
// existing. tx is the caller's transaction.
func (s *Service) check(ctx context.Context, tx *gorm.DB, p scope.Principal, c *Contract) error {
	var errs fault.Fields
	checkFields(&errs, c)
	f, err := farm.Lookup(ctx, tx, p, c.FarmID)
	switch {
	case fault.KindOf(err) == fault.NotFound || (err == nil && f.CollectiveID != c.CollectiveID):
		errs.Add("farm_id", "no such farm in the collective")
	case err != nil:
		return err
	}
	if err := checkProvider(ctx, tx, p, &errs, c, false); err != nil {
		return err
	}
	if err := checkParcels(ctx, tx, &errs, c); err != nil {
		return err
	}
	var known []string
	if err := tx.WithContext(ctx).Table("crops").Where("code = ?", c.Crop).Pluck("code", &known).Error; err != nil {
		return err
	}
	if len(known) == 0 && !errs.Has("crop") {
		errs.Add("crop", "is not a crop code; see /reference/crops")
	}
	c.ContractedAreaMu = num.Round2(sumArea(c.Parcels))
	return errs.Err()
}

// checkFields validates what needs no lookup.
func checkFields(errs *fault.Fields, c *Contract) {
	if c.SeasonYear < 2000 || c.SeasonYear > 2100 {
		errs.Add("season_year", "must be a year between 2000 and 2100")
	}
	if c.Mode != ModeFull && c.Mode != ModePartial {
		errs.Add("mode", "must be full or partial")
	}
	switch {
	case c.EndDate.Before(c.StartDate):
		errs.Add("end_date", "must not be before start_date")
	case c.EndDate.After(threeYears(c.StartDate)):
		errs.Add("end_date", "must be at most 3 years after start_date")
	}
	if c.CollectiveFeePerMu.Sign() < 0 {
		errs.Add("collective_fee_per_mu", "must not be negative")
	}
	if c.BaselineYieldKgPerMu.Sign() < 0 {
		errs.Add("baseline_yield_kg_per_mu", "must not be negative")
	}
	if c.PricePerKg.Sign() < 0 {
		errs.Add("price_per_kg", "must not be negative")
	}
	if len(c.Parcels) == 0 {
		errs.Add("parcels", "must list at least one parcel")
	}
	seen := map[int64]bool{}
	for i, pc := range c.Parcels {
		if seen[pc.ParcelID] {
			errs.Add(fmt.Sprintf("parcels[%d].parcel_id", i), "lists a parcel twice")
		}
		seen[pc.ParcelID] = true
		if pc.AreaMu.Sign() <= 0 {
			errs.Add(fmt.Sprintf("parcels[%d].area_mu", i), "must be greater than 0")
		}
	}
	checkLines(errs, c)
}

// checkLines validates the service lines: one per operation type, prices, subsidies and passes, and the
// operations full custody requires.
func checkLines(errs *fault.Fields, c *Contract) {
	if len(c.Services) == 0 {
		errs.Add("services", "must list at least one service line")
	}
	ops := map[string]bool{}
	for i, l := range c.Services {
		at := func(field string) string { return fmt.Sprintf("services[%d].%s", i, field) }
		if ops[l.OpType] {
			errs.Add(at("op_type"), "lists an operation type twice")
		}
		ops[l.OpType] = true
		if l.Passes < 1 || l.Passes > 20 {
			errs.Add(at("passes"), "must be between 1 and 20")
		}
		if l.PricePerMu.Sign() < 0 {
			errs.Add(at("price_per_mu"), "must not be negative")
		}
		if l.SubsidyPerMu.Sign() < 0 || l.SubsidyPerMu.Cmp(l.PricePerMu) > 0 {
			errs.Add(at("subsidy_per_mu"), "must be between 0 and price_per_mu")
		}
		if l.BaselineCostPerMu.Sign() < 0 {
			errs.Add(at("baseline_cost_per_mu"), "must not be negative")
		}
	}
	if c.Mode == ModeFull {
		var missing []string
		for _, op := range FullCustodyOperations {
			if !ops[op] {
				missing = append(missing, op)
			}
		}
		if len(missing) > 0 {
			errs.Add("services", "full custody must include %s", strings.Join(missing, ", "))
		}
	}
}

// checkProvider checks that c's provider exists, is active and offers every operation on c; lock takes a
// share lock on its row so a suspension waits for the caller's transaction.
func checkProvider(ctx context.Context, tx *gorm.DB, p scope.Principal, errs *fault.Fields, c *Contract, lock bool) error {
	pr, err := provider.Lookup(ctx, tx, p, c.ProviderID, lock)
	if fault.KindOf(err) == fault.NotFound {
		errs.Add("provider_id", "no such provider")
		return nil
	} else if err != nil {
		return err
	}
	if pr.Status != provider.StatusActive {
		errs.Add("provider_id", "the provider is suspended")
	}
	for i, l := range c.Services {
		if !pr.Offers(l.OpType) {
			errs.Add(fmt.Sprintf("services[%d].op_type", i), "the provider does not offer %s", l.OpType)
		}
	}
	return nil
}

// checkParcels checks that each parcel belongs to c's farm and that its contracted area fits in it, and
// that each operation type is a known one.
func checkParcels(ctx context.Context, tx *gorm.DB, errs *fault.Fields, c *Contract) error {
	ids := make([]int64, len(c.Parcels))
	for i, pc := range c.Parcels {
		ids[i] = pc.ParcelID
	}
	var ps []parcel.Parcel
	if len(ids) > 0 {
		if err := tx.WithContext(ctx).Where("county_code = ? AND id IN ?", c.CountyCode, ids).Find(&ps).Error; err != nil {
			return err
		}
	}
	byID := map[int64]parcel.Parcel{}
	for _, pc := range ps {
		byID[pc.ID] = pc
	}
	for i, pc := range c.Parcels {
		got, ok := byID[pc.ParcelID]
		switch {
		case !ok || got.FarmID != c.FarmID:
			errs.Add(fmt.Sprintf("parcels[%d].parcel_id", i), "no such parcel of the farm")
		case pc.AreaMu.Cmp(got.AreaMu) > 0:
			errs.Add(fmt.Sprintf("parcels[%d].area_mu", i), "must not exceed the parcel's area of %s mu", got.AreaMu)
		}
	}
	ops := make([]string, len(c.Services))
	for i, l := range c.Services {
		ops[i] = l.OpType
	}
	unknown, err := reference.ValidOperationTypes(ctx, tx, ops)
	if err != nil {
		return err
	}
	for i, op := range ops {
		if slices.Contains(unknown, op) {
			errs.Add(fmt.Sprintf("services[%d].op_type", i), "is not an operation type; see /reference/operation-types")
		}
	}
	return nil
}

// threeYears is the latest end date: three years after start, on the last day of the month when that month
// is shorter (29 February → 28 February), as PostgreSQL's date + interval '3 years' counts.
func threeYears(start time.Time) time.Time {
	end := start.AddDate(3, 0, 0)
	if end.Day() != start.Day() {
		end = end.AddDate(0, 0, -end.Day())
	}
	return end
}
