package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/demo"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// TestOperationsOfACountySeasonPageByID pages through a county's operations of one season, as its bureau and
// as admin naming the county, and gets every one of them exactly once, in id order, and none of the season
// before.
func TestOperationsOfACountySeasonPageByID(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	if _, err := demo.Load(context.Background(), env.Services, demo.Options{Seed: 7, Scale: decimal.RequireFromString("0.025")}); err != nil {
		t.Fatal(err)
	}
	var want []int64
	rows, err := env.DB.SQL.Query(`SELECT id FROM operations WHERE county_code = '610631' AND season_year = 2026 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	var before int
	if err := env.DB.SQL.QueryRow(`SELECT count(*) FROM operations WHERE county_code = '610631' AND season_year = 2025`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if len(want) < 100 || before == 0 {
		t.Fatalf("the demo county has %d operations in 2026 and %d in 2025; the test needs both seasons", len(want), before)
	}
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/users", api.UserCreate{
		Username: "huanglong-ledger", Password: "bureau-password", Role: api.RoleBureau, RegionCode: ptr("610631000000")})
	bureau := env.Login(t, "huanglong-ledger", "bureau-password")
	for name, c := range map[string]struct{ token, path string }{
		"bureau": {bureau, "/api/v1/operations?season_year=2026&limit=37"},
		"admin":  {env.Admin, "/api/v1/operations?season_year=2026&limit=37&region_code=610631000000"},
	} {
		var got []int64
		path := c.path
		for {
			var page api.OperationList
			env.Expect(t, http.StatusOK, c.token, http.MethodGet, path, nil).JSON(t, &page)
			for _, op := range page.Items {
				got = append(got, op.Id)
			}
			if page.NextCursor == nil {
				break
			}
			path = c.path + "&cursor=" + *page.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d operations, want the %d of the county's 2026 in id order", name, len(got), len(want))
		}
	}
}
