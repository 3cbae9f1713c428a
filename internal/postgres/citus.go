package postgres

import (
	"context"
	"database/sql"
	"fmt"
)

// Placement says where each table lives on a Citus cluster. Tables it does not name stay local to the
// coordinator.
type Placement struct {
	// Reference tables are copied to every node, so that any shard joins them locally.
	Reference []string
	// ByCounty tables are distributed by county_code and co-located with the first of them: the rows of one
	// county, in every one of these tables, live on one node, so the work of one county joins and commits there.
	ByCounty []string
	// ByColumn tables are distributed by the column given, each in a co-location group of its own.
	ByColumn map[string]string
}

// Citus reports whether the database has the citus extension, that is, runs as a Citus coordinator.
func Citus(ctx context.Context, db *sql.DB) (bool, error) {
	var ok bool
	err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").Scan(&ok)
	return ok, err
}

// Distribute places the tables of p on the Citus cluster the database coordinates; on plain PostgreSQL it
// does nothing. It places only tables not placed yet, so it is run after every migration, on an empty
// database and on one holding data (whose rows it moves to the workers, then removes from the coordinator).
// It holds the migration lock meanwhile.
//
// Three settings make the placement possible on an existing schema, each for its step only: foreign keys from
// tenant tables to reference tables must not turn the tenant tables into coordinator-local tables first
// (which refuses their identity columns); audit_events keeps its trigger, which refuses updates and is safe
// on each shard; and creating a table's shards after creating a reference table must be sequential in one
// transaction. Emptying the coordinator's copy of audit_events needs a superuser.
func Distribute(ctx context.Context, db *sql.DB, p Placement) error {
	ok, err := Citus(ctx, db)
	if err != nil || !ok {
		return err
	}
	conn, release, err := migrationConn(ctx, db)
	if err != nil {
		return err
	}
	defer release()
	for _, set := range []string{
		"SET citus.enable_local_reference_table_foreign_keys = off",
		"SET citus.enable_unsafe_triggers = on",
		"SET citus.multi_shard_modify_mode = 'sequential'",
	} {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			return err
		}
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "RESET ALL")
	var placed []string
	place := func(table, create string, args ...any) error {
		var done bool
		if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = $1::regclass)", table).Scan(&done); err != nil || done {
			return err
		}
		if _, err := conn.ExecContext(ctx, create, append([]any{table}, args...)...); err != nil {
			return fmt.Errorf("place %s: %w", table, err)
		}
		placed = append(placed, table)
		return nil
	}
	for _, t := range p.Reference {
		if err := place(t, "SELECT create_reference_table($1)"); err != nil {
			return err
		}
	}
	for i, t := range p.ByCounty {
		colocate := "none"
		if i > 0 {
			colocate = p.ByCounty[0]
		}
		if err := place(t, "SELECT create_distributed_table($1, 'county_code', colocate_with => $2)", colocate); err != nil {
			return err
		}
	}
	for t, column := range p.ByColumn {
		if err := place(t, "SELECT create_distributed_table($1, $2, colocate_with => 'none')", column); err != nil {
			return err
		}
	}
	// The coordinator keeps the rows it moved, hidden; with every table placed, no foreign key holds them.
	// Emptying them is no change of the table's data, so audit_events' append-only trigger stays silent.
	if _, err := conn.ExecContext(ctx, "SET session_replication_role = replica"); err != nil {
		return err
	}
	for _, t := range placed {
		if _, err := conn.ExecContext(ctx, "SELECT truncate_local_data_after_distributing_table($1)", t); err != nil {
			return fmt.Errorf("remove the moved rows of %s from the coordinator: %w", t, err)
		}
	}
	return nil
}
