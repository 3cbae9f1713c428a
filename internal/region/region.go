// Package region keeps the region tree of statistical division codes (统计用区划代码). A region's level and
// parent follow from its code. Regions are reference data: admin writes them, everyone reads those inside
// their own region.
package region

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Region is one division.
type Region struct {
	Code       string    `gorm:"column:code;primaryKey" json:"code"`
	Name       string    `gorm:"column:name" json:"name"`
	Level      string    `gorm:"column:level" json:"level"`
	ParentCode *string   `gorm:"column:parent_code" json:"parent_code"`
	CreatedAt  time.Time `gorm:"column:created_at;->" json:"-"`
}

// TableName is the table regions live in.
func (Region) TableName() string { return "regions" }

// Service reads and writes regions.
type Service struct {
	db *gorm.DB
	// known holds the codes Exists has found. Regions are created and renamed, never deleted, so a code once
	// found exists for good, on every server: the set stays exact without being told of changes, and is
	// bounded by the regions table.
	known sync.Map
}

// NewService returns a Service over db.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }

// visible narrows q to the regions p may read.
func visible(q *gorm.DB, p scope.Principal) *gorm.DB {
	if cond, args := visibleCode(p); cond != "" {
		return q.Where(cond, args...)
	}
	return q
}

// visibleCode is the condition on regions' code, with its arguments, that keeps the regions p may read: admin
// all ("", no condition), anyone else their own region and those below it.
func visibleCode(p scope.Principal) (string, []any) {
	if prefix := p.RegionPrefix(); prefix != "" {
		return "code LIKE ?", []any{prefix + "%"}
	}
	return "", nil
}

// QueueGet queues on b the reading of region code into *r, as Get reads it, for callers that send their
// statements in one round trip: once b is sent, *r has a Code when p may read the region, and is left as it
// was otherwise — NotFound, for the caller to answer.
func QueueGet(b *pgx.Batch, p scope.Principal, code string, r *Region) {
	query, args := `SELECT code, name, level, parent_code, created_at FROM regions WHERE code = ?`, []any{code}
	if cond, more := visibleCode(p); cond != "" {
		query, args = query+" AND "+cond, append(args, more...)
	}
	b.Queue(postgres.Numbered(query), args...).QueryRow(func(row pgx.Row) error {
		var got Region
		err := row.Scan(&got.Code, &got.Name, &got.Level, &got.ParentCode, &got.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err == nil {
			*r = got
		}
		return err
	})
}

func checkName(errs *fault.Fields, name string) string {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		errs.Add("name", "must be 1 to 100 characters")
	}
	return name
}

// Create adds a region. Admin only (others: Forbidden). The code must be a valid 12-digit code whose parent
// exists (Invalid otherwise); an existing code is a Conflict.
func (s *Service) Create(ctx context.Context, p scope.Principal, code, name string) (Region, error) {
	if p.Role != scope.Admin {
		return Region{}, fault.Forbiddenf("Only admin creates regions.")
	}
	var errs fault.Fields
	level, err := scope.Level(code)
	if err != nil {
		errs.Add("code", "%s", err.Error())
	}
	r := Region{Code: code, Name: checkName(&errs, name), Level: level}
	if err := errs.Err(); err != nil {
		return Region{}, err
	}
	if parent, ok := scope.Parent(code); ok {
		r.ParentCode = &parent
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if r.ParentCode != nil {
			if err := tx.Where("code = ?", *r.ParentCode).Take(&Region{}).Error; errors.Is(err, gorm.ErrRecordNotFound) {
				return fault.Invalidf("code", "the parent region %s does not exist; create it first", *r.ParentCode)
			} else if err != nil {
				return err
			}
		}
		if err := tx.Omit("created_at").Create(&r).Error; err != nil {
			if postgres.IsUniqueViolation(err) {
				return fault.Conflictf("Region %s exists.", code)
			}
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "region.create", ObjectType: "region", ObjectID: code, RegionCode: code, After: r})
	})
	return r, err
}

// Rename changes a region's name. Admin only.
func (s *Service) Rename(ctx context.Context, p scope.Principal, code, name string) (Region, error) {
	if p.Role != scope.Admin {
		if _, err := s.Get(ctx, p, code); err != nil {
			return Region{}, err
		}
		return Region{}, fault.Forbiddenf("Only admin renames regions.")
	}
	var errs fault.Fields
	name = checkName(&errs, name)
	if err := errs.Err(); err != nil {
		return Region{}, err
	}
	var after Region
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before Region
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("code = ?", code).Take(&before).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return fault.NotFoundf("No region %s.", code)
		} else if err != nil {
			return err
		}
		if err := tx.Model(&Region{}).Where("code = ?", code).Updates(map[string]any{"name": name, "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return err
		}
		after = before
		after.Name = name
		return audit.Record(ctx, tx, p, audit.Change{Action: "region.update", ObjectType: "region", ObjectID: code, RegionCode: code, Before: before, After: after})
	})
	return after, err
}

// Get returns region code if p may read it, NotFound otherwise.
func (s *Service) Get(ctx context.Context, p scope.Principal, code string) (Region, error) {
	var r Region
	err := visible(s.db.WithContext(ctx), p).Where("code = ?", code).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, fault.NotFoundf("No region %s.", code)
	}
	return r, err
}

// Exists returns NotFound unless region code exists. It is for filters: a list narrowed to a region that does
// not exist is a mistake to name, not an empty answer.
func (s *Service) Exists(ctx context.Context, code string) error {
	if _, ok := s.known.Load(code); ok {
		return nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Model(&Region{}).Where("code = ?", code).Limit(1).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return fault.NotFoundf("No region %s.", code)
	}
	s.known.Store(code, struct{}{})
	return nil
}

// Visible returns NotFound unless region code exists inside p's scope; tx is the caller's transaction.
func Visible(ctx context.Context, tx *gorm.DB, p scope.Principal, code string) error {
	var n int64
	if err := visible(tx.WithContext(ctx).Model(&Region{}), p).Where("code = ?", code).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return fault.NotFoundf("No region %s.", code)
	}
	return nil
}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	ParentCode string
	Level      string
	Within     string
	Name       string
}

// List returns the regions p may read, ordered by code.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, r page.Request) ([]Region, *string, error) {
	q := visible(s.db.WithContext(ctx), p)
	if r.After != "" {
		q = q.Where("code > ?", r.After)
	}
	if f.ParentCode != "" {
		q = q.Where("parent_code = ?", f.ParentCode)
	}
	if f.Level != "" {
		q = q.Where("level = ?", f.Level)
	}
	if f.Within != "" {
		cond, arg, err := scope.Inside("within", "code", f.Within)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(cond, arg)
	}
	if f.Name != "" {
		q = q.Where("strpos(name, ?) > 0", f.Name)
	}
	var regions []Region
	if err := q.Order("code").Limit(r.Limit + 1).Find(&regions).Error; err != nil {
		return nil, nil, err
	}
	regions, next := page.Trim(regions, r, func(r Region) string { return r.Code })
	return regions, next, nil
}
