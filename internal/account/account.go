// Package account keeps Tuoguan's accounts and sessions: argon2id password hashes, opaque bearer tokens stored
// only as hashes, login rate limiting, and the scope each account carries.
package account

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// User is an account. PasswordHash never leaves the package: it has no JSON name, so audit snapshots omit it.
type User struct {
	ID           int64      `gorm:"column:id;primaryKey" json:"id"`
	Username     string     `gorm:"column:username" json:"username"`
	PasswordHash string     `gorm:"column:password_hash" json:"-"`
	Role         scope.Role `gorm:"column:role" json:"role"`
	RegionCode   *string    `gorm:"column:region_code" json:"region_code,omitempty"`
	CollectiveID *int64     `gorm:"column:collective_id" json:"collective_id,omitempty"`
	ProviderID   *int64     `gorm:"column:provider_id" json:"provider_id,omitempty"`
	Disabled     bool       `gorm:"column:disabled" json:"disabled"`
	CreatedAt    time.Time  `gorm:"column:created_at;->" json:"created_at"`
	UpdatedAt    time.Time  `gorm:"column:updated_at;<-:update" json:"updated_at"`
}

// TableName is the table accounts live in.
func (User) TableName() string { return "users" }

// Principal is the scope the account acts with.
func (u User) Principal() scope.Principal {
	p := scope.Principal{UserID: u.ID, Username: u.Username, Role: u.Role}
	if u.RegionCode != nil {
		p.RegionCode = *u.RegionCode
	}
	if u.CollectiveID != nil {
		p.CollectiveID = *u.CollectiveID
	}
	if u.ProviderID != nil {
		p.ProviderID = *u.ProviderID
	}
	return p
}

// Scopes resolves the objects an account can be tied to. Each returns the object's region code, or NotFound
// when the object does not exist inside p's scope.
type Scopes interface {
	RegionVisible(ctx context.Context, tx *gorm.DB, p scope.Principal, code string) error
	CollectiveRegion(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error)
	ProviderRegion(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error)
}

// Config tunes the service; zero fields take defaults.
type Config struct {
	Hash         HashParams
	TokenTTL     time.Duration
	AccountEvery time.Duration // one login attempt per account per AccountEvery, after a burst of AccountBurst
	AccountBurst int
	AddrEvery    time.Duration // one login attempt per client address per AddrEvery, after a burst of AddrBurst
	AddrBurst    int
}

func (c Config) withDefaults() Config {
	if c.Hash == (HashParams{}) {
		c.Hash = DefaultHashParams
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = 12 * time.Hour
	}
	if c.AccountEvery == 0 {
		c.AccountEvery, c.AccountBurst = 30*time.Second, 10
	}
	if c.AddrEvery == 0 {
		c.AddrEvery, c.AddrBurst = 2*time.Second, 30
	}
	return c
}

// Service manages accounts and sessions.
type Service struct {
	db        *gorm.DB
	scopes    Scopes
	cfg       Config
	byAccount *throttle
	byAddr    *throttle
	dummyHash string
	now       func() time.Time
	seen      seenSessions // for Recall
}

// NewService returns a Service over db.
func NewService(db *gorm.DB, scopes Scopes, cfg Config) *Service {
	cfg = cfg.withDefaults()
	dummy, err := hashPassword("no such account", cfg.Hash)
	if err != nil {
		panic(err)
	}
	return &Service{
		db: db, scopes: scopes, cfg: cfg,
		byAccount: newThrottle(cfg.AccountEvery, cfg.AccountBurst),
		byAddr:    newThrottle(cfg.AddrEvery, cfg.AddrBurst),
		dummyHash: dummy,
		now:       time.Now,
	}
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// NewUser is a request to create an account.
type NewUser struct {
	Username     string
	Password     string
	Role         scope.Role
	RegionCode   string
	CollectiveID int64
	ProviderID   int64
}

// Create creates an account. Admin creates any; a bureau creates collective and provider accounts tied to
// objects inside its region; other roles get Forbidden. An object outside the creator's scope is reported as
// not existing (Invalid on its field); a taken username is a Conflict.
func (s *Service) Create(ctx context.Context, p scope.Principal, in NewUser) (User, error) {
	if err := mayCreate(p, in.Role); err != nil {
		return User{}, err
	}
	var errs fault.Fields
	if !usernameRE.MatchString(in.Username) {
		errs.Add("username", "must be 3–64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
	}
	checkPassword(&errs, "password", in.Password)
	checkScopeFields(&errs, in)
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	u := User{Username: in.Username, Role: in.Role}
	var err error
	if u.PasswordHash, err = hashPassword(in.Password, s.cfg.Hash); err != nil {
		return User{}, err
	}
	// The object is bound before the transaction: regions, collectives and providers are never removed and never
	// move, so the binding holds when the account is written. On Citus a collective looked up by its id alone
	// reads every shard in parallel, after which a transaction could no longer write users, a reference table.
	if err := s.bindScope(ctx, s.db.WithContext(ctx), p, in, &u); err != nil {
		return User{}, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("created_at", "updated_at").Create(&u).Error; err != nil {
			if postgres.IsUniqueViolation(err) {
				return fault.Conflictf("The username %q is taken.", in.Username)
			}
			return err
		}
		if err := tx.First(&u, u.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "user.create", ObjectType: "user", ObjectID: u.ID,
			RegionCode: deref(u.RegionCode), After: u})
	})
	return u, err
}

func mayCreate(p scope.Principal, role scope.Role) error {
	switch p.Role {
	case scope.Admin:
		return nil
	case scope.Bureau:
		if role == scope.Collective || role == scope.Provider || !role.Valid() {
			return nil
		}
		return fault.Forbiddenf("A bureau creates collective and provider accounts only.")
	}
	return fault.Forbiddenf("Only the bureau and admin create accounts.")
}

func checkPassword(errs *fault.Fields, field, pw string) {
	if n := len([]rune(pw)); n < 10 || len(pw) > 256 {
		errs.Add(field, "must be 10 to 256 characters long")
	}
}

func checkScopeFields(errs *fault.Fields, in NewUser) {
	need := map[scope.Role]string{scope.Bureau: "region_code", scope.Collective: "collective_id", scope.Provider: "provider_id"}
	if !in.Role.Valid() {
		errs.Add("role", "must be one of admin, bureau, collective, provider")
		return
	}
	given := map[string]bool{"region_code": in.RegionCode != "", "collective_id": in.CollectiveID != 0, "provider_id": in.ProviderID != 0}
	for _, field := range []string{"region_code", "collective_id", "provider_id"} {
		switch {
		case need[in.Role] == field && !given[field]:
			errs.Add(field, "is required for a %s account", in.Role)
		case need[in.Role] != field && given[field]:
			errs.Add(field, "must not be given for a %s account", in.Role)
		}
	}
}

// bindScope ties u to the object in names, checking through db that p may see it.
func (s *Service) bindScope(ctx context.Context, db *gorm.DB, p scope.Principal, in NewUser, u *User) error {
	switch in.Role {
	case scope.Bureau:
		if err := s.scopes.RegionVisible(ctx, db, p, in.RegionCode); err != nil {
			return asFieldError(err, "region_code", "no such region")
		}
		u.RegionCode = &in.RegionCode
	case scope.Collective:
		region, err := s.scopes.CollectiveRegion(ctx, db, p, in.CollectiveID)
		if err != nil {
			return asFieldError(err, "collective_id", "no such collective")
		}
		u.RegionCode, u.CollectiveID = &region, &in.CollectiveID
	case scope.Provider:
		region, err := s.scopes.ProviderRegion(ctx, db, p, in.ProviderID)
		if err != nil {
			return asFieldError(err, "provider_id", "no such provider")
		}
		u.RegionCode, u.ProviderID = &region, &in.ProviderID
	}
	return nil
}

// asFieldError turns NotFound into Invalid on field, keeping other errors as they are.
func asFieldError(err error, field, msg string) error {
	if fault.KindOf(err) == fault.NotFound {
		return fault.Invalidf(field, "%s", msg)
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// visible narrows q to the accounts p may read: admin all, a bureau those scoped inside its region, anyone
// else their own.
func visible(q *gorm.DB, p scope.Principal) *gorm.DB {
	switch p.Role {
	case scope.Admin:
		return q
	case scope.Bureau:
		return q.Where("region_code LIKE ?", p.RegionPrefix()+"%")
	}
	return q.Where("id = ?", p.UserID)
}

// Filter narrows a listing.
type Filter struct {
	Role       scope.Role
	RegionCode string
}

// List returns the accounts p may read, ordered by id.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, r page.Request) ([]User, *string, error) {
	after, err := r.AfterID()
	if err != nil {
		return nil, nil, err
	}
	q := visible(s.db.WithContext(ctx).Model(&User{}), p).Where("id > ?", after)
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if f.RegionCode != "" {
		cond, arg, err := scope.Inside("region_code", "region_code", f.RegionCode)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(cond, arg)
	}
	var users []User
	if err := q.Order("id").Limit(r.Limit + 1).Find(&users).Error; err != nil {
		return nil, nil, err
	}
	users, next := page.Trim(users, r, func(u User) string { return strconv.FormatInt(u.ID, 10) })
	return users, next, nil
}

// Get returns the account id if p may read it, NotFound otherwise.
func (s *Service) Get(ctx context.Context, p scope.Principal, id int64) (User, error) {
	return s.get(visible(s.db.WithContext(ctx), p), id, false)
}

func (s *Service) get(q *gorm.DB, id int64, lock bool) (User, error) {
	if lock {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	var u User
	err := q.Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, fault.NotFoundf("No account %d.", id)
	}
	return u, err
}
