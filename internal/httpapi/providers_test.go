package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// pvBody is a valid directory entry of a cooperative at home in region.
func (w *fmWorld) pvBody(region string) map[string]any {
	n := w.next()
	return map[string]any{"name": fmt.Sprintf("农机专业合作社%d", n), "kind": "cooperative", "credit_code": fmCredit(region[:6], n),
		"region_code": region, "operation_types": []string{"ploughing", "harvesting"}, "contact_name": "李四",
		"contact_phone": "13712345678"}
}

// pvCreate adds body to the directory as token, checks the Location header, and returns the provider.
func (w *fmWorld) pvCreate(t *testing.T, token string, body map[string]any) api.Provider {
	t.Helper()
	res := w.env.Expect(t, http.StatusCreated, token, http.MethodPost, "/api/v1/providers", body)
	var p api.Provider
	res.JSON(t, &p)
	if got := res.Header.Get("Location"); got != "/api/v1/providers/"+itoa(p.Id) {
		t.Errorf("Location = %q, want /api/v1/providers/%d", got, p.Id)
	}
	return p
}

func (w *fmWorld) pvGet(t *testing.T, id int64) api.Provider {
	t.Helper()
	var p api.Provider
	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, "/api/v1/providers/"+itoa(id), nil).JSON(t, &p)
	return p
}

// pvList pages through GET /providers and returns the ids served, failing on a repeated one.
func pvList(t *testing.T, env *apitest.Env, token string, query url.Values) []int64 {
	t.Helper()
	return pvIDs(listAll(t, env, token, "/api/v1/providers", query, func(p api.Provider) int64 { return p.Id })...)
}

func pvIDs(ps ...api.Provider) []int64 {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.Id
	}
	return ids
}

func TestProvidersKindsAndCreditCode(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	for _, kind := range []string{"cooperative", "company", "family_farm", "machinery_team", "individual"} {
		body := fmWith(w.pvBody(fmCountyA), "kind", kind)
		p := w.pvCreate(t, env.Admin, body)
		if string(p.Kind) != kind || p.Name != body["name"] || p.CreditCode == nil || *p.CreditCode != body["credit_code"] ||
			p.RegionCode != fmCountyA || !fmSameSet(p.OperationTypes, []string{"ploughing", "harvesting"}) || len(p.Machinery) != 0 ||
			p.ContactName != "李四" || p.ContactPhone != "137****5678" || p.Status != "active" {
			t.Errorf("%s added as %+v", kind, p)
		}
		if got := w.pvGet(t, p.Id); !fmSameJSON(t, got, p) {
			t.Errorf("%s reads back %+v", kind, got)
		}
	}
	ind := w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmTownA), "kind", "individual", "credit_code", nil))
	if ind.CreditCode != nil {
		t.Errorf("individual without a credit code answered %v", *ind.CreditCode)
	}
	lower := fmCredit("610631", 9001)
	low := w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmCountyA), "credit_code", strings.ToLower(lower)))
	if low.CreditCode == nil || *low.CreditCode != lower {
		t.Errorf("lower-case credit code answered %v", low.CreditCode)
	}

	before := fmCount(t, env, "providers")
	for _, kind := range []string{"cooperative", "company", "family_farm", "machinery_team"} {
		fmInvalid(t, kind+" without a credit code",
			env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "kind", kind, "credit_code", nil)), "credit_code")
	}
	for _, code := range []string{badCheck(fmCredit("610631", 77)), fmCredit("610631", 78)[:17], "", "N2610631MG00000780X"} {
		fmInvalid(t, "credit code "+code, env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "credit_code", code)), "credit_code")
	}
	fmInvalid(t, "individual with a bad credit code",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "kind", "individual", "credit_code", badCheck(lower))), "credit_code")
	fmRefused(t, "unknown kind", env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "kind", "ngo")), "kind")
	for _, code := range []string{lower, strings.ToLower(lower)} {
		res := env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyB), "credit_code", code))
		if res.Status != http.StatusConflict {
			t.Errorf("taken credit code %s: status %d, want 409: %s", code, res.Status, res.Body)
		}
	}
	for _, region := range []string{"610631100299", "61063110020", "999999999999", ""} {
		fmInvalid(t, "region "+region, env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "region_code", region)), "region_code")
	}
	res := env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", `{}`)
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("empty body: status %d, want 422: %s", res.Status, res.Body)
	} else if f := res.Fields(t); !fmSameSet(f, []string{"name", "kind", "region_code", "operation_types", "contact_name", "contact_phone"}) {
		t.Errorf("empty body names %v", f)
	}
	fmInvalid(t, "bad phone", env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "contact_phone", "12345")), "contact_phone")
	if n := fmCount(t, env, "providers"); n != before {
		t.Errorf("refused providers wrote %d rows", n-before)
	}

	// A kind that needs a credit code cannot be taken on without one.
	fmInvalid(t, "individual to cooperative without a code",
		env.Do(t, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(ind.Id), map[string]any{"kind": "cooperative"}), "credit_code")
	code := fmCredit("610631", 9002)
	var changed api.Provider
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(ind.Id), map[string]any{"kind": "cooperative", "credit_code": code}).JSON(t, &changed)
	if changed.Kind != "cooperative" || changed.CreditCode == nil || *changed.CreditCode != code {
		t.Errorf("changed to %+v", changed)
	}
	res = env.Do(t, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(ind.Id), map[string]any{"credit_code": lower})
	if res.Status != http.StatusConflict {
		t.Errorf("change to a taken credit code: status %d, want 409: %s", res.Status, res.Body)
	}
	fmRefused(t, "change of home region", env.Do(t, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(ind.Id), map[string]any{"region_code": fmCountyB}), "region_code")

	// Who adds providers: the bureau in its region, admin anywhere.
	inTown := w.pvCreate(t, w.bureauA, w.pvBody(fmTownA))
	if inTown.RegionCode != fmTownA {
		t.Errorf("bureau A added %+v", inTown)
	}
	fmInvalid(t, "bureau A adding in county B", env.Do(t, w.bureauA, http.MethodPost, "/api/v1/providers", w.pvBody(fmCountyB)), "region_code")
	fmInvalid(t, "bureau A adding at city level", env.Do(t, w.bureauA, http.MethodPost, "/api/v1/providers", w.pvBody(fmCity)), "region_code")
	env.Expect(t, http.StatusForbidden, w.tokA1, http.MethodPost, "/api/v1/providers", w.pvBody(fmCountyA))
}

func TestProvidersOperationTypesAreReferenceCodes(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	all := []string{"ploughing", "sowing", "fertilising", "plant_protection", "irrigation", "weeding", "harvesting", "drying", "straw", "transport"}
	p := w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmCountyA), "operation_types", all))
	if !fmSameSet(p.OperationTypes, all) {
		t.Errorf("all operation types answered %v", p.OperationTypes)
	}
	before := fmCount(t, env, "providers")
	for _, c := range []struct {
		ops     []string
		unknown []string
	}{
		{[]string{"ploughing", "ufo", "teleport"}, []string{"ufo", "teleport"}},
		{[]string{"Ploughing"}, []string{"Ploughing"}},
		{[]string{"harvesting", "harvest"}, []string{"harvest"}},
		{[]string{"耕整地"}, []string{"耕整地"}},
		{[]string{"corn"}, []string{"corn"}},
	} {
		for _, res := range []*apitest.Response{
			env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "operation_types", c.ops)),
			env.Do(t, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"operation_types": c.ops}),
		} {
			fmInvalid(t, fmt.Sprint(c.ops), res, "operation_types")
			if res.Status != http.StatusUnprocessableEntity {
				continue
			}
			msg := (*res.Problem(t).Errors)[0].Message
			for _, u := range c.unknown {
				if !strings.Contains(msg, u) {
					t.Errorf("%v: message %q does not list %s", c.ops, msg, u)
				}
			}
			for _, k := range c.ops {
				if !slices.Contains(c.unknown, k) && strings.Contains(msg, k) {
					t.Errorf("%v: message %q lists the known %s", c.ops, msg, k)
				}
			}
		}
	}
	fmInvalid(t, "no operation type", env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "operation_types", []string{})), "operation_types")
	fmInvalid(t, "change to no operation type", env.Do(t, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"operation_types": []string{}}), "operation_types")
	if n := fmCount(t, env, "providers"); n != before {
		t.Errorf("refused providers wrote %d rows", n-before)
	}
	if got := w.pvGet(t, p.Id); !fmSameSet(got.OperationTypes, all) {
		t.Errorf("refused changes left %v", got.OperationTypes)
	}
	var changed api.Provider
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"operation_types": []string{"drying", "straw"}}).JSON(t, &changed)
	if !fmSameSet(changed.OperationTypes, []string{"drying", "straw"}) {
		t.Errorf("changed to %v", changed.OperationTypes)
	}
}

func TestProvidersMachineryIsValidatedByPath(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	machines := []map[string]any{{"type": "拖拉机", "count": 3}, {"type": "植保无人机", "count": 2}}
	p := w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmCountyA), "machinery", machines))
	if len(p.Machinery) != 2 || p.Machinery[0] != (api.Machinery{Type: "拖拉机", Count: 3}) || p.Machinery[1] != (api.Machinery{Type: "植保无人机", Count: 2}) {
		t.Errorf("machinery answered %+v", p.Machinery)
	}
	before := fmCount(t, env, "providers")
	for _, c := range []struct {
		what      string
		machinery any
		fields    []string
	}{
		{"a count of 0", []map[string]any{{"type": "拖拉机", "count": 3}, {"type": "收割机", "count": 0}}, []string{"machinery[1].count"}},
		{"a negative count", []map[string]any{{"type": "拖拉机", "count": -1}}, []string{"machinery[0].count"}},
		{"an empty type", []map[string]any{{"type": "拖拉机", "count": 1}, {"type": "", "count": 1}}, []string{"machinery[1].type"}},
		{"a blank type", []map[string]any{{"type": "   ", "count": 1}}, []string{"machinery[0].type"}},
		{"a type too long", []map[string]any{{"type": strings.Repeat("机", 51), "count": 1}}, []string{"machinery[0].type"}},
		{"several faults", []map[string]any{{"type": "", "count": 0}, {"type": "旋耕机", "count": 1}, {"type": "播种机", "count": -2}},
			[]string{"machinery[0].type", "machinery[0].count", "machinery[2].count"}},
	} {
		fmInvalid(t, c.what, env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "machinery", c.machinery)), c.fields...)
		fmInvalid(t, "PATCH "+c.what, env.Do(t, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"machinery": c.machinery}), c.fields...)
	}
	for _, c := range []struct {
		what, machinery, field string
	}{
		{"a count as a string", `[{"type":"拖拉机","count":"3"}]`, "machinery[0].count"},
		{"a fractional count", `[{"type":"拖拉机","count":1},{"type":"收割机","count":1.5}]`, "machinery[1].count"},
		{"an unknown member", `[{"type":"拖拉机","count":1,"brand":"东方红"}]`, "machinery[0].brand"},
		{"a machine that is not an object", `["拖拉机"]`, "machinery[0]"},
	} {
		body := fmt.Sprintf(`{"name":"合作社","kind":"individual","region_code":"%s","operation_types":["sowing"],"contact_name":"王","contact_phone":"13700001111","machinery":%s}`, fmCountyA, c.machinery)
		fmRefused(t, c.what, env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", body), c.field)
	}
	if n := fmCount(t, env, "providers"); n != before {
		t.Errorf("refused providers wrote %d rows", n-before)
	}
	if got := w.pvGet(t, p.Id); !fmSameJSON(t, got, p) {
		t.Errorf("refused changes left %+v", got)
	}
	var changed api.Provider
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"machinery": []any{}}).JSON(t, &changed)
	if len(changed.Machinery) != 0 || changed.Machinery == nil {
		t.Errorf("cleared machinery answered %+v", changed.Machinery)
	}
}

func TestProvidersOwnAccountChangesContactDetailsOnly(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	p := w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmCountyA), "machinery", []map[string]any{{"type": "拖拉机", "count": 3}}))
	other := w.pvCreate(t, env.Admin, w.pvBody(fmCountyA))
	own := w.user(t, api.UserCreate{Role: api.RoleProvider, ProviderId: &p.Id})

	var changed api.Provider
	env.Expect(t, http.StatusOK, own, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id),
		map[string]any{"contact_name": " 王五 ", "contact_phone": "+86 150-1111-2222"}).JSON(t, &changed)
	want := p
	want.ContactName, want.ContactPhone, want.UpdatedAt = "王五", "150****2222", changed.UpdatedAt
	if !fmSameJSON(t, changed, want) {
		t.Errorf("contact change answered %+v, want %+v", changed, want)
	}
	env.Expect(t, http.StatusOK, own, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"contact_phone": "0911-1234567"}).JSON(t, &changed)
	if changed.ContactPhone == "0911-1234567" || changed.ContactPhone == "09111234567" || !strings.HasSuffix(changed.ContactPhone, "4567") || changed.ContactName != "王五" {
		t.Errorf("landline answered %+v", changed)
	}
	current := w.pvGet(t, p.Id)
	events := fmCount(t, env, "audit_events")
	for _, body := range []map[string]any{
		{"name": "自封合作社"},
		{"kind": "company"},
		{"credit_code": fmCredit("610631", 9100)},
		{"operation_types": []string{"ploughing", "sowing"}},
		{"machinery": []map[string]any{{"type": "拖拉机", "count": 30}}},
		{"machinery": []any{}},
		{"status": "suspended"},
		{"status": "active"},
		{"contact_name": "赵六", "name": "自封合作社"},
		{"contact_phone": "13800001111", "status": "active"},
	} {
		res := env.Do(t, own, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), body)
		if res.Status != http.StatusForbidden {
			t.Errorf("the provider's own PATCH %v: status %d, want 403: %s", body, res.Status, res.Body)
		}
	}
	if got := w.pvGet(t, p.Id); !fmSameJSON(t, got, current) {
		t.Errorf("refused changes left %+v, want %+v", got, current)
	}
	if n := fmCount(t, env, "audit_events"); n != events {
		t.Errorf("refused changes wrote %d audit events", n-events)
	}
	fmInvalid(t, "the provider's own bad phone", env.Do(t, own, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"contact_phone": "12"}), "contact_phone")
	fmInvalid(t, "the provider's own empty name", env.Do(t, own, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"contact_name": " "}), "contact_name")

	// It sees and changes nobody else; a collective reads the directory and changes nothing; a bureau keeps
	// its own region's providers.
	env.Expect(t, http.StatusNotFound, own, http.MethodGet, "/api/v1/providers/"+itoa(other.Id), nil)
	env.Expect(t, http.StatusNotFound, own, http.MethodPatch, "/api/v1/providers/"+itoa(other.Id), map[string]any{"contact_name": "越权"})
	if got := pvList(t, env, own, url.Values{}); !slices.Equal(got, pvIDs(p)) {
		t.Errorf("the provider lists %v", got)
	}
	env.Expect(t, http.StatusForbidden, own, http.MethodPost, "/api/v1/providers", w.pvBody(fmCountyA))
	env.Expect(t, http.StatusOK, w.tokA1, http.MethodGet, "/api/v1/providers/"+itoa(p.Id), nil)
	env.Expect(t, http.StatusForbidden, w.tokA1, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"contact_name": "越权"})
	env.Expect(t, http.StatusNotFound, w.bureauB, http.MethodGet, "/api/v1/providers/"+itoa(p.Id), nil)
	env.Expect(t, http.StatusNotFound, w.bureauB, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"status": "suspended"})
	env.Expect(t, http.StatusOK, w.bureauA, http.MethodPatch, "/api/v1/providers/"+itoa(p.Id), map[string]any{"name": "改名合作社", "machinery": []any{}})
}

func TestProvidersSuspendedShowsByStatus(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	a := w.pvCreate(t, env.Admin, w.pvBody(fmCountyA))
	b := w.pvCreate(t, w.bureauA, fmWith(w.pvBody(fmTownA), "status", "suspended"))
	c := w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmCountyB), "status", "active"))
	if a.Status != "active" || b.Status != "suspended" || c.Status != "active" {
		t.Errorf("statuses %s %s %s", a.Status, b.Status, c.Status)
	}
	check := func(wantSuspended, wantActive []int64) {
		t.Helper()
		if got := pvList(t, env, env.Admin, url.Values{"status": {"suspended"}}); !slices.Equal(got, wantSuspended) {
			t.Errorf("status=suspended lists %v, want %v", got, wantSuspended)
		}
		if got := pvList(t, env, env.Admin, url.Values{"status": {"active"}, "limit": {"1"}}); !slices.Equal(got, wantActive) {
			t.Errorf("status=active lists %v, want %v", got, wantActive)
		}
	}
	check(pvIDs(b), pvIDs(a, c))

	var got api.Provider
	env.Expect(t, http.StatusOK, w.bureauA, http.MethodPatch, "/api/v1/providers/"+itoa(a.Id), map[string]any{"status": "suspended"}).JSON(t, &got)
	if got.Status != "suspended" || got.Name != a.Name || !fmSameSet(got.OperationTypes, a.OperationTypes) {
		t.Errorf("suspended as %+v", got)
	}
	check(pvIDs(a, b), pvIDs(c))
	if l := pvList(t, env, w.bureauA, url.Values{"status": {"suspended"}}); !slices.Equal(l, pvIDs(a, b)) {
		t.Errorf("bureau A lists suspended %v", l)
	}
	if l := pvList(t, env, w.tokA1, url.Values{"status": {"suspended"}, "region_code": {fmTownA}}); !slices.Equal(l, pvIDs(b)) {
		t.Errorf("collective A1 lists suspended in the township %v", l)
	}
	if l := pvList(t, env, w.bureauB, url.Values{"status": {"suspended"}}); len(l) != 0 {
		t.Errorf("bureau B lists county A's suspended providers: %v", l)
	}
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(b.Id), map[string]any{"status": "active"})
	check(pvIDs(a), pvIDs(b, c))
	for _, s := range []string{"paused", "Suspended", ""} {
		fmRefused(t, "status "+s, env.Do(t, env.Admin, http.MethodPatch, "/api/v1/providers/"+itoa(c.Id), map[string]any{"status": s}), "status")
		fmRefused(t, "new with status "+s, env.Do(t, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "status", s)), "status")
	}
	if res := env.Do(t, env.Admin, http.MethodGet, "/api/v1/providers?status=paused", nil); res.Status != http.StatusBadRequest {
		var l api.ProviderList
		res.JSON(t, &l)
		if res.Status != http.StatusOK || len(l.Items) != 0 {
			t.Errorf("status=paused: status %d, %d items", res.Status, len(l.Items))
		}
	}
}

func TestProvidersContactPhoneIsMaskedAndSealed(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	phones := []struct{ in, clear, mask string }{
		{"+86 137-1234-5678", "13712345678", "137****5678"},
		{"0086 15899990000", "15899990000", "158****0000"},
		{"18645670123", "18645670123", "186****0123"},
	}
	var ps []api.Provider
	var bodies [][]byte
	for _, ph := range phones {
		res := env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/providers", fmWith(w.pvBody(fmCountyA), "contact_phone", ph.in))
		bodies = append(bodies, res.Body)
		var p api.Provider
		res.JSON(t, &p)
		if p.ContactPhone != ph.mask {
			t.Errorf("%s masked as %q, want %q", ph.in, p.ContactPhone, ph.mask)
		}
		ps = append(ps, p)
	}
	res := env.Expect(t, http.StatusOK, w.bureauA, http.MethodPatch, "/api/v1/providers/"+itoa(ps[2].Id), map[string]any{"contact_phone": "139 0000 4321"})
	bodies = append(bodies, res.Body)
	clearAll := []string{"13712345678", "15899990000", "18645670123", "13900004321"}
	for _, path := range []string{"/api/v1/providers?limit=500", "/api/v1/providers/" + itoa(ps[0].Id), "/api/v1/audit-events?limit=500"} {
		bodies = append(bodies, env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, path, nil).Body)
	}
	for i, b := range bodies {
		fmNoClear(t, fmt.Sprintf("response %d", i), b, clearAll)
	}
	for _, row := range fmRawRows(t, env, "providers") {
		fmNoClear(t, "a providers row", []byte(row), clearAll)
	}
	for _, row := range fmRawRows(t, env, "audit_events") {
		fmNoClear(t, "an audit_events row", []byte(row), clearAll)
	}

	sealed := func(p api.Provider) []byte {
		var enc []byte
		if err := env.DB.SQL.QueryRow(`SELECT contact_phone_enc FROM providers WHERE id = $1`, p.Id).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		return enc
	}
	binding := func(p api.Provider) string { return fmt.Sprintf("providers/%d/contact_phone", p.Id) }
	want := map[int64]string{ps[0].Id: "13712345678", ps[1].Id: "15899990000", ps[2].Id: "13900004321"}
	for _, p := range ps {
		if got, err := env.Keys.Open(sealed(p), binding(p)); err != nil || got != want[p.Id] {
			t.Fatalf("provider %d opens to %q, %v; want %s", p.Id, got, err, want[p.Id])
		}
	}
	if _, err := env.DB.SQL.Exec(`UPDATE providers p SET contact_phone_enc = o.contact_phone_enc
		FROM providers o WHERE p.id IN ($1, $2) AND o.id IN ($1, $2) AND o.id <> p.id`, ps[0].Id, ps[1].Id); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps[:2] {
		if got, err := env.Keys.Open(sealed(p), binding(p)); err == nil {
			t.Errorf("provider %d opens another row's sealed phone as %q", p.Id, got)
		}
	}
	if got, err := env.Keys.Open(sealed(ps[2]), binding(ps[2])); err != nil || got != want[ps[2].Id] {
		t.Errorf("the unswapped provider opens to %q, %v", got, err)
	}
	if got, err := env.Keys.Open(sealed(ps[0]), binding(ps[1])); err != nil || got != want[ps[1].Id] {
		t.Errorf("a swapped value opens with its own binding to %q, %v", got, err)
	}
}

func TestProvidersListFilters(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	mk := func(name, kind, region string, ops []string, extra ...any) api.Provider {
		body := fmWith(w.pvBody(region), "name", name, "kind", kind, "operation_types", ops)
		return w.pvCreate(t, env.Admin, fmWith(body, extra...))
	}
	v1 := mk("黄龙县丰收农机专业合作社", "cooperative", fmCountyA, []string{"ploughing", "harvesting"})
	v2 := mk("延安绿源农业服务有限公司", "company", fmTownA, []string{"plant_protection"})
	v3 := mk("石堡村李家家庭农场", "family_farm", fmVillA1, []string{"ploughing", "sowing"}, "status", "suspended")
	v4 := mk("洛川县红旗农机服务队", "machinery_team", fmCountyB, []string{"harvesting", "drying"})
	v5 := mk("张三植保服务", "individual", fmTownB, []string{"plant_protection"}, "credit_code", nil)
	v6 := mk("延安市绿源100%_合作社", "cooperative", fmCity, []string{"transport"})
	all := pvIDs(v1, v2, v3, v4, v5, v6)
	cases := []struct {
		query url.Values
		want  []int64
	}{
		{url.Values{}, all},
		{url.Values{"region_code": {fmProvince}}, all},
		{url.Values{"region_code": {fmCity}}, all},
		{url.Values{"region_code": {fmCountyA}}, pvIDs(v1, v2, v3)},
		{url.Values{"region_code": {fmTownA}}, pvIDs(v2, v3)},
		{url.Values{"region_code": {fmVillA1}}, pvIDs(v3)},
		{url.Values{"region_code": {fmVillA2}}, nil},
		{url.Values{"region_code": {fmCountyB}}, pvIDs(v4, v5)},
		{url.Values{"kind": {"cooperative"}}, pvIDs(v1, v6)},
		{url.Values{"kind": {"company"}}, pvIDs(v2)},
		{url.Values{"kind": {"family_farm"}}, pvIDs(v3)},
		{url.Values{"kind": {"machinery_team"}}, pvIDs(v4)},
		{url.Values{"kind": {"individual"}}, pvIDs(v5)},
		{url.Values{"status": {"suspended"}}, pvIDs(v3)},
		{url.Values{"status": {"active"}}, pvIDs(v1, v2, v4, v5, v6)},
		{url.Values{"operation_type": {"ploughing"}}, pvIDs(v1, v3)},
		{url.Values{"operation_type": {"plant_protection"}}, pvIDs(v2, v5)},
		{url.Values{"operation_type": {"harvesting"}}, pvIDs(v1, v4)},
		{url.Values{"operation_type": {"irrigation"}}, nil},
		{url.Values{"name": {"绿源"}}, pvIDs(v2, v6)},
		{url.Values{"name": {"农机"}}, pvIDs(v1, v4)},
		{url.Values{"name": {"服务"}}, pvIDs(v2, v4, v5)},
		{url.Values{"name": {"家庭农场"}}, pvIDs(v3)},
		{url.Values{"name": {"%"}}, pvIDs(v6)},
		{url.Values{"name": {"0%_合"}}, pvIDs(v6)},
		{url.Values{"name": {"_"}}, pvIDs(v6)},
		{url.Values{"name": {"农_"}}, nil},
		{url.Values{"region_code": {fmCountyA}, "operation_type": {"ploughing"}}, pvIDs(v1, v3)},
		{url.Values{"region_code": {fmCountyA}, "operation_type": {"ploughing"}, "status": {"active"}}, pvIDs(v1)},
		{url.Values{"kind": {"cooperative"}, "name": {"绿源"}}, pvIDs(v6)},
		{url.Values{"operation_type": {"plant_protection"}, "region_code": {fmCountyB}}, pvIDs(v5)},
	}
	for _, c := range cases {
		for _, limit := range []string{"500", "2", "1"} {
			q := url.Values{"limit": {limit}}
			for k, v := range c.query {
				q[k] = v
			}
			if got := pvList(t, env, env.Admin, q); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", q.Encode(), got, c.want)
			}
		}
	}
	// Scope: a bureau its region, a collective all, a provider itself.
	if got := pvList(t, env, w.bureauA, url.Values{}); !slices.Equal(got, pvIDs(v1, v2, v3)) {
		t.Errorf("bureau A lists %v", got)
	}
	if got := pvList(t, env, w.bureauA, url.Values{"region_code": {fmCity}, "name": {"绿源"}}); !slices.Equal(got, pvIDs(v2)) {
		t.Errorf("bureau A lists %v for the city", got)
	}
	if got := pvList(t, env, w.tokB, url.Values{"operation_type": {"plant_protection"}}); !slices.Equal(got, pvIDs(v2, v5)) {
		t.Errorf("collective B lists %v", got)
	}
	own := w.user(t, api.UserCreate{Role: api.RoleProvider, ProviderId: &v4.Id})
	if got := pvList(t, env, own, url.Values{"region_code": {fmCity}}); !slices.Equal(got, pvIDs(v4)) {
		t.Errorf("provider v4 lists %v", got)
	}
	for _, q := range []string{"sort=region_code", "sort=created_at", "limit=0", "cursor=%2A"} {
		if res := env.Do(t, env.Admin, http.MethodGet, "/api/v1/providers?"+q, nil); res.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, res.Status)
		}
	}
}

func TestProvidersSortAndPaging(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	var ps []api.Provider
	for _, n := range []string{"08", "03", "11", "03", "01", "09", "05", "12", "05", "02"} {
		ps = append(ps, w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmCountyA), "name", "农机服务队"+n)))
	}
	less := map[string]func(a, b api.Provider) bool{
		"id":    func(a, b api.Provider) bool { return a.Id < b.Id },
		"-id":   func(a, b api.Provider) bool { return a.Id > b.Id },
		"name":  func(a, b api.Provider) bool { return a.Name < b.Name || a.Name == b.Name && a.Id < b.Id },
		"-name": func(a, b api.Provider) bool { return a.Name > b.Name || a.Name == b.Name && a.Id > b.Id },
	}
	for s, l := range less {
		want := slices.Clone(ps)
		sort.SliceStable(want, func(i, j int) bool { return l(want[i], want[j]) })
		for _, limit := range []string{"1", "3", "4", "10", "500"} {
			if got := pvList(t, env, env.Admin, url.Values{"sort": {s}, "limit": {limit}}); !slices.Equal(got, pvIDs(want...)) {
				t.Errorf("sort=%s limit=%s: %v, want %v", s, limit, got, pvIDs(want...))
			}
		}
	}
	// Providers added between pages neither repeat nor hide the ones that were there.
	q := url.Values{"sort": {"name"}, "limit": {"3"}}
	var got []int64
	for page := 0; ; page++ {
		var l api.ProviderList
		env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/providers?"+q.Encode(), nil).JSON(t, &l)
		got = append(got, pvIDs(l.Items...)...)
		if l.NextCursor == nil {
			break
		}
		q.Set("cursor", *l.NextCursor)
		if page < 2 {
			w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmCountyA), "name", "农机服务队00"))
			w.pvCreate(t, env.Admin, fmWith(w.pvBody(fmCountyA), "name", l.Items[len(l.Items)-1].Name))
		}
	}
	want := slices.Clone(ps)
	sort.SliceStable(want, func(i, j int) bool { return less["name"](want[i], want[j]) })
	var old []int64
	for _, id := range got {
		if slices.Contains(pvIDs(ps...), id) {
			old = append(old, id)
		}
	}
	if !slices.Equal(old, pvIDs(want...)) {
		t.Errorf("while adding: the providers that were there came as %v, want %v", old, pvIDs(want...))
	}
	seen := map[int64]bool{}
	for _, id := range got {
		if seen[id] {
			t.Errorf("provider %d served twice", id)
		}
		seen[id] = true
	}
}

func TestReferenceListsCropsAndOperationTypes(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	crops := []api.ReferenceItem{
		{Code: "corn", NameZh: "玉米", NameEn: "Corn"}, {Code: "wheat", NameZh: "小麦", NameEn: "Wheat"},
		{Code: "soybean", NameZh: "大豆", NameEn: "Soybean"}, {Code: "potato", NameZh: "马铃薯", NameEn: "Potato"},
		{Code: "millet", NameZh: "谷子", NameEn: "Millet"}, {Code: "sorghum", NameZh: "高粱", NameEn: "Sorghum"},
		{Code: "rice", NameZh: "水稻", NameEn: "Rice"}, {Code: "rapeseed", NameZh: "油菜", NameEn: "Rapeseed"},
		{Code: "apple", NameZh: "苹果", NameEn: "Apple"}, {Code: "other", NameZh: "其他", NameEn: "Other"},
	}
	ops := []api.ReferenceItem{
		{Code: "ploughing", NameZh: "耕整地", NameEn: "Ploughing"}, {Code: "sowing", NameZh: "播种", NameEn: "Sowing"},
		{Code: "fertilising", NameZh: "施肥", NameEn: "Fertilising"}, {Code: "plant_protection", NameZh: "植保", NameEn: "Plant protection"},
		{Code: "irrigation", NameZh: "灌溉", NameEn: "Irrigation"}, {Code: "weeding", NameZh: "除草", NameEn: "Weeding"},
		{Code: "harvesting", NameZh: "收获", NameEn: "Harvesting"}, {Code: "drying", NameZh: "烘干", NameEn: "Drying"},
		{Code: "straw", NameZh: "秸秆处理", NameEn: "Straw handling"}, {Code: "transport", NameZh: "运储", NameEn: "Transport and storage"},
	}
	p := w.pvCreate(t, env.Admin, w.pvBody(fmCountyA))
	provider := w.user(t, api.UserCreate{Role: api.RoleProvider, ProviderId: &p.Id})
	for _, token := range []string{env.Admin, w.bureauA, w.tokA1, provider} {
		for path, want := range map[string][]api.ReferenceItem{"/api/v1/reference/crops": crops, "/api/v1/reference/operation-types": ops} {
			var l api.ReferenceList
			env.Expect(t, http.StatusOK, token, http.MethodGet, path, nil).JSON(t, &l)
			if !slices.Equal(l.Items, want) || l.NextCursor != nil {
				t.Errorf("%s lists %+v (next %v), want %+v", path, l.Items, l.NextCursor, want)
			}
		}
	}
	for _, path := range []string{"/api/v1/reference/crops", "/api/v1/reference/operation-types"} {
		env.Expect(t, http.StatusUnauthorized, "", http.MethodGet, path, nil)
		env.Expect(t, http.StatusUnauthorized, "not-a-token", http.MethodGet, path, nil)
	}
}

func TestProvidersConcurrentAdditionsOfOneCreditCode(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	code := fmCredit("610631", 4242)
	statuses := fmRace(t, w.env, 8, func(i int) apitest.Request {
		token := w.env.Admin
		if i%2 == 1 {
			token = w.bureauA
		}
		return apitest.Request{Method: http.MethodPost, Path: "/api/v1/providers", Token: token, Body: fmWith(w.pvBody(fmCountyA), "credit_code", code)}
	})
	fmOneWins(t, "one credit code added 8 times at once", statuses)
}

// A region filter takes a region code: anything else is refused or finds nothing, and is never a pattern.
func TestProvidersRegionFilterTakesRegionCodesOnly(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	w.pvCreate(t, w.env.Admin, w.pvBody(fmCountyA))
	w.pvCreate(t, w.env.Admin, w.pvBody(fmTownB))
	for _, code := range []string{"%", "6106%", "61063_000000", "6106", "610631", "_"} {
		res := w.env.Do(t, w.env.Admin, http.MethodGet, "/api/v1/providers?"+url.Values{"region_code": {code}}.Encode(), nil)
		if res.Status == http.StatusBadRequest {
			continue
		}
		var l api.ProviderList
		res.JSON(t, &l)
		if res.Status != http.StatusOK || len(l.Items) != 0 {
			t.Errorf("region_code=%q: status %d, %d providers; want 400 or none", code, res.Status, len(l.Items))
		}
	}
}
