package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tuoguan/tuoguan/internal/rollup"
)

// verifyTotals recomputes every running total and rollup from the operations (rollup.Verify), printing each
// check, and fails when any disagrees.
func verifyTotals(ctx context.Context, conn *pgx.Conn, out io.Writer) error {
	fmt.Fprintln(out, "verify: running totals and rollups recomputed from the operations and contracts")
	db := stdlib.OpenDB(*conn.Config())
	defer db.Close()
	checks, err := rollup.Verify(ctx, db)
	if err != nil {
		return err
	}
	return rollup.Report(out, checks)
}
