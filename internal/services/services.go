// Package services wires Tuoguan's domain services over one database: what the HTTP edge, the command-line
// tools, the demo, the benchmark and the tests all call.
package services

import (
	"context"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/parcel"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/provider"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/roster"
	"github.com/tuoguan/tuoguan/internal/scope"
	"github.com/tuoguan/tuoguan/internal/stats"
	"github.com/tuoguan/tuoguan/internal/subsidy"
)

// Services are the domain services, one per noun.
type Services struct {
	Accounts    *account.Service
	Audit       *audit.Service
	Regions     *region.Service
	Collectives *collective.Service
	Farms       *farm.Service
	Parcels     *parcel.Service
	Providers   *provider.Service
	Reference   *reference.Service
	Contracts   *contract.Service
	Operations  *operation.Service
	Stats       *stats.Service
	Roster      *roster.Service
	Subsidies   *subsidy.Service
}

// New builds the domain services over db, sealing personal data with keys.
func New(db *postgres.DB, keys *pii.Keyring, accounts account.Config) Services {
	return Services{
		Accounts:    account.NewService(db.Gorm, accountScopes{}, accounts),
		Audit:       audit.NewService(db.Gorm),
		Regions:     region.NewService(db.Gorm),
		Collectives: collective.NewService(db.Gorm, keys),
		Farms:       farm.NewService(db.Gorm, keys),
		Parcels:     parcel.NewService(db.Gorm),
		Providers:   provider.NewService(db.Gorm, keys),
		Reference:   reference.NewService(db.Gorm),
		Contracts:   contract.NewService(db.Gorm),
		Operations:  operation.NewService(db.Gorm),
		Stats:       stats.NewService(db.Gorm),
		Roster:      roster.NewService(db.Gorm, keys),
		Subsidies:   subsidy.NewService(db.Gorm),
	}
}

// accountScopes resolves what an account can be tied to, through the packages that own those objects.
type accountScopes struct{}

func (accountScopes) RegionVisible(ctx context.Context, tx *gorm.DB, p scope.Principal, code string) error {
	return region.Visible(ctx, tx, p, code)
}

func (accountScopes) CollectiveRegion(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error) {
	return collective.RegionOf(ctx, tx, p, id)
}

func (accountScopes) ProviderRegion(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64) (string, error) {
	return provider.RegionOf(ctx, tx, p, id)
}
