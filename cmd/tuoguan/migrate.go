package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
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
	fmt.Fprintln(stdout, "the database schema is current")
	return nil
}
