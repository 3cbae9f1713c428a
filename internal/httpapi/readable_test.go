package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/tuoguan/tuoguan/internal/demo"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
	"github.com/tuoguan/tuoguan/internal/sheet"
)

// TestExportsAreReadable opens the exports of the demo county as a bureau official would: no column narrower
// than what it shows (a figure of 100,000.00 or more showed ### before), thousands separators, the header in
// Chinese first, operation types and statuses named in Chinese beside their codes, names beside ids, a total
// row on the collectives sheet, and printing landscape, one page wide, with the header on every page.
func TestExportsAreReadable(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	if _, err := demo.Load(context.Background(), env.Services, demo.Options{Seed: 7, Scale: decimal.RequireFromString("0.05")}); err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, path string) (*excelize.File, string, [][]string) {
		t.Helper()
		res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: path, Token: env.Admin})
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.Status, res.Body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(res.Body), excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		name := f.GetSheetList()[0]
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		checkReadable(t, f, name, rows)
		return f, name, rows
	}

	t.Run("collectives", func(t *testing.T) {
		f, name, rows := open(t, "/api/v1/stats/collectives?season_year=2026&format=xlsx")
		col := columns(rows[0])
		if len(rows) < 4 || rows[1][col["name"]] != "合计" {
			t.Fatalf("no total row first: %q", rows[1])
		}
		for _, fig := range []string{"contracted_area_mu", "benefit", "service_area_mu", "contracts", "ploughing"} {
			sum := decimal.Zero
			for _, r := range rows[2:] {
				sum = sum.Add(decimal.RequireFromString(r[col[fig]]))
			}
			if total := decimal.RequireFromString(rows[1][col[fig]]); !total.Equal(sum) {
				t.Errorf("total %s %s, sum of the collectives %s", fig, total, sum)
			}
		}
		if !bold(t, f, name, "B2") || bold(t, f, name, "B3") {
			t.Error("the total row is not bold, or a collective's row is")
		}
		big := false
		for _, r := range rows[1:] {
			if v, err := decimal.NewFromString(r[col["benefit"]]); err == nil && v.Abs().Cmp(decimal.NewFromInt(100000)) >= 0 {
				big = true
			}
		}
		if !big {
			t.Error("no figure of 100,000 or more to check the widths against")
		}
		if h := rows[0][col["ploughing"]]; !strings.HasPrefix(h, "耕整地") {
			t.Errorf("the ploughing column is headed %q, want its Chinese name first", h)
		}
	})

	t.Run("region by operation type", func(t *testing.T) {
		_, _, rows := open(t, "/api/v1/stats/regions/610631000000?season_year=2026&group_by=op_type&format=xlsx")
		col := columns(rows[0])
		names := map[string]string{}
		for _, r := range rows[2:] {
			names[r[col["key"]]] = r[col["name"]]
		}
		if names["ploughing"] != "耕整地" || names["harvesting"] != "收获" {
			t.Errorf("operation types named %v", names)
		}
	})

	t.Run("family farms", func(t *testing.T) {
		_, _, rows := open(t, "/api/v1/stats/family-farms?region_code=610631000000&format=xlsx")
		col := columns(rows[0])
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			seen[r[col["dimension_name"]]+"/"+r[col["name"]]] = true
		}
		for _, want := range []string{"合计/黄龙县", "乡镇/石堡镇", "经营模式/种植"} {
			if !seen[want] {
				t.Errorf("no row %s among %v", want, seen)
			}
		}
	})

	t.Run("ledger", func(t *testing.T) {
		f, name, rows := open(t, "/api/v1/operations?season_year=2026&format=xlsx")
		year, _ := excelize.CoordinatesToCellName(columns(rows[0])["season_year"]+1, 2)
		if idx, err := f.GetCellStyle(name, year); err != nil {
			t.Fatal(err)
		} else if st, _ := f.GetStyle(idx); st == nil || st.NumFmt == 3 || st.NumFmt == 4 {
			t.Errorf("the season %s is shown with a thousands separator", year)
		}
		res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/operations?season_year=2026&format=csv", Token: env.Admin})
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != len(rows) {
			t.Fatalf("CSV %d records, workbook %d rows", len(records), len(rows))
		}
		for _, table := range [][][]string{records, rows} {
			col := columns(table[0])
			statuses := map[string]string{}
			for _, r := range table[1:] {
				for _, name := range []string{"collective_name", "provider_name", "farm_name", "parcel_name", "region_name", "crop_name", "op_type_name"} {
					if r[col[name]] == "" {
						t.Fatalf("row %q has no %s", r, name)
					}
				}
				statuses[r[col["status"]]] = r[col["status_name"]]
				if r[col["op_type"]] == "harvesting" && r[col["op_type_name"]] != "收获" {
					t.Errorf("harvesting named %q", r[col["op_type_name"]])
				}
			}
			if statuses["confirmed"] != "已确认" {
				t.Errorf("statuses named %v", statuses)
			}
		}
	})
}

// columns maps the English names of a header row ("中文 english") to their indexes.
func columns(header []string) map[string]int {
	m := map[string]int{}
	for i, h := range header {
		m[h[strings.LastIndex(h, " ")+1:]] = i
	}
	return m
}

// checkReadable checks what every workbook must be: a Chinese header first; every column at least as wide
// as the header needs and each cell as shown (Chinese characters two units wide, up to the widest
// column allowed); decimals shown with thousands separators; printing landscape, one page wide, row 1
// repeated.
func checkReadable(t *testing.T, f *excelize.File, name string, rows [][]string) {
	t.Helper()
	for i, h := range rows[0] {
		if r := []rune(h); len(r) == 0 || r[0] < 0x4E00 || r[0] > 0x9FFF {
			t.Errorf("header %d %q does not start with its Chinese name", i, h)
		}
	}
	for i := range rows[0] {
		letters, _ := excelize.ColumnNumberToName(i + 1)
		w, err := f.GetColWidth(name, letters)
		if err != nil {
			t.Fatal(err)
		}
		// The header wraps: a long Chinese name over two lines, the English name set smaller.
		zh, en, _ := strings.Cut(rows[0][i], " ")
		need := max(min(width(zh), max(16, width(zh)/2)), width(en)*3/4)
		for j, r := range rows[1:] {
			if i < len(r) {
				cell, _ := excelize.CoordinatesToCellName(i+1, j+2)
				need = max(need, width(shownAs(t, f, name, cell, r[i])))
			}
		}
		if float64(min(need, 48)) > w {
			t.Errorf("column %s (%s) is %.1f wide for content %d wide", letters, rows[0][i], w, need)
		}
	}
	for i, r := range rows[1:] {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			if typ, _ := f.GetCellType(name, cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset || !strings.Contains(v, ".") {
				continue
			}
			idx, err := f.GetCellStyle(name, cell)
			if err != nil {
				t.Fatal(err)
			}
			if st, err := f.GetStyle(idx); err != nil || st.NumFmt != 4 {
				t.Fatalf("decimal %s = %s has number format %d, want 4 (#,##0.00)", cell, v, st.NumFmt)
			}
		}
	}
	layout, err := f.GetPageLayout(name)
	if err != nil {
		t.Fatal(err)
	}
	if layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 ||
		layout.FitToHeight == nil || *layout.FitToHeight != 0 {
		t.Errorf("page layout %+v, want landscape, one page wide", layout)
	}
	if props, err := f.GetSheetProps(name); err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Errorf("fit to page is not set: %+v %v", props, err)
	}
	titles := false
	for _, d := range f.GetDefinedName() {
		titles = titles || (d.Name == "_xlnm.Print_Titles" && strings.HasSuffix(d.RefersTo, "!$1:$1"))
	}
	if !titles {
		t.Errorf("no print titles: %+v", f.GetDefinedName())
	}
}

// shownAs is a raw cell value as the workbook shows it: numbers with separators.
func shownAs(t *testing.T, f *excelize.File, name, cell, v string) string {
	t.Helper()
	typ, err := f.GetCellType(name, cell)
	if err != nil {
		t.Fatal(err)
	}
	if typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset {
		return sheet.Thousands(v)
	}
	return v
}

// width counts a Chinese character or full-width form two, anything else one.
func width(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x2E80 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func bold(t *testing.T, f *excelize.File, name, cell string) bool {
	t.Helper()
	idx, err := f.GetCellStyle(name, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(idx)
	return err == nil && st.Font != nil && st.Font.Bold
}
