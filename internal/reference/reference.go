// Package reference serves the fixed reference lists of docs/domain.md: crops and operation types, each with a
// code and Chinese and English names. The lists live in the schema (a migration writes them), so contracts
// and operations can refer to them by foreign key.
package reference

import (
	"context"

	"gorm.io/gorm"
)

// Item is one entry of a list.
type Item struct {
	Code   string `gorm:"column:code"`
	NameZH string `gorm:"column:name_zh"`
	NameEN string `gorm:"column:name_en"`
}

// Service reads the lists.
type Service struct{ db *gorm.DB }

// NewService returns a Service over db.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }

// Crops returns every crop in its fixed order.
func (s *Service) Crops(ctx context.Context) ([]Item, error) { return s.list(ctx, "crops") }

// OperationTypes returns every operation type in its fixed order.
func (s *Service) OperationTypes(ctx context.Context) ([]Item, error) {
	return s.list(ctx, "operation_types")
}

func (s *Service) list(ctx context.Context, table string) ([]Item, error) {
	var items []Item
	err := s.db.WithContext(ctx).Table(table).Order("ord").Find(&items).Error
	return items, err
}

// ValidOperationTypes returns the codes of codes that are not operation types; tx is the caller's transaction.
func ValidOperationTypes(ctx context.Context, tx *gorm.DB, codes []string) ([]string, error) {
	var known []string
	if err := tx.WithContext(ctx).Table("operation_types").Where("code IN ?", codes).Pluck("code", &known).Error; err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(known))
	for _, c := range known {
		have[c] = true
	}
	var unknown []string
	for _, c := range codes {
		if !have[c] {
			unknown = append(unknown, c)
		}
	}
	return unknown, nil
}
