package migrations

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tuoguan/tuoguan/internal/postgres"
)

// Placement places the schema's tables on a Citus cluster (docs/scaling.md): every table of a county's work
// distributed by county and co-located with the collectives; the small tables every request reads copied to
// every node; the idempotency keys, scoped to an account whose work may span counties, distributed by
// account. schema_migrations and data_key_fingerprint stay on the coordinator.
var Placement = postgres.Placement{
	Reference: []string{"regions", "crops", "operation_types", "standard_area_weights", "providers", "users", "sessions"},
	ByCounty: []string{"collectives", "farms", "parcels", "contracts", "contract_parcels", "contract_services",
		"contract_numbers", "delivery_caps", "operations", "audit_events", "stats_rollup", "stats_providers",
		"subsidy_policies", "verification_samples", "verification_items", "settlements"},
	ByColumn: map[string]string{"idempotency_keys": "user_id"},
}

// Apply brings the database to the current schema: it applies the migrations it has not seen, then, on a
// Citus coordinator, places the tables not placed yet. It returns the names of the migrations it applied.
func Apply(ctx context.Context, db *sql.DB) ([]string, error) {
	applied, err := postgres.Migrate(ctx, db, FS)
	if err != nil {
		return applied, err
	}
	if err := postgres.Distribute(ctx, db, Placement); err != nil {
		return applied, fmt.Errorf("place the tables on the Citus cluster: %w", err)
	}
	return applied, nil
}
