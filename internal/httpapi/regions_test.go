package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// rgTree is a small but realistic region tree: Shaanxi, Yan'an, two counties (Huanglong and Luochuan), their
// townships and villages.
var rgTree = []api.RegionCreate{
	{Code: "610000000000", Name: "陕西省"},
	{Code: "610600000000", Name: "延安市"},
	{Code: "610631000000", Name: "黄龙县"},
	{Code: "610631100000", Name: "石堡镇"},
	{Code: "610631100201", Name: "石堡村"},
	{Code: "610631100202", Name: "东村"},
	{Code: "610631101000", Name: "白马滩镇"},
	{Code: "610631101201", Name: "白马村"},
	{Code: "610632000000", Name: "洛川县"},
	{Code: "610632100000", Name: "凤栖镇"},
	{Code: "610632100201", Name: "城关村"},
}

// rgCodes returns the codes of rgTree that satisfy keep, in code order.
func rgCodes(keep func(api.RegionCreate) bool) []string {
	var codes []string
	for _, r := range rgTree {
		if keep(r) {
			codes = append(codes, r.Code)
		}
	}
	sort.Strings(codes)
	return codes
}

// rgBuild creates rgTree as the admin.
func rgBuild(t *testing.T, env *apitest.Env) {
	t.Helper()
	for _, r := range rgTree {
		env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", r)
	}
}

// rgUser creates an account with the admin and returns a token of it.
func rgUser(t *testing.T, env *apitest.Env, u api.UserCreate) string {
	t.Helper()
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/users", u)
	return env.Login(t, u.Username, u.Password)
}

// rgBureau creates a bureau account scoped to code and returns a token of it.
func rgBureau(t *testing.T, env *apitest.Env, username, code string) string {
	t.Helper()
	return rgUser(t, env, api.UserCreate{Username: username, Password: "bureau-password", Role: api.RoleBureau, RegionCode: ptr(code)})
}

// rgCount returns the number of rows of table.
func rgCount(t *testing.T, env *apitest.Env, table string) int {
	t.Helper()
	var n int
	if err := env.DB.SQL.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rgList pages through GET /regions with query (limit included) and returns every code in the order served.
func rgList(t *testing.T, env *apitest.Env, token string, query url.Values) []string {
	t.Helper()
	var codes []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		var l api.RegionList
		env.Expect(t, http.StatusOK, token, http.MethodGet, "/api/v1/regions?"+query.Encode(), nil).JSON(t, &l)
		for _, r := range l.Items {
			codes = append(codes, r.Code)
		}
		if l.NextCursor == nil {
			return codes
		}
		if len(l.Items) == 0 {
			t.Fatalf("an empty page with a next cursor: %v", query)
		}
		query.Set("cursor", *l.NextCursor)
	}
}

func TestRegionsTreeInfersParentAndLevelFromTheCode(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	want := []struct {
		code, name, level, parent string
	}{
		{"610000000000", "陕西省", "province", ""},
		{"610600000000", "延安市", "city", "610000000000"},
		{"610631000000", "黄龙县", "county", "610600000000"},
		{"610631100000", "石堡镇", "township", "610631000000"},
		{"610631100201", "石堡村", "village", "610631100000"},
		{"620000000000", "甘肃省", "province", ""},
	}
	check := func(t *testing.T, what string, r api.Region, w struct{ code, name, level, parent string }) {
		t.Helper()
		if r.Code != w.code || r.Name != w.name || string(r.Level) != w.level {
			t.Errorf("%s %s = %+v, want name %s, level %s", what, w.code, r, w.name, w.level)
		}
		switch {
		case w.parent == "" && r.ParentCode != nil:
			t.Errorf("%s %s: parent_code = %q, want null", what, w.code, *r.ParentCode)
		case w.parent != "" && (r.ParentCode == nil || *r.ParentCode != w.parent):
			t.Errorf("%s %s: parent_code = %v, want %s", what, w.code, r.ParentCode, w.parent)
		}
	}
	for _, w := range want {
		res := env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: w.code, Name: w.name})
		if got := res.Header.Get("Location"); got != "/api/v1/regions/"+w.code {
			t.Errorf("Location = %q", got)
		}
		var r api.Region
		res.JSON(t, &r)
		check(t, "created", r, w)
	}
	for _, w := range want {
		res := env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions/"+w.code, nil)
		var r api.Region
		res.JSON(t, &r)
		check(t, "read", r, w)
		if w.parent == "" && !strings.Contains(string(res.Body), `"parent_code":null`) {
			t.Errorf("province %s does not carry an explicit null parent_code: %s", w.code, res.Body)
		}
	}
	rows, err := env.DB.SQL.Query(`SELECT code, level, coalesce(parent_code, '') FROM regions ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[string]string{}
	for rows.Next() {
		var code, level, parent string
		if err := rows.Scan(&code, &level, &parent); err != nil {
			t.Fatal(err)
		}
		stored[code] = level + " " + parent
	}
	for _, w := range want {
		if got := stored[w.code]; got != w.level+" "+w.parent {
			t.Errorf("stored %s as %q, want %q", w.code, got, w.level+" "+w.parent)
		}
	}
}

func TestRegionsAChildNeedsItsParent(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	before := rgCount(t, env, "regions")
	for _, code := range []string{"610631100201", "610600000000", "610631000000"} {
		res := env.Expect(t, http.StatusUnprocessableEntity, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: code, Name: "无父"})
		if f := res.Fields(t); !slices.Contains(f, "code") {
			t.Errorf("%s: problem names %v, want code", code, f)
		}
	}
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610000000000", Name: "陕西省"})
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610600000000", Name: "延安市"})
	// A township needs its county, not merely some ancestor.
	res := env.Expect(t, http.StatusUnprocessableEntity, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610631100000", Name: "石堡镇"})
	if f := res.Fields(t); !slices.Equal(f, []string{"code"}) {
		t.Errorf("problem names %v, want [code]", f)
	}
	if got := rgCount(t, env, "regions"); got != before+2 {
		t.Errorf("%d regions, want %d: a refused region was written", got, before+2)
	}
}

func TestRegionsDuplicateIsAConflict(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610000000000", Name: "陕西省"})
	regions, events := rgCount(t, env, "regions"), rgCount(t, env, "audit_events")
	res := env.Expect(t, http.StatusConflict, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610000000000", Name: "另一个"})
	if p := res.Problem(t); p.Type != "urn:tuoguan:problem:conflict" || p.Status != http.StatusConflict {
		t.Errorf("problem = %+v", p)
	}
	var r api.Region
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions/610000000000", nil).JSON(t, &r)
	if r.Name != "陕西省" {
		t.Errorf("name = %q after a refused duplicate", r.Name)
	}
	if rgCount(t, env, "regions") != regions || rgCount(t, env, "audit_events") != events {
		t.Error("a refused duplicate wrote something")
	}
}

func TestRegionsRename(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	bureau := rgBureau(t, env, "huanglong", "610631000000")

	var r api.Region
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/regions/610631100000", api.RegionUpdate{Name: "  石堡新镇 "}).JSON(t, &r)
	if r.Name != "石堡新镇" || r.Level != "township" || r.ParentCode == nil || *r.ParentCode != "610631000000" {
		t.Errorf("renamed = %+v, want the trimmed name and the same level and parent", r)
	}
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions/610631100000", nil).JSON(t, &r)
	if r.Name != "石堡新镇" {
		t.Errorf("read back %q", r.Name)
	}

	long := strings.Repeat("镇", 100)
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/regions/610631100000", api.RegionUpdate{Name: long}).JSON(t, &r)
	if r.Name != long {
		t.Errorf("a 100-character name came back as %d characters", len([]rune(r.Name)))
	}
	for _, name := range []string{"", "   ", "\u3000\t", long + "镇"} {
		res := env.Expect(t, http.StatusUnprocessableEntity, env.Admin, http.MethodPatch, "/api/v1/regions/610631100000", api.RegionUpdate{Name: name})
		if f := res.Fields(t); !slices.Equal(f, []string{"name"}) {
			t.Errorf("name %q: problem names %v", name, f)
		}
	}
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions/610631100000", nil).JSON(t, &r)
	if r.Name != long {
		t.Errorf("a refused rename changed the name to %q", r.Name)
	}

	env.Expect(t, http.StatusNotFound, env.Admin, http.MethodPatch, "/api/v1/regions/619900000000", api.RegionUpdate{Name: "无"})
	env.Expect(t, http.StatusForbidden, bureau, http.MethodPatch, "/api/v1/regions/610631000000", api.RegionUpdate{Name: "黄龙"})
	env.Expect(t, http.StatusNotFound, bureau, http.MethodPatch, "/api/v1/regions/610632000000", api.RegionUpdate{Name: "洛川"})
	env.Expect(t, http.StatusNotFound, bureau, http.MethodPatch, "/api/v1/regions/610600000000", api.RegionUpdate{Name: "延安"})
	env.Expect(t, http.StatusForbidden, bureau, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610631100203", Name: "新村"})
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions/610631000000", nil).JSON(t, &r)
	if r.Name != "黄龙县" {
		t.Errorf("a bureau renamed its county to %q", r.Name)
	}
}

func TestRegionsListFiltersAndPaging(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	all := rgCodes(func(api.RegionCreate) bool { return true })
	cases := []struct {
		query url.Values
		want  []string
	}{
		{url.Values{}, all},
		{url.Values{"parent_code": {"610631100000"}}, []string{"610631100201", "610631100202"}},
		{url.Values{"parent_code": {"610000000000"}}, []string{"610600000000"}},
		{url.Values{"parent_code": {"610631100201"}}, nil},
		{url.Values{"level": {"province"}}, []string{"610000000000"}},
		{url.Values{"level": {"township"}}, []string{"610631100000", "610631101000", "610632100000"}},
		{url.Values{"level": {"village"}}, []string{"610631100201", "610631100202", "610631101201", "610632100201"}},
		{url.Values{"within": {"610631000000"}}, rgCodes(func(r api.RegionCreate) bool { return strings.HasPrefix(r.Code, "610631") })},
		{url.Values{"within": {"610631100000"}}, []string{"610631100000", "610631100201", "610631100202"}},
		{url.Values{"within": {"610600000000"}}, all[1:]},
		{url.Values{"within": {"610631000000"}, "level": {"village"}}, []string{"610631100201", "610631100202", "610631101201"}},
		{url.Values{"name": {"村"}}, []string{"610631100201", "610631100202", "610631101201", "610632100201"}},
		{url.Values{"name": {"石堡"}}, []string{"610631100000", "610631100201"}},
		{url.Values{"name": {"石堡"}, "level": {"village"}}, []string{"610631100201"}},
		{url.Values{"name": {"不存在"}}, nil},
	}
	for _, c := range cases {
		for _, limit := range []string{"500", "2", "1"} {
			q := url.Values{}
			for k, v := range c.query {
				q[k] = v
			}
			q.Set("limit", limit)
			if got := rgList(t, env, env.Admin, q); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", q.Encode(), got, c.want)
			}
		}
	}

	var first api.RegionList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions?limit=3", nil).JSON(t, &first)
	if len(first.Items) != 3 || first.NextCursor == nil {
		t.Fatalf("first page of 3 = %d items, cursor %v", len(first.Items), first.NextCursor)
	}
	var def api.RegionList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions", nil).JSON(t, &def)
	if len(def.Items) != len(all) || def.NextCursor != nil {
		t.Errorf("default page: %d items, cursor %v", len(def.Items), def.NextCursor)
	}
	// A page stays stable when a region is inserted before the cursor.
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "110000000000", Name: "北京市"})
	var second api.RegionList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions?limit=3&cursor="+url.QueryEscape(*first.NextCursor), nil).JSON(t, &second)
	if len(second.Items) == 0 || second.Items[0].Code != all[3] {
		t.Errorf("second page starts at %+v, want %s", second.Items, all[3])
	}
}

func TestRegionsVisibility(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	huanglong := rgBureau(t, env, "huanglong", "610631000000")
	yanan := rgBureau(t, env, "yanan", "610600000000")
	var c api.Collective
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/collectives", api.CollectiveCreate{
		Name: "石堡村股份经济合作社", CreditCode: colCredit("610631", 1), RegionCode: "610631100201",
		ContactName: "王建国", ContactPhone: "13812345678"}).JSON(t, &c)
	village := rgUser(t, env, api.UserCreate{Username: "shibao", Password: "collective-password", Role: api.RoleCollective, CollectiveId: &c.Id})

	inHuanglong := rgCodes(func(r api.RegionCreate) bool { return strings.HasPrefix(r.Code, "610631") })
	if got := rgList(t, env, huanglong, url.Values{"limit": {"2"}}); !slices.Equal(got, inHuanglong) {
		t.Errorf("county bureau sees %v, want %v", got, inHuanglong)
	}
	if got := rgList(t, env, yanan, url.Values{}); !slices.Equal(got, rgCodes(func(r api.RegionCreate) bool { return strings.HasPrefix(r.Code, "6106") })) {
		t.Errorf("city bureau sees %v", got)
	}
	if got := rgList(t, env, village, url.Values{}); !slices.Equal(got, []string{"610631100201"}) {
		t.Errorf("collective sees %v, want its village", got)
	}
	// Filters never widen the scope.
	for _, c := range []struct {
		query url.Values
		want  []string
	}{
		{url.Values{"within": {"610600000000"}}, inHuanglong},
		{url.Values{"within": {"610000000000"}}, inHuanglong},
		{url.Values{"level": {"county"}}, []string{"610631000000"}},
		{url.Values{"level": {"city"}}, nil},
		{url.Values{"parent_code": {"610600000000"}}, []string{"610631000000"}},
		{url.Values{"within": {"610632000000"}}, nil},
		{url.Values{"name": {"县"}}, []string{"610631000000"}},
	} {
		if got := rgList(t, env, huanglong, c.query); !slices.Equal(got, c.want) {
			t.Errorf("county bureau with %s sees %v, want %v", c.query.Encode(), got, c.want)
		}
	}

	for _, code := range []string{"610631000000", "610631100000", "610631101201"} {
		env.Expect(t, http.StatusOK, huanglong, http.MethodGet, "/api/v1/regions/"+code, nil)
	}
	for _, code := range []string{"610000000000", "610600000000", "610632000000", "610632100201", "619900000000"} {
		res := env.Expect(t, http.StatusNotFound, huanglong, http.MethodGet, "/api/v1/regions/"+code, nil)
		res.Problem(t)
	}
	env.Expect(t, http.StatusOK, village, http.MethodGet, "/api/v1/regions/610631100201", nil)
	for _, code := range []string{"610631100000", "610631100202", "610631000000"} {
		env.Expect(t, http.StatusNotFound, village, http.MethodGet, "/api/v1/regions/"+code, nil)
	}
	// What is outside one's scope looks exactly like what does not exist.
	a := env.Expect(t, http.StatusNotFound, huanglong, http.MethodGet, "/api/v1/regions/610632000000", nil).Problem(t)
	b := env.Expect(t, http.StatusNotFound, huanglong, http.MethodGet, "/api/v1/regions/619900000000", nil).Problem(t)
	if a.Title != b.Title || a.Type != b.Type || a.Errors != nil || b.Errors != nil {
		t.Errorf("out of scope %+v differs from missing %+v", a, b)
	}
}
