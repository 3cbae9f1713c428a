package sheet

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxRows is the most rows an Excel sheet holds, header included.
const MaxRows = 1_048_576

// ErrTooManyRows is returned when a table does not fit on one sheet; the rows written so far are sent.
var ErrTooManyRows = errors.New("the table has more rows than an Excel sheet holds")

// WriteXLSX writes t as an Excel workbook of one sheet, straight into w as a zip stream: each row is encoded
// and compressed as it comes, so memory does not grow with the number of rows and the first bytes leave at
// once. The header row is bold and frozen; text cells are inline strings (codes stay text); decimals are
// numbers written from their exact decimal form and shown with two decimals.
func WriteXLSX(w io.Writer, t Table) error { return writeXLSX(w, t, MaxRows) }

func writeXLSX(w io.Writer, t Table, maxRows int) error {
	z := zip.NewWriter(w)
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"xl/workbook.xml", fmt.Sprintf(workbook, escape(sheetName(t.Name)))},
		{"xl/_rels/workbook.xml.rels", workbookRels},
		{"xl/styles.xml", styles},
	} {
		f, err := z.Create(part.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, part.body); err != nil {
			return err
		}
	}
	f, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	if err := writeSheet(f, t, maxRows); err != nil {
		return err
	}
	return z.Close()
}

// The cell styles of styles.xml, by index.
const (
	styleBold      = 1
	styleTwoPlaces = 2
	styleText      = 3
)

func writeSheet(w io.Writer, t Table, maxRows int) error {
	b := bufio.NewWriterSize(w, 64<<10)
	b.WriteString(sheetHead)
	header := make([]Cell, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = T(c.header())
	}
	writeRow(b, 1, t.Columns, header, true)
	r := 2
	for row := range t.Rows {
		if r > maxRows {
			b.Flush()
			return ErrTooManyRows
		}
		writeRow(b, r, t.Columns, row, false)
		r++
	}
	if err := t.err(); err != nil {
		return err // the zip is left without its directory: no reader takes it for a whole workbook
	}
	b.WriteString("</sheetData></worksheet>")
	return b.Flush()
}

func writeRow(b *bufio.Writer, r int, cols []Column, cells []Cell, header bool) {
	rn := strconv.Itoa(r)
	b.WriteString(`<row r="` + rn + `">`)
	for i, c := range cols {
		ref := column(i) + rn
		switch {
		case header:
			b.WriteString(`<c r="` + ref + `" s="` + strconv.Itoa(styleBold) + `" t="inlineStr"><is><t>` + escape(cells[i].Text) + `</t></is></c>`)
		case c.Kind == Decimal && cells[i].Decimal == nil:
		case c.Kind == Decimal:
			b.WriteString(`<c r="` + ref + `" s="` + strconv.Itoa(styleTwoPlaces) + `"><v>` + cells[i].Decimal.String() + `</v></c>`)
		case c.Kind == Integer:
			b.WriteString(`<c r="` + ref + `"><v>` + strconv.FormatInt(cells[i].Integer, 10) + `</v></c>`)
		default:
			b.WriteString(`<c r="` + ref + `" s="` + strconv.Itoa(styleText) + `" t="inlineStr"><is><t xml:space="preserve">` + escape(cells[i].Text) + `</t></is></c>`)
		}
	}
	b.WriteString("</row>")
}

// column is the letters of the column with index i (0 → A, 26 → AA).
func column(i int) string {
	var s []byte
	for i++; i > 0; i = (i - 1) / 26 {
		s = append([]byte{byte('A' + (i-1)%26)}, s...)
	}
	return string(s)
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// sheetName makes a name Excel accepts for a sheet: at most 31 characters, none of : \ / ? * [ ].
func sheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	if name == "" {
		name = "Sheet1"
	}
	return name
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`

const rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`

const workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>`

const workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`

// styles holds the cell formats: 0 plain, 1 bold (the header), 2 numbers with two decimals (built-in format 2,
// "0.00"), 3 text (built-in format 49, "@").
const styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`

const sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>`
