package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
	"github.com/tuoguan/tuoguan/internal/ident"
)

// The registry tests' regions: county A (黄龙县) with a township and two villages, county B (洛川县) with a
// township and a village.
const (
	fmProvince = "610000000000"
	fmCity     = "610600000000"
	fmCountyA  = "610631000000"
	fmTownA    = "610631100000"
	fmVillA1   = "610631100201"
	fmVillA2   = "610631100202"
	fmCountyB  = "610632000000"
	fmTownB    = "610632100000"
	fmVillB    = "610632100201"
)

var fmRegions = []api.RegionCreate{
	{Code: fmProvince, Name: "陕西省"}, {Code: fmCity, Name: "延安市"},
	{Code: fmCountyA, Name: "黄龙县"}, {Code: fmTownA, Name: "石堡镇"},
	{Code: fmVillA1, Name: "石堡村"}, {Code: fmVillA2, Name: "西山村"},
	{Code: fmCountyB, Name: "洛川县"}, {Code: fmTownB, Name: "凤栖镇"}, {Code: fmVillB, Name: "谷咀村"},
}

const fmPassword = "registry-password-1"

// fmWorld is a registry with three collectives (two in county A, one in county B), an account of each, and a
// bureau account for each county.
type fmWorld struct {
	env                   *apitest.Env
	collA1, collA2, collB api.Collective
	tokA1, tokA2, tokB    string
	bureauA, bureauB      string
	seq                   atomic.Int64
}

func fmRelaxed(c *account.Config) {
	c.AccountEvery, c.AccountBurst = time.Millisecond, 10000
	c.AddrEvery, c.AddrBurst = time.Millisecond, 10000
}

func fmSetup(t *testing.T) *fmWorld {
	t.Helper()
	env := apitest.New(t, fmRelaxed)
	w := &fmWorld{env: env}
	w.seq.Store(100)
	for _, r := range fmRegions {
		env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", r)
	}
	w.collA1, w.collA2, w.collB = w.collective(t, fmVillA1), w.collective(t, fmVillA2), w.collective(t, fmVillB)
	w.tokA1 = w.user(t, api.UserCreate{Role: api.RoleCollective, CollectiveId: &w.collA1.Id})
	w.tokA2 = w.user(t, api.UserCreate{Role: api.RoleCollective, CollectiveId: &w.collA2.Id})
	w.tokB = w.user(t, api.UserCreate{Role: api.RoleCollective, CollectiveId: &w.collB.Id})
	countyA, countyB := fmCountyA, fmCountyB
	w.bureauA = w.user(t, api.UserCreate{Role: api.RoleBureau, RegionCode: &countyA})
	w.bureauB = w.user(t, api.UserCreate{Role: api.RoleBureau, RegionCode: &countyB})
	return w
}

func (w *fmWorld) next() int { return int(w.seq.Add(1)) }

// user creates an account as admin and returns a token of it.
func (w *fmWorld) user(t *testing.T, u api.UserCreate) string {
	t.Helper()
	u.Username, u.Password = fmt.Sprintf("%s-%d", u.Role, w.next()), fmPassword
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/users", u)
	return w.env.Login(t, u.Username, u.Password)
}

func (w *fmWorld) collective(t *testing.T, village string) api.Collective {
	t.Helper()
	var c api.Collective
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/collectives", api.CollectiveCreate{
		Name: "股份经济合作社" + village[9:], CreditCode: fmCredit(village[:6], w.next()), RegionCode: village,
		ContactName: "王建国", ContactPhone: "13800001111"}).JSON(t, &c)
	return c
}

// fmCredit returns a valid credit code registered in county, numbered n.
func fmCredit(county string, n int) string { return creditCode(county, "MG", int64(n)) }

// fmIDIn returns a resident ID number of region (6 digits), born on birth (YYYYMMDD), with sequence seq,
// and its GB 11643 check character.
func fmIDIn(t testing.TB, region, birth string, seq int) string {
	t.Helper()
	first := fmt.Sprintf("%s%s%03d", region, birth, seq%1000)
	c, err := ident.IDCheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

// fmID returns a valid ID number of county A born on birth.
func fmID(t testing.TB, birth string, seq int) string { return fmIDIn(t, "610631", birth, seq) }

// fmIDEndingX returns a valid ID number born on birth whose check character is X.
func fmIDEndingX(t testing.TB, birth string) string {
	t.Helper()
	for seq := 0; seq < 1000; seq++ {
		if id := fmID(t, birth, seq); id[17] == 'X' {
			return id
		}
	}
	t.Fatal("no ID number ends with X")
	return ""
}

// fmIDMask and fmPhoneMask are the masks docs/domain.md prescribes.
func fmIDMask(id string) string       { return id[:6] + "********" + id[14:] }
func fmPhoneMask(phone string) string { return phone[:3] + "****" + phone[7:] }

// household returns a valid registration of a household in collective c.
func (w *fmWorld) household(c api.Collective, id, phone string) map[string]any {
	n := w.next()
	return map[string]any{"kind": "household", "name": fmt.Sprintf("农户%d", n), "operator_name": fmt.Sprintf("张%d", n),
		"id_number": id, "phone": phone, "collective_id": c.Id}
}

// familyFarm returns a valid registration of a family farm in collective c.
func (w *fmWorld) familyFarm(c api.Collective, id, phone string) map[string]any {
	b := w.household(c, id, phone)
	b["kind"], b["name"] = "family_farm", fmt.Sprintf("家庭农场%d", w.next())
	b["registered_on"], b["demonstration_level"] = "2020-03-01", "county"
	b["business_models"], b["operated_area_mu"] = []string{"planting", "machinery"}, "320.50"
	return b
}

// create registers body as token, checks the Location header, and returns the farm.
func (w *fmWorld) create(t *testing.T, token string, body map[string]any) api.Farm {
	t.Helper()
	res := w.env.Expect(t, http.StatusCreated, token, http.MethodPost, "/api/v1/farms", body)
	var f api.Farm
	res.JSON(t, &f)
	if got := res.Header.Get("Location"); got != "/api/v1/farms/"+itoa(f.Id) {
		t.Errorf("Location = %q, want /api/v1/farms/%d", got, f.Id)
	}
	return f
}

// fmWith returns a copy of body with the given keys set; a nil value removes the key.
func fmWith(body map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(body))
	for k, v := range body {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// fmInvalid checks that res is a 422 naming exactly fields (in any order).
func fmInvalid(t *testing.T, what string, res *apitest.Response, fields ...string) {
	t.Helper()
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("%s: status %d, want 422: %s", what, res.Status, res.Body)
		return
	}
	got := res.Fields(t)
	if !fmSameSet(got, fields) {
		t.Errorf("%s: problem names %v, want %v", what, got, fields)
	}
}

// fmRefused checks that res is a 400 or 422 naming field.
func fmRefused(t *testing.T, what string, res *apitest.Response, field string) {
	t.Helper()
	if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
		t.Errorf("%s: status %d, want 400 or 422: %s", what, res.Status, res.Body)
		return
	}
	if got := res.Fields(t); !slices.Contains(got, field) {
		t.Errorf("%s: problem names %v, want %s", what, got, field)
	}
}

// fmCount counts the rows of table.
func fmCount(t *testing.T, env *apitest.Env, table string) int {
	t.Helper()
	var n int
	if err := env.DB.SQL.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fmList pages through GET /farms with query (limit included) and returns every farm in the order served,
// failing on a repeated farm.
func fmList(t *testing.T, env *apitest.Env, token string, query url.Values) []api.Farm {
	t.Helper()
	return listAll(t, env, token, "/api/v1/farms", query, func(f api.Farm) int64 { return f.Id })
}

// fmSameSet reports whether a and b hold the same strings, in any order.
func fmSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func fmIDs(fs []api.Farm) []int64 {
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.Id
	}
	return ids
}

func fmModels(f api.Farm) []string {
	out := make([]string, len(f.BusinessModels))
	for i, m := range f.BusinessModels {
		out[i] = string(m)
	}
	return out
}

func TestFarmsKindsAndFamilyFarmFields(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env

	for i, kind := range []string{"household", "cooperative", "enterprise"} {
		id, phone := fmID(t, "19700101", i), "1391234567"+strconv.Itoa(i)
		body := fmWith(w.household(w.collA1, id, phone), "kind", kind)
		f := w.create(t, env.Admin, body)
		if string(f.Kind) != kind || f.Name != body["name"] || f.OperatorName != body["operator_name"] ||
			f.CollectiveId != w.collA1.Id || f.RegionCode != fmVillA1 || f.IdNumber != fmIDMask(id) ||
			f.Phone != fmPhoneMask(phone) || f.RegisteredOn != nil || f.CreditCode != nil ||
			f.DemonstrationLevel != "none" || len(f.BusinessModels) != 0 || f.OperatedAreaMu != nil {
			t.Errorf("%s registered as %+v", kind, f)
		}
		var read api.Farm
		env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/farms/"+itoa(f.Id), nil).JSON(t, &read)
		if !fmSameJSON(t, read, f) {
			t.Errorf("%s reads back %+v, want %+v", kind, read, f)
		}
	}

	// A family farm, registered by its collective, which leaves out its collective_id.
	id := fmID(t, "19750505", 7)
	body := fmWith(w.familyFarm(w.collA1, id, "13712345678"), "collective_id", nil,
		"business_models", []string{"machinery", "planting", "machinery"}, "operated_area_mu", 320.5,
		"credit_code", strings.ToLower(fmCredit("610631", 9)))
	ff := w.create(t, w.tokA1, body)
	if ff.Kind != "family_farm" || ff.CollectiveId != w.collA1.Id || ff.RegisteredOn == nil ||
		ff.RegisteredOn.Format(time.DateOnly) != "2020-03-01" || ff.DemonstrationLevel != "county" ||
		!fmSameSet(fmModels(ff), []string{"machinery", "planting"}) || ff.OperatedAreaMu == nil ||
		ff.OperatedAreaMu.String() != "320.50" || ff.CreditCode == nil || *ff.CreditCode != fmCredit("610631", 9) {
		t.Errorf("family farm registered as %+v", ff)
	}

	// The family-farm fields are required of a family farm: each one missing is named.
	full := w.familyFarm(w.collA1, fmID(t, "19750506", 8), "13712345679")
	before := fmCount(t, env, "farms")
	fmInvalid(t, "family farm without its fields",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, "registered_on", nil, "operated_area_mu", nil,
			"business_models", nil, "demonstration_level", nil)),
		"registered_on", "operated_area_mu", "business_models")
	for _, field := range []string{"registered_on", "operated_area_mu", "business_models"} {
		fmInvalid(t, "family farm without "+field,
			env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, field, nil)), field)
	}
	fmInvalid(t, "family farm with no business model",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, "business_models", []string{})), "business_models")
	fmInvalid(t, "family farm with zero area",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, "operated_area_mu", "0")), "operated_area_mu")
	fmInvalid(t, "family farm registered in the future",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, "registered_on", today().AddDate(0, 0, 2).Format(time.DateOnly))), "registered_on")
	fmInvalid(t, "family farm with a bad credit code",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, "credit_code", badCheck(fmCredit("610631", 3)))), "credit_code")
	fmRefused(t, "family farm with an unknown business model",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, "business_models", []string{"planting", "mining"})), "business_models[1]")
	fmRefused(t, "family farm with an unknown demonstration level",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, "demonstration_level", "global")), "demonstration_level")
	fmRefused(t, "an unknown kind",
		env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(full, "kind", "plantation")), "kind")

	// The family-farm fields are refused for every other kind, each one named.
	for _, kind := range []string{"household", "cooperative", "enterprise"} {
		hh := fmWith(w.household(w.collA1, fmID(t, "19600101", 50), "13612345678"), "kind", kind)
		fmInvalid(t, kind+" with family-farm fields",
			env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(hh, "demonstration_level", "county",
				"business_models", []string{"planting"}, "operated_area_mu", "12.00")),
			"demonstration_level", "business_models", "operated_area_mu")
		fmInvalid(t, kind+" with a demonstration level",
			env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(hh, "demonstration_level", "national")), "demonstration_level")
		fmInvalid(t, kind+" with business models",
			env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(hh, "business_models", []string{"courtyard"})), "business_models")
		fmInvalid(t, kind+" with an operated area",
			env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", fmWith(hh, "operated_area_mu", 5)), "operated_area_mu")
	}
	if n := fmCount(t, env, "farms"); n != before {
		t.Errorf("refused registrations wrote %d farms", n-before)
	}

	// Changing a family farm keeps its fields checked; a household cannot take them on.
	var changed api.Farm
	env.Expect(t, http.StatusOK, w.tokA1, http.MethodPatch, "/api/v1/farms/"+itoa(ff.Id),
		map[string]any{"operated_area_mu": "400", "demonstration_level": "province", "business_models": []string{"eco_cycle"}}).JSON(t, &changed)
	if changed.OperatedAreaMu == nil || changed.OperatedAreaMu.String() != "400.00" || changed.DemonstrationLevel != "province" ||
		!slices.Equal(fmModels(changed), []string{"eco_cycle"}) || changed.Kind != "family_farm" {
		t.Errorf("family farm changed to %+v", changed)
	}
	fmInvalid(t, "family farm losing its business models",
		env.Do(t, w.tokA1, http.MethodPatch, "/api/v1/farms/"+itoa(ff.Id), map[string]any{"business_models": []string{}}), "business_models")
	hh := w.create(t, env.Admin, w.household(w.collA1, fmID(t, "19600102", 51), "13612345670"))
	fmInvalid(t, "household taking on family-farm fields",
		env.Do(t, env.Admin, http.MethodPatch, "/api/v1/farms/"+itoa(hh.Id), map[string]any{"operated_area_mu": "3.00",
			"business_models": []string{"planting"}, "demonstration_level": "city"}),
		"operated_area_mu", "business_models", "demonstration_level")
}

func fmSameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(ja, jb)
}

func TestFarmsIDNumberIsValidated(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	post := func(id string) *apitest.Response {
		return env.Do(t, env.Admin, http.MethodPost, "/api/v1/farms", w.household(w.collA1, id, "13912345678"))
	}

	// Every single wrong character of a valid number is caught.
	valid := fmID(t, "19800101", 123)
	before := fmCount(t, env, "farms")
	for i := range len(valid) {
		for _, c := range "0123456789X" {
			if byte(c) == valid[i] {
				continue
			}
			bad := valid[:i] + string(c) + valid[i+1:]
			fmInvalid(t, "ID number "+bad, post(bad), "id_number")
		}
	}

	// Well-formed numbers with a matching check character but an impossible or out-of-range birth date.
	future := today().AddDate(1, 0, 0).Format("20060102")
	for _, birth := range []string{"19000229", "19801301", "19800001", "19800100", "19800431", "20230229", "18991231", future} {
		fmInvalid(t, "birth date "+birth, post(fmID(t, birth, 5)), "id_number")
	}
	for _, bad := range []string{
		valid[:17], valid + "1", "610631800101123", fmIDIn(t, "910631", "19800101", 5), fmIDIn(t, "010631", "19800101", 5),
		"61063119800101A23" + valid[17:], "", valid[:17] + "x", valid[:6] + " " + valid[6:],
	} {
		fmInvalid(t, fmt.Sprintf("ID number %q", bad), post(bad), "id_number")
	}
	if n := fmCount(t, env, "farms"); n != before {
		t.Fatalf("refused ID numbers wrote %d farms", n-before)
	}

	// Valid numbers: leap days, the oldest accepted date, an X check character typed in either case.
	for i, birth := range []string{"20000229", "19000101", "19960229", "20240229"} {
		id := fmID(t, birth, 10+i)
		if f := w.create(t, env.Admin, w.household(w.collA1, id, "13912345678")); f.IdNumber != fmIDMask(id) {
			t.Errorf("%s masked as %q", id, f.IdNumber)
		}
	}
	x := fmIDEndingX(t, "19851111")
	if f := w.create(t, env.Admin, w.household(w.collA1, strings.ToLower(x), "13912345678")); f.IdNumber != fmIDMask(x) {
		t.Errorf("%s (lower-case x) masked as %q", x, f.IdNumber)
	}
	y := fmID(t, "19901010", 321)
	if f := w.create(t, env.Admin, w.household(w.collA1, "  "+y+" ", "13912345678")); f.IdNumber != fmIDMask(y) {
		t.Errorf("%s with spaces masked as %q", y, f.IdNumber)
	}

	// A change is checked the same way and changes nothing when refused.
	f := w.create(t, env.Admin, w.household(w.collA1, valid, "13912345678"))
	bad := valid[:10] + string('0'+(valid[10]-'0'+1)%10) + valid[11:]
	fmInvalid(t, "change to a wrong ID number", env.Do(t, env.Admin, http.MethodPatch, "/api/v1/farms/"+itoa(f.Id),
		map[string]any{"id_number": bad}), "id_number")
	var read api.Farm
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/farms/"+itoa(f.Id), nil).JSON(t, &read)
	if !fmSameJSON(t, read, f) {
		t.Errorf("a refused change went through: %+v", read)
	}
}

func TestFarmsOneRegistrationPerIDNumberInACollective(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	id := fmIDEndingX(t, "19671203")
	first := w.create(t, w.tokA1, fmWith(w.household(w.collA1, id, "13912345678"), "collective_id", nil))
	before, events := fmCount(t, env, "farms"), fmCount(t, env, "audit_events")

	for _, c := range []struct {
		what  string
		token string
		body  map[string]any
	}{
		{"same number", env.Admin, w.household(w.collA1, id, "13800000000")},
		{"same number, lower-case x", env.Admin, w.household(w.collA1, strings.ToLower(id), "13800000000")},
		{"same number, surrounding spaces", env.Admin, w.household(w.collA1, " "+id+"  ", "13800000000")},
		{"same number by the collective", w.tokA1, fmWith(w.household(w.collA1, id, "13800000000"), "collective_id", nil)},
		{"same number as a family farm", env.Admin, w.familyFarm(w.collA1, id, "13800000000")},
	} {
		res := env.Do(t, c.token, http.MethodPost, "/api/v1/farms", c.body)
		if res.Status != http.StatusConflict {
			t.Errorf("%s: status %d, want 409: %s", c.what, res.Status, res.Body)
			continue
		}
		if p := res.Problem(t); p.Type != "urn:tuoguan:problem:conflict" {
			t.Errorf("%s: problem %+v", c.what, p)
		}
	}
	other := w.create(t, env.Admin, w.household(w.collA1, fmID(t, "19671204", 1), "13912345678"))
	res := env.Do(t, w.tokA1, http.MethodPatch, "/api/v1/farms/"+itoa(other.Id), map[string]any{"id_number": strings.ToLower(id)})
	if res.Status != http.StatusConflict {
		t.Errorf("change to a registered number: status %d, want 409: %s", res.Status, res.Body)
	}
	if n, e := fmCount(t, env, "farms"), fmCount(t, env, "audit_events"); n != before+1 || e != events+1 {
		t.Errorf("refused registrations wrote %d farms and %d audit events", n-before-1, e-events-1)
	}
	// Keeping one's own number is no conflict.
	env.Expect(t, http.StatusOK, w.tokA1, http.MethodPatch, "/api/v1/farms/"+itoa(first.Id), map[string]any{"id_number": id})

	// Another collective, in the same county or another, registers the same person.
	inA2 := w.create(t, w.tokA2, fmWith(w.household(w.collA2, id, "13912345678"), "collective_id", nil))
	inB := w.create(t, env.Admin, w.household(w.collB, id, "13912345678"))
	for _, f := range []api.Farm{inA2, inB} {
		if f.IdNumber != fmIDMask(id) {
			t.Errorf("farm %d masked as %q", f.Id, f.IdNumber)
		}
	}
	if got := fmIDs(fmList(t, env, env.Admin, url.Values{"id_number": {id}})); !slices.Equal(got, []int64{first.Id, inA2.Id, inB.Id}) {
		t.Errorf("lookup finds %v, want %v", got, []int64{first.Id, inA2.Id, inB.Id})
	}
}

func TestFarmsFoundByExactIDNumberAndPhone(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	x := fmIDEndingX(t, "19810715")
	d := fmID(t, "19810716", 9)
	if d[17] == 'X' {
		d = fmID(t, "19810716", 10)
	}
	fx := w.create(t, env.Admin, w.household(w.collA1, x, "13812345678"))
	fd := w.create(t, env.Admin, w.familyFarm(w.collA2, d, "+86 139-8765-4321"))
	fb := w.create(t, env.Admin, w.household(w.collB, d, "0086 138 1234 5678"))
	fl := w.create(t, env.Admin, w.household(w.collA1, fmID(t, "19810717", 1), "029-87654321"))
	for _, c := range []struct {
		f          api.Farm
		id, phone  string
		phoneMasks string
	}{{fx, x, "13812345678", "138****5678"}, {fd, d, "13987654321", "139****4321"}, {fb, d, "13812345678", "138****5678"}} {
		if c.f.IdNumber != fmIDMask(c.id) || c.f.Phone != c.phoneMasks {
			t.Errorf("farm %d answered with %q and %q, want %q and %q", c.f.Id, c.f.IdNumber, c.f.Phone, fmIDMask(c.id), c.phoneMasks)
		}
	}
	if !strings.HasPrefix(fl.Phone, "0") || !strings.HasSuffix(fl.Phone, "4321") || strings.Contains(fl.Phone, "8765") || !strings.Contains(fl.Phone, "*") {
		t.Errorf("landline masked as %q", fl.Phone)
	}

	cases := []struct {
		key, value string
		want       []int64
	}{
		{"id_number", x, []int64{fx.Id}},
		{"id_number", strings.ToLower(x), []int64{fx.Id}},
		{"id_number", " " + strings.ToLower(x) + " ", []int64{fx.Id}},
		{"id_number", d, []int64{fd.Id, fb.Id}},
		{"id_number", " " + d, []int64{fd.Id, fb.Id}},
		{"id_number", x[:17], nil},
		{"id_number", x[:17] + "0", nil},
		{"id_number", x[1:], nil},
		{"id_number", fmIDMask(x), nil},
		{"phone", "13812345678", []int64{fx.Id, fb.Id}},
		{"phone", "138 1234 5678", []int64{fx.Id, fb.Id}},
		{"phone", "138-1234-5678", []int64{fx.Id, fb.Id}},
		{"phone", "+86 138 1234 5678", []int64{fx.Id, fb.Id}},
		{"phone", "+8613812345678", []int64{fx.Id, fb.Id}},
		{"phone", " 13812345678 ", []int64{fx.Id, fb.Id}},
		{"phone", "13987654321", []int64{fd.Id}},
		{"phone", "+86-139-8765-4321", []int64{fd.Id}},
		{"phone", "029 8765 4321", []int64{fl.Id}},
		{"phone", "02987654321", []int64{fl.Id}},
		{"phone", "1381234567", nil},
		{"phone", "138****5678", nil},
		{"phone", "23812345678", nil},
	}
	for _, c := range cases {
		q := url.Values{c.key: {c.value}, "limit": {"500"}}
		if got := fmIDs(fmList(t, env, env.Admin, q)); !slices.Equal(got, c.want) {
			t.Errorf("%s=%q finds %v, want %v", c.key, c.value, got, c.want)
		}
	}
	// A lookup sees only what the caller may see.
	if got := fmIDs(fmList(t, env, w.tokA2, url.Values{"id_number": {d}})); !slices.Equal(got, []int64{fd.Id}) {
		t.Errorf("collective A2 finds %v", got)
	}
	if got := fmIDs(fmList(t, env, w.tokA1, url.Values{"id_number": {d}})); len(got) != 0 {
		t.Errorf("collective A1 finds another collective's farms: %v", got)
	}
	if got := fmIDs(fmList(t, env, w.bureauA, url.Values{"phone": {"13812345678"}})); !slices.Equal(got, []int64{fx.Id}) {
		t.Errorf("bureau A finds %v", got)
	}
	// A lookup combines with the other filters.
	if got := fmIDs(fmList(t, env, env.Admin, url.Values{"id_number": {d}, "kind": {"household"}})); !slices.Equal(got, []int64{fb.Id}) {
		t.Errorf("id_number and kind find %v", got)
	}
}

// fmNoClear fails t when data holds any of clear, as is or hex-encoded.
func fmNoClear(t *testing.T, where string, data []byte, clear []string) {
	t.Helper()
	for _, c := range clear {
		if bytes.Contains(data, []byte(c)) {
			t.Errorf("%s holds the clear %s", where, c)
		}
		if bytes.Contains(bytes.ToLower(data), []byte(hex.EncodeToString([]byte(c)))) {
			t.Errorf("%s holds the clear %s hex-encoded", where, c)
		}
	}
}

// fmRawRows reads every column of every row of table, each as text, and returns them joined per row.
func fmRawRows(t *testing.T, env *apitest.Env, table string) []string {
	t.Helper()
	rows, err := env.DB.SQL.Query(`SELECT a.attname FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, table)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) == 0 {
		t.Fatalf("table %s has no columns", table)
	}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = fmt.Sprintf("coalesce(%q::text, '')", c)
	}
	rows, err = env.DB.SQL.Query("SELECT " + strings.Join(exprs, ", ") + " FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		for i, v := range vals {
			fmt.Fprintf(&sb, "%s=%s\n", cols[i], v)
		}
		out = append(out, sb.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFarmsPersonalDataIsNeverStoredOrAnsweredInTheClear(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	id1, id2, id3 := fmID(t, "19730517", 481), fmIDEndingX(t, "19620823"), fmID(t, "19911130", 777)
	ph1, ph2, ph3 := "13712349876", "15845672301", "18623457890"
	clear := []string{id1, id2, strings.ToLower(id2), id3, ph1, ph2, ph3, id1[6:14], id2[6:14], id3[6:14]}

	var bodies [][]byte
	res := env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/farms", w.household(w.collA1, id1, "+86 137-1234-9876"))
	bodies = append(bodies, res.Body)
	var f1 api.Farm
	res.JSON(t, &f1)
	res = env.Expect(t, http.StatusCreated, w.tokA1, http.MethodPost, "/api/v1/farms", fmWith(w.familyFarm(w.collA1, strings.ToLower(id2), ph2), "collective_id", nil))
	bodies = append(bodies, res.Body)
	var f2 api.Farm
	res.JSON(t, &f2)
	res = env.Expect(t, http.StatusOK, w.tokA1, http.MethodPatch, "/api/v1/farms/"+itoa(f1.Id), map[string]any{"id_number": id3, "phone": ph3})
	bodies = append(bodies, res.Body)
	var f1b api.Farm
	res.JSON(t, &f1b)
	if f1.IdNumber != fmIDMask(id1) || f1.Phone != fmPhoneMask(ph1) || f2.IdNumber != fmIDMask(id2) || f2.Phone != fmPhoneMask(ph2) ||
		f1b.IdNumber != fmIDMask(id3) || f1b.Phone != fmPhoneMask(ph3) {
		t.Errorf("masks: %q %q, %q %q, %q %q", f1.IdNumber, f1.Phone, f2.IdNumber, f2.Phone, f1b.IdNumber, f1b.Phone)
	}
	for _, path := range []string{"/api/v1/farms/" + itoa(f1.Id), "/api/v1/farms/" + itoa(f2.Id), "/api/v1/farms?limit=500",
		"/api/v1/farms?id_number=" + id2, "/api/v1/farms?phone=" + ph3, "/api/v1/audit-events?limit=500"} {
		bodies = append(bodies, env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, path, nil).Body)
	}
	for i, b := range bodies {
		fmNoClear(t, fmt.Sprintf("response %d", i), b, clear)
	}

	// Raw rows, every column as text: farms and the audit log (before and after included).
	farms := fmRawRows(t, env, "farms")
	if len(farms) != 2 {
		t.Fatalf("%d farm rows", len(farms))
	}
	for _, row := range farms {
		fmNoClear(t, "a farms row", []byte(row), clear)
	}
	events := fmRawRows(t, env, "audit_events")
	var farmEvents int
	for _, row := range events {
		fmNoClear(t, "an audit_events row", []byte(row), clear)
		if strings.Contains(row, "object_type=farm\n") {
			farmEvents++
		}
	}
	if farmEvents != 3 {
		t.Errorf("%d audit events of farms, want 3", farmEvents)
	}
	var before, after string
	if err := env.DB.SQL.QueryRow(`SELECT before::text, after::text FROM audit_events WHERE object_type = 'farm' AND action = 'farm.update'`).Scan(&before, &after); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before, fmIDMask(id1)) || !strings.Contains(before, fmPhoneMask(ph1)) ||
		!strings.Contains(after, fmIDMask(id3)) || !strings.Contains(after, fmPhoneMask(ph3)) {
		t.Errorf("the audit event of the change does not carry the masks: before %s after %s", before, after)
	}

	// Every column read as raw bytes, and the lookup keys are no plain hash of the number.
	rows, err := env.DB.SQL.Query(`SELECT * FROM farms`)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			raw, ok := v.([]byte)
			if !ok {
				raw = []byte(fmt.Sprint(v))
			}
			fmNoClear(t, "column "+cols[i], raw, clear)
			for _, c := range clear {
				sum := sha256.Sum256([]byte(c))
				if bytes.Contains(raw, sum[:]) {
					t.Errorf("column %s holds the unkeyed SHA-256 of %s", cols[i], c)
				}
			}
		}
	}
	rows.Close()
}

func TestFarmsSealedValuesAreBoundToTheirRow(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	type person struct {
		f         api.Farm
		id, phone string
	}
	var ps []person
	for i, c := range []api.Collective{w.collA1, w.collA1, w.collA2, w.collB} {
		id, phone := fmID(t, "19850101", 200+i), fmt.Sprintf("1371111000%d", i)
		ps = append(ps, person{w.create(t, env.Admin, w.household(c, id, phone)), id, phone})
	}
	binding := func(f api.Farm, field string) string {
		return fmt.Sprintf("farms/%s/%d/%s", f.RegionCode[:6], f.Id, field)
	}
	sealed := func(f api.Farm, col string) []byte {
		var enc []byte
		if err := env.DB.SQL.QueryRow(`SELECT `+col+` FROM farms WHERE id = $1`, f.Id).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		return enc
	}
	open := func(f api.Farm, field string) (string, error) {
		return env.Keys.Open(sealed(f, field+"_enc"), binding(f, field))
	}
	for _, p := range ps {
		if got, err := open(p.f, "id_number"); err != nil || got != p.id {
			t.Fatalf("farm %d ID number opens to %q, %v; want %s", p.f.Id, got, err, p.id)
		}
		if got, err := open(p.f, "phone"); err != nil || got != p.phone {
			t.Fatalf("farm %d phone opens to %q, %v; want %s", p.f.Id, got, err, p.phone)
		}
	}
	// The same person sealed twice gives two different sealed values.
	same := w.create(t, env.Admin, w.household(w.collA2, ps[0].id, ps[0].phone))
	if bytes.Equal(sealed(same, "id_number_enc"), sealed(ps[0].f, "id_number_enc")) {
		t.Error("the same ID number seals to the same bytes in two rows")
	}

	a, b := ps[0], ps[1]
	if _, err := env.DB.SQL.Exec(`UPDATE farms f SET id_number_enc = o.id_number_enc
		FROM farms o WHERE f.id IN ($1, $2) AND o.county_code = f.county_code AND o.id IN ($1, $2) AND o.id <> f.id`, a.f.Id, b.f.Id); err != nil {
		t.Fatal(err)
	}
	for _, p := range []person{a, b} {
		if got, err := open(p.f, "id_number"); err == nil {
			t.Errorf("farm %d opens another row's sealed ID number as %q", p.f.Id, got)
		}
		if got, err := open(p.f, "phone"); err != nil || got != p.phone {
			t.Errorf("farm %d unswapped phone opens to %q, %v", p.f.Id, got, err)
		}
	}
	for _, p := range append(ps[2:], person{same, ps[0].id, ps[0].phone}) {
		if got, err := open(p.f, "id_number"); err != nil || got != p.id {
			t.Errorf("unswapped farm %d opens to %q, %v; want %s", p.f.Id, got, err, p.id)
		}
	}
	// The swapped values are intact; only their binding refuses them.
	if got, err := env.Keys.Open(sealed(a.f, "id_number_enc"), binding(b.f, "id_number")); err != nil || got != b.id {
		t.Errorf("swapped value opens with its own binding to %q, %v", got, err)
	}
	// A value opens neither under another column's binding nor under another county's.
	if _, err := env.Keys.Open(sealed(ps[2].f, "phone_enc"), binding(ps[2].f, "id_number")); err == nil {
		t.Error("a sealed phone opens as an ID number")
	}
	if _, err := env.Keys.Open(sealed(ps[3].f, "id_number_enc"), fmt.Sprintf("farms/610631/%d/id_number", ps[3].f.Id)); err == nil {
		t.Error("a sealed ID number of county B opens under county A's binding")
	}
}

func TestFarmsListFilters(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	mk := func(c api.Collective, kind, name, operator string, extra ...any) api.Farm {
		n := w.next()
		body := fmWith(w.household(c, fmID(t, "19790101", n), fmt.Sprintf("1350000%04d", n)), "kind", kind, "name", name, "operator_name", operator)
		if kind == "family_farm" {
			body = fmWith(body, "registered_on", "2019-05-01", "operated_area_mu", "100.00", "business_models", []string{"planting"})
		}
		return w.create(t, env.Admin, fmWith(body, extra...))
	}
	f1 := mk(w.collA1, "household", "张家农户", "张三")
	f2 := mk(w.collA1, "family_farm", "李家庄家庭农场", "李明", "demonstration_level", "county", "business_models", []string{"planting", "machinery"})
	f3 := mk(w.collA2, "family_farm", "王庄生态家庭农场", "王五", "demonstration_level", "province", "business_models", []string{"eco_cycle", "planting"})
	f4 := mk(w.collA2, "cooperative", "黄龙县丰收合作社", "赵六")
	f5 := mk(w.collB, "enterprise", "延安农业公司", "张伟")
	f6 := mk(w.collB, "family_farm", "张家湾家庭农场", "刘洋", "business_models", []string{"breeding"})
	f7 := mk(w.collA1, "household", "刘家农户", "陈张")
	f8 := mk(w.collA1, "household", "东坡农户", "欧阳明华")
	f9 := mk(w.collA1, "household", "100%_农户", "周七")
	ids := func(fs ...api.Farm) []int64 { return fmIDs(fs) }
	all := ids(f1, f2, f3, f4, f5, f6, f7, f8, f9)

	cases := []struct {
		query url.Values
		want  []int64
	}{
		{url.Values{}, all},
		{url.Values{"collective_id": {itoa(w.collA1.Id)}}, ids(f1, f2, f7, f8, f9)},
		{url.Values{"collective_id": {itoa(w.collB.Id)}}, ids(f5, f6)},
		{url.Values{"collective_id": {"999999"}}, nil},
		{url.Values{"region_code": {fmCountyA}}, ids(f1, f2, f3, f4, f7, f8, f9)},
		{url.Values{"region_code": {fmTownA}}, ids(f1, f2, f3, f4, f7, f8, f9)},
		{url.Values{"region_code": {fmVillA2}}, ids(f3, f4)},
		{url.Values{"region_code": {fmCountyB}}, ids(f5, f6)},
		{url.Values{"region_code": {fmCity}}, all},
		{url.Values{"kind": {"family_farm"}}, ids(f2, f3, f6)},
		{url.Values{"kind": {"household"}}, ids(f1, f7, f8, f9)},
		{url.Values{"kind": {"cooperative"}}, ids(f4)},
		{url.Values{"kind": {"enterprise"}}, ids(f5)},
		{url.Values{"demonstration_level": {"county"}}, ids(f2)},
		{url.Values{"demonstration_level": {"province"}}, ids(f3)},
		{url.Values{"demonstration_level": {"national"}}, nil},
		{url.Values{"demonstration_level": {"none"}}, ids(f1, f4, f5, f6, f7, f8, f9)},
		{url.Values{"business_model": {"planting"}}, ids(f2, f3)},
		{url.Values{"business_model": {"machinery"}}, ids(f2)},
		{url.Values{"business_model": {"breeding"}}, ids(f6)},
		{url.Values{"business_model": {"courtyard"}}, nil},
		// One or two characters match the start of the farm's or the operator's name.
		{url.Values{"name": {"张"}}, ids(f1, f5, f6)},
		{url.Values{"name": {"张家"}}, ids(f1, f6)},
		{url.Values{"name": {"李明"}}, ids(f2)},
		{url.Values{"name": {"刘"}}, ids(f6, f7)},
		{url.Values{"name": {"明"}}, nil},
		{url.Values{"name": {"农户"}}, nil},
		{url.Values{"name": {"阳明"}}, nil},
		{url.Values{"name": {"欧阳"}}, ids(f8)},
		// Three or more match anywhere in either name.
		{url.Values{"name": {"家庭农"}}, ids(f2, f3, f6)},
		{url.Values{"name": {"家农户"}}, ids(f1, f7)},
		{url.Values{"name": {"生态家"}}, ids(f3)},
		{url.Values{"name": {"阳明华"}}, ids(f8)},
		{url.Values{"name": {"丰收合作"}}, ids(f4)},
		{url.Values{"name": {"黄龙县丰收合作社"}}, ids(f4)},
		{url.Values{"name": {"家庭农场王"}}, nil},
		// Wildcards are matched literally.
		{url.Values{"name": {"%"}}, nil},
		{url.Values{"name": {"_"}}, nil},
		{url.Values{"name": {"1%"}}, nil},
		{url.Values{"name": {"10"}}, ids(f9)},
		{url.Values{"name": {"0%_"}}, ids(f9)},
		{url.Values{"name": {"%农户"}}, nil},
		{url.Values{"name": {"农%户"}}, nil},
		// Combined.
		{url.Values{"kind": {"family_farm"}, "region_code": {fmCountyA}}, ids(f2, f3)},
		{url.Values{"kind": {"household"}, "name": {"张"}}, ids(f1)},
		{url.Values{"business_model": {"planting"}, "collective_id": {itoa(w.collA2.Id)}}, ids(f3)},
		{url.Values{"name": {"家庭农"}, "demonstration_level": {"none"}}, ids(f6)},
	}
	for _, c := range cases {
		for _, limit := range []string{"500", "2", "1"} {
			q := url.Values{"limit": {limit}}
			for k, v := range c.query {
				q[k] = v
			}
			if got := fmIDs(fmList(t, env, env.Admin, q)); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", q.Encode(), got, c.want)
			}
		}
	}

	// Scope narrows every filter.
	if got := fmIDs(fmList(t, env, w.tokA1, url.Values{})); !slices.Equal(got, ids(f1, f2, f7, f8, f9)) {
		t.Errorf("collective A1 lists %v", got)
	}
	if got := fmIDs(fmList(t, env, w.tokA1, url.Values{"collective_id": {itoa(w.collA2.Id)}})); len(got) != 0 {
		t.Errorf("collective A1 lists collective A2's farms: %v", got)
	}
	if got := fmIDs(fmList(t, env, w.bureauA, url.Values{"name": {"张"}})); !slices.Equal(got, ids(f1)) {
		t.Errorf("bureau A finds %v by 张", got)
	}
	if got := fmIDs(fmList(t, env, w.bureauB, url.Values{"region_code": {fmCountyA}})); len(got) != 0 {
		t.Errorf("bureau B lists county A's farms: %v", got)
	}

	// A value outside a filter's enumeration finds nothing, or is refused.
	for _, q := range []string{"kind=farmer", "demonstration_level=world", "business_model=mining"} {
		res := env.Do(t, env.Admin, http.MethodGet, "/api/v1/farms?"+q, nil)
		if res.Status == http.StatusOK {
			var l api.FarmList
			res.JSON(t, &l)
			if len(l.Items) != 0 {
				t.Errorf("%s finds %v", q, fmIDs(l.Items))
			}
		} else if res.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400 or an empty list: %s", q, res.Status, res.Body)
		}
	}
	for _, q := range []string{"sort=operator_name", "sort=-kind", "collective_id=abc", "limit=0", "limit=501", "cursor=%21%21"} {
		res := env.Do(t, env.Admin, http.MethodGet, "/api/v1/farms?"+q, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", q, res.Status, res.Body)
		}
	}
}

// The operator's name is a field of its own: a search of three or more characters matches inside the farm's
// name or inside the operator's name, not across the two.
func TestFarmsNameSearchDoesNotSpanBothNames(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	f := w.create(t, env.Admin, fmWith(w.household(w.collA1, fmID(t, "19790101", 1), "13500001111"), "name", "东坡农户", "operator_name", "欧阳明华"))
	if got := fmIDs(fmList(t, env, env.Admin, url.Values{"name": {"坡农户"}})); !slices.Equal(got, []int64{f.Id}) {
		t.Errorf("坡农户 finds %v", got)
	}
	for _, q := range []string{"农户 欧阳", "户 欧", "农户欧阳"} {
		if got := fmIDs(fmList(t, env, env.Admin, url.Values{"name": {q}})); len(got) != 0 {
			t.Errorf("%q, in neither the farm's nor the operator's name, finds %v", q, got)
		}
	}
}

func TestFarmsSortAndCursorPaging(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	names := []string{"农场07", "农场03", "农场11", "农场03", "农场01", "农场09", "农场05", "农场12", "农场05", "农场02", "农场10", "农场04", "农场08"}
	var farms []api.Farm
	for _, n := range names {
		farms = append(farms, w.create(t, env.Admin, fmWith(w.household(w.collA1, fmID(t, "19880808", w.next()), "13600001111"), "name", n)))
	}
	// Other collectives' farms are filtered away.
	w.create(t, env.Admin, fmWith(w.household(w.collA2, fmID(t, "19880808", w.next()), "13600001111"), "name", "农场06"))

	less := map[string]func(a, b api.Farm) bool{
		"id":    func(a, b api.Farm) bool { return a.Id < b.Id },
		"-id":   func(a, b api.Farm) bool { return a.Id > b.Id },
		"name":  func(a, b api.Farm) bool { return a.Name < b.Name || a.Name == b.Name && a.Id < b.Id },
		"-name": func(a, b api.Farm) bool { return a.Name > b.Name || a.Name == b.Name && a.Id > b.Id },
		"created_at": func(a, b api.Farm) bool {
			return a.CreatedAt.Before(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.Id < b.Id
		},
		"-created_at": func(a, b api.Farm) bool {
			return a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.Id > b.Id
		},
	}
	coll := itoa(w.collA1.Id)
	for _, s := range []string{"id", "-id", "name", "-name", "created_at", "-created_at"} {
		want := slices.Clone(farms)
		sort.SliceStable(want, func(i, j int) bool { return less[s](want[i], want[j]) })
		for _, limit := range []string{"1", "2", "3", "5", "13", "500"} {
			got := fmList(t, env, env.Admin, url.Values{"sort": {s}, "limit": {limit}, "collective_id": {coll}})
			if !slices.Equal(fmIDs(got), fmIDs(want)) {
				t.Errorf("sort=%s limit=%s: %v, want %v", s, limit, fmIDs(got), fmIDs(want))
			}
		}
	}
	if got := fmList(t, env, env.Admin, url.Values{"collective_id": {coll}}); !slices.Equal(fmIDs(got), fmIDs(farms)) {
		t.Errorf("default order %v, want by id %v", fmIDs(got), fmIDs(farms))
	}
	for _, s := range []string{"created_at", "-created_at"} {
		var got api.FarmList
		env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/farms?limit=500&collective_id="+coll+"&sort="+s, nil).JSON(t, &got)
		ids := fmIDs(got.Items)
		if s == "-created_at" {
			slices.Reverse(ids)
		}
		if !slices.Equal(ids, fmIDs(farms)) {
			t.Errorf("sort=%s does not follow registration order: %v", s, fmIDs(got.Items))
		}
	}

	// Farms registered while a client pages through do not shift the pages: every farm that was there is
	// served exactly once, in order, whatever is inserted before or after the cursor.
	for _, s := range []string{"id", "-id", "name", "-name", "created_at", "-created_at"} {
		q := url.Values{"sort": {s}, "limit": {"3"}, "collective_id": {coll}}
		before := fmList(t, env, env.Admin, url.Values{"sort": {s}, "limit": {"500"}, "collective_id": {coll}})
		var got []api.Farm
		for page := 0; ; page++ {
			if page > 50 {
				t.Fatal("paging does not end")
			}
			var l api.FarmList
			env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/farms?"+q.Encode(), nil).JSON(t, &l)
			got = append(got, l.Items...)
			if l.NextCursor == nil {
				break
			}
			q.Set("cursor", *l.NextCursor)
			if page >= 3 {
				continue
			}
			for _, name := range []string{"农场00", "农场99", "农场06", l.Items[len(l.Items)-1].Name} {
				w.create(t, env.Admin, fmWith(w.household(w.collA1, fmID(t, "19880808", w.next()), "13600001111"), "name", name))
			}
		}
		seen := map[int64]bool{}
		for i, f := range got {
			if seen[f.Id] {
				t.Errorf("sort=%s: farm %d served twice", s, f.Id)
			}
			seen[f.Id] = true
			if i > 0 && !less[s](got[i-1], f) {
				t.Errorf("sort=%s: farm %d (%s) served after %d (%s)", s, f.Id, f.Name, got[i-1].Id, got[i-1].Name)
			}
		}
		var old []int64
		for _, f := range got {
			if slices.ContainsFunc(before, func(b api.Farm) bool { return b.Id == f.Id }) {
				old = append(old, f.Id)
			}
		}
		if !slices.Equal(old, fmIDs(before)) {
			t.Errorf("sort=%s while inserting: the farms that were there came as %v, want %v", s, old, fmIDs(before))
		}
	}

	// A cursor is checked.
	var l api.FarmList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/farms?sort=name&limit=1", nil).JSON(t, &l)
	if l.NextCursor == nil {
		t.Fatal("no cursor")
	}
	for _, c := range []string{"bm90IGEgY3Vyc29y", "%00", "eyJ4Ijox"} {
		res := env.Do(t, env.Admin, http.MethodGet, "/api/v1/farms?sort=name&cursor="+c, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("cursor %s: status %d, want 400", c, res.Status)
		}
	}
}

func TestFarmsChangeKeepsKindAndCollective(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	f := w.create(t, w.tokA1, fmWith(w.household(w.collA1, fmID(t, "19700707", 1), "13912345678"), "collective_id", nil))
	events := fmCount(t, env, "audit_events")
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "family_farm"}, "kind"},
		{map[string]any{"kind": "household"}, "kind"},
		{map[string]any{"name": "新名字", "kind": "cooperative"}, "kind"},
		{map[string]any{"collective_id": w.collA2.Id}, "collective_id"},
		{map[string]any{"collective_id": w.collA1.Id}, "collective_id"},
		{map[string]any{"name": "新名字", "collective_id": w.collB.Id}, "collective_id"},
	} {
		for _, token := range []string{env.Admin, w.tokA1} {
			fmRefused(t, fmt.Sprintf("PATCH %v", c.body), env.Do(t, token, http.MethodPatch, "/api/v1/farms/"+itoa(f.Id), c.body), c.field)
		}
	}
	var read api.Farm
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/farms/"+itoa(f.Id), nil).JSON(t, &read)
	if !fmSameJSON(t, read, f) {
		t.Errorf("farm changed to %+v", read)
	}
	if n := fmCount(t, env, "audit_events"); n != events {
		t.Errorf("refused changes wrote %d audit events", n-events)
	}

	// What may change does, and only that.
	time.Sleep(5 * time.Millisecond)
	var changed api.Farm
	env.Expect(t, http.StatusOK, w.tokA1, http.MethodPatch, "/api/v1/farms/"+itoa(f.Id),
		map[string]any{"name": " 新名字 ", "operator_name": "李四", "phone": "+86 150 1111 2222"}).JSON(t, &changed)
	if changed.Name != "新名字" || changed.OperatorName != "李四" || changed.Phone != "150****2222" || changed.IdNumber != f.IdNumber ||
		changed.Kind != f.Kind || changed.CollectiveId != f.CollectiveId || changed.RegionCode != f.RegionCode ||
		!changed.CreatedAt.Equal(f.CreatedAt) || !changed.UpdatedAt.After(f.UpdatedAt) {
		t.Errorf("changed to %+v from %+v", changed, f)
	}
	if got := fmIDs(fmList(t, env, env.Admin, url.Values{"phone": {"15011112222"}})); !slices.Equal(got, []int64{f.Id}) {
		t.Errorf("the new phone finds %v", got)
	}
	if got := fmIDs(fmList(t, env, env.Admin, url.Values{"phone": {"13912345678"}})); len(got) != 0 {
		t.Errorf("the old phone still finds %v", got)
	}

	// Who may change it.
	env.Expect(t, http.StatusNotFound, w.tokA2, http.MethodPatch, "/api/v1/farms/"+itoa(f.Id), map[string]any{"name": "越权"})
	env.Expect(t, http.StatusNotFound, w.tokB, http.MethodGet, "/api/v1/farms/"+itoa(f.Id), nil)
	env.Expect(t, http.StatusForbidden, w.bureauA, http.MethodPatch, "/api/v1/farms/"+itoa(f.Id), map[string]any{"name": "越权"})
	env.Expect(t, http.StatusForbidden, w.bureauA, http.MethodPost, "/api/v1/farms", w.household(w.collA1, fmID(t, "19700707", 2), "13912345678"))
	env.Expect(t, http.StatusNotFound, w.bureauB, http.MethodPatch, "/api/v1/farms/"+itoa(f.Id), map[string]any{"name": "越权"})
	fmInvalid(t, "registering into another collective",
		env.Do(t, w.tokA1, http.MethodPost, "/api/v1/farms", w.household(w.collA2, fmID(t, "19700707", 3), "13912345678")), "collective_id")
	env.Expect(t, http.StatusNotFound, env.Admin, http.MethodPatch, "/api/v1/farms/"+itoa(f.Id+10000), map[string]any{"name": "无"})
}

// fmRace sends n requests at once and returns their statuses.
func fmRace(t *testing.T, env *apitest.Env, n int, req func(i int) apitest.Request) []int {
	t.Helper()
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = env.Send(t, req(i)).Status
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

// fmOneWins checks that exactly one of statuses is 201 and every other 409.
func fmOneWins(t *testing.T, what string, statuses []int) {
	t.Helper()
	created, conflicts := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflicts++
		}
	}
	if created != 1 || conflicts != len(statuses)-1 {
		t.Errorf("%s: statuses %v, want one 201 and the rest 409", what, statuses)
	}
}

func TestFarmsConcurrentRegistrationsOfOnePerson(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	id := fmID(t, "19770707", 7)
	statuses := fmRace(t, w.env, 8, func(i int) apitest.Request {
		token := w.env.Admin
		if i%2 == 1 {
			token = w.tokA1
		}
		return apitest.Request{Method: http.MethodPost, Path: "/api/v1/farms", Token: token, Body: w.household(w.collA1, id, "13912345678")}
	})
	fmOneWins(t, "the same ID number registered 8 times at once", statuses)
	if got := fmList(t, w.env, w.env.Admin, url.Values{"id_number": {id}}); len(got) != 1 {
		t.Errorf("%d farms of the person", len(got))
	}
}

// A region filter takes a region code: anything else is refused or finds nothing, and is never a pattern.
func TestFarmsRegionFilterTakesRegionCodesOnly(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	w.create(t, w.env.Admin, w.household(w.collA1, fmID(t, "19700101", 1), "13912345678"))
	w.create(t, w.env.Admin, w.household(w.collB, fmIDIn(t, "610632", "19700101", 2), "13912345678"))
	for _, code := range []string{"%", "6106%", "61063_100201", "6106", "610631", "_"} {
		res := w.env.Do(t, w.env.Admin, http.MethodGet, "/api/v1/farms?"+url.Values{"region_code": {code}}.Encode(), nil)
		if res.Status == http.StatusBadRequest {
			continue
		}
		var l api.FarmList
		res.JSON(t, &l)
		if res.Status != http.StatusOK || len(l.Items) != 0 {
			t.Errorf("region_code=%q: status %d, farms %v; want 400 or none", code, res.Status, fmIDs(l.Items))
		}
	}
}
