package postgres_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/migrations"
)

func TestStatements(t *testing.T) {
	for _, c := range []struct {
		script string
		want   []string
	}{
		{"SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"SELECT 1;\n-- a comment; with a semicolon\n;  ;", []string{"SELECT 1"}},
		{"SELECT 'a;b', 'it''s;' ; SELECT \"odd;name\"", []string{"SELECT 'a;b', 'it''s;'", `SELECT "odd;name"`}},
		{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$; SELECT f()",
			[]string{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$", "SELECT f()"}},
		{"DO $body$ BEGIN EXECUTE $q$SELECT 1; SELECT 2$q$; END $body$; SELECT $1::int",
			[]string{"DO $body$ BEGIN EXECUTE $q$SELECT 1; SELECT 2$q$; END $body$", "SELECT $1::int"}},
		{"/* outer /* inner; */ still; */ SELECT 1; /* trailing; */", []string{"/* outer /* inner; */ still; */ SELECT 1"}},
		{"SELECT 1 -- the end; of it", []string{"SELECT 1 -- the end; of it"}},
		{"-- only a comment;\n/* and; another */", nil},
		{"SELECT 'unterminated; string", []string{"SELECT 'unterminated; string"}},
	} {
		if got := postgres.Statements(c.script); !slices.Equal(got, c.want) {
			t.Errorf("Statements(%q) = %q, want %q", c.script, got, c.want)
		}
	}
}

// Every migration splits into statements, and joining them again splits into the same.
func TestMigrationsSplitIntoStatements(t *testing.T) {
	ms, err := postgres.Migrations(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		stmts := postgres.Statements(m.SQL)
		if len(stmts) == 0 {
			t.Errorf("%s: no statements", m.Name)
		}
		if again := postgres.Statements(strings.Join(stmts, ";\n")); !slices.Equal(again, stmts) {
			t.Errorf("%s: joined and split again: %d statements, want %d", m.Name, len(again), len(stmts))
		}
	}
}
