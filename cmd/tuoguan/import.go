package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/roster"
)

const importUsage = "usage: tuoguan import farms [-collective ID] [-dry-run] FILE.csv | tuoguan import parcels [-dry-run] FILE.csv"

// errRefused is returned after an import in which at least one row was refused, so the exit status says so.
var errRefused = errors.New("some rows were refused; see the lines above")

// importCmd upserts the farms or parcels of a CSV file through the roster service, the one the web's import
// uses: a farm matched by its operator's ID number within its collective, a parcel by its code within its
// farm; rows that change nothing are left alone.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != roster.Farms && args[0] != roster.Parcels) {
		return errors.New(importUsage)
	}
	var cfg config
	var collective int64
	var dryRun bool
	fs := flag.NewFlagSet("import "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg.flags(fs, getenv)
	fs.BoolVar(&dryRun, "dry-run", false, "check every row, writing nothing")
	if args[0] == roster.Farms {
		fs.Int64Var(&collective, "collective", 0, "collective id for the rows that leave collective_id empty")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New(importUsage)
	}
	if collective < 0 {
		return errors.New("-collective: must be a positive collective id")
	}
	name := fs.Arg(0)
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return err
	}
	if _, err := roster.Text(data); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}

	log, err := cfg.logger(io.Discard)
	if err != nil {
		return err
	}
	keys, err := cfg.keys(log)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg.databaseURL, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkDataKey(ctx, db, keys); err != nil {
		return err
	}

	res, err := roster.NewService(db.Gorm, keys).Import(ctx, cli, args[0], data, roster.Options{DryRun: dryRun, Collective: collective})
	if fe := fault.As(err); fe != nil && fe.Kind == fault.Malformed {
		return fmt.Errorf("%s: %s", name, fe.Message)
	}
	noun := strings.TrimSuffix(args[0], "s")
	for _, r := range res.Rows {
		switch {
		case r.Status == roster.Refused:
			fmt.Fprintf(stdout, "row %d: %s\n", r.Row, refusal(r.Errors))
		case dryRun:
		case r.Status == roster.Created:
			fmt.Fprintf(stdout, "row %d: %s %d\n", r.Row, noun, r.ID)
		default:
			fmt.Fprintf(stdout, "row %d: %s %d %s\n", r.Row, noun, r.ID, r.Status)
		}
	}
	counts := fmt.Sprintf("%d created, %d updated, %d unchanged, %d refused", res.Created, res.Updated, res.Unchanged, res.Refused)
	switch {
	case err != nil && dryRun:
		fmt.Fprintln(stdout, "dry run stopped, nothing written")
		return err
	case err != nil:
		return err
	case dryRun:
		fmt.Fprintf(stdout, "dry run, nothing written: %s\n", counts)
	default:
		fmt.Fprintln(stdout, counts)
	}
	if res.Refused > 0 {
		return errRefused
	}
	return nil
}

// refusal is what a refused row is told: each field at fault with its message (a row's own fault bare).
func refusal(errs []fault.FieldError) string {
	parts := make([]string, len(errs))
	for i, f := range errs {
		if f.Field == "row" {
			parts[i] = f.Message
		} else {
			parts[i] = f.Field + ": " + f.Message
		}
	}
	return strings.Join(parts, "; ")
}
