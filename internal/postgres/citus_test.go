package postgres_test

import (
	"context"
	"testing"

	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
)

// TestTenantTablesAreReadyToDistributeByCounty reads the catalog: every table with a county_code column is
// a tenant table to be distributed by it, so each of its primary keys, unique constraints and unique indexes
// must include county_code, and each foreign key from one tenant table to another must join on it.
func TestTenantTablesAreReadyToDistributeByCounty(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	rows, err := db.SQL.QueryContext(ctx, `
		WITH tenant AS (
			SELECT c.oid, c.relname, a.attnum AS county
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'county_code' AND NOT a.attisdropped
			WHERE n.nspname = 'public' AND c.relkind = 'r')
		SELECT t.relname, i.indexrelid::regclass::text, 'unique index'
		FROM tenant t JOIN pg_index i ON i.indrelid = t.oid
		WHERE i.indisunique AND NOT (t.county = ANY (i.indkey::int2[]))
		UNION ALL
		SELECT t.relname, con.conname, 'foreign key'
		FROM tenant t JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype = 'f'
		JOIN tenant r ON r.oid = con.confrelid
		WHERE NOT (t.county = ANY (con.conkey) AND r.county = ANY (con.confkey))`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, name, kind string
		if err := rows.Scan(&table, &name, &kind); err != nil {
			t.Fatal(err)
		}
		t.Errorf("%s %s of tenant table %s does not include county_code", kind, name, table)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var tenants int
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = 'public' AND column_name = 'county_code'`).Scan(&tenants); err != nil {
		t.Fatal(err)
	}
	if tenants < 9 {
		t.Errorf("only %d tenant tables found; the check reads the wrong catalog", tenants)
	}
}
