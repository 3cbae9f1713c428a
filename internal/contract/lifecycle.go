package contract

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/parcel"
	"github.com/tuoguan/tuoguan/internal/rollup"
	"github.com/tuoguan/tuoguan/internal/scope"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

// LockTimeout bounds how long activation waits for a parcel another activation holds, so one hot parcel
// cannot stall the service.
const LockTimeout = "3s"

// Activate makes a draft active. Under row locks on its parcels (taken in id order, so concurrent activations
// never deadlock) and a share lock on its provider, it checks again that the provider is active and offers
// every operation, that each parcel is still the farm's and large enough, and that for each operation type
// the area of each parcel sold by active contracts with overlapping dates, this one included, stays within
// the parcel's area (Conflict naming the parcel and operation type otherwise), and that its subsidy lines keep
// the season's subsidy policy (Invalid naming the fields where the policy refuses, flags on the contract where
// it flags). It then creates the delivery caps that operation logging draws on and enters the contract into
// the statistics rollups.
func (s *Service) Activate(ctx context.Context, p scope.Principal, id int64) (Contract, error) {
	var out Contract
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL lock_timeout = '" + LockTimeout + "'").Error; err != nil {
			return err
		}
		before, err := s.transition(ctx, tx, p, id, StatusDraft)
		if err != nil {
			return err
		}
		ids := make([]int64, len(before.Parcels))
		for i, pc := range before.Parcels {
			ids[i] = pc.ParcelID
		}
		parcels, err := parcel.LockForHold(ctx, tx, before.CountyCode, ids)
		if err != nil {
			return err
		}
		c := before
		if err := s.check(ctx, tx, p, &c); err != nil {
			return err
		}
		var errs fault.Fields
		if err := checkProvider(ctx, tx, p, &errs, &c, true); err != nil {
			return err
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := checkOverlap(ctx, tx, c, parcels); err != nil {
			return err
		}
		flags, err := subsidy.Apply(tx, c.CountyCode, c.SeasonYear, c.subsidyLines())
		if err != nil {
			return err
		}
		flagged, err := json.Marshal(flags)
		if err != nil {
			return err
		}
		if err := tx.Exec("UPDATE contracts SET status = ?, activated_at = now(), updated_at = now(), policy_flags = ?::jsonb WHERE county_code = ? AND id = ?",
			StatusActive, string(flagged), c.CountyCode, id).Error; err != nil {
			return err
		}
		if err := rollup.Enter(tx, c.totals()); err != nil {
			return err
		}
		return s.finish(ctx, tx, p, "contract.activate", before, &out)
	})
	return out, lockTimeout(err)
}

// checkOverlap refuses the activation of c when, for one of its operation types, a parcel would be sold
// beyond its area on some day of c's dates by the active contracts running that day and c.
func checkOverlap(ctx context.Context, tx *gorm.DB, c Contract, parcels map[int64]parcel.Parcel) error {
	ids := make([]int64, 0, len(parcels))
	for id := range parcels {
		ids = append(ids, id)
	}
	holds, err := parcel.Holds(ctx, tx, c.CountyCode, ids, c.StartDate, c.EndDate)
	if err != nil {
		return err
	}
	for _, pc := range c.Parcels {
		for _, l := range c.Services {
			on := []parcel.Hold{{ParcelID: pc.ParcelID, OpType: l.OpType, StartDate: c.StartDate, EndDate: c.EndDate, AreaMu: pc.AreaMu.Decimal()}}
			for _, h := range holds {
				if h.ParcelID == pc.ParcelID && h.OpType == l.OpType {
					on = append(on, h)
				}
			}
			if peak := parcel.Peak(on, c.StartDate, c.EndDate); peak.GreaterThan(parcels[pc.ParcelID].AreaMu.Decimal()) {
				return fault.Conflictf("Parcel %d (%s mu) would be sold for %s on %s mu at once by active contracts with overlapping dates.",
					pc.ParcelID, parcels[pc.ParcelID].AreaMu, l.OpType, peak.StringFixed(2))
			}
		}
	}
	return nil
}

// subsidyLines are c's service lines as the subsidy policy reads them.
func (c Contract) subsidyLines() []subsidy.Line {
	lines := make([]subsidy.Line, len(c.Services))
	for i, l := range c.Services {
		lines[i] = subsidy.Line{OpType: l.OpType, Passes: l.Passes, PricePerMu: l.PricePerMu, SubsidyPerMu: l.SubsidyPerMu}
	}
	return lines
}

// totals is what c brings into the running totals and rollups on activation.
func (c Contract) totals() rollup.Contract {
	t := rollup.Contract{CountyCode: c.CountyCode, ID: c.ID, CollectiveID: c.CollectiveID, RegionCode: c.RegionCode, FarmID: c.FarmID,
		ProviderID: c.ProviderID, Crop: c.Crop, SeasonYear: c.SeasonYear, AreaMu: c.ContractedAreaMu, FeePerMu: c.CollectiveFeePerMu}
	for _, p := range c.Parcels {
		t.Parcels = append(t.Parcels, rollup.Parcel{ID: p.ParcelID, AreaMu: p.AreaMu})
	}
	for _, l := range c.Services {
		t.Lines = append(t.Lines, rollup.Line{OpType: l.OpType, Passes: l.Passes})
	}
	return t
}

// Complete closes an active contract whose work is done: at least one confirmed harvesting operation, or its
// end date passed. Its collective or admin.
func (s *Service) Complete(ctx context.Context, p scope.Principal, id int64) (Contract, error) {
	var out Contract
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := s.transition(ctx, tx, p, id, StatusActive)
		if err != nil {
			return err
		}
		harvest, _ := before.LineOf("harvesting")
		if harvest.ConfirmedAreaMu.Sign() == 0 && !before.EndDate.Before(calendar.Today(s.now())) {
			return fault.Conflictf("Contract %s has no confirmed harvest and runs until %s; it cannot be completed yet.",
				before.Number, before.EndDate.Format("2006-01-02"))
		}
		if err := tx.Model(&Contract{}).Where("county_code = ? AND id = ?", before.CountyCode, id).
			Updates(map[string]any{"status": StatusCompleted, "closed_at": gorm.Expr("now()"), "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return err
		}
		return s.finish(ctx, tx, p, "contract.complete", before, &out)
	})
	return out, err
}

// Terminate ends an active contract early, with a reason. Its collective or admin.
func (s *Service) Terminate(ctx context.Context, p scope.Principal, id int64, reason string) (Contract, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > 500 {
		return Contract{}, fault.Invalidf("reason", "must be 1 to 500 characters")
	}
	var out Contract
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := s.transition(ctx, tx, p, id, StatusActive)
		if err != nil {
			return err
		}
		if err := tx.Model(&Contract{}).Where("county_code = ? AND id = ?", before.CountyCode, id).
			Updates(map[string]any{"status": StatusTerminated, "termination_reason": reason, "closed_at": gorm.Expr("now()"), "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return err
		}
		return s.finish(ctx, tx, p, "contract.terminate", before, &out)
	})
	return out, err
}

// transition locks contract id for a status change by p from status from: NotFound when p cannot read it,
// Forbidden when p's role may not change it, Conflict when it is in another status.
func (s *Service) transition(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64, from string) (Contract, error) {
	c, err := Lookup(ctx, tx, p, id, clause.LockingStrengthUpdate)
	if err != nil {
		return c, err
	}
	if err := mayWrite(p); err != nil {
		return c, err
	}
	if c.Status != from {
		return c, fault.Conflictf("Contract %s is %s, not %s.", c.Number, c.Status, from)
	}
	return c, nil
}

// finish reads the changed contract into out and records the change.
func (s *Service) finish(ctx context.Context, tx *gorm.DB, p scope.Principal, action string, before Contract, out *Contract) error {
	var err error
	if *out, err = Lookup(ctx, tx, p, before.ID, ""); err != nil {
		return err
	}
	return audit.Record(ctx, tx, p, audit.Change{Action: action, ObjectType: "contract", ObjectID: before.ID, RegionCode: before.RegionCode, Before: before, After: *out})
}

// lockTimeout turns a lock wait that ran out into Unavailable, which a client may retry.
func lockTimeout(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
		return &fault.Error{Kind: fault.Unavailable, Message: "Another activation holds these parcels; try again.", RetryAfter: time.Second}
	}
	return err
}
