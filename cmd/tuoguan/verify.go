package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/tuoguan/tuoguan/internal/rollup"
)

// verify recomputes every running total and statistics rollup from the operations and contracts and reports
// each check; it fails when any total disagrees. What an operator runs after a restore or an upgrade.
func verify(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	cfg.flags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := cfg.logger(stdout)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg.databaseURL, log)
	if err != nil {
		return err
	}
	defer db.Close()
	checks, err := rollup.Verify(ctx, db.SQL)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "verify: running totals and rollups recomputed from the operations and contracts")
	return rollup.Report(stdout, checks)
}
