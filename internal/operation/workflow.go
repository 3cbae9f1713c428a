package operation

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/rollup"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Confirm accepts a recorded or disputed operation as done: the contract's collective or admin. A confirmed
// operation is final and counts in every figure from then on.
func (s *Service) Confirm(ctx context.Context, p scope.Principal, id int64) (Operation, error) {
	return s.move(ctx, p, id, "operation.confirm", []scope.Role{scope.Collective}, []string{StatusRecorded, StatusDisputed},
		func(op *Operation) { op.Status = StatusConfirmed },
		func(tx *gorm.DB, op Operation) error { return rollup.Confirm(tx, op.work()) })
}

// Dispute contests a recorded operation with a reason: the contract's collective or admin. It can be
// confirmed later or voided by its provider.
func (s *Service) Dispute(ctx context.Context, p scope.Principal, id int64, reason string) (Operation, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > 500 {
		return Operation{}, fault.Invalidf("reason", "must be 1 to 500 characters")
	}
	return s.move(ctx, p, id, "operation.dispute", []scope.Role{scope.Collective}, []string{StatusRecorded},
		func(op *Operation) { op.Status, op.DisputeReason = StatusDisputed, &reason }, nil)
}

// Void withdraws a recorded or disputed operation: its provider or admin. The row and its history stay; it
// counts nowhere, and its area returns to the delivery cap.
func (s *Service) Void(ctx context.Context, p scope.Principal, id int64) (Operation, error) {
	return s.move(ctx, p, id, "operation.void", []scope.Role{scope.Provider}, []string{StatusRecorded, StatusDisputed},
		func(op *Operation) { op.Status = StatusVoided },
		func(tx *gorm.DB, op Operation) error {
			return rollup.MoveActive(rollup.ExecIn(tx), []rollup.Work{op.work()}, -1, false)
		})
}

// move changes operation id's status from one of from, for p whose role must be admin or one of roles:
// NotFound when p cannot read it, Forbidden when p's role may not, Conflict from any other status. set puts
// the new state on op; the row and the audit event follow, and totals (nil for none) moves the running
// totals last, so that the rollup rows every writer of a county waits for are held only until the commit.
// The operation's county is read first, without a lock, so that the locking read and every statement after
// it name the county, the key operations are distributed by, and the whole change runs on one shard.
func (s *Service) move(ctx context.Context, p scope.Principal, id int64, action string, roles []scope.Role, from []string,
	set func(op *Operation), totals func(tx *gorm.DB, op Operation) error) (Operation, error) {
	var after Operation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		county, err := countyOf(visible(tx.Model(&Operation{}), p), id)
		if err != nil {
			return err
		}
		before, err := get(visible(tx.Model(&Operation{}), p).Where("operations.county_code = ?", county).
			Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Table: clause.Table{Name: "operations"}}), id)
		if err != nil {
			return err
		}
		if p.Role != scope.Admin && !slices.Contains(roles, p.Role) {
			return fault.Forbiddenf("Your role may not %s operations.", strings.TrimPrefix(action, "operation."))
		}
		if !slices.Contains(from, before.Status) {
			return fault.Conflictf("Operation %d is %s; it cannot be %s.", id, before.Status, pastTense[action])
		}
		after = before
		set(&after)
		if err := tx.Model(&Operation{}).Where("county_code = ? AND id = ?", before.CountyCode, id).Updates(map[string]any{
			"status": after.Status, "dispute_reason": after.DisputeReason, "updated_at": gorm.Expr("now()"),
		}).Error; err != nil {
			return err
		}
		if after, err = get(tx.Model(&Operation{}).Where("operations.county_code = ?", county), id); err != nil {
			return err
		}
		var region string
		if err := tx.Table("contracts").Where("county_code = ? AND id = ?", after.CountyCode, after.ContractID).Pluck("region_code", &region).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, p, audit.Change{Action: action, ObjectType: "operation", ObjectID: id, RegionCode: region, Before: before, After: after}); err != nil {
			return err
		}
		if totals == nil {
			return nil
		}
		return totals(tx, after)
	})
	return after, err
}

// pastTense names what each action makes of an operation, for the message that refuses it.
var pastTense = map[string]string{"operation.confirm": "confirmed", "operation.dispute": "disputed", "operation.void": "voided"}
