package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
)

func TestTextArrayRoundTripsThroughPostgres(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	cases := []postgres.TextArray{
		{}, {"ploughing"}, {"a", "b c", `quote " and \ backslash`, "逗号,comma", "{braces}", "NULL", ""},
	}
	for _, in := range cases {
		var out postgres.TextArray
		if err := db.SQL.QueryRowContext(context.Background(), "SELECT $1::text[]", in).Scan(&out); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !slices.Equal(in, out) {
			t.Errorf("round trip %q = %q", in, out)
		}
	}
	var out postgres.TextArray
	if err := db.SQL.QueryRowContext(context.Background(), "SELECT ARRAY['x', NULL]::text[]").Scan(&out); err == nil {
		t.Error("NULL element accepted")
	}
}
