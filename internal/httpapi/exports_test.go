package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/xuri/excelize/v2"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/demo"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// TestExportsOfTheDemoCounty exports the statistics of a small demo county as CSV and Excel and reads them
// back: Chinese intact, the same figures as the JSON answer.
func TestExportsOfTheDemoCounty(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	if _, err := demo.Load(context.Background(), env.Services, demo.Options{Seed: 7, Scale: decimal.RequireFromString("0.025")}); err != nil {
		t.Fatal(err)
	}
	const path = "/api/v1/stats/regions/610631000000?season_year=2026&group_by=township"
	var js api.RegionStats
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, path, nil).JSON(t, &js)
	if js.Contracts == 0 || js.BenefitPerMu == nil || len(js.Groups) == 0 {
		t.Fatalf("the demo county has no 2026 figures: %+v", js)
	}

	csv := env.Send(t, apitest.Request{Method: http.MethodGet, Path: path + "&format=csv", Token: env.Admin})
	if csv.Status != http.StatusOK || csv.Header.Get("Content-Type") != "text/csv" {
		t.Fatalf("csv: %d %s", csv.Status, csv.Header.Get("Content-Type"))
	}
	disp := csv.Header.Get("Content-Disposition")
	if !strings.Contains(disp, "filename*=UTF-8''"+url.PathEscape(js.Name+"托管统计-2026.csv")) {
		t.Errorf("Content-Disposition %q does not carry the Chinese file name", disp)
	}
	body := csv.Body
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) || !utf8.Valid(body) {
		t.Fatal("the CSV is not UTF-8 with a byte-order mark")
	}
	lines := strings.Split(strings.TrimPrefix(string(body), "\ufeff"), "\r\n")
	if len(lines) != len(js.Groups)+3 { // header, total, groups, the empty string after the last CRLF
		t.Fatalf("%d CSV lines for %d groups", len(lines), len(js.Groups))
	}
	total := strings.Split(lines[1], ",")
	if total[0] != "610631000000" || total[1] != js.Name+" 合计" || !strings.Contains(lines[1], ","+js.BenefitPerMu.String()+",") {
		t.Errorf("total line %q does not carry the JSON figures (benefit per mu %s)", lines[1], js.BenefitPerMu)
	}

	xl := env.Send(t, apitest.Request{Method: http.MethodGet, Path: path, Token: env.Admin,
		Header: map[string]string{"Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}})
	if xl.Status != http.StatusOK {
		t.Fatalf("xlsx: %d", xl.Status)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xl.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(js.Groups)+2 || rows[1][1] != js.Name+" 合计" {
		t.Fatalf("%d rows, total row %q", len(rows), rows[1])
	}
	header := rows[0]
	for i, h := range header {
		if strings.HasSuffix(h, " benefit_per_mu") && rows[1][i] != js.BenefitPerMu.String() {
			t.Errorf("benefit per mu in Excel %q, in JSON %s", rows[1][i], js.BenefitPerMu)
		}
		if strings.HasSuffix(h, " contracted_area_mu") && rows[1][i] != js.ContractedAreaMu.String() {
			t.Errorf("contracted area in Excel %q, in JSON %s", rows[1][i], js.ContractedAreaMu)
		}
	}
	for i, g := range js.Groups {
		if rows[i+2][0] != g.Key || rows[i+2][1] != g.Name {
			t.Errorf("group row %d = %q, want %s %s", i, rows[i+2][:2], g.Key, g.Name)
		}
	}

	var want int
	if err := env.DB.SQL.QueryRow(`SELECT count(*) FROM operations o JOIN contracts c ON c.county_code = o.county_code AND c.id = o.contract_id
		WHERE c.season_year = 2026`).Scan(&want); err != nil || want == 0 {
		t.Fatalf("%d operations in 2026, %v", want, err)
	}
	ledger := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/operations?region_code=610631000000&season_year=2026&format=csv", Token: env.Admin})
	if got := strings.Count(string(ledger.Body), "\r\n") - 1; ledger.Status != http.StatusOK || got != want {
		t.Errorf("operations ledger: %d, %d rows, want %d", ledger.Status, got, want)
	}
	xlLedger := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/operations?season_year=2026&format=xlsx", Token: env.Admin})
	lf, err := excelize.OpenReader(bytes.NewReader(xlLedger.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if lrows, err := lf.GetRows(lf.GetSheetList()[0]); err != nil || len(lrows) != want+1 {
		t.Errorf("operations ledger in Excel: %d rows, %v; want %d", len(lrows), err, want+1)
	}
	var pageOne api.OperationList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/operations?season_year=2026&limit=7&status=confirmed", nil).JSON(t, &pageOne)
	if len(pageOne.Items) != 7 || pageOne.NextCursor == nil || pageOne.Items[0].Status != api.Confirmed {
		t.Errorf("first page of confirmed operations: %d items, next %v", len(pageOne.Items), pageOne.NextCursor)
	}

	ff := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/family-farms?region_code=610631000000&format=csv", Token: env.Admin})
	if ff.Status != http.StatusOK || !bytes.Contains(ff.Body, []byte("家庭农场数 family_farms")) || !bytes.Contains(ff.Body, []byte("石堡镇")) {
		t.Errorf("family-farm CSV: %d %q", ff.Status, ff.Body)
	}
}
