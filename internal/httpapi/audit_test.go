package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// audList pages through GET /audit-events and returns every event in the order served.
func audList(t *testing.T, env *apitest.Env, token string, query url.Values) []api.AuditEvent {
	t.Helper()
	var events []api.AuditEvent
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatal("paging does not end")
		}
		var l api.AuditEventList
		env.Expect(t, http.StatusOK, token, http.MethodGet, "/api/v1/audit-events?"+query.Encode(), nil).JSON(t, &l)
		events = append(events, l.Items...)
		if l.NextCursor == nil {
			return events
		}
		query.Set("cursor", *l.NextCursor)
	}
}

// audSend sends a JSON request with a request id and fails t unless the status is want.
func audSend(t *testing.T, env *apitest.Env, want int, token, method, path string, body any, requestID string) *apitest.Response {
	t.Helper()
	res := env.Send(t, apitest.Request{Method: method, Path: path, Token: token, Body: body, Header: map[string]string{"X-Request-Id": requestID}})
	if res.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.Status, want, res.Body)
	}
	if got := res.Header.Get("X-Request-Id"); got != requestID {
		t.Errorf("X-Request-Id = %q, want %q", got, requestID)
	}
	return res
}

func audAdminID(t *testing.T, env *apitest.Env) int64 {
	t.Helper()
	var l api.UserList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/users?role=admin", nil).JSON(t, &l)
	if len(l.Items) != 1 {
		t.Fatalf("%d admins", len(l.Items))
	}
	return l.Items[0].Id
}

// audTime reads a snapshot's timestamp; the zero time when it is none.
func audTime(v any) time.Time {
	s, _ := v.(string)
	at, _ := time.Parse(time.RFC3339Nano, s)
	return at
}

func audStr(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestAuditOneEventPerChangeWithActorAndRequestID(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	admin := audAdminID(t, env)
	rgBuild(t, env)

	type want struct {
		action, objectType, objectID, region string
		before, after                        map[string]any // fields that must hold these values; nil: must be absent
	}
	step := 0
	expectOne := func(t *testing.T, method, path string, body any, status int, w want) map[string]any {
		t.Helper()
		step++
		rid := "audit-step-" + itoa(int64(step))
		before := rgCount(t, env, "audit_events")
		start := time.Now().Add(-time.Second)
		audSend(t, env, status, env.Admin, method, path, body, rid)
		if got := rgCount(t, env, "audit_events"); got != before+1 {
			t.Fatalf("%s %s wrote %d audit events, want 1", method, path, got-before)
		}
		var n int
		if err := env.DB.SQL.QueryRow(`SELECT count(*) FROM audit_events WHERE request_id = $1`, rid).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d events carry request id %s (%v)", n, rid, err)
		}
		events := audList(t, env, env.Admin, url.Values{"limit": {"1"}})
		e := events[0]
		if w.objectID == "" && e.After != nil {
			if id, ok := (*e.After)["id"].(float64); ok {
				w.objectID = itoa(int64(id))
			}
		}
		if e.Action != w.action || e.ObjectType != w.objectType || e.ObjectId != w.objectID || audStr(e.RegionCode) != w.region {
			t.Errorf("%s %s: event %s %s %s region %s, want %+v", method, path, e.Action, e.ObjectType, e.ObjectId, audStr(e.RegionCode), w)
		}
		if e.ActorId == nil || *e.ActorId != admin || audStr(e.ActorUsername) != "admin" || audStr(e.ActorRole) != "admin" {
			t.Errorf("%s %s: actor %v %s %s", method, path, e.ActorId, audStr(e.ActorUsername), audStr(e.ActorRole))
		}
		if audStr(e.RequestId) != rid {
			t.Errorf("%s %s: request_id %s, want %s", method, path, audStr(e.RequestId), rid)
		}
		if e.At.Before(start) || e.At.After(time.Now().Add(time.Second)) || e.At.Location() != time.UTC {
			t.Errorf("%s %s: at %v", method, path, e.At)
		}
		snap := func(name string, got *map[string]any, fields map[string]any) {
			if fields == nil {
				if got != nil {
					t.Errorf("%s %s: %s = %v, want none", method, path, name, *got)
				}
				return
			}
			if got == nil {
				t.Errorf("%s %s: no %s", method, path, name)
				return
			}
			for k, v := range fields {
				if gv, ok := (*got)[k]; !ok || gv != v {
					t.Errorf("%s %s: %s.%s = %v, want %v", method, path, name, k, gv, v)
				}
			}
			for _, secret := range []string{"password", "password_hash", "contact_phone_enc", "contact_phone_mac", "county_code"} {
				if _, ok := (*got)[secret]; ok {
					t.Errorf("%s %s: %s carries %s", method, path, name, secret)
				}
			}
		}
		snap("before", e.Before, w.before)
		snap("after", e.After, w.after)
		if e.After != nil {
			return *e.After
		}
		return nil
	}

	expectOne(t, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "620000000000", Name: "甘肃省"}, http.StatusCreated, want{
		"region.create", "region", "620000000000", "620000000000",
		nil, map[string]any{"code": "620000000000", "name": "甘肃省", "level": "province", "parent_code": nil}})
	expectOne(t, http.MethodPatch, "/api/v1/regions/610631100000", api.RegionUpdate{Name: "石堡新镇"}, http.StatusOK, want{
		"region.update", "region", "610631100000", "610631100000",
		map[string]any{"name": "石堡镇", "level": "township", "parent_code": "610631000000"},
		map[string]any{"name": "石堡新镇", "level": "township", "parent_code": "610631000000"}})

	after := expectOne(t, http.MethodPost, "/api/v1/collectives", colIn("610631100201", 1, "13812345678"), http.StatusCreated, want{
		"collective.create", "collective", "", "610631100201",
		nil, map[string]any{"region_code": "610631100201", "contact_phone": "138****5678", "credit_code": colCredit("610631", 1)}})
	id := int64(after["id"].(float64))
	var c api.Collective
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(id), nil).JSON(t, &c)
	events := audList(t, env, env.Admin, url.Values{"object_type": {"collective"}, "object_id": {itoa(id)}})
	if len(events) != 1 || events[0].Action != "collective.create" {
		t.Fatalf("events of collective %d: %+v", id, events)
	}
	expectOne(t, http.MethodPatch, "/api/v1/collectives/"+itoa(id), `{"name":"石堡村经济联合社","contact_phone":"13987654321"}`, http.StatusOK, want{
		"collective.update", "collective", itoa(id), "610631100201",
		map[string]any{"name": c.Name, "contact_phone": "138****5678"},
		map[string]any{"name": "石堡村经济联合社", "contact_phone": "139****4321", "region_code": "610631100201"}})

	user := expectOne(t, http.MethodPost, "/api/v1/users", api.UserCreate{Username: "huanglong", Password: "bureau-password", Role: api.RoleBureau, RegionCode: ptr("610631000000")}, http.StatusCreated, want{
		"user.create", "user", "", "610631000000",
		nil, map[string]any{"username": "huanglong", "role": "bureau", "region_code": "610631000000", "disabled": false}})
	uid := itoa(int64(user["id"].(float64)))
	expectOne(t, http.MethodPatch, "/api/v1/users/"+uid, `{"disabled":true}`, http.StatusOK, want{
		"user.update", "user", uid, "610631000000",
		map[string]any{"username": "huanglong", "disabled": false},
		map[string]any{"username": "huanglong", "disabled": true}})
	expectOne(t, http.MethodPatch, "/api/v1/users/"+uid, `{"password":"another-password"}`, http.StatusOK, want{
		"user.update", "user", uid, "610631000000",
		map[string]any{"disabled": true}, map[string]any{"disabled": true}})

	// The created user's snapshot is the stored row, not a zero value.
	var u api.User
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/users/"+uid, nil).JSON(t, &u)
	if got := audTime(user["created_at"]); !got.Equal(u.CreatedAt) {
		t.Errorf("user.create after.created_at = %v, want %v", user["created_at"], u.CreatedAt)
	}
	rows, err := env.DB.SQL.Query(`SELECT e::text FROM audit_events e`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"bureau-password", "another-password", "argon2", "13812345678", "13987654321"} {
			if strings.Contains(text, secret) {
				t.Errorf("an audit row holds %q: %s", secret, text)
			}
		}
	}
}

func TestAuditBootstrapSnapshotIsTheStoredAdmin(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	events := audList(t, env, env.Admin, url.Values{"action": {"user.create"}})
	if len(events) != 1 || events[0].After == nil {
		t.Fatalf("bootstrap events: %+v", events)
	}
	var u api.User
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/users/"+itoa(audAdminID(t, env)), nil).JSON(t, &u)
	if got := audTime((*events[0].After)["created_at"]); !got.Equal(u.CreatedAt) {
		t.Errorf("after.created_at = %v, want %v", (*events[0].After)["created_at"], u.CreatedAt)
	}
}

func TestAuditNeverHoldsAClearPhone(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	c := colCreate(t, env, env.Admin, colIn("610631100201", 1, "+86 138 1234 5678"))
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(c.Id), `{"contact_phone":"139-8765-4321"}`)
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(c.Id), `{"contact_phone":"029-87654321","name":"新名"}`)
	clear := []string{"13812345678", "1381234", "12345678", "13987654321", "87654321", "02987654321", "029-87654321", "139-8765-4321", "138 1234 5678"}

	res := env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/audit-events?object_type=collective", nil)
	var l api.AuditEventList
	res.JSON(t, &l)
	if len(l.Items) != 3 {
		t.Fatalf("%d collective events, want 3", len(l.Items))
	}
	masks := map[string]bool{}
	for _, e := range l.Items {
		for _, s := range []*map[string]any{e.Before, e.After} {
			if s != nil {
				masks[(*s)["contact_phone"].(string)] = true
			}
		}
	}
	if !masks["138****5678"] || !masks["139****4321"] || !masks["0******4321"] {
		t.Errorf("snapshots carry phones %v, want the three masks", masks)
	}
	rows, err := env.DB.SQL.Query(`SELECT e::text FROM audit_events e`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var texts []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, s)
	}
	for _, p := range clear {
		if strings.Contains(string(res.Body), p) {
			t.Errorf("the audit API answers the clear phone %q", p)
		}
		for _, s := range texts {
			if strings.Contains(s, p) {
				t.Errorf("audit row holds the clear phone %q: %s", p, s)
			}
		}
	}
}

func TestAuditReadersAndScope(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	huanglong := rgBureau(t, env, "huanglong", "610631000000")
	luochuan := rgBureau(t, env, "luochuan", "610632000000")
	mine := colCreate(t, env, huanglong, colIn("610631100201", 1, "13812345678"))
	theirs := colCreate(t, env, luochuan, colIn("610632100201", 1, "13987654321"))
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(theirs.Id), `{"name":"城关村经济联合社"}`)
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/regions/610632100000", api.RegionUpdate{Name: "凤栖新镇"})
	village := rgUser(t, env, api.UserCreate{Username: "shibao", Password: "collective-password", Role: api.RoleCollective, CollectiveId: &mine.Id})

	all := audList(t, env, env.Admin, url.Values{"limit": {"500"}})
	if n := rgCount(t, env, "audit_events"); len(all) != n {
		t.Errorf("admin reads %d of %d events", len(all), n)
	}
	about := func(events []api.AuditEvent, objectType, objectID string) bool {
		return slices.ContainsFunc(events, func(e api.AuditEvent) bool { return e.ObjectType == objectType && e.ObjectId == objectID })
	}
	for _, b := range []struct {
		token, county, other string
		own, foreign         int64
	}{
		{huanglong, "610631", "610632", mine.Id, theirs.Id},
		{luochuan, "610632", "610631", theirs.Id, mine.Id},
	} {
		events := audList(t, env, b.token, url.Values{"limit": {"2"}})
		want := 0
		for _, e := range all {
			if e.RegionCode != nil && strings.HasPrefix(*e.RegionCode, b.county) {
				want++
			}
		}
		if len(events) != want || want == 0 {
			t.Errorf("bureau of %s reads %d events, want %d", b.county, len(events), want)
		}
		for _, e := range events {
			if e.RegionCode == nil || !strings.HasPrefix(*e.RegionCode, b.county) {
				t.Errorf("bureau of %s reads an event outside its county: %s %s %s", b.county, e.Action, e.ObjectId, audStr(e.RegionCode))
			}
		}
		if !about(events, "collective", itoa(b.own)) || about(events, "collective", itoa(b.foreign)) {
			t.Errorf("bureau of %s: own collective's events %v, other county's %v", b.county, about(events, "collective", itoa(b.own)), about(events, "collective", itoa(b.foreign)))
		}
		if !about(events, "region", b.county+"000000") || about(events, "region", b.other+"000000") || about(events, "region", "610600000000") {
			t.Errorf("bureau of %s reads the wrong region events", b.county)
		}
		// A filter naming the other county's object finds nothing.
		if got := audList(t, env, b.token, url.Values{"object_type": {"collective"}, "object_id": {itoa(b.foreign)}}); len(got) != 0 {
			t.Errorf("bureau of %s reads %d events of the other county's collective", b.county, len(got))
		}
	}
	res := env.Expect(t, http.StatusForbidden, village, http.MethodGet, "/api/v1/audit-events", nil)
	res.Problem(t)

	filtered := audList(t, env, env.Admin, url.Values{"object_type": {"collective"}, "object_id": {itoa(theirs.Id)}})
	if len(filtered) != 2 || filtered[0].Action != "collective.update" || filtered[1].Action != "collective.create" {
		t.Errorf("events of collective %d: %+v", theirs.Id, filtered)
	}
	if got := audList(t, env, env.Admin, url.Values{"action": {"region.update"}}); len(got) != 1 || got[0].ObjectId != "610632100000" {
		t.Errorf("region.update events: %+v", got)
	}
	var lc api.UserList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/users?region_code=610632000000&role=bureau", nil).JSON(t, &lc)
	if len(lc.Items) != 1 {
		t.Fatalf("luochuan bureaus: %+v", lc.Items)
	}
	byActor := audList(t, env, env.Admin, url.Values{"actor_id": {itoa(lc.Items[0].Id)}})
	if len(byActor) != 1 || byActor[0].Action != "collective.create" || byActor[0].ObjectId != itoa(theirs.Id) || audStr(byActor[0].ActorUsername) != "luochuan" {
		t.Errorf("events by the luochuan bureau: %+v", byActor)
	}
}

func TestAuditNewestFirstAndPaging(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	for i := range 3 {
		env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/regions/610631000000", api.RegionUpdate{Name: "黄龙县" + itoa(int64(i))})
	}
	all := audList(t, env, env.Admin, url.Values{"limit": {"500"}})
	if len(all) != len(rgTree)+3+1 {
		t.Fatalf("%d events", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Id >= all[i-1].Id || all[i].At.After(all[i-1].At) {
			t.Errorf("event %d (%d at %v) follows %d at %v: not newest first", i, all[i].Id, all[i].At, all[i-1].Id, all[i-1].At)
		}
	}
	if all[0].Action != "region.update" || (*all[0].After)["name"] != "黄龙县2" {
		t.Errorf("newest event %+v", all[0])
	}
	if all[len(all)-1].Action != "user.create" {
		t.Errorf("oldest event %+v, want the admin's creation", all[len(all)-1])
	}
	for _, limit := range []string{"1", "2", "5"} {
		paged := audList(t, env, env.Admin, url.Values{"limit": {limit}})
		if len(paged) != len(all) {
			t.Errorf("limit %s: %d events, want %d", limit, len(paged), len(all))
			continue
		}
		for i := range paged {
			if paged[i].Id != all[i].Id {
				t.Errorf("limit %s: event %d is %d, want %d", limit, i, paged[i].Id, all[i].Id)
				break
			}
		}
	}
	// A new event does not shift a page already being read.
	var first api.AuditEventList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/audit-events?limit=2", nil).JSON(t, &first)
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/regions/610631000000", api.RegionUpdate{Name: "黄龙县"})
	var second api.AuditEventList
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/audit-events?limit=2&cursor="+url.QueryEscape(*first.NextCursor), nil).JSON(t, &second)
	if len(second.Items) != 2 || second.Items[0].Id != all[2].Id {
		t.Errorf("second page starts at %+v, want event %d", second.Items, all[2].Id)
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	dump := func() string {
		var s string
		if err := env.DB.SQL.QueryRow(`SELECT coalesce(string_agg(e::text, E'\n' ORDER BY id), '') FROM audit_events e`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := dump()
	if before == "" {
		t.Fatal("no events to protect")
	}
	for _, stmt := range []string{
		`UPDATE audit_events SET action = 'x'`,
		`UPDATE audit_events SET before = NULL WHERE id = (SELECT max(id) FROM audit_events)`,
		`DELETE FROM audit_events`,
		`DELETE FROM audit_events WHERE id = (SELECT min(id) FROM audit_events)`,
		`TRUNCATE audit_events`,
		`TRUNCATE audit_events CASCADE`,
	} {
		if _, err := env.DB.SQL.Exec(stmt); err == nil {
			t.Errorf("%s succeeded", stmt)
		}
	}
	if after := dump(); after != before {
		t.Errorf("the audit log changed:\n%s\nwas\n%s", after, before)
	}
	// Appending still works.
	env.Expect(t, http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/regions/610631000000", api.RegionUpdate{Name: "黄龙"})
	if !strings.HasPrefix(dump(), before) || len(dump()) <= len(before) {
		t.Error("no event appended after the refused changes")
	}
}

func TestAuditFailedWritesLeaveNoEvent(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	bureau := rgBureau(t, env, "huanglong", "610631000000")
	c := colCreate(t, env, env.Admin, colIn("610631100201", 1, "13812345678"))
	d := colCreate(t, env, env.Admin, colIn("610631100202", 2, "13987654321"))
	failures := []struct {
		status        int
		token, method string
		path          string
		body          any
	}{
		{http.StatusConflict, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610631000000", Name: "重复"}},
		{http.StatusUnprocessableEntity, env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610633100201", Name: "无父"}},
		{http.StatusUnprocessableEntity, env.Admin, http.MethodPatch, "/api/v1/regions/610631000000", api.RegionUpdate{Name: " "}},
		{http.StatusForbidden, bureau, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: "610631100203", Name: "新村"}},
		{http.StatusForbidden, bureau, http.MethodPatch, "/api/v1/regions/610631000000", api.RegionUpdate{Name: "改"}},
		{http.StatusConflict, env.Admin, http.MethodPost, "/api/v1/collectives", colIn("610631100201", 3, "15011112222")},
		{http.StatusConflict, bureau, http.MethodPost, "/api/v1/collectives", api.CollectiveCreate{Name: "白马村合作社", CreditCode: c.CreditCode,
			RegionCode: "610631101201", ContactName: "赵六", ContactPhone: "15011112222"}},
		{http.StatusConflict, env.Admin, http.MethodPatch, "/api/v1/collectives/" + itoa(d.Id), `{"name":"改名","credit_code":"` + c.CreditCode + `"}`},
		{http.StatusUnprocessableEntity, env.Admin, http.MethodPatch, "/api/v1/collectives/" + itoa(d.Id), `{"name":"改名","contact_phone":"123"}`},
		{http.StatusNotFound, bureau, http.MethodPatch, "/api/v1/collectives/" + itoa(d.Id+100), `{"name":"改名"}`},
		{http.StatusConflict, env.Admin, http.MethodPost, "/api/v1/users", api.UserCreate{Username: "huanglong", Password: "bureau-password", Role: api.RoleBureau, RegionCode: ptr("610631000000")}},
		{http.StatusUnprocessableEntity, env.Admin, http.MethodPost, "/api/v1/users", api.UserCreate{Username: "nobody", Password: "bureau-password", Role: api.RoleBureau, RegionCode: ptr("610699000000")}},
		{http.StatusForbidden, bureau, http.MethodPost, "/api/v1/users", api.UserCreate{Username: "another", Password: "bureau-password", Role: api.RoleBureau, RegionCode: ptr("610631000000")}},
		{http.StatusUnprocessableEntity, env.Admin, http.MethodPatch, "/api/v1/users/" + itoa(audAdminID(t, env)), `{"disabled":true}`},
	}
	dump := func() string {
		var s string
		if err := env.DB.SQL.QueryRow(`SELECT coalesce(string_agg(e::text, E'\n' ORDER BY id), '') FROM audit_events e`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, f := range failures {
		before := dump()
		env.Expect(t, f.status, f.token, f.method, f.path, f.body)
		if dump() != before {
			t.Errorf("%s %s answered %d and wrote an audit event", f.method, f.path, f.status)
		}
	}
	var read api.Collective
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(d.Id), nil).JSON(t, &read)
	if read != d {
		t.Errorf("a refused change went through: %+v", read)
	}
}
