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

func TestInt64AndByteaArraysReachPostgres(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	var ids, hexes string
	err := db.SQL.QueryRowContext(context.Background(), "SELECT $1::bigint[]::text, $2::bytea[]::text",
		postgres.Int64Array{1, -2, 9007199254740993}, postgres.ByteaArray{{0x00, 0xff}, {}, []byte("\\\"")}).Scan(&ids, &hexes)
	if err != nil {
		t.Fatal(err)
	}
	if ids != "{1,-2,9007199254740993}" || hexes != `{"\\x00ff","\\x","\\x5c22"}` {
		t.Errorf("arrays arrived as %s and %s", ids, hexes)
	}
}
