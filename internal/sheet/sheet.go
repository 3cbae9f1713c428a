// Package sheet writes statistics tables as CSV and as Excel workbooks, streaming row by row so that the
// size of a table does not decide the memory it takes. Both carry a header in Chinese and English, keep codes
// as text (Excel would turn an 18-digit code into a rounded number) and write figures with two decimals. The
// CSV is for programs: plain numbers, no separators. The workbook is for people: columns sized to their
// content, thousands separators, totals in bold, and set up to print (landscape, one page wide, the header
// row on every page).
package sheet

import (
	"encoding/csv"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/tuoguan/tuoguan/internal/num"
)

// Kind is how a column's cells are written.
type Kind int

// The kinds of columns.
const (
	Text    Kind = iota // kept as text everywhere: names, codes
	Decimal             // a figure with two decimals; empty when absent
	Integer             // a count
)

// Column is a column of a table.
type Column struct {
	ZH, EN string
	Kind   Kind
}

// Cell is one value; which field counts follows the column's kind.
type Cell struct {
	Text    string
	Decimal *num.Dec2
	Integer int64
}

// T is a text cell.
func T(s string) Cell { return Cell{Text: s} }

// D is a decimal cell; nil leaves it empty.
func D(d *num.Dec2) Cell { return Cell{Decimal: d} }

// I is a count cell.
func I(n int64) Cell { return Cell{Integer: n} }

// Table is what is written: a name (the sheet's, and the file's), columns and a sequence of rows.
type Table struct {
	Name    string
	Columns []Column
	Rows    iter.Seq[[]Cell]
	// Totals is how many of the first rows are totals, shown in bold in a workbook.
	Totals int
	// Err, when set, is asked once the rows are exhausted whether they ended because reading them failed;
	// a writer then returns that error instead of finishing the file, so that a cut table never reads as a
	// whole one.
	Err func() error
}

// err is why t's rows ended early, or nil.
func (t Table) err() error {
	if t.Err == nil {
		return nil
	}
	return t.Err()
}

// header is a column's title: Chinese, then English.
func (c Column) header() string { return c.ZH + " " + c.EN }

// WriteCSV writes t as CSV: UTF-8 with a byte-order mark (so Excel reads Chinese correctly), CRLF line ends,
// and text cells that a spreadsheet would take for a formula (= + - @, tab, carriage return) prefixed with
// an apostrophe.
func WriteCSV(w io.Writer, t Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	record := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		record[i] = c.header()
	}
	if err := cw.Write(record); err != nil {
		return err
	}
	for row := range t.Rows {
		for i, c := range t.Columns {
			record[i] = csvCell(c.Kind, row[i])
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	if err := t.err(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func csvCell(k Kind, c Cell) string {
	switch k {
	case Decimal:
		if c.Decimal == nil {
			return ""
		}
		return c.Decimal.String()
	case Integer:
		return strconv.FormatInt(c.Integer, 10)
	}
	return Neutralize(c.Text)
}

// Neutralize keeps a text from being read as a formula by a spreadsheet.
func Neutralize(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
