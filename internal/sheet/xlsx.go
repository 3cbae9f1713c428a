package sheet

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxRows is the most rows an Excel sheet holds, header included.
const MaxRows = 1_048_576

// ErrTooManyRows is returned when a table does not fit on one sheet; the rows written so far are sent.
var ErrTooManyRows = errors.New("the table has more rows than an Excel sheet holds")

// WriteXLSX writes t as an Excel workbook of one sheet, straight into w as a zip stream: each row is encoded
// and compressed as it comes, so memory does not grow with the number of rows and the first bytes leave at
// once. The header row is bold, wrapped and frozen; text cells are inline strings (codes stay text); decimals
// are numbers written from their exact decimal form and shown with thousands separators and two decimals.
// Columns are as wide as the header and the first SampleRows rows need; the sheet prints landscape, one page
// wide, with the header row repeated on every page and page numbers in the footer.
func WriteXLSX(w io.Writer, t Table) error { return writeXLSX(w, t, MaxRows) }

// SampleRows is how many rows a workbook's column widths are measured on: all of a statistics table, the
// first screens of a ledger of a million rows, whose later rows are alike.
const SampleRows = 1000

func writeXLSX(w io.Writer, t Table, maxRows int) error {
	z := zip.NewWriter(w)
	name := sheetName(t.Name)
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"xl/workbook.xml", fmt.Sprintf(workbook, escape(name), escape(quoteSheet(name)))},
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

// The cell styles of styles.xml, by index; a total's style is its kind's plus styleTotal.
const (
	styleHeader   = 1
	styleDecimal  = 2
	styleText     = 3
	styleInteger  = 4
	styleTotal    = 3 // bold twins of styleDecimal, styleText and styleInteger follow them
	maxWidth      = 50
	minWidth      = 6
	headerHeightP = 44 // points: two lines of the Chinese name and one of the English
)

func writeSheet(w io.Writer, t Table, maxRows int) error {
	b := bufio.NewWriterSize(w, 64<<10)
	// The first SampleRows rows are held back to size the columns, which precede the rows in the sheet.
	var sample [][]Cell
	total := 0.0
	start := func() {
		b.WriteString(sheetHead)
		b.WriteString("<cols>")
		for i, wd := range widths(t, sample) {
			fmt.Fprintf(b, `<col min="%d" max="%d" width="%.1f" customWidth="1"/>`, i+1, i+1, wd)
			total += wd
		}
		b.WriteString("</cols><sheetData>")
		writeRow(b, 1, t.Columns, nil, true, false)
	}
	r := 2
	emit := func(row []Cell) error {
		if r > maxRows {
			b.Flush()
			return ErrTooManyRows
		}
		writeRow(b, r, t.Columns, row, false, r-1 <= t.Totals)
		r++
		return nil
	}
	started := false
	for row := range t.Rows {
		if !started {
			sample = append(sample, slices.Clone(row))
			if len(sample) < SampleRows {
				continue
			}
			start()
			started = true
			for _, row := range sample {
				if err := emit(row); err != nil {
					return err
				}
			}
			sample = nil
			continue
		}
		if err := emit(row); err != nil {
			return err
		}
	}
	if !started {
		start()
		for _, row := range sample {
			if err := emit(row); err != nil {
				return err
			}
		}
	}
	if err := t.err(); err != nil {
		return err // the zip is left without its directory: no reader takes it for a whole workbook
	}
	b.WriteString("</sheetData>")
	// A4 unless the table is so wide that one A4 page would shrink it below about two thirds: then A3,
	// the paper statistical tables are printed on in Chinese offices (a printer without it scales to A4).
	paper := paperA4
	if total > a4Width {
		paper = paperA3
	}
	fmt.Fprintf(b, sheetTail, paper)
	b.WriteString("</worksheet>")
	return b.Flush()
}

func writeRow(b *bufio.Writer, r int, cols []Column, cells []Cell, header, total bool) {
	rn := strconv.Itoa(r)
	if header {
		b.WriteString(`<row r="` + rn + `" ht="` + strconv.Itoa(headerHeightP) + `" customHeight="1">`)
	} else {
		b.WriteString(`<row r="` + rn + `">`)
	}
	bold := 0
	if total {
		bold = styleTotal
	}
	for i, c := range cols {
		// Written piece by piece: a ledger writes 26 cells a row, a million rows.
		open := func(style int, typ string) {
			b.WriteString(`<c r="`)
			b.WriteString(columnLetters(i))
			b.WriteString(rn)
			b.WriteString(`" s="`)
			b.WriteString(strconv.Itoa(style))
			b.WriteString(typ)
		}
		switch {
		case header:
			// Rich text: the Chinese name in bold, the English field name smaller and grey after a space the
			// wrapped cell breaks at; the cell's text stays "中文 english" for programs.
			open(styleHeader, `" t="inlineStr"><is><r><rPr><b/><sz val="11"/><rFont val="等线"/><family val="2"/><charset val="134"/></rPr><t>`)
			b.WriteString(escape(c.ZH))
			b.WriteString(`</t></r><r><rPr><sz val="8"/><color rgb="FF595959"/><rFont val="等线"/><family val="2"/><charset val="134"/></rPr><t xml:space="preserve"> `)
			b.WriteString(escape(c.EN))
			b.WriteString(`</t></r></is></c>`)
		case c.Kind == Decimal && cells[i].Decimal == nil:
		case c.Kind == Decimal:
			v := cells[i].Decimal.String()
			if exactInDouble(v) {
				open(styleDecimal+bold, `"><v>`)
				b.WriteString(v)
				b.WriteString(`</v></c>`)
				break
			}
			// Too many digits for a spreadsheet's double: kept exact as text rather than rounded silently.
			open(styleText+bold, `" t="inlineStr"><is><t>`)
			b.WriteString(v)
			b.WriteString(`</t></is></c>`)
		case c.Kind == Integer:
			open(styleInteger+bold, `"><v>`)
			b.WriteString(strconv.FormatInt(cells[i].Integer, 10))
			b.WriteString(`</v></c>`)
		default:
			open(styleText+bold, `" t="inlineStr"><is><t xml:space="preserve">`)
			b.WriteString(escape(cells[i].Text))
			b.WriteString(`</t></is></c>`)
		}
	}
	b.WriteString("</row>")
}

// exactInDouble reports whether a decimal written as s (an optional sign, digits, a point, two decimals)
// reads back from a spreadsheet as the same figure. Excel and LibreOffice hold numbers as IEEE doubles and
// show at most 15 significant digits; every decimal of at most 15 significant digits survives the round
// trip to a double and back, so with two places any figure below 10,000,000,000,000.00 (10^13 yuan, far
// above a province's totals) displays exactly as computed. Longer ones are written as text instead.
func exactInDouble(s string) bool {
	digits := 0
	for _, c := range strings.TrimLeft(strings.TrimLeft(s, "-"), "0.") {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	return digits <= 15
}

// widths are the columns' widths in Excel's units (about one digit or Latin letter of the body font; a
// Chinese character takes two), with a margin, between minWidth and maxWidth: the widest sample cell as the
// workbook shows it, the English field name at its smaller size, and the Chinese name — on one line up to
// headerLine units, beyond that wrapped on two.
func widths(t Table, sample [][]Cell) []float64 {
	out := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		zh := float64(textWidth(c.ZH))
		if zh > headerLine {
			zh = max(headerLine, math.Ceil(zh/2)+1)
		}
		w := max(zh, math.Ceil(float64(textWidth(c.EN))*smallFont))
		for _, row := range sample {
			w = max(w, float64(textWidth(shown(c.Kind, row[i]))))
		}
		out[i] = min(max(w+2, minWidth), maxWidth)
	}
	return out
}

// The header's geometry: a Chinese name up to headerLine units stays on one line; the English name is set
// at 8 points, smallFont of the 11-point body's width.
const (
	headerLine = 16
	smallFont  = 0.75
)

// shown is a cell as the workbook's number formats show it.
func shown(k Kind, c Cell) string {
	switch k {
	case Decimal:
		if c.Decimal == nil {
			return ""
		}
		if s := c.Decimal.String(); !exactInDouble(s) {
			return s // written as text
		}
		return Thousands(c.Decimal.String())
	case Integer:
		return Thousands(strconv.FormatInt(c.Integer, 10))
	}
	return c.Text
}

// Thousands puts a comma between each group of three digits of the integer part of a number written in
// decimal: "-1234567.80" becomes "-1,234,567.80".
func Thousands(s string) string {
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") {
		sign, rest = "-", rest[1:]
	}
	whole, frac, hasFrac := strings.Cut(rest, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

// textWidth is the width of s in Excel's column units: East Asian wide and full-width characters count two.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		if wide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// wide reports whether r is shown two columns wide: CJK ideographs and punctuation, kana, hangul and
// full-width forms (the East Asian Wide and Fullwidth blocks a Chinese table meets, UAX #11).
func wide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115F, r >= 0x2E80 && r <= 0x303E, r >= 0x3041 && r <= 0x33FF,
		r >= 0x3400 && r <= 0x4DBF, r >= 0x4E00 && r <= 0x9FFF, r >= 0xA000 && r <= 0xA4CF,
		r >= 0xAC00 && r <= 0xD7A3, r >= 0xF900 && r <= 0xFAFF, r >= 0xFE30 && r <= 0xFE4F,
		r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6, r >= 0x20000 && r <= 0x3FFFD:
		return true
	}
	return false
}

// quoteSheet quotes a sheet name for a formula: 'name', with quotes doubled.
func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// letters are the first columns' letters, computed once.
var letters = func() []string {
	out := make([]string, 256)
	for i := range out {
		out[i] = column(i)
	}
	return out
}()

// columnLetters is column(i), without allocating for the first 256 columns.
func columnLetters(i int) string {
	if i < len(letters) {
		return letters[i]
	}
	return column(i)
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
	plain := utf8.ValidString(s)
	for i := 0; plain && i < len(s); i++ {
		// Markup and control characters need escaping; most cells have none, and pass as they are.
		c := s[i]
		plain = c >= 0x20 && c != '<' && c != '>' && c != '&' && c != '\'' && c != '"'
	}
	if plain {
		return s
	}
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

// workbook names the one sheet and its print titles: row 1, the header, repeats on every printed page.
const workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets><definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">%s!$1:$1</definedName></definedNames></workbook>`

const workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`

// styles holds the cell formats, by index: 0 plain; 1 the header (bold, wrapped, centred, shaded, a rule
// below); 2 decimals, built-in format 4 "#,##0.00"; 3 text, built-in format 49 "@"; 4 counts, built-in format
// 3 "#,##0"; 5–7 the same three in bold, for totals. The font is 等线 (DengXian), the default of Chinese Excel,
// whose Chinese characters are two digits wide as the column widths assume.
const styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/><scheme val="minor"/></font><font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/><scheme val="minor"/></font></fonts><fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFE7EEF7"/><bgColor indexed="64"/></patternFill></fill></fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="49" fontId="1" fillId="2" borderId="1" xfId="0" applyNumberFormat="1" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf><xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="4" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/><xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/><xf numFmtId="3" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`

// sheetHead opens the sheet: fitted to the page's width when printed, the header row frozen.
const sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="14.25"/>`

// The paper sizes of pageSetup, and the width in column units that fits landscape A4 at about two thirds.
const (
	paperA3 = 8
	paperA4 = 9
	a4Width = 200
)

// sheetTail sets up printing: narrow margins, landscape on the paper it is given, one page wide and as many pages long as it
// takes, the sheet's name in the page header and "第 N 页，共 M 页" in the footer.
const sheetTail = `<printOptions horizontalCentered="1"/><pageMargins left="0.4" right="0.4" top="0.7" bottom="0.6" header="0.3" footer="0.3"/><pageSetup paperSize="%d" orientation="landscape" fitToWidth="1" fitToHeight="0"/><headerFooter><oddHeader>&amp;C&amp;"-,Bold"&amp;A</oddHeader><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>`
