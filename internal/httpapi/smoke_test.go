package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

func TestAdminBuildsACountyAndABureauSeesOnlyIt(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, r := range []api.RegionCreate{
		{Code: "610000000000", Name: "陕西省"}, {Code: "610600000000", Name: "延安市"},
		{Code: "610631000000", Name: "黄龙县"}, {Code: "610631100000", Name: "石堡镇"},
		{Code: "610631100201", Name: "石堡村"}, {Code: "610632000000", Name: "洛川县"},
	} {
		res := env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", r)
		if got := res.Header.Get("Location"); got != "/api/v1/regions/"+r.Code {
			t.Errorf("Location = %q", got)
		}
	}
	var c api.Collective
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/collectives", api.CollectiveCreate{
		Name: "石堡村股份经济合作社", CreditCode: "N2610631MF0000000Q", RegionCode: "610631100201",
		ContactName: "王建国", ContactPhone: "13812345678"}).JSON(t, &c)
	if c.ContactPhone != "138****5678" {
		t.Errorf("contact_phone = %q, want masked", c.ContactPhone)
	}
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/users", api.UserCreate{
		Username: "huanglong", Password: "bureau-password", Role: api.RoleBureau, RegionCode: ptr("610631000000")})
	bureau := env.Login(t, "huanglong", "bureau-password")
	var regions api.RegionList
	env.Expect(t, http.StatusOK, bureau, http.MethodGet, "/api/v1/regions", nil).JSON(t, &regions)
	if len(regions.Items) != 3 {
		t.Errorf("bureau sees %d regions, want its county, township and village: %+v", len(regions.Items), regions.Items)
	}
	env.Expect(t, http.StatusNotFound, bureau, http.MethodGet, "/api/v1/regions/610632000000", nil)
	env.Expect(t, http.StatusOK, bureau, http.MethodGet, "/api/v1/collectives/"+itoa(c.Id), nil)
}

func ptr[T any](v T) *T { return &v }
