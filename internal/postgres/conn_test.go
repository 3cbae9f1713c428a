package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
)

func TestNumberedRewritesPlaceholdersInOrder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT ?", "SELECT $1"},
		{"WHERE a = ? AND b = ANY (?::text[]) LIMIT ?", "WHERE a = $1 AND b = ANY ($2::text[]) LIMIT $3"},
		{"??", "$1$2"},
	} {
		if got := postgres.Numbered(c.in); got != c.want {
			t.Errorf("Numbered(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestWithConnRollsBackWhatItIsLeft opens a transaction, writes, and fails without ending it: the write is
// gone and the pooled connection is idle for the next caller.
func TestWithConnRollsBackWhatItIsLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	db.SQL.SetMaxOpenConns(1)
	if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE scratch (n int)"); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("failed halfway")
	err := postgres.WithConn(ctx, db.SQL, func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue("INSERT INTO scratch VALUES (1)")
		if err := c.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("WithConn = %v, want the function's error", err)
	}
	err = postgres.WithConn(ctx, db.SQL, func(c *pgx.Conn) error {
		if s := c.PgConn().TxStatus(); s != 'I' {
			t.Errorf("the next caller's connection is in transaction status %q, want idle", s)
		}
		var n int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM scratch").Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("%d rows survived the failed transaction", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNumericsArriveAsText reads numerics on a connection of the pool, in a pipeline and through
// database/sql: they come in their text form, every digit as the database holds it, and a parameter reaches
// the database exactly.
func TestNumericsArriveAsText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	const big = "123456789012345678901234.12345678"
	err := postgres.WithConn(ctx, db.SQL, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, "SELECT $1::numeric, 0.10::numeric(14, 2), -5::numeric", big)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			return rows.Err()
		}
		for i, want := range []string{big, "0.10", "-5"} {
			if f := rows.FieldDescriptions()[i]; f.Format != pgx.TextFormatCode {
				t.Errorf("column %d arrived in format %d, want text", i, f.Format)
			}
			if got := string(rows.RawValues()[i]); got != want {
				t.Errorf("column %d = %q, want %q", i, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.SQL.QueryRowContext(ctx, "SELECT $1::numeric * 10", big).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "1234567890123456789012341.23456780"; got != want {
		t.Errorf("through database/sql: %s, want %s", got, want)
	}
}
