package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/shopspring/decimal"

	"golang.org/x/term"

	"github.com/tuoguan/tuoguan/internal/demo"
)

// demoAdminPassword is the bootstrap admin's password when TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD is not set, the
// same one `make run` uses.
const demoAdminPassword = "tuoguan-admin"

func demoCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var cfg config
	var opt demo.Options
	var ifEmpty bool
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg.flags(fs, getenv)
	fs.BoolVar(&ifEmpty, "if-empty", false, "do nothing when the database already holds any collective")
	fs.Uint64Var(&opt.Seed, "seed", demo.DefaultSeed, "random seed: the same seed loads the same data set")
	fs.TextVar(&opt.Scale, "scale", decimal.NewFromInt(1), "size of the county relative to Huanglong (936 family farms on 228,500 mu at 1)")
	fs.IntVar(&opt.Workers, "workers", 4, "villages loaded at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := cfg.logger(stdout)
	if err != nil {
		return err
	}
	db, svc, err := cfg.open(ctx, log, bulkURL(cfg.databaseURL))
	if err != nil {
		return err
	}
	defer db.Close()
	empty, err := demo.Empty(ctx, svc)
	if err != nil {
		return err
	}
	if !empty {
		if ifEmpty {
			fmt.Fprintln(stdout, "demo: the database holds data already; nothing loaded")
			return nil
		}
		return demo.ErrNotEmpty
	}
	opt.AdminPassword = or(getenv("TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD"), demoAdminPassword)
	opt.Progress = stdout
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opt.Terminal = true
	}
	fmt.Fprintf(stdout, "demo: loading Huanglong County into %s\n", redactedURL(cfg.databaseURL))
	sum, err := demo.Load(ctx, svc, opt)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := db.Analyze(ctx); err != nil {
		return fmt.Errorf("demo: analyze: %w", err)
	}
	fmt.Fprint(stdout, sum)
	return nil
}

// bulkURL asks the server not to wait for each commit's WAL flush on the demo's own connections: the load
// commits tens of thousands of small transactions, and a crash in the middle of it loses at most its last
// moments, after which the load is run again on a fresh database. Nothing else changes.
func bulkURL(u string) string {
	if strings.Contains(u, "synchronous_commit") {
		return u
	}
	if !strings.Contains(u, "://") {
		return u + " synchronous_commit=off"
	}
	if strings.Contains(u, "?") {
		return u + "&synchronous_commit=off"
	}
	return u + "?synchronous_commit=off"
}
