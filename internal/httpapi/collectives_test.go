package httpapi_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// colCredit returns a valid credit code of a village collective in county, numbered n.
func colCredit(county string, n int) string { return creditCode(county, "MF", int64(n)) }

// colCreate registers a collective as token and returns it.
func colCreate(t *testing.T, env *apitest.Env, token string, in api.CollectiveCreate) api.Collective {
	t.Helper()
	var c api.Collective
	res := env.Expect(t, http.StatusCreated, token, http.MethodPost, "/api/v1/collectives", in)
	res.JSON(t, &c)
	if got := res.Header.Get("Location"); got != "/api/v1/collectives/"+itoa(c.Id) {
		t.Errorf("Location = %q, want /api/v1/collectives/%d", got, c.Id)
	}
	return c
}

// colIn returns a valid creation of a collective for village, numbered n for its credit code.
func colIn(village string, n int, phone string) api.CollectiveCreate {
	return api.CollectiveCreate{Name: "村股份经济合作社" + strconv.Itoa(n), CreditCode: colCredit(village[:6], n), RegionCode: village,
		ContactName: "联系人" + strconv.Itoa(n), ContactPhone: phone}
}

// colList pages through GET /collectives and returns the ids in the order served.
func colList(t *testing.T, env *apitest.Env, token string, query url.Values) []int64 {
	t.Helper()
	var ids []int64
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		var l api.CollectiveList
		res := env.Expect(t, http.StatusOK, token, http.MethodGet, "/api/v1/collectives?"+query.Encode(), nil)
		res.JSON(t, &l)
		colNoClearPhone(t, res.Body)
		for _, c := range l.Items {
			ids = append(ids, c.Id)
		}
		if l.NextCursor == nil {
			return ids
		}
		query.Set("cursor", *l.NextCursor)
	}
}

// colPhones are the clear phone numbers the collective tests use; none may appear in a response.
var colPhones = []string{"13812345678", "13987654321", "15011112222", "18600001111", "13700002222", "02987654321"}

func colNoClearPhone(t *testing.T, body []byte) {
	t.Helper()
	for _, p := range colPhones {
		if bytes.Contains(body, []byte(p)) {
			t.Errorf("a response carries the clear phone %s: %s", p, body)
		}
	}
}

func TestCollectivesCreateReadListChangeByAdmin(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	in := api.CollectiveCreate{Name: " 石堡村股份经济合作社 ", CreditCode: strings.ToLower(colCredit("610631", 1)), RegionCode: "610631100201",
		ContactName: " 王建国 ", ContactPhone: "13812345678"}
	res := env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/collectives", in)
	colNoClearPhone(t, res.Body)
	var c api.Collective
	res.JSON(t, &c)
	want := api.Collective{Id: c.Id, Name: "石堡村股份经济合作社", CreditCode: colCredit("610631", 1), RegionCode: "610631100201",
		ContactName: "王建国", ContactPhone: "138****5678", CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c != want {
		t.Errorf("created %+v, want %+v", c, want)
	}
	if c.Id <= 0 || time.Since(c.CreatedAt) > time.Minute || c.CreatedAt.Location() != time.UTC || !c.UpdatedAt.Equal(c.CreatedAt) {
		t.Errorf("id %d, created_at %v, updated_at %v", c.Id, c.CreatedAt, c.UpdatedAt)
	}
	if got := res.Header.Get("Location"); got != "/api/v1/collectives/"+itoa(c.Id) {
		t.Errorf("Location = %q", got)
	}

	var got api.Collective
	res = env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(c.Id), nil)
	colNoClearPhone(t, res.Body)
	res.JSON(t, &got)
	if got != c {
		t.Errorf("read %+v, want %+v", got, c)
	}
	if ids := colList(t, env, env.Admin, url.Values{}); !slices.Equal(ids, []int64{c.Id}) {
		t.Errorf("list = %v", ids)
	}

	changes := []struct {
		body  string
		check func(api.Collective) bool
	}{
		{`{"name":"石堡村经济联合社"}`, func(x api.Collective) bool {
			return x.Name == "石堡村经济联合社" && x.ContactName == "王建国"
		}},
		{`{"contact_phone":"+86 139-8765-4321"}`, func(x api.Collective) bool {
			return x.ContactPhone == "139****4321" && x.Name == "石堡村经济联合社"
		}},
		{`{"contact_name":"李秀英","credit_code":"` + strings.ToLower(colCredit("610631", 2)) + `"}`, func(x api.Collective) bool {
			return x.ContactName == "李秀英" && x.CreditCode == colCredit("610631", 2) && x.ContactPhone == "139****4321"
		}},
		{`{}`, func(x api.Collective) bool {
			return x.ContactName == "李秀英" && x.Name == "石堡村经济联合社"
		}},
	}
	for _, ch := range changes {
		var after api.Collective
		res := env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(c.Id), ch.body)
		colNoClearPhone(t, res.Body)
		res.JSON(t, &after)
		var read api.Collective
		env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(c.Id), nil).JSON(t, &read)
		if !ch.check(after) || read != after || after.RegionCode != c.RegionCode || !after.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("PATCH %s answered %+v, reads back %+v", ch.body, after, read)
		}
	}
	env.Expect(t, http.StatusNotFound, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(c.Id+1000), nil)
	env.Expect(t, http.StatusNotFound, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(c.Id+1000), `{"name":"无"}`)
}

func TestCollectivesUpdatedAtMovesOnChange(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	c := colCreate(t, env, env.Admin, colIn("610631100201", 1, "13812345678"))
	time.Sleep(10 * time.Millisecond)
	var after api.Collective
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(c.Id), `{"name":"改名合作社"}`).JSON(t, &after)
	if !after.UpdatedAt.After(c.UpdatedAt) || !after.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("after a change: created_at %v → %v, updated_at %v → %v", c.CreatedAt, after.CreatedAt, c.UpdatedAt, after.UpdatedAt)
	}
}

func TestCollectivesByCountyBureauAndByTheCollective(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	bureau := rgBureau(t, env, "huanglong", "610631000000")
	other := colCreate(t, env, env.Admin, colIn("610632100201", 1, "15011112222"))

	mine := colCreate(t, env, bureau, colIn("610631100201", 2, "13812345678"))
	env.Expect(t, http.StatusOK, bureau, http.MethodGet, "/api/v1/collectives/"+itoa(mine.Id), nil)
	var changed api.Collective
	env.Expect(t, http.StatusOK, bureau, http.MethodPatch, "/api/v1/collectives/"+itoa(mine.Id), `{"name":"石堡村经济联合社"}`).JSON(t, &changed)
	if changed.Name != "石堡村经济联合社" {
		t.Errorf("bureau's change answered %+v", changed)
	}
	if ids := colList(t, env, bureau, url.Values{}); !slices.Equal(ids, []int64{mine.Id}) {
		t.Errorf("bureau lists %v, want only %d", ids, mine.Id)
	}
	if ids := colList(t, env, bureau, url.Values{"region_code": {"610632000000"}}); len(ids) != 0 {
		t.Errorf("bureau lists the other county's collectives: %v", ids)
	}
	if ids := colList(t, env, env.Admin, url.Values{}); !slices.Equal(ids, []int64{other.Id, mine.Id}) {
		t.Errorf("admin lists %v", ids)
	}

	// The other county's collective is not there for the bureau, and its village is no village it knows.
	a := env.Expect(t, http.StatusNotFound, bureau, http.MethodGet, "/api/v1/collectives/"+itoa(other.Id), nil).Problem(t)
	b := env.Expect(t, http.StatusNotFound, bureau, http.MethodGet, "/api/v1/collectives/"+itoa(other.Id+1000), nil).Problem(t)
	if a.Title != b.Title || a.Type != b.Type {
		t.Errorf("out of scope %+v differs from missing %+v", a, b)
	}
	env.Expect(t, http.StatusNotFound, bureau, http.MethodPatch, "/api/v1/collectives/"+itoa(other.Id), `{"name":"越权"}`)
	outside := env.Expect(t, http.StatusUnprocessableEntity, bureau, http.MethodPost, "/api/v1/collectives", colIn("610632100201", 3, "13700002222"))
	missing := env.Expect(t, http.StatusUnprocessableEntity, bureau, http.MethodPost, "/api/v1/collectives", colIn("610631100299", 4, "13700002222"))
	if fo, fm := outside.Fields(t), missing.Fields(t); !slices.Equal(fo, []string{"region_code"}) || !slices.Equal(fo, fm) {
		t.Errorf("a village outside the bureau's county names %v, a missing village %v", fo, fm)
	}
	if po, pm := outside.Problem(t), missing.Problem(t); (*po.Errors)[0].Message != (*pm.Errors)[0].Message {
		t.Errorf("a village outside the county (%q) is told apart from a missing one (%q)", (*po.Errors)[0].Message, (*pm.Errors)[0].Message)
	}
	var read api.Collective
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(other.Id), nil).JSON(t, &read)
	if read != other {
		t.Errorf("the other county's collective changed: %+v", read)
	}

	// The collective's own account reads itself only and changes nothing.
	own := rgUser(t, env, api.UserCreate{Username: "shibao", Password: "collective-password", Role: api.RoleCollective, CollectiveId: &mine.Id})
	env.Expect(t, http.StatusOK, own, http.MethodGet, "/api/v1/collectives/"+itoa(mine.Id), nil)
	env.Expect(t, http.StatusNotFound, own, http.MethodGet, "/api/v1/collectives/"+itoa(other.Id), nil)
	env.Expect(t, http.StatusForbidden, own, http.MethodPatch, "/api/v1/collectives/"+itoa(mine.Id), `{"name":"自改"}`)
	env.Expect(t, http.StatusNotFound, own, http.MethodPatch, "/api/v1/collectives/"+itoa(other.Id), `{"name":"自改"}`)
	env.Expect(t, http.StatusForbidden, own, http.MethodPost, "/api/v1/collectives", colIn("610631100202", 5, "13700002222"))
	if ids := colList(t, env, own, url.Values{}); !slices.Equal(ids, []int64{mine.Id}) {
		t.Errorf("the collective lists %v", ids)
	}
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(mine.Id), nil).JSON(t, &read)
	if read.Name != "石堡村经济联合社" {
		t.Errorf("the collective's refused change went through: %+v", read)
	}
}

func TestCollectivesOnePerVillageAndOneCreditCodePerCounty(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	first := colCreate(t, env, env.Admin, colIn("610631100201", 1, "13812345678"))
	second := colCreate(t, env, env.Admin, colIn("610631100202", 2, "13987654321"))
	rows, events := rgCount(t, env, "collectives"), rgCount(t, env, "audit_events")

	conflicts := []struct {
		name   string
		method string
		path   string
		body   any
	}{
		{"second collective in a village", http.MethodPost, "/api/v1/collectives", colIn("610631100201", 3, "15011112222")},
		{"credit code taken in the county", http.MethodPost, "/api/v1/collectives", api.CollectiveCreate{Name: "白马村合作社",
			CreditCode: first.CreditCode, RegionCode: "610631101201", ContactName: "赵六", ContactPhone: "15011112222"}},
		{"credit code taken, lower case", http.MethodPost, "/api/v1/collectives", api.CollectiveCreate{Name: "白马村合作社",
			CreditCode: strings.ToLower(first.CreditCode), RegionCode: "610631101201", ContactName: "赵六", ContactPhone: "15011112222"}},
		{"change to a taken credit code", http.MethodPatch, "/api/v1/collectives/" + itoa(second.Id), `{"credit_code":"` + first.CreditCode + `"}`},
	}
	for _, c := range conflicts {
		res := env.Expect(t, http.StatusConflict, env.Admin, c.method, c.path, c.body)
		if p := res.Problem(t); p.Type != "urn:tuoguan:problem:conflict" {
			t.Errorf("%s: problem %+v", c.name, p)
		}
	}
	if rgCount(t, env, "collectives") != rows || rgCount(t, env, "audit_events") != events {
		t.Error("a refused collective wrote something")
	}
	var read api.Collective
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(second.Id), nil).JSON(t, &read)
	if read != second {
		t.Errorf("a refused change went through: %+v", read)
	}
	// Keeping one's own credit code is no conflict.
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(second.Id), `{"credit_code":"`+second.CreditCode+`"}`)
}

func TestCollectivesRegionCodeCannotChange(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	c := colCreate(t, env, env.Admin, colIn("610631100201", 1, "13812345678"))
	events := rgCount(t, env, "audit_events")
	for _, body := range []string{
		`{"region_code":"610631100202"}`,
		`{"name":"搬家合作社","region_code":"610631100202"}`,
		`{"region_code":"610631100201"}`,
	} {
		res := env.Do(t, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(c.Id), body)
		if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
			t.Errorf("PATCH %s: status %d, want 400 or 422: %s", body, res.Status, res.Body)
			continue
		}
		if f := res.Fields(t); !slices.Contains(f, "region_code") {
			t.Errorf("PATCH %s: problem names %v, want region_code", body, f)
		}
	}
	var read api.Collective
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(c.Id), nil).JSON(t, &read)
	if read != c {
		t.Errorf("collective changed to %+v", read)
	}
	if rgCount(t, env, "audit_events") != events {
		t.Error("a refused change was audited")
	}
}

func TestCollectivesPhoneIsMaskedEverywhere(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	cases := []struct {
		village, phone, mask string
	}{
		{"610631100201", "13812345678", "138****5678"},
		{"610631100202", "+86 139 8765 4321", "139****4321"},
		{"610631101201", "0086-150-1111-2222", "150****2222"},
		{"610632100201", "029-87654321", "0******4321"},
	}
	var ids []int64
	for i, c := range cases {
		res := env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/collectives", colIn(c.village, i+1, c.phone))
		colNoClearPhone(t, res.Body)
		var got api.Collective
		res.JSON(t, &got)
		ids = append(ids, got.Id)
		if c.mask != "" && got.ContactPhone != c.mask {
			t.Errorf("%s answered as %q, want %q", c.phone, got.ContactPhone, c.mask)
		}
		if !strings.Contains(got.ContactPhone, "*") {
			t.Errorf("%s answered unmasked: %q", c.phone, got.ContactPhone)
		}
		res = env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(got.Id), nil)
		colNoClearPhone(t, res.Body)
	}
	colList(t, env, env.Admin, url.Values{"limit": {"1"}})
	res := env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(ids[0]), `{"contact_phone":"18600001111"}`)
	colNoClearPhone(t, res.Body)
	var c api.Collective
	res.JSON(t, &c)
	if c.ContactPhone != "186****1111" {
		t.Errorf("changed phone answered as %q", c.ContactPhone)
	}
	res = env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/audit-events?limit=500", nil)
	colNoClearPhone(t, res.Body)
}

func TestCollectivesListFiltersAndPaging(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	a := colCreate(t, env, env.Admin, api.CollectiveCreate{Name: "石堡村股份经济合作社", CreditCode: colCredit("610631", 1), RegionCode: "610631100201", ContactName: "甲", ContactPhone: "13812345678"})
	b := colCreate(t, env, env.Admin, api.CollectiveCreate{Name: "东村经济联合社", CreditCode: colCredit("610631", 2), RegionCode: "610631100202", ContactName: "乙", ContactPhone: "13812345678"})
	c := colCreate(t, env, env.Admin, api.CollectiveCreate{Name: "白马村股份经济合作社", CreditCode: colCredit("610631", 3), RegionCode: "610631101201", ContactName: "丙", ContactPhone: "13812345678"})
	d := colCreate(t, env, env.Admin, api.CollectiveCreate{Name: "城关村股份经济合作社", CreditCode: colCredit("610632", 1), RegionCode: "610632100201", ContactName: "丁", ContactPhone: "13812345678"})
	cases := []struct {
		query url.Values
		want  []int64
	}{
		{url.Values{}, []int64{a.Id, b.Id, c.Id, d.Id}},
		{url.Values{"region_code": {"610631000000"}}, []int64{a.Id, b.Id, c.Id}},
		{url.Values{"region_code": {"610631100000"}}, []int64{a.Id, b.Id}},
		{url.Values{"region_code": {"610631100202"}}, []int64{b.Id}},
		{url.Values{"region_code": {"610632000000"}}, []int64{d.Id}},
		{url.Values{"region_code": {"610600000000"}}, []int64{a.Id, b.Id, c.Id, d.Id}},
		{url.Values{"name": {"股份"}}, []int64{a.Id, c.Id, d.Id}},
		{url.Values{"name": {"联合社"}}, []int64{b.Id}},
		{url.Values{"name": {"股份"}, "region_code": {"610631000000"}}, []int64{a.Id, c.Id}},
		{url.Values{"credit_code": {c.CreditCode}}, []int64{c.Id}},
		{url.Values{"credit_code": {strings.ToLower(c.CreditCode)}}, []int64{c.Id}},
		{url.Values{"credit_code": {colCredit("610631", 9)}}, nil},
	}
	for _, tc := range cases {
		for _, limit := range []string{"500", "3", "1"} {
			q := url.Values{"limit": {limit}}
			for k, v := range tc.query {
				q[k] = v
			}
			if got := colList(t, env, env.Admin, q); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", q.Encode(), got, tc.want)
			}
		}
	}
	var page api.CollectiveList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives?limit=4", nil).JSON(t, &page)
	if len(page.Items) != 4 || page.NextCursor != nil {
		t.Errorf("a full last page: %d items, cursor %v", len(page.Items), page.NextCursor)
	}
}

func TestCollectivesPhoneIsSealedAtRestAndBoundToItsRow(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	a := colCreate(t, env, env.Admin, colIn("610631100201", 1, "13812345678"))
	b := colCreate(t, env, env.Admin, colIn("610631100202", 2, "+86 139 8765 4321"))
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(a.Id), `{"contact_phone":"15011112222"}`)
	clear := map[int64]string{a.Id: "15011112222", b.Id: "13987654321"}
	all := []string{"13812345678", "15011112222", "13987654321"}

	// No column, read as text or as raw bytes, holds a clear number.
	rows, err := env.DB.SQL.Query(`SELECT c::text FROM collectives c`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		n++
		for _, p := range all {
			if strings.Contains(text, p) || strings.Contains(text, hex.EncodeToString([]byte(p))) {
				t.Errorf("row holds the clear phone %s: %s", p, text)
			}
		}
	}
	rows.Close()
	if n != 2 {
		t.Fatalf("%d rows", n)
	}
	rows, err = env.DB.SQL.Query(`SELECT * FROM collectives`)
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
			var raw []byte
			switch v := v.(type) {
			case []byte:
				raw = v
			default:
				raw = []byte(fmt.Sprint(v))
			}
			for _, p := range all {
				if bytes.Contains(raw, []byte(p)) || bytes.Contains(raw, []byte(p[3:])) {
					t.Errorf("column %s holds (part of) the clear phone %s", cols[i], p)
				}
			}
		}
	}
	rows.Close()

	sealed := func(id int64) []byte {
		var enc []byte
		if err := env.DB.SQL.QueryRow(`SELECT contact_phone_enc FROM collectives WHERE id = $1`, id).Scan(&enc); err != nil {
			t.Fatal(err)
		}
		return enc
	}
	binding := func(id int64) string { return fmt.Sprintf("collectives/610631/%d/contact_phone", id) }
	for id, phone := range clear {
		got, err := env.Keys.Open(sealed(id), binding(id))
		if err != nil || got != phone {
			t.Fatalf("collective %d opens to %q, %v; want %s", id, got, err, phone)
		}
	}

	if _, err := env.DB.SQL.Exec(`UPDATE collectives c SET contact_phone_enc = o.contact_phone_enc
		FROM collectives o WHERE c.id IN ($1, $2) AND o.county_code = c.county_code AND o.id IN ($1, $2) AND o.id <> c.id`, a.Id, b.Id); err != nil {
		t.Fatal(err)
	}
	for id := range clear {
		if got, err := env.Keys.Open(sealed(id), binding(id)); err == nil {
			t.Errorf("collective %d opens another row's sealed phone as %q", id, got)
		}
	}
	// The sealed values are intact; only their binding to the row refuses them.
	if got, err := env.Keys.Open(sealed(a.Id), binding(b.Id)); err != nil || got != clear[b.Id] {
		t.Errorf("swapped value opens with its own binding to %q, %v", got, err)
	}
	if _, err := env.Keys.Open(sealed(b.Id), fmt.Sprintf("collectives/610632/%d/contact_phone", a.Id)); err == nil {
		t.Error("a sealed phone opens under another county's binding")
	}
}
