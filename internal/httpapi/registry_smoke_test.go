package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

func TestRegistryRoundTrip(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, r := range []api.RegionCreate{
		{Code: "610000000000", Name: "陕西省"}, {Code: "610600000000", Name: "延安市"},
		{Code: "610631000000", Name: "黄龙县"}, {Code: "610631100000", Name: "石堡镇"}, {Code: "610631100201", Name: "石堡村"},
	} {
		env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", r)
	}
	var c api.Collective
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/collectives", api.CollectiveCreate{
		Name: "石堡村股份经济合作社", CreditCode: "N2610631MF0000000Q", RegionCode: "610631100201",
		ContactName: "王建国", ContactPhone: "13812345678"}).JSON(t, &c)
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/users", api.UserCreate{
		Username: "shibao", Password: "collective-password", Role: api.RoleCollective, CollectiveId: &c.Id})
	col := env.Login(t, "shibao", "collective-password")
	var f api.Farm
	env.Expect(t, http.StatusCreated, col, http.MethodPost, "/api/v1/farms", map[string]any{
		"kind": "family_farm", "name": "李家庄家庭农场", "operator_name": "李明", "id_number": "11010519491231002X",
		"phone": "139 1234 5678", "registered_on": "2020-03-01", "business_models": []string{"planting", "machinery"},
		"operated_area_mu": 320.5, "demonstration_level": "county"}).JSON(t, &f)
	if f.IdNumber != "110105********002X" || f.Phone != "139****5678" || f.OperatedAreaMu.String() != "320.50" {
		t.Errorf("farm = %+v", f)
	}
	var found api.FarmList
	env.Expect(t, http.StatusOK, col, http.MethodGet, "/api/v1/farms?id_number=11010519491231002x", nil).JSON(t, &found)
	if len(found.Items) != 1 {
		t.Errorf("lookup by ID number found %d", len(found.Items))
	}
	boundary := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{
		{109.8, 35.6}, {109.8009, 35.6}, {109.8009, 35.6007}, {109.8, 35.6007}, {109.8, 35.6}}}}
	var p api.Parcel
	env.Expect(t, http.StatusCreated, col, http.MethodPost, "/api/v1/parcels", map[string]any{
		"farm_id": f.Id, "name": "东坡地", "area_mu": "10.50", "land_type": "dry", "boundary": boundary}).JSON(t, &p)
	if p.MeasuredAreaMu == nil || !p.AreaMismatch {
		t.Errorf("parcel = %+v", p)
	}
	var pv api.Provider
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/providers", map[string]any{
		"name": "黄龙县丰收农机专业合作社", "kind": "cooperative", "credit_code": "N2610631MF0000000Q", "region_code": "610631000000",
		"operation_types": []string{"ploughing", "sowing", "harvesting"}, "machinery": []map[string]any{{"type": "拖拉机", "count": 3}},
		"contact_name": "张三", "contact_phone": "13700001111"}).JSON(t, &pv)
	var ops api.ReferenceList
	env.Expect(t, http.StatusOK, col, http.MethodGet, "/api/v1/reference/operation-types", nil).JSON(t, &ops)
	if len(ops.Items) != 10 {
		t.Errorf("%d operation types", len(ops.Items))
	}
	var sorted api.FarmList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/farms?sort=-name&limit=1", nil).JSON(t, &sorted)
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/parcels?sort=area_mu", nil)
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/providers?operation_type=sowing&name=丰收", nil)
}
