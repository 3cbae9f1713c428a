package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/migrations"
)

func TestOpenCreatesMissingDatabaseAndMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := postgres.Pending(ctx, db.SQL, migrations.FS)
	if err != nil || n != 0 {
		t.Fatalf("cloned database: pending = %d, %v; want 0", n, err)
	}
	applied, err := postgres.Migrate(ctx, db.SQL, migrations.FS)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, %v; want nothing", applied, err)
	}
}

func TestPendingCountsMigrationsNotApplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	extra := fstest.MapFS{}
	ms, err := postgres.Migrations(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		extra[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
	}
	extra["9999_later.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE later (id int)")}
	if n, err := postgres.Pending(ctx, db.SQL, extra); err != nil || n != 1 {
		t.Fatalf("pending = %d, %v; want 1", n, err)
	}
	applied, err := postgres.Migrate(ctx, db.SQL, extra)
	if err != nil || len(applied) != 1 || applied[0] != "9999_later.sql" {
		t.Fatalf("migrate applied %v, %v", applied, err)
	}
	if n, err := postgres.Pending(ctx, db.SQL, extra); err != nil || n != 0 {
		t.Fatalf("after migrate pending = %d, %v; want 0", n, err)
	}
}

func TestConcurrentMigrateFromEmptyAppliesEachOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	if citus, err := postgres.Citus(ctx, db.SQL); err != nil || citus {
		t.Skipf("on Citus (%v) the placed schema cannot be dropped and made again in place; the migration lock is the same", err)
	}
	if _, err := db.SQL.ExecContext(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	ms, err := postgres.Migrations(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	const servers = 6
	results := make(chan []string, servers)
	errs := make(chan error, servers)
	for range servers {
		go func() {
			applied, err := postgres.Migrate(ctx, db.SQL, migrations.FS)
			results <- applied
			errs <- err
		}()
	}
	sum := 0
	for range servers {
		sum += len(<-results)
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if sum != len(ms) {
		t.Fatalf("%d concurrent migrations applied %d files in all; want %d", servers, sum, len(ms))
	}
}

func TestMigrationNamesAreChecked(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"x_a.sql", "0_a.sql", "0001.sql"} {
		if _, err := postgres.Migrations(fstest.MapFS{name: {Data: []byte("")}}); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	dup := fstest.MapFS{"0001_a.sql": {}, "0001_b.sql": {}}
	if _, err := postgres.Migrations(dup); err == nil {
		t.Error("two migrations with one number accepted")
	}
}

// A unique violation names the constraint as the schema does, on a shard of Citus too.
func TestUniqueViolationNamesTheSchemasConstraint(t *testing.T) {
	for _, e := range []*pgconn.PgError{
		{Code: "23505", ConstraintName: "parcels_code_key", Message: `duplicate key value violates unique constraint "parcels_code_key"`},
		{Code: "23505", Message: `duplicate key value violates unique constraint "parcels_code_key_102023"`},
		{Code: "XX000", Message: `duplicate key value violates unique constraint "parcels_code_key_102023"`},
	} {
		got, ok := postgres.UniqueViolation(fmt.Errorf("insert: %w", e))
		if !ok || got != "parcels_code_key" {
			t.Errorf("UniqueViolation of %q = %q, %v; want parcels_code_key", e.Message, got, ok)
		}
	}
	if _, ok := postgres.UniqueViolation(&pgconn.PgError{Code: "23503", ConstraintName: "x"}); ok {
		t.Error("a foreign-key violation taken for a unique one")
	}
	if _, ok := postgres.UniqueViolation(&pgconn.PgError{Code: "XX000", Message: "could not connect to the worker"}); ok {
		t.Error("another internal error taken for a unique violation")
	}
}
