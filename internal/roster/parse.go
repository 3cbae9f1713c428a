package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/pii"
)

// row is one data row: the line it starts on, its non-empty cells by column, and the field errors found
// while reading them.
type row struct {
	line  int
	cells map[string]string
	errs  fault.Fields
}

// Text checks that data is UTF-8 text and drops Excel's byte-order mark.
func Text(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, fault.Malformedf("", "The file is not UTF-8 text; save it as \"CSV UTF-8\" (in Excel: CSV UTF-8 (Comma delimited)).")
	}
	return data, nil
}

// parse reads the whole file before anything is written: a header naming known columns once each, then
// rows. Rows whose cells are all empty are skipped; a row with more or fewer cells than the header is kept
// and refused when its turn comes. A file that cannot be read is Malformed.
func parse(data []byte, s sheet) ([]*row, error) {
	data, err := Text(data)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fault.Malformedf("", "The file is empty; the first row must name the columns.")
	} else if err != nil {
		return nil, fault.Malformedf("", "%s", err.Error())
	}
	var problems []string
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			problems = append(problems, fmt.Sprintf("column %d has no name", i+1))
		case !slices.Contains(s.columns, h):
			problems = append(problems, fmt.Sprintf("unknown column %q", h))
		case seen[h]:
			problems = append(problems, fmt.Sprintf("column %q appears twice", h))
		}
		seen[h] = true
	}
	for _, c := range s.required {
		if !seen[c] {
			problems = append(problems, fmt.Sprintf("missing column %q", c))
		}
	}
	if len(problems) > 0 {
		return nil, fault.Malformedf("", "%s; the columns of %s files are %s; nothing was imported",
			strings.Join(problems, "; "), s.noun, strings.Join(s.columns, ", "))
	}
	var rows []*row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		} else if err != nil {
			return nil, fault.Malformedf("", "%s; nothing was imported", err.Error())
		}
		line, _ := cr.FieldPos(0)
		r := &row{line: line, cells: map[string]string{}}
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
func (r *row) text(col string) *string {
	v, ok := r.cells[col]
	if !ok {
		return nil
	}
	return &v
}

// id is the cell of col as an object id.
func (r *row) id(col string) *int64 {
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
func (r *row) date(col string) *time.Time {
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
func (r *row) dec2(col string) *num.Dec2 {
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
func (r *row) list(col string) *[]string {
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

// redact replaces the row's ID and phone numbers, as written or normalised, by their masked forms, should a
// message ever quote them.
func (r *row) redact(msg string) string {
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
