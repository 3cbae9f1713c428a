package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/parcel"
	"github.com/tuoguan/tuoguan/internal/pii"
)

const importUsage = "usage: tuoguan import farms [-collective ID] [-dry-run] FILE.csv | tuoguan import parcels [-dry-run] FILE.csv"

// errRefused is returned after an import in which at least one row was refused, so the exit status says so.
var errRefused = errors.New("some rows were refused; see the lines above")

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// importTargets are the domain services an import writes through, over the database or a transaction.
type importTargets struct {
	farms   *farm.Service
	parcels *parcel.Service
}

func targetsOver(g *gorm.DB, keys *pii.Keyring) importTargets {
	return importTargets{farms: farm.NewService(g, keys), parcels: parcel.NewService(g)}
}

// importSheet describes what one kind of file holds and how a row of it is registered.
type importSheet struct {
	noun     string
	columns  []string
	required []string
	create   func(ctx context.Context, t importTargets, r *importRow) (int64, error)
}

func farmSheet(collective int64) importSheet {
	required := []string{"kind", "name", "operator_name", "id_number", "phone"}
	if collective == 0 {
		required = append(required, "collective_id")
	}
	return importSheet{
		noun: "farm",
		columns: []string{"kind", "name", "operator_name", "id_number", "phone", "collective_id", "registered_on",
			"credit_code", "demonstration_level", "business_models", "operated_area_mu"},
		required: required,
		create: func(ctx context.Context, t importTargets, r *importRow) (int64, error) {
			in := farm.Input{
				Kind: r.text("kind"), Name: r.text("name"), OperatorName: r.text("operator_name"),
				IDNumber: r.text("id_number"), Phone: r.text("phone"), CollectiveID: r.id("collective_id"),
				RegisteredOn: r.date("registered_on"), CreditCode: r.text("credit_code"),
				DemonstrationLevel: r.text("demonstration_level"), BusinessModels: r.list("business_models"),
				OperatedAreaMu: r.dec2("operated_area_mu"),
			}
			if in.CollectiveID == nil && collective != 0 && !r.errs.Has("collective_id") {
				in.CollectiveID = &collective
			}
			if err := r.errs.Err(); err != nil {
				return 0, err
			}
			f, err := t.farms.Create(ctx, cli, in)
			return f.ID, err
		},
	}
}

func parcelSheet() importSheet {
	return importSheet{
		noun:     "parcel",
		columns:  []string{"farm_id", "name", "area_mu", "land_type", "code", "certificate_no"},
		required: []string{"farm_id", "name", "area_mu", "land_type"},
		create: func(ctx context.Context, t importTargets, r *importRow) (int64, error) {
			in := parcel.Input{
				FarmID: r.id("farm_id"), Name: r.text("name"), AreaMu: r.dec2("area_mu"), LandType: r.text("land_type"),
				Code: r.text("code"), CertificateNo: r.text("certificate_no"),
			}
			if err := r.errs.Err(); err != nil {
				return 0, err
			}
			pc, err := t.parcels.Create(ctx, cli, in)
			return pc.ID, err
		},
	}
}

// importCmd registers the farms or parcels of a CSV file, one row at a time, through the domain services.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "farms" && args[0] != "parcels") {
		return errors.New(importUsage)
	}
	var cfg config
	var collective int64
	var dryRun bool
	fs := flag.NewFlagSet("import "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg.flags(fs, getenv)
	fs.BoolVar(&dryRun, "dry-run", false, "check every row, writing nothing")
	if args[0] == "farms" {
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
	sheet := parcelSheet()
	if args[0] == "farms" {
		sheet = farmSheet(collective)
	}
	name := fs.Arg(0)
	data, err := readImportFile(name, stdin)
	if err != nil {
		return err
	}
	rows, err := parseImport(data, sheet)
	if err != nil {
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

	var imported, refused int
	load := func(t importTargets) error {
		for _, r := range rows {
			id, err := sheet.create(ctx, t, r)
			switch {
			case err == nil:
				imported++
				if !dryRun {
					fmt.Fprintf(stdout, "row %d: %s %d\n", r.line, sheet.noun, id)
				}
			case fault.As(err) != nil:
				refused++
				fmt.Fprintf(stdout, "row %d: %s\n", r.line, r.redact(refusal(fault.As(err))))
			default:
				return fmt.Errorf("row %d: %w", r.line, err)
			}
		}
		return nil
	}
	if dryRun {
		// Each row runs in a savepoint of one transaction that is rolled back at the end, so rows see the
		// rows before them (a duplicate within the file is found) and nothing is kept.
		err = db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := load(targetsOver(tx, keys)); err != nil {
				return err
			}
			return errDryRun
		})
		if errors.Is(err, errDryRun) {
			err = nil
		}
	} else {
		err = load(targetsOver(db.Gorm, keys))
	}
	switch {
	case dryRun && err == nil:
		fmt.Fprintf(stdout, "dry run, nothing written: %d would be imported, %d refused\n", imported, refused)
	case dryRun:
		fmt.Fprintln(stdout, "dry run stopped, nothing written")
	default:
		fmt.Fprintf(stdout, "%d imported, %d refused\n", imported, refused)
	}
	if err != nil {
		return err
	}
	if refused > 0 {
		return errRefused
	}
	return nil
}

// readImportFile reads the named file, or standard input for "-", and makes sure it is UTF-8 text without
// its byte-order mark.
func readImportFile(name string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8 text; save it as \"CSV UTF-8\" (in Excel: CSV UTF-8 (Comma delimited))", name)
	}
	return data, nil
}

// importRow is one data row: the line it starts on, its non-empty cells by column, and the field errors
// found while reading them.
type importRow struct {
	line  int
	cells map[string]string
	errs  fault.Fields
}

// parseImport reads the whole file before anything is written: a header naming known columns once each,
// then rows. Rows whose cells are all empty are skipped; a row with more or fewer cells than the header is
// kept and refused when its turn comes.
func parseImport(data []byte, sheet importSheet) ([]*importRow, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty; the first row must name the columns")
	} else if err != nil {
		return nil, err
	}
	var problems []string
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			problems = append(problems, fmt.Sprintf("column %d has no name", i+1))
		case !slices.Contains(sheet.columns, h):
			problems = append(problems, fmt.Sprintf("unknown column %q", h))
		case seen[h]:
			problems = append(problems, fmt.Sprintf("column %q appears twice", h))
		}
		seen[h] = true
	}
	for _, c := range sheet.required {
		if !seen[c] {
			problems = append(problems, fmt.Sprintf("missing column %q", c))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s; the columns of %s files are %s; nothing was imported",
			strings.Join(problems, "; "), sheet.noun, strings.Join(sheet.columns, ", "))
	}
	var rows []*importRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		} else if err != nil {
			return nil, fmt.Errorf("%w; nothing was imported", err)
		}
		line, _ := cr.FieldPos(0)
		r := &importRow{line: line, cells: map[string]string{}}
		blank := true
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			blank = false
			if i < len(header) {
				r.cells[header[i]] = v
			} else {
				r.errs.Add(fmt.Sprintf("column %d", i+1), "has a value but no column name in the header")
			}
		}
		if blank {
			continue
		}
		if len(rec) < len(header) {
			r.errs.Add(header[len(rec)], "has no cell: the row has %d cells, the header %d", len(rec), len(header))
		}
		rows = append(rows, r)
	}
}

// text is the cell of col, nil when empty.
func (r *importRow) text(col string) *string {
	v, ok := r.cells[col]
	if !ok {
		return nil
	}
	return &v
}

// id is the cell of col as an object id.
func (r *importRow) id(col string) *int64 {
	v := r.text(col)
	if v == nil {
		return nil
	}
	n, err := strconv.ParseInt(*v, 10, 64)
	if err != nil || n <= 0 {
		r.errs.Add(col, "must be an id: a whole number greater than 0")
		return nil
	}
	return &n
}

// date is the cell of col as a calendar date, 2020-03-01 or as Excel writes it, 2020/3/1.
func (r *importRow) date(col string) *time.Time {
	v := r.text(col)
	if v == nil {
		return nil
	}
	for _, layout := range []string{"2006-1-2", "2006/1/2"} {
		if d, err := time.Parse(layout, *v); err == nil {
			return &d
		}
	}
	r.errs.Add(col, "must be a date such as 2020-03-01")
	return nil
}

// dec2 is the cell of col as an exact decimal of at most 2 places.
func (r *importRow) dec2(col string) *num.Dec2 {
	v := r.text(col)
	if v == nil {
		return nil
	}
	d, err := num.ParseDec2(*v)
	if err != nil {
		var ne *num.Error
		if errors.As(err, &ne) {
			r.errs.Add(col, "%s", ne.Reason)
		} else {
			r.errs.Add(col, "must be a decimal number such as 1234.56")
		}
		return nil
	}
	return &d
}

// list is the cell of col split at ';' or '|', without empty items.
func (r *importRow) list(col string) *[]string {
	v := r.text(col)
	if v == nil {
		return nil
	}
	items := []string{}
	for _, s := range strings.FieldsFunc(*v, func(c rune) bool { return c == ';' || c == '|' }) {
		if s = strings.TrimSpace(s); s != "" {
			items = append(items, s)
		}
	}
	return &items
}

// refusal is what a refused row is told: each field at fault with its message, or the error's message.
func refusal(e *fault.Error) string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// redact replaces the row's ID and phone numbers, as written or normalised, by their masked forms, should a
// message ever quote them.
func (r *importRow) redact(msg string) string {
	for _, c := range []struct {
		col       string
		normalize func(string) string
		mask      func(string) string
	}{
		{"id_number", pii.NormalizeIDNumber, pii.MaskIDNumber},
		{"phone", pii.NormalizePhone, pii.MaskPhone},
	} {
		v, ok := r.cells[c.col]
		if !ok {
			continue
		}
		for _, s := range []string{v, c.normalize(v)} {
			if utf8.RuneCountInString(s) >= 4 {
				msg = strings.ReplaceAll(msg, s, c.mask(v))
			}
		}
	}
	return msg
}
