package main

import (
	"context"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// accountScopes resolves what an account can be tied to, through the packages that own those objects.
type accountScopes struct{}

func (accountScopes) RegionVisible(ctx context.Context, tx *gorm.DB, p scope.Principal, code string) error {
	return region.Visible(ctx, tx, p, code)
}

func (accountScopes) CollectiveRegion(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error) {
	return collective.RegionOf(ctx, tx, p, id)
}

func (accountScopes) ProviderRegion(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error) {
	return "", fault.NotFoundf("No provider %d.", id)
}
