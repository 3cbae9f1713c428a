package account

import (
	"context"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Change is a request to change an account; nil fields stay as they are.
type Change struct {
	Password *string
	Disabled *bool
}

// Update changes account id. Anyone may set their own password; admin changes any account, a bureau the
// collective and provider accounts inside its region. Nobody disables their own account. Disabling an
// account or setting its password revokes its sessions. NotFound when p may not read the account,
// Forbidden when p may read but not change it.
func (s *Service) Update(ctx context.Context, p scope.Principal, id int64, c Change) (User, error) {
	var errs fault.Fields
	if c.Password != nil {
		checkPassword(&errs, "password", *c.Password)
	}
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	var hash string
	if c.Password != nil {
		var err error
		if hash, err = hashPassword(*c.Password, s.cfg.Hash); err != nil {
			return User{}, err
		}
	}
	var after User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := s.get(visible(tx, p), id, true)
		if err != nil {
			return err
		}
		if err := mayChange(p, before, c); err != nil {
			return err
		}
		fields := map[string]any{"updated_at": gorm.Expr("now()")}
		revoke := false
		if c.Password != nil {
			fields["password_hash"], revoke = hash, true
		}
		if c.Disabled != nil {
			fields["disabled"] = *c.Disabled
			revoke = revoke || *c.Disabled
		}
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(fields).Error; err != nil {
			return err
		}
		if revoke {
			if err := tx.Model(&session{}).Where("user_id = ? AND revoked_at IS NULL", id).Update("revoked_at", s.now()).Error; err != nil {
				return err
			}
		}
		if after, err = s.get(tx, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "user.update", ObjectType: "user", ObjectID: id,
			RegionCode: deref(after.RegionCode), Before: before, After: after})
	})
	return after, err
}

func mayChange(p scope.Principal, target User, c Change) error {
	self := target.ID == p.UserID
	if self && c.Disabled != nil && *c.Disabled {
		return fault.Invalidf("disabled", "you cannot disable your own account")
	}
	switch {
	case p.Role == scope.Admin:
		return nil
	case self && c.Disabled == nil:
		return nil
	case p.Role == scope.Bureau && (target.Role == scope.Collective || target.Role == scope.Provider):
		return nil
	}
	return fault.Forbiddenf("You may not change this account.")
}
