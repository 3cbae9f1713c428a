package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// tokenPrefix marks Tuoguan tokens, so that a leaked one is recognisable by secret scanners.
const tokenPrefix = "tg_"

type session struct {
	TokenHash []byte     `gorm:"column:token_hash;primaryKey"`
	UserID    int64      `gorm:"column:user_id"`
	ExpiresAt time.Time  `gorm:"column:expires_at"`
	RevokedAt *time.Time `gorm:"column:revoked_at"`
}

func (session) TableName() string { return "sessions" }

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Login checks a username and password and opens a session. Attempts are limited per account and per client
// address (addr, as the connection gives it, never a header); past the limit it answers TooMany. A wrong
// username and a wrong password are indistinguishable, in answer and in time; a missing one is Invalid.
func (s *Service) Login(ctx context.Context, username, password, addr string) (token string, expires time.Time, err error) {
	var errs fault.Fields
	errs.Require("username", strings.TrimSpace(username) != "")
	errs.Require("password", password != "")
	if err := errs.Err(); err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	for _, t := range []struct {
		th  *throttle
		key string
	}{{s.byAddr, addr}, {s.byAccount, username}} {
		if ok, wait := t.th.allow(t.key, now); !ok {
			return "", time.Time{}, &fault.Error{Kind: fault.TooMany, Message: "Too many login attempts; try again later.", RetryAfter: wait}
		}
	}
	var u User
	err = s.db.WithContext(ctx).Where("username = ?", username).Take(&u).Error
	found := err == nil && !u.Disabled
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", time.Time{}, err
	}
	hash := s.dummyHash
	if found {
		hash = u.PasswordHash
	}
	ok, err := verifyPassword(password, hash)
	if err != nil {
		return "", time.Time{}, err
	}
	if !ok || !found {
		return "", time.Time{}, fault.Unauthenticatedf("Wrong username or password.")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	expires = now.Add(s.cfg.TokenTTL).UTC().Truncate(time.Second)
	// The password was checked without a lock, slowly; open the session only if the account did not change
	// meanwhile, holding it against a concurrent password change or disabling until the session exists.
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var now User
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthShare}).Where("id = ?", u.ID).Take(&now).Error; err != nil {
			return err
		}
		if now.Disabled || now.PasswordHash != u.PasswordHash {
			return fault.Unauthenticatedf("Wrong username or password.")
		}
		return tx.Create(&session{TokenHash: hashToken(token), UserID: u.ID, ExpiresAt: expires}).Error
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// Authenticate returns the principal of a live session's token: not revoked, not expired, its account not
// disabled. Anything else is Unauthenticated. Every request asks, so the lookup skips gorm's reflection and
// runs under a generic plan (postgres.SendGeneric): planning it anew for each request cost twice what running
// it does. The server remembers the principal for Recall.
func (s *Service) Authenticate(ctx context.Context, token string) (scope.Principal, error) {
	pool, err := s.db.DB()
	if err != nil {
		return scope.Principal{}, err
	}
	var u User
	var expires time.Time
	hash := hashToken(token)
	b := &pgx.Batch{}
	b.Queue(`SELECT u.id, u.username, u.role, u.region_code, u.collective_id, u.provider_id, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE `+live, hash, s.now()).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&u.ID, &u.Username, &u.Role, &u.RegionCode, &u.CollectiveID, &u.ProviderID, &expires)
		})
	err = postgres.SendGeneric(ctx, pool, b)
	if errors.Is(err, pgx.ErrNoRows) {
		return scope.Principal{}, notLive()
	}
	if err != nil {
		return scope.Principal{}, err
	}
	p := u.Principal()
	s.seen.put(hash, p, expires)
	return p, nil
}

// Logout revokes the session of token. Revoking an already revoked or unknown token is not an error.
// Revoking is idempotent, so a revocation the database cancelled for a concurrent one (Citus can, for two
// writes of a reference table) runs again.
func (s *Service) Logout(ctx context.Context, token string) error {
	s.seen.forget(hashToken(token))
	var err error
	for range 3 {
		err = s.db.WithContext(ctx).Model(&session{}).
			Where("token_hash = ? AND revoked_at IS NULL", hashToken(token)).
			Update("revoked_at", s.now()).Error
		if !postgres.Cancelled(err) {
			return err
		}
	}
	return err
}

// Bootstrap creates the account "admin" with password when no admin account exists, and reports whether it
// did. Servers starting at once create it once.
func (s *Service) Bootstrap(ctx context.Context, password string) (bool, error) {
	var errs fault.Fields
	checkPassword(&errs, "TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD", password)
	if err := errs.Err(); err != nil {
		return false, err
	}
	// Every start of a server with the variable set comes here; hash (19 MiB, tens of milliseconds) only when
	// there may be nothing to bootstrap.
	var admins int64
	if err := s.db.WithContext(ctx).Model(&User{}).Where("role = ?", scope.Admin).Count(&admins).Error; err != nil || admins > 0 {
		return false, err
	}
	hash, err := hashPassword(password, s.cfg.Hash)
	if err != nil {
		return false, err
	}
	created := false
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(7348201503)").Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&User{}).Where("role = ?", scope.Admin).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		u := User{Username: "admin", PasswordHash: hash, Role: scope.Admin}
		if err := tx.Omit("created_at", "updated_at").Create(&u).Error; err != nil {
			if postgres.IsUniqueViolation(err) {
				return fault.Conflictf("An account named admin exists but is not an admin; choose the admin another way.")
			}
			return err
		}
		created = true
		if err := tx.First(&u, u.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, scope.Principal{Username: "system", Role: "system"}, audit.Change{
			Action: "user.create", ObjectType: "user", ObjectID: u.ID, After: u})
	})
	return created, err
}

// PurgeSessions deletes sessions that expired or were revoked more than a day ago and returns how many.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	cutoff := s.now().Add(-24 * time.Hour)
	res := s.db.WithContext(ctx).Where("expires_at < ? OR revoked_at < ?", cutoff, cutoff).Delete(&session{})
	return res.RowsAffected, res.Error
}
