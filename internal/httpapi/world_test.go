package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
	"github.com/tuoguan/tuoguan/internal/ident"
)

// The regions of the world: county A (黄龙县) with one township and two villages, and a foreign county B
// (洛川县) with one township and one village, both under 延安市, 陕西省.
const (
	provinceCode = "610000000000"
	cityCode     = "610600000000"
	countyA      = "610631000000"
	townshipA    = "610631100000"
	villageA1    = "610631100201"
	villageA2    = "610631100202"
	countyB      = "610632000000"
	townshipB    = "610632100000"
	villageB1    = "610632100201"
)

// worldPassword is the password of every account the world creates.
const worldPassword = "world-password-1"

// role is a column of the authorization table: the kind of caller.
type role string

const (
	asAdmin      role = "admin"
	asBureau     role = "bureau"
	asCollective role = "collective"
	asProvider   role = "provider"
)

// worldRoles are the callers every authorization row must state an expectation for.
var worldRoles = []role{asAdmin, asBureau, asCollective, asProvider}

// custodyOps are the operation types a full-custody contract must include; the world's providers offer them.
var custodyOps = []string{"ploughing", "sowing", "plant_protection", "harvesting"}

// world is a small registry built through the API: two counties, a collective in each, a bureau account for
// each county, a collective account for each collective, a provider account for each county's provider, and
// in each county a draft and an active contract of the county's farm with the county's provider, with one
// recorded operation on the active one.
type world struct {
	env *apitest.Env
	// token is a live session of the role's account in county A (admin: the admin).
	token map[role]string

	adminID        int64
	collA, collB   api.Collective
	farmA, farmB   api.Farm
	parcelA        api.Parcel
	parcelB        api.Parcel
	provA, provB   api.Provider
	bureauA        api.User
	bureauB        api.User
	collAUser      api.User
	collBUser      api.User
	bureauBToken   string
	collBUserToken string
	provAUser      api.User
	provBUser      api.User
	provBUserToken string

	// draftA and draftB are drafts on parcelA and parcelB; activeA and activeB are active contracts on
	// parcels of their own; opA and opB are recorded operations on activeA and activeB.
	draftA, draftB   api.Contract
	activeA, activeB api.Contract
	opA, opB         api.Operation
	// settlementA is a draft settlement of provider A in county A, and sampleA a field sample of county A, made
	// by tests that need them.
	settlementA, sampleA int64

	seq        atomic.Int64
	villageSeq atomic.Int64
	seasonSeq  atomic.Int64
}

// relaxedLogins lifts the login limits, so that a test may log in as often as it likes; a later option
// overrides it.
func relaxedLogins(c *account.Config) {
	c.AccountEvery, c.AccountBurst = time.Millisecond, 10000
	c.AddrEvery, c.AddrBurst = time.Millisecond, 10000
}

// newWorld builds the world over a fresh Env.
func newWorld(t *testing.T, opts ...apitest.Option) *world {
	t.Helper()
	env := apitest.New(t, append([]apitest.Option{relaxedLogins}, opts...)...)
	w := &world{env: env, token: map[role]string{asAdmin: env.Admin}}
	w.seq.Store(1000)
	w.villageSeq.Store(300)
	for _, r := range []api.RegionCreate{
		{Code: provinceCode, Name: "陕西省"}, {Code: cityCode, Name: "延安市"},
		{Code: countyA, Name: "黄龙县"}, {Code: townshipA, Name: "石堡镇"},
		{Code: villageA1, Name: "石堡村"}, {Code: villageA2, Name: "西山村"},
		{Code: countyB, Name: "洛川县"}, {Code: townshipB, Name: "凤栖镇"}, {Code: villageB1, Name: "谷咀村"},
	} {
		env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", r)
	}
	w.collA = w.newCollective(t, villageA1)
	w.collB = w.newCollective(t, villageB1)
	w.farmA, w.farmB = w.newFarm(t, w.collA), w.newFarm(t, w.collB)
	w.parcelA, w.parcelB = w.newParcel(t, w.farmA), w.newParcel(t, w.farmB)
	w.provA, w.provB = w.newProvider(t, countyA, custodyOps...), w.newProvider(t, countyB, custodyOps...)
	w.bureauA = w.newUser(t, api.UserCreate{Username: "bureau-a", Role: api.RoleBureau, RegionCode: ptr(countyA)})
	w.bureauB = w.newUser(t, api.UserCreate{Username: "bureau-b", Role: api.RoleBureau, RegionCode: ptr(countyB)})
	w.collAUser = w.newUser(t, api.UserCreate{Username: "coll-a", Role: api.RoleCollective, CollectiveId: ptr(w.collA.Id)})
	w.collBUser = w.newUser(t, api.UserCreate{Username: "coll-b", Role: api.RoleCollective, CollectiveId: ptr(w.collB.Id)})
	w.provAUser = w.newUser(t, api.UserCreate{Username: "provider-a", Role: api.RoleProvider, ProviderId: ptr(w.provA.Id)})
	w.provBUser = w.newUser(t, api.UserCreate{Username: "provider-b", Role: api.RoleProvider, ProviderId: ptr(w.provB.Id)})
	w.token[asBureau] = w.login(t, "bureau-a")
	w.token[asCollective] = w.login(t, "coll-a")
	w.token[asProvider] = w.login(t, "provider-a")
	w.bureauBToken = w.login(t, "bureau-b")
	w.collBUserToken = w.login(t, "coll-b")
	w.provBUserToken = w.login(t, "provider-b")

	w.draftA = w.newContract(t, w.contractBody(true, w.parcelA))
	w.draftB = w.newContract(t, w.contractBody(false, w.parcelB))
	w.activeA, w.activeB = w.newActive(t, true, day(-90), day(90)), w.newActive(t, false, day(-90), day(90))
	w.opA, w.opB = w.newOperation(t, w.activeA), w.newOperation(t, w.activeB)

	var me api.UserList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/users?role=admin", nil).JSON(t, &me)
	if len(me.Items) != 1 || me.Items[0].Username != "admin" {
		t.Fatalf("admin accounts: %+v", me.Items)
	}
	w.adminID = me.Items[0].Id
	return w
}

// next returns a number no other call on w returns.
func (w *world) next() int64 { return w.seq.Add(1) }

// username returns a fresh username starting with prefix.
func (w *world) username(prefix string) string { return fmt.Sprintf("%s-%d", prefix, w.next()) }

// creditCode returns a fresh unified social credit code that passes the GB 32100 checksum, registered in the
// county of region.
func (w *world) creditCode(t testing.TB, region string) string {
	t.Helper()
	code := creditCode(region[:6], "MA", w.next())
	if err := ident.ValidCreditCode(code); err != nil {
		t.Fatalf("credit code %s: %v", code, err)
	}
	return code
}

// newVillage creates a fresh village under township and returns its code.
func (w *world) newVillage(t testing.TB, township string) string {
	t.Helper()
	n := w.villageSeq.Add(1)
	if n > 999 {
		t.Fatal("the world ran out of village codes")
	}
	code := fmt.Sprintf("%s%03d", township[:9], n)
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: code, Name: fmt.Sprintf("新村%d", n)})
	return code
}

// collectiveBody is a valid registration of a collective for village.
func (w *world) collectiveBody(t testing.TB, village string) api.CollectiveCreate {
	t.Helper()
	return api.CollectiveCreate{Name: fmt.Sprintf("股份经济合作社%d", w.next()), CreditCode: w.creditCode(t, village),
		RegionCode: village, ContactName: "王建国", ContactPhone: "13812345678"}
}

// newCollective registers a collective for village as admin.
func (w *world) newCollective(t testing.TB, village string) api.Collective {
	t.Helper()
	var c api.Collective
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/collectives", w.collectiveBody(t, village)).JSON(t, &c)
	return c
}

// idNumber returns a fresh valid resident identity number.
func (w *world) idNumber(t testing.TB) string {
	t.Helper()
	n := w.next()
	first17 := fmt.Sprintf("610631%04d0101%03d", 1950+(n/1000)%50, n%1000)
	check, err := ident.IDCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(check)
}

// farmBody is a valid registration of a household farm in collective c.
func (w *world) farmBody(t testing.TB, c api.Collective) map[string]any {
	t.Helper()
	return map[string]any{"kind": "household", "name": fmt.Sprintf("农户%d", w.next()), "operator_name": "张三",
		"id_number": w.idNumber(t), "phone": "13912345678", "collective_id": c.Id}
}

// newFarm registers a household farm in collective c as admin.
func (w *world) newFarm(t testing.TB, c api.Collective) api.Farm {
	t.Helper()
	var f api.Farm
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/farms", w.farmBody(t, c)).JSON(t, &f)
	return f
}

// parcelBody is a valid registration of a parcel of farm f.
func (w *world) parcelBody(f api.Farm) map[string]any {
	return map[string]any{"farm_id": f.Id, "name": fmt.Sprintf("地块%d", w.next()), "area_mu": "10.50", "land_type": "dry"}
}

// newParcel registers a parcel of farm f as admin.
func (w *world) newParcel(t testing.TB, f api.Farm) api.Parcel {
	t.Helper()
	var pc api.Parcel
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/parcels", w.parcelBody(f)).JSON(t, &pc)
	return pc
}

// providerBody is a valid directory entry of a cooperative at home in region, offering ploughing and
// harvesting.
func (w *world) providerBody(t testing.TB, region string) map[string]any {
	t.Helper()
	return map[string]any{"name": fmt.Sprintf("农机合作社%d", w.next()), "kind": "cooperative", "credit_code": w.creditCode(t, region),
		"region_code": region, "operation_types": []string{"ploughing", "harvesting"}, "contact_name": "李四",
		"contact_phone": "13712345678"}
}

// newProvider adds a provider at home in region as admin; ops, when given, are the operation types it
// offers instead of providerBody's.
func (w *world) newProvider(t testing.TB, region string, ops ...string) api.Provider {
	t.Helper()
	body := w.providerBody(t, region)
	if len(ops) > 0 {
		body["operation_types"] = ops
	}
	var pr api.Provider
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/providers", body).JSON(t, &pr)
	return pr
}

// newUser creates an account as admin; an empty username or password is filled in.
func (w *world) newUser(t testing.TB, in api.UserCreate) api.User {
	t.Helper()
	if in.Username == "" {
		in.Username = w.username(string(in.Role))
	}
	if in.Password == "" {
		in.Password = worldPassword
	}
	var u api.User
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/users", in).JSON(t, &u)
	return u
}

// newCollectiveUser creates a fresh account of collective c.
func (w *world) newCollectiveUser(t testing.TB, c api.Collective) api.User {
	t.Helper()
	return w.newUser(t, api.UserCreate{Role: api.RoleCollective, CollectiveId: ptr(c.Id)})
}

// newProviderUser creates a fresh account of provider pr.
func (w *world) newProviderUser(t testing.TB, pr api.Provider) api.User {
	t.Helper()
	return w.newUser(t, api.UserCreate{Role: api.RoleProvider, ProviderId: ptr(pr.Id)})
}

// login opens a session of username with the world's password.
func (w *world) login(t testing.TB, username string) string {
	t.Helper()
	return w.env.Login(t, username, worldPassword)
}

// itemKeys returns the field key of each item of a list response, as text.
func itemKeys(t testing.TB, res *apitest.Response, key string) []string {
	t.Helper()
	var list struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	res.JSON(t, &list)
	keys := make([]string, 0, len(list.Items))
	for _, it := range list.Items {
		keys = append(keys, strings.Trim(string(it[key]), `"`))
	}
	return keys
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

// today is the current date in China.
func today() time.Time { return calendar.Today(time.Now()) }

// day returns the date offset days from today, as YYYY-MM-DD.
func day(offset int) string { return today().AddDate(0, 0, offset).Format(time.DateOnly) }

// worldSeason is the season year of the contracts the world drafts: not the current year, so that the
// numbering of a test's own contracts of the current year is not disturbed.
func worldSeason() int { return today().Year() + 1 }

// contractOf is the collective, farm and provider of the world's contracts in county A (own) or B.
func (w *world) contractOf(own bool) (api.Collective, api.Farm, api.Provider) {
	return pick(own, w.collA, w.collB), pick(own, w.farmA, w.farmB), pick(own, w.provA, w.provB)
}

// contractBody is a valid full-custody draft of farm A (own) or farm B with the county's provider, over the
// whole area of parcels, running from 90 days ago to 90 days ahead.
func (w *world) contractBody(own bool, parcels ...api.Parcel) map[string]any {
	c, f, pr := w.contractOf(own)
	return custodyBody(c, f, pr, parcels...)
}

// custodyBody is a valid full-custody draft of farm f of collective c with provider pr over the whole area of
// parcels (plant protection twice), running from 90 days ago to 90 days ahead, in the world's season.
func custodyBody(c api.Collective, f api.Farm, pr api.Provider, parcels ...api.Parcel) map[string]any {
	ps := make([]map[string]any, len(parcels))
	for i, pc := range parcels {
		ps[i] = map[string]any{"parcel_id": pc.Id, "area_mu": pc.AreaMu.String()}
	}
	return map[string]any{
		"collective_id": c.Id, "farm_id": f.Id, "provider_id": pr.Id, "crop": "corn", "season_year": worldSeason(),
		"mode": "full", "start_date": day(-90), "end_date": day(90), "parcels": ps,
		"services": []map[string]any{
			{"op_type": "ploughing", "passes": 1, "price_per_mu": "60.00", "subsidy_per_mu": "20.00", "baseline_cost_per_mu": "80.00"},
			{"op_type": "sowing", "passes": 1, "price_per_mu": "40.00", "subsidy_per_mu": "10.00", "baseline_cost_per_mu": "50.00"},
			{"op_type": "plant_protection", "passes": 2, "price_per_mu": "15.00", "subsidy_per_mu": "5.00", "baseline_cost_per_mu": "25.00"},
			{"op_type": "harvesting", "passes": 1, "price_per_mu": "70.00", "subsidy_per_mu": "20.00", "baseline_cost_per_mu": "100.00"},
		},
		"collective_fee_per_mu": "5.00", "baseline_yield_kg_per_mu": "500.00", "price_per_kg": "2.3000",
	}
}

// newContract drafts body as admin.
func (w *world) newContract(t testing.TB, body map[string]any) api.Contract {
	t.Helper()
	var c api.Contract
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/contracts", body).JSON(t, &c)
	return c
}

// newDraft drafts, as admin, a contract of farm A (own) or farm B with the county's provider on a fresh
// parcel of the farm, so that it can be activated.
func (w *world) newDraft(t testing.TB, own bool) api.Contract {
	t.Helper()
	return w.newContract(t, w.contractBody(own, w.newParcel(t, pick(own, w.farmA, w.farmB))))
}

// activate activates c as admin.
func (w *world) activate(t testing.TB, c api.Contract) api.Contract {
	t.Helper()
	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodPost, "/api/v1/contracts/"+itoa(c.Id)+"/activate", nil).JSON(t, &c)
	return c
}

// newActive drafts and activates, as admin, a contract like newDraft's running from start to end.
func (w *world) newActive(t testing.TB, own bool, start, end string) api.Contract {
	t.Helper()
	body := w.contractBody(own, w.newParcel(t, pick(own, w.farmA, w.farmB)))
	body["start_date"], body["end_date"] = start, end
	return w.activate(t, w.newContract(t, body))
}

// opBody is a valid operation on c: 0.10 mu of ploughing on its first parcel today.
func opBody(c api.Contract) map[string]any {
	return map[string]any{"parcel_id": c.Parcels[0].ParcelId, "op_type": "ploughing", "op_date": day(0), "area_mu": "0.10"}
}

// newOperation logs opBody(c) as admin.
func (w *world) newOperation(t testing.TB, c api.Contract) api.Operation {
	t.Helper()
	var op api.Operation
	w.env.ExpectKeyed(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/contracts/"+itoa(c.Id)+"/operations", opBody(c)).JSON(t, &op)
	return op
}

// newSettlement opens, as admin, a draft settlement of provider A in county A (own) or of provider B in
// county B, for season, and returns its id.
func (w *world) newSettlement(t testing.TB, own bool, season int) int64 {
	t.Helper()
	var st api.Settlement
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/settlements", map[string]any{
		"provider_id": pick(own, w.provA, w.provB).Id, "county_code": pick(own, countyA, countyB), "season_year": season}).JSON(t, &st)
	return st.Id
}

// freshSeason is a season no other call on w uses, after the world's own, so that settlements approved in it
// never meet.
func (w *world) freshSeason() int {
	s := worldSeason() + 1 + int(w.seasonSeq.Add(1))
	if s > 2100 {
		panic("out of fresh seasons")
	}
	return s
}

// newSample draws, as admin, a field sample of county A (own) or B in the world's season, and returns its id.
func (w *world) newSample(t testing.TB, own bool) int64 {
	t.Helper()
	var sm api.VerificationSample
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/verification-samples", map[string]any{
		"county_code": pick(own, countyA, countyB), "season_year": worldSeason(), "sample_pct": "50.00", "seed": 7}).JSON(t, &sm)
	return sm.Id
}
