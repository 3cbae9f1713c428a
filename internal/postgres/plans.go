package postgres

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
)

// GenericPlans has the rest of its transaction run each statement under the one plan the connection made for
// it, where the database can run such plans: PostgreSQL. It is for statements that find a handful of rows by
// key, often through array parameters whose length the planner cannot see: under the pool's
// force_custom_plan they would be planned anew at every execution, which costs more than running them. A
// connection keeps the generic plan it made first, though, perhaps while the tables were nearly empty, for as
// long as it lives: a scan of a table that costs nothing then and more with every row added. So the plans are
// held to what such statements do — index lookups in nested loops — whatever the tables' size when they were
// made. Citus routes a statement to the shard its distribution key names only when it plans it with the
// parameters' values, so there the pool's custom plans stay.
const GenericPlans = `SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true),
		set_config('enable_bitmapscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)
	WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')`

// SendGeneric runs the statements queued on b in one round trip on a connection of db, under GenericPlans;
// see Send. It is for reads whose plan does not depend on their parameters' values: rows found through an
// index by their key or its leading columns. Statements sent together run in one implicit transaction, which
// ends at the round trip's Sync, and the settings with it.
func SendGeneric(ctx context.Context, db *sql.DB, b *pgx.Batch) error {
	in := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)}
	in.Queue(GenericPlans)
	in.QueuedQueries = append(in.QueuedQueries, b.QueuedQueries...)
	return Send(ctx, db, in)
}
