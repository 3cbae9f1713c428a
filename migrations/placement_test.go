package migrations_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/migrations"
)

// Every table of the schema has its place on a Citus cluster: each table with a county_code column is
// distributed by it, every other table is placed or named as local to the coordinator, and every placed
// table exists. A migration that adds a table fails here until the table is placed.
func TestPlacementCoversTheSchema(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rows, err := db.SQL.QueryContext(context.Background(), `
		SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'county_code' AND NOT a.attisdropped)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND c.relname NOT LIKE 'pg\_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	p := migrations.Placement
	local := []string{"schema_migrations", "data_key_fingerprint"}
	seen := map[string]bool{}
	for rows.Next() {
		var table string
		var tenant bool
		if err := rows.Scan(&table, &tenant); err != nil {
			t.Fatal(err)
		}
		seen[table] = true
		_, byColumn := p.ByColumn[table]
		switch {
		case tenant && !slices.Contains(p.ByCounty, table):
			t.Errorf("table %s has county_code but is not distributed by it", table)
		case !tenant && slices.Contains(p.ByCounty, table):
			t.Errorf("table %s is distributed by county_code but has no such column", table)
		case !tenant && !byColumn && !slices.Contains(p.Reference, table) && !slices.Contains(local, table):
			t.Errorf("table %s has no place on a Citus cluster", table)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	placed := append(append([]string{}, p.Reference...), p.ByCounty...)
	for table := range p.ByColumn {
		placed = append(placed, table)
	}
	for _, table := range placed {
		if !seen[table] {
			t.Errorf("placed table %s is not in the schema", table)
		}
	}
}
