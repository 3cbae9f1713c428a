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
