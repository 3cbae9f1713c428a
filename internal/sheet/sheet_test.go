package sheet

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/tuoguan/tuoguan/internal/num"
)

func sample() Table {
	d := func(s string) *num.Dec2 { v := num.MustDec2(s); return &v }
	cols := []Column{{ZH: "村集体", EN: "collective"}, {ZH: "统一社会信用代码", EN: "credit_code"},
		{ZH: "合同数", EN: "contracts", Kind: Integer}, {ZH: "亩均节支增收(元)", EN: "benefit_per_mu", Kind: Decimal}}
	rows := [][]Cell{
		{T("石堡村股份经济合作联合社"), T("N2610631MF0000000Q"), I(12), D(d("180.05"))},
		{T("=HYPERLINK(\"http://x\")"), T("123456789012345678"), I(0), D(nil)},
		{T("-2+3"), T("@SUM(A1)"), I(-1), D(d("-0.50"))},
	}
	return Table{Name: "黄龙县托管统计", Columns: cols, Rows: slices.Values(rows)}
}

func TestCSVIsExcelFriendly(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteCSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	if !bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 byte-order mark: % x", raw[:3])
	}
	if !utf8.Valid(raw) || !bytes.Contains(raw, []byte("石堡村股份经济合作联合社")) {
		t.Fatal("Chinese text is not intact UTF-8")
	}
	lines := strings.Split(strings.TrimPrefix(string(raw), "\ufeff"), "\r\n")
	want := []string{
		"村集体 collective,统一社会信用代码 credit_code,合同数 contracts,亩均节支增收(元) benefit_per_mu",
		"石堡村股份经济合作联合社,N2610631MF0000000Q,12,180.05",
		`"'=HYPERLINK(""http://x"")",123456789012345678,0,`,
		"'-2+3,'@SUM(A1),-1,-0.50",
		"",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("CSV lines:\n%q\nwant\n%q", lines, want)
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("a line ends without CR")
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteXLSX(&b, sample()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"黄龙县托管统计"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("黄龙县托管统计")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "村集体 collective" || rows[1][0] != "石堡村股份经济合作联合社" {
		t.Fatalf("rows %q", rows)
	}
	// Codes stay text (an 18-digit number would lose digits); figures are numbers shown with two decimals.
	for _, c := range []struct {
		cell, value string
		kind        excelize.CellType
	}{
		{"B3", "123456789012345678", excelize.CellTypeSharedString},
		{"A3", `=HYPERLINK("http://x")`, excelize.CellTypeSharedString},
		{"D2", "180.05", excelize.CellTypeNumber},
		{"D4", "-0.50", excelize.CellTypeNumber},
		{"C2", "12", excelize.CellTypeNumber},
	} {
		v, err := f.GetCellValue("黄龙县托管统计", c.cell)
		if err != nil || v != c.value {
			t.Errorf("%s = %q, %v; want %q", c.cell, v, err, c.value)
		}
		typ, err := f.GetCellType("黄龙县托管统计", c.cell)
		// A cell without a type attribute is a number in OOXML.
		number := typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset
		text := typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString
		if err != nil || (c.kind == excelize.CellTypeNumber && !number) || (c.kind == excelize.CellTypeSharedString && !text) {
			t.Errorf("%s is of type %v, want %v", c.cell, typ, c.kind)
		}
	}
	if formula, _ := f.GetCellFormula("黄龙县托管统计", "A3"); formula != "" {
		t.Errorf("text became a formula: %q", formula)
	}
}

func TestColumnLettersAndSheetNames(t *testing.T) {
	t.Parallel()
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := column(i); got != want {
			t.Errorf("column(%d) = %s, want %s", i, got, want)
		}
	}
	if got := sheetName("黄龙县/石堡镇: [2026] 托管统计与作业台账的一个很长很长很长的名字"); got != "黄龙县_石堡镇_ _2026_ 托管统计与作业台账的一个很长很" || len([]rune(got)) != 31 {
		t.Errorf("sheetName = %q (%d runes)", got, len([]rune(got)))
	}
}

func TestXLSXRefusesMoreRowsThanASheetHolds(t *testing.T) {
	t.Parallel()
	one := []Cell{I(1)}
	rows := func(n int) func(yield func([]Cell) bool) {
		return func(yield func([]Cell) bool) {
			for range n {
				if !yield(one) {
					return
				}
			}
		}
	}
	cols := []Column{{ZH: "数", EN: "n", Kind: Integer}}
	if err := writeXLSX(io.Discard, Table{Columns: cols, Rows: rows(9)}, 10); err != nil {
		t.Fatalf("9 data rows and a header on a 10-row sheet: %v", err)
	}
	if err := writeXLSX(io.Discard, Table{Columns: cols, Rows: rows(10)}, 10); !errors.Is(err, ErrTooManyRows) {
		t.Fatalf("10 data rows and a header on a 10-row sheet: %v, want ErrTooManyRows", err)
	}
}

// TestCutTableFailsTheWrite gives both writers a table whose rows end because reading them failed: the writer
// returns that error, and what it wrote does not read as a whole file.
func TestCutTableFailsTheWrite(t *testing.T) {
	t.Parallel()
	cut := errors.New("the database went away")
	tbl := sample()
	tbl.Err = func() error { return cut }
	var b bytes.Buffer
	if err := WriteCSV(&b, tbl); !errors.Is(err, cut) {
		t.Errorf("WriteCSV of a cut table: %v, want its error", err)
	}
	b.Reset()
	if err := WriteXLSX(&b, tbl); !errors.Is(err, cut) {
		t.Errorf("WriteXLSX of a cut table: %v, want its error", err)
	}
	if f, err := excelize.OpenReader(&b); err == nil {
		f.Close()
		t.Error("the workbook of a cut table opens as a whole one")
	}
}

func TestThousandsAndExactness(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"0.00": "0.00", "999.99": "999.99", "100000.00": "100,000.00",
		"-1234567.80": "-1,234,567.80", "12": "12", "-123": "-123", "1234": "1,234"} {
		if got := Thousands(in); got != want {
			t.Errorf("Thousands(%s) = %s, want %s", in, got, want)
		}
	}
	for s, want := range map[string]bool{"9999999999999.99": true, "-9999999999999.99": true, "0.01": true,
		"10000000000000.00": false, "123456789012345.67": false} {
		if got := exactInDouble(s); got != want {
			t.Errorf("exactInDouble(%s) = %v", s, got)
		}
	}
}

// TestXLSXIsSetUpForPeople writes a table with a total row, wide Chinese names and large figures and reads
// the layout back: every column wide enough for what it shows, Chinese characters counted double, numbers
// with thousands separators, the total bold, a figure too long for a double kept as exact text, and printing
// landscape, one page wide, with the header row repeated.
func TestXLSXIsSetUpForPeople(t *testing.T) {
	t.Parallel()
	d := func(s string) *num.Dec2 { x := num.Round2(decimal.RequireFromString(s)); return &x }
	cols := []Column{{ZH: "村集体", EN: "collective"}, {ZH: "节支增收(元)", EN: "benefit", Kind: Decimal},
		{ZH: "合同数", EN: "contracts", Kind: Integer}}
	rows := [][]Cell{
		{T("合计"), D(d("123456789012345.67")), I(1234567)},
		{T("石堡村股份经济合作联合社"), D(d("100000.00")), I(3)},
		{T("x"), D(d("-1234567.80")), I(0)},
	}
	var b bytes.Buffer
	if err := WriteXLSX(&b, Table{Name: "表", Columns: cols, Rows: slices.Values(rows), Totals: 1}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for col, least := range map[string]float64{"A": 24, "B": 18, "C": 9} { // 12 Chinese characters; 123456789012345.67 as text; 1,234,567
		if w, err := f.GetColWidth("表", col); err != nil || w < least || w > least+4 {
			t.Errorf("column %s is %.1f wide, want about %.0f", col, w, least)
		}
	}
	style := func(cell string) *excelize.Style {
		idx, err := f.GetCellStyle("表", cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(idx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := style("B3"); st.NumFmt != 4 || (st.Font != nil && st.Font.Bold) {
		t.Errorf("B3 number format %d, bold %v; want 4 (#,##0.00), plain", st.NumFmt, st.Font)
	}
	if st := style("C2"); st.NumFmt != 3 || st.Font == nil || !st.Font.Bold {
		t.Errorf("C2 number format %d, font %+v; want 3 (#,##0), bold", st.NumFmt, st.Font)
	}
	if v, _ := f.GetCellValue("表", "B2"); v != "123456789012345.67" {
		t.Errorf("B2 = %q", v)
	}
	if typ, _ := f.GetCellType("表", "B2"); typ != excelize.CellTypeInlineString {
		t.Errorf("a figure of 17 digits is of type %v, want text", typ)
	}
	if v, _ := f.GetCellValue("表", "B3"); v != "100000.00" {
		t.Errorf("B3 = %q", v)
	}
	layout, err := f.GetPageLayout("表")
	if err != nil || *layout.Orientation != "landscape" || *layout.FitToWidth != 1 || *layout.FitToHeight != 0 || *layout.Size != 9 {
		t.Errorf("page layout %+v, %v", layout, err)
	}
	if props, err := f.GetSheetProps("表"); err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Errorf("fit to page not set: %v", err)
	}
	if names := f.GetDefinedName(); len(names) != 1 || names[0].Name != "_xlnm.Print_Titles" || names[0].RefersTo != "'表'!$1:$1" {
		t.Errorf("defined names %+v", names)
	}
	header, _ := f.GetCellValue("表", "A1")
	if header != "村集体 collective" {
		t.Errorf("header %q", header)
	}
}

func TestEscape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"石堡村": "石堡村", "a<b & 'c'": "a&lt;b &amp; &#39;c&#39;", "x\ty": "x&#x9;y",
		"\xff": "\uFFFD", "": ""} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}
