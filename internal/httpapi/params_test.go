package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// Every query and path parameter is held to openapi.yaml: an unknown enum value, a string over its maxLength,
// an integer beyond its bounds or beyond int32 and int64, an id not written canonically answer 400 naming the
// parameter, never 200 with an empty answer and never 5xx.
func TestParametersAreHeldToTheContract(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	long := strings.Repeat("长", 101)
	cases := []struct{ path, param string }{
		{"/api/v1/stats/regions/" + countyA + "?season_year=2026&group_by=foo", "group_by"},
		{"/api/v1/stats/regions/" + countyA + "?season_year=2026&group_by=TOWNSHIP", "group_by"},
		{"/api/v1/stats/regions/" + countyA + "?season_year=2026&crop=banana", "crop"},
		{"/api/v1/stats/regions/" + countyA + "?season_year=2026&format=pdf", "format"},
		{"/api/v1/stats/regions/" + countyA, "season_year"},
		{"/api/v1/operations?season_year=99999999999", "season_year"},
		{"/api/v1/contracts?season_year=2147483648", "season_year"},
		{"/api/v1/contracts?season_year=1999", "season_year"},
		{"/api/v1/contracts?status=alien", "status"},
		{"/api/v1/contracts?mode=alien", "mode"},
		{"/api/v1/contracts?crop=banana", "crop"},
		{"/api/v1/contracts?farm_id=0", "farm_id"},
		{"/api/v1/contracts?farm_id=99999999999999999999", "farm_id"},
		{"/api/v1/contracts?farm_id=01", "farm_id"},
		{"/api/v1/contracts?limit=0", "limit"},
		{"/api/v1/contracts?limit=501", "limit"},
		{"/api/v1/operations?op_type=dancing", "op_type"},
		{"/api/v1/operations?from=2026-02-30", "from"},
		{"/api/v1/farms?kind=alien", "kind"},
		{"/api/v1/farms?demonstration_level=galactic", "demonstration_level"},
		{"/api/v1/farms?business_model=piracy", "business_model"},
		{"/api/v1/farms?name=" + long, "name"},
		{"/api/v1/farms?sort=age", "sort"},
		{"/api/v1/parcels?land_type=lava", "land_type"},
		{"/api/v1/parcels?area_mismatch=maybe", "area_mismatch"},
		{"/api/v1/providers?kind=alien", "kind"},
		{"/api/v1/providers?status=asleep", "status"},
		{"/api/v1/providers?operation_type=dancing", "operation_type"},
		{"/api/v1/users?role=king", "role"},
		{"/api/v1/regions?level=planet", "level"},
		{"/api/v1/regions?within=61", "within"},
		{"/api/v1/contracts/01", "id"},
		{"/api/v1/contracts/+1", "id"},
		{"/api/v1/contracts/0", "id"},
		{"/api/v1/contracts/1x", "id"},
	}
	for _, c := range cases {
		res := w.env.Do(t, w.env.Admin, http.MethodGet, c.path, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400: %s", c.path, res.Status, res.Body)
			continue
		}
		if fields := res.Fields(t); len(fields) != 1 || fields[0] != c.param {
			t.Errorf("GET %s names %v, want [%s]", c.path, fields, c.param)
		}
	}
}

// Values the contract allows still pass, in every case the check could get wrong.
func TestParametersTheContractAllowsPass(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, path := range []string{
		"/api/v1/stats/regions/" + countyA + "?season_year=2026&group_by=township&crop=corn",
		"/api/v1/contracts?season_year=2026&status=active&mode=full&crop=corn&limit=500&farm_id=1",
		"/api/v1/operations?op_type=harvesting&from=2026-02-28",
		"/api/v1/farms?kind=family_farm&sort=-name&name=" + strings.Repeat("长", 100),
		"/api/v1/parcels?area_mismatch=true",
	} {
		w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, path, nil)
	}
}

// A region code that names no region answers 404 on every endpoint that filters by one.
func TestUnknownRegionsAreNotFound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const nowhere = "610699000000"
	for _, path := range []string{
		"/api/v1/stats/collectives?season_year=2026&region_code=" + nowhere,
		"/api/v1/stats/family-farms?region_code=" + nowhere,
		"/api/v1/stats/regions/" + nowhere + "?season_year=2026",
		"/api/v1/farms?region_code=" + nowhere,
		"/api/v1/parcels?region_code=" + nowhere,
		"/api/v1/providers?region_code=" + nowhere,
		"/api/v1/contracts?region_code=" + nowhere,
		"/api/v1/operations?region_code=" + nowhere,
		"/api/v1/collectives?region_code=" + nowhere,
		"/api/v1/users?region_code=" + nowhere,
		"/api/v1/regions?within=" + nowhere,
		"/api/v1/regions?parent_code=" + nowhere,
	} {
		w.env.Expect(t, http.StatusNotFound, w.env.Admin, http.MethodGet, path, nil).Problem(t)
	}
	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, "/api/v1/stats/collectives?season_year=2026&region_code="+countyA, nil)
}

// HEAD answers as GET does, without a body, on the API and the operational routes alike.
func TestHeadIsGetWithoutABody(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()
	for _, path := range []string{"/api/v1/regions", "/healthz", "/openapi.yaml"} {
		req, _ := http.NewRequest(http.MethodHead, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+env.Admin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Type") == "" {
			t.Errorf("HEAD %s: %d %q with %d bytes", path, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
	}
}

// /openapi.yaml is the repository's file, byte for byte.
func TestSpecIsServedAsWritten(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	want, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if res := env.Expect(t, http.StatusOK, "", http.MethodGet, "/openapi.yaml", nil); !bytes.Equal(res.Body, want) {
		t.Errorf("/openapi.yaml differs from the repository's file (%d bytes, want %d)", len(res.Body), len(want))
	}
}
