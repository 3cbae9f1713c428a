package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// na marks a case that does not exist for a route (a route with no object has no foreign one).
const na = 0

// outcome is the status a role gets on an object inside its scope (own) and on one outside it (foreign).
type outcome struct{ own, foreign int }

// routeRow is one route of the authorization table.
type routeRow struct {
	// want holds an outcome for every role of worldRoles.
	want map[role]outcome
	// build returns a fresh request for the case; an empty Token is the role's session in the world.
	build func(t *testing.T, w *world, r role, own bool) apitest.Request
	// check, when set, looks further at a response whose status was as expected.
	check func(t *testing.T, w *world, r role, own bool, res *apitest.Response)
	// after, when set, looks at what the request, answered as expected, left behind.
	after func(t *testing.T, w *world, req apitest.Request, res *apitest.Response)
}

// pick returns ownV for own, foreignV otherwise.
func pick[T any](own bool, ownV, foreignV T) T {
	if own {
		return ownV
	}
	return foreignV
}

// authzTable says, for every /api/v1 route but login (keyed as echo registers it), what each role gets.
// docs/domain.md: outside the scope 404, a role that may never act 403.
var authzTable = map[string]routeRow{
	"POST /api/v1/auth/logout": {
		want: map[role]outcome{asAdmin: {204, na}, asBureau: {204, na}, asCollective: {204, na}, asProvider: {204, na}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/logout", Token: w.freshSession(t, r)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			// The world's own session of the same account is not affected.
			w.env.Expect(t, http.StatusOK, w.token[r], http.MethodGet, "/api/v1/users?limit=1", nil)
		},
	},
	"GET /api/v1/auth/me": {
		want: map[role]outcome{asAdmin: {200, na}, asBureau: {200, na}, asCollective: {200, na}, asProvider: {200, na}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/auth/me"}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			var me api.User
			res.JSON(t, &me)
			want := map[role]string{asAdmin: "admin", asBureau: w.bureauA.Username, asCollective: w.collAUser.Username, asProvider: w.provAUser.Username}[r]
			if me.Username != want || string(me.Role) != string(r) {
				t.Errorf("a %s is told it is %s (%s), want %s", r, me.Username, me.Role, want)
			}
		},
	},
	"GET /api/v1/users": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/users?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			got := itemKeys(t, res, "id")
			a, b := itoa(w.collAUser.Id), itoa(w.collBUser.Id)
			switch {
			case own && (r == asCollective || r == asProvider):
				if self := itoa(w.self(r).Id); !sameSet(got, []string{self}) {
					t.Errorf("a %s lists %v, want only itself (%s)", r, got, self)
				}
			case own:
				if !slices.Contains(got, a) || !slices.Contains(got, itoa(w.bureauA.Id)) || slices.Contains(got, b) {
					t.Errorf("%s lists %v in county A, want %s and %d, not %s", r, got, a, w.bureauA.Id, b)
				}
			case r == asAdmin:
				if !slices.Contains(got, b) || !slices.Contains(got, itoa(w.bureauB.Id)) {
					t.Errorf("admin lists %v in county B, want %s and %d", got, b, w.bureauB.Id)
				}
			default:
				if len(got) != 0 {
					t.Errorf("%s lists accounts of county B: %v", r, got)
				}
			}
		},
	},
	"POST /api/v1/users": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {201, 422}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/users", Body: api.UserCreate{
				Username: w.username("new-coll"), Password: worldPassword, Role: api.RoleCollective,
				CollectiveId: ptr(pick(own, w.collA, w.collB).Id)}}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			switch res.Status {
			case http.StatusUnprocessableEntity:
				if got := res.Fields(t); !sameSet(got, []string{"collective_id"}) {
					t.Errorf("fields %v, want [collective_id]", got)
				}
			case http.StatusCreated:
				var u api.User
				res.JSON(t, &u)
				if loc := res.Header.Get("Location"); loc != "/api/v1/users/"+itoa(u.Id) {
					t.Errorf("Location = %q", loc)
				}
				if want := pick(own, villageA1, villageB1); u.RegionCode == nil || *u.RegionCode != want {
					t.Errorf("region_code = %v, want %s", u.RegionCode, want)
				}
			}
		},
	},
	"GET /api/v1/users/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/users/" + itoa(pick(own, w.self(r), w.collBUser).Id)}
		},
	},
	"PATCH /api/v1/users/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			target := w.newCollectiveUser(t, pick(own, w.collA, w.collB))
			if r == asProvider && own {
				target = w.newProviderUser(t, w.provA)
			}
			req := apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + itoa(target.Id)}
			switch {
			case r != asCollective && r != asProvider:
				req.Body = api.UserUpdate{Disabled: ptr(true)}
			case own: // a collective's or a provider's account changes its own password
				req.Token = w.login(t, target.Username)
				req.Body = api.UserUpdate{Password: ptr("changed-password-1")}
			default:
				req.Body = api.UserUpdate{Password: ptr("changed-password-1")}
			}
			return req
		},
	},
	"GET /api/v1/regions": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions?limit=500&within=" + pick(own, countyA, countyB)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			got := itemKeys(t, res, "code")
			switch {
			case own && r == asCollective:
				if !sameSet(got, []string{villageA1}) {
					t.Errorf("a collective lists regions %v, want only its village", got)
				}
			case own:
				if !slices.Contains(got, countyA) || !slices.Contains(got, villageA1) || !slices.Contains(got, villageA2) {
					t.Errorf("%s lists regions %v, want county A and its villages", r, got)
				}
			case r == asAdmin:
				if !slices.Contains(got, countyB) || !slices.Contains(got, villageB1) {
					t.Errorf("admin lists regions %v, want county B and its village", got)
				}
			default:
				if len(got) != 0 {
					t.Errorf("%s lists regions of county B: %v", r, got)
				}
			}
		},
	},
	"POST /api/v1/regions": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {403, 403}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			n := w.villageSeq.Add(1)
			code := fmt.Sprintf("%s%03d", pick(own, townshipA, townshipB)[:9], n)
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Body: api.RegionCreate{Code: code, Name: fmt.Sprintf("新村%d", n)}}
		},
	},
	"GET /api/v1/regions/:code": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions/" + pick(own, villageA1, villageB1)}
		},
	},
	"PATCH /api/v1/regions/:code": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {403, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/regions/" + pick(own, villageA1, villageB1),
				Body: api.RegionUpdate{Name: fmt.Sprintf("改名村%d", w.next())}}
		},
	},
	"GET /api/v1/collectives": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/collectives?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			got := itemKeys(t, res, "id")
			a, b := itoa(w.collA.Id), itoa(w.collB.Id)
			switch {
			case own && r == asCollective:
				if !sameSet(got, []string{a}) {
					t.Errorf("a collective lists %v, want only itself (%s)", got, a)
				}
			case own:
				if !slices.Contains(got, a) || slices.Contains(got, b) {
					t.Errorf("%s lists %v in county A, want %s and not %s", r, got, a, b)
				}
			case r == asAdmin:
				if !slices.Contains(got, b) {
					t.Errorf("admin lists %v in county B, want %s", got, b)
				}
			default:
				if len(got) != 0 {
					t.Errorf("%s lists collectives of county B: %v", r, got)
				}
			}
		},
	},
	"POST /api/v1/collectives": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {201, 422}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			village := w.newVillage(t, pick(own, townshipA, townshipB))
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/collectives", Body: w.collectiveBody(t, village)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status == http.StatusUnprocessableEntity {
				if got := res.Fields(t); !sameSet(got, []string{"region_code"}) {
					t.Errorf("fields %v, want [region_code]", got)
				}
			}
		},
	},
	"GET /api/v1/collectives/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/collectives/" + itoa(pick(own, w.collA, w.collB).Id)}
		},
	},
	"PATCH /api/v1/collectives/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 404}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/collectives/" + itoa(pick(own, w.collA, w.collB).Id),
				Body: api.CollectiveUpdate{Name: ptr(fmt.Sprintf("股份经济合作社%d", w.next()))}}
		},
	},
	"GET /api/v1/audit-events": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/audit-events?limit=500&object_type=collective&object_id=" +
				itoa(pick(own, w.collA, w.collB).Id)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			got := itemKeys(t, res, "object_id")
			target := itoa(pick(own, w.collA, w.collB).Id)
			if !own && r == asBureau {
				if len(got) != 0 {
					t.Errorf("bureau A reads %d events about collective B", len(got))
				}
				return
			}
			if len(got) == 0 {
				t.Errorf("%s reads no events about collective %s", r, target)
			}
			for _, id := range got {
				if id != target {
					t.Errorf("event about object %s in a listing filtered by %s", id, target)
				}
			}
		},
	},
	"GET /api/v1/farms": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/farms?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: listCheck("id", func(w *world) (string, string) { return itoa(w.farmA.Id), itoa(w.farmB.Id) }, asAdmin),
	},
	"POST /api/v1/farms": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {403, 403}, asCollective: {201, 422}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/farms", Body: w.farmBody(t, pick(own, w.collA, w.collB))}
		},
		check: fieldsCheck("collective_id"),
	},
	"GET /api/v1/farms/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/farms/" + itoa(pick(own, w.farmA, w.farmB).Id)}
		},
	},
	"PATCH /api/v1/farms/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/farms/" + itoa(pick(own, w.farmA, w.farmB).Id),
				Body: map[string]any{"name": fmt.Sprintf("农户%d", w.next())}}
		},
	},
	"GET /api/v1/parcels": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/parcels?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: listCheck("id", func(w *world) (string, string) { return itoa(w.parcelA.Id), itoa(w.parcelB.Id) }, asAdmin),
	},
	"POST /api/v1/parcels": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {403, 403}, asCollective: {201, 422}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/parcels", Body: w.parcelBody(pick(own, w.farmA, w.farmB))}
		},
		check: fieldsCheck("farm_id"),
	},
	"GET /api/v1/parcels/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/parcels/" + itoa(pick(own, w.parcelA, w.parcelB).Id)}
		},
	},
	"PATCH /api/v1/parcels/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/parcels/" + itoa(pick(own, w.parcelA, w.parcelB).Id),
				Body: map[string]any{"name": fmt.Sprintf("地块%d", w.next())}}
		},
	},
	// The roster: a collective imports into its own village (a row for another is refused, not found), admin anywhere.
	"POST /api/v1/imports/farms": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 403}, asCollective: {200, 200}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			csv := fmt.Sprintf("kind,name,operator_name,id_number,phone,collective_id\nhousehold,农户%d,张三,%s,13912345678,%d\n",
				w.next(), w.idNumber(t), pick(own, w.collA, w.collB).Id)
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/imports/farms", Body: csv,
				Header: map[string]string{"Content-Type": "text/csv"}}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var out api.ImportResult
			res.JSON(t, &out)
			wantCreated := own || r == asAdmin
			if len(out.Rows) != 1 || (out.Created == 1) != wantCreated || (!wantCreated && out.Rows[0].Errors[0].Code != api.FieldErrorCodeNotFound) {
				t.Errorf("a %s imports (own %v): %s", r, own, res.Body)
			}
		},
	},
	"POST /api/v1/imports/parcels": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 403}, asCollective: {200, 200}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			csv := fmt.Sprintf("farm_id,name,area_mu,land_type\n%d,地块%d,3.5,dry\n", pick(own, w.farmA, w.farmB).Id, w.next())
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/imports/parcels", Body: csv,
				Header: map[string]string{"Content-Type": "text/csv"}}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var out api.ImportResult
			res.JSON(t, &out)
			wantCreated := own || r == asAdmin
			if len(out.Rows) != 1 || (out.Created == 1) != wantCreated || (!wantCreated && out.Rows[0].Errors[0].Field != "farm_id") {
				t.Errorf("a %s imports parcels (own %v): %s", r, own, res.Body)
			}
		},
	},
	// The provider directory: collectives read all of it (they choose providers for their contracts).
	"GET /api/v1/providers": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/providers?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: listCheck("id", func(w *world) (string, string) { return itoa(w.provA.Id), itoa(w.provB.Id) }, asAdmin, asCollective),
	},
	"POST /api/v1/providers": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {201, 422}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/providers", Body: w.providerBody(t, pick(own, countyA, countyB))}
		},
		check: fieldsCheck("region_code"),
	},
	"GET /api/v1/providers/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 200}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/providers/" + itoa(pick(own, w.provA, w.provB).Id)}
		},
	},
	"PATCH /api/v1/providers/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 403}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/providers/" + itoa(pick(own, w.provA, w.provB).Id),
				Body: map[string]any{"contact_name": fmt.Sprintf("联系人%d", w.next()%100)}}
		},
	},
	"GET /api/v1/reference/crops": {
		want: map[role]outcome{asAdmin: {200, na}, asBureau: {200, na}, asCollective: {200, na}, asProvider: {200, na}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/reference/crops"}
		},
		check: nonEmptyList("code"),
	},
	"GET /api/v1/reference/operation-types": {
		want: map[role]outcome{asAdmin: {200, na}, asBureau: {200, na}, asCollective: {200, na}, asProvider: {200, na}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/reference/operation-types"}
		},
		check: nonEmptyList("code"),
	},
	// Contracts: drafted, changed and moved along by their collective or admin; read by whoever sees them.
	"GET /api/v1/contracts": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/contracts?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: listCheck("id", func(w *world) (string, string) { return itoa(w.activeA.Id), itoa(w.activeB.Id) }, asAdmin),
	},
	"GET /api/v1/operations": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/operations?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: listCheck("id", func(w *world) (string, string) { return itoa(w.opA.Id), itoa(w.opB.Id) }, asAdmin),
	},
	"POST /api/v1/contracts": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {403, 403}, asCollective: {201, 422}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/contracts", Body: w.contractBody(own, pick(own, w.parcelA, w.parcelB))}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			switch res.Status {
			case http.StatusUnprocessableEntity:
				if got := res.Fields(t); !sameSet(got, []string{"collective_id"}) {
					t.Errorf("fields %v, want [collective_id]", got)
				}
			case http.StatusCreated:
				var c api.Contract
				res.JSON(t, &c)
				if loc := res.Header.Get("Location"); loc != "/api/v1/contracts/"+itoa(c.Id) {
					t.Errorf("Location = %q", loc)
				}
				prefix := fmt.Sprintf("%s-%d-", pick(own, villageA1, villageB1), worldSeason())
				if !strings.HasPrefix(c.Number, prefix) || c.Status != api.ContractStatusDraft || c.CollectiveId != pick(own, w.collA, w.collB).Id {
					t.Errorf("contract %+v, want a draft of collective %d numbered %s…", c, pick(own, w.collA, w.collB).Id, prefix)
				}
			}
		},
	},
	"GET /api/v1/contracts/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/contracts/" + itoa(pick(own, w.activeA, w.activeB).Id)}
		},
		check: idCheck(func(w *world, own bool) int64 { return pick(own, w.activeA, w.activeB).Id }),
	},
	"PATCH /api/v1/contracts/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			c := w.newContract(t, w.contractBody(own, pick(own, w.parcelA, w.parcelB)))
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/contracts/" + itoa(c.Id), Body: map[string]any{"collective_fee_per_mu": "6.50"}}
		},
		check: contractCheck(api.ContractStatusDraft, func(t *testing.T, c api.Contract) {
			if c.CollectiveFeePerMu.String() != "6.50" {
				t.Errorf("collective_fee_per_mu = %s, want 6.50", c.CollectiveFeePerMu)
			}
		}),
	},
	"DELETE /api/v1/contracts/:id": {
		want: map[role]outcome{asAdmin: {204, 204}, asBureau: {403, 404}, asCollective: {204, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			c := w.newContract(t, w.contractBody(own, pick(own, w.parcelA, w.parcelB)))
			return apitest.Request{Method: http.MethodDelete, Path: "/api/v1/contracts/" + itoa(c.Id)}
		},
		after: func(t *testing.T, w *world, req apitest.Request, res *apitest.Response) {
			want := pick(res.Status == http.StatusNoContent, http.StatusNotFound, http.StatusOK)
			if got := w.env.Do(t, w.env.Admin, http.MethodGet, req.Path, nil).Status; got != want {
				t.Errorf("after a %d, admin reads the contract: %d, want %d", res.Status, got, want)
			}
		},
	},
	"POST /api/v1/contracts/:id/activate": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/contracts/" + itoa(w.newDraft(t, own).Id) + "/activate"}
		},
		check: contractCheck(api.ContractStatusActive, func(t *testing.T, c api.Contract) {
			if c.ActivatedAt == nil {
				t.Error("no activated_at")
			}
		}),
		after: statusAfter("draft"),
	},
	"POST /api/v1/contracts/:id/complete": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			c := w.newActive(t, own, day(-200), day(-10)) // its end date has passed
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/contracts/" + itoa(c.Id) + "/complete"}
		},
		check: contractCheck(api.ContractStatusCompleted, func(t *testing.T, c api.Contract) {
			if c.ClosedAt == nil {
				t.Error("no closed_at")
			}
		}),
		after: statusAfter("active"),
	},
	"POST /api/v1/contracts/:id/terminate": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			c := w.newActive(t, own, day(-90), day(90))
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/contracts/" + itoa(c.Id) + "/terminate", Body: map[string]any{"reason": "农户退出托管"}}
		},
		check: contractCheck(api.ContractStatusTerminated, func(t *testing.T, c api.Contract) {
			if c.TerminationReason == nil || *c.TerminationReason != "农户退出托管" || c.ClosedAt == nil {
				t.Errorf("termination_reason %v, closed_at %v", c.TerminationReason, c.ClosedAt)
			}
		}),
		after: statusAfter("active"),
	},
	// Operations: logged and voided by the contract's provider or admin, confirmed and disputed by its
	// collective or admin, read by whoever sees the contract.
	"GET /api/v1/contracts/:id/operations": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/contracts/" + itoa(pick(own, w.activeA, w.activeB).Id) + "/operations?limit=500"}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var list api.OperationList
			res.JSON(t, &list)
			c, op := pick(own, w.activeA, w.activeB), pick(own, w.opA, w.opB)
			found := false
			for _, o := range list.Items {
				found = found || o.Id == op.Id
				if o.ContractId != c.Id {
					t.Errorf("operation %d of contract %d in the list of contract %d", o.Id, o.ContractId, c.Id)
				}
			}
			if !found {
				t.Errorf("operation %d missing from the list of contract %d", op.Id, c.Id)
			}
		},
	},
	"POST /api/v1/contracts/:id/operations": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {403, 403}, asCollective: {403, 403}, asProvider: {201, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			c := pick(own, w.activeA, w.activeB)
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/contracts/" + itoa(c.Id) + "/operations", Body: opBody(c),
				Header: map[string]string{"Idempotency-Key": fmt.Sprintf("authz-%d", w.next())}}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusCreated {
				return
			}
			var op api.Operation
			res.JSON(t, &op)
			if loc := res.Header.Get("Location"); loc != "/api/v1/operations/"+itoa(op.Id) {
				t.Errorf("Location = %q", loc)
			}
			if op.ContractId != pick(own, w.activeA, w.activeB).Id || op.Status != api.Recorded {
				t.Errorf("operation %+v", op)
			}
		},
	},
	"POST /api/v1/operations/batch": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 403}, asCollective: {403, 403}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			c := pick(own, w.activeA, w.activeB)
			item := opBody(c)
			item["contract_id"], item["idempotency_key"] = c.Id, fmt.Sprintf("authz-%d", w.next())
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/operations/batch", Body: map[string]any{"operations": []any{item}}}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var out api.OperationBatchResults
			res.JSON(t, &out)
			if len(out.Results) != 1 {
				t.Fatalf("results %+v, want one", out.Results)
			}
			got := out.Results[0]
			if r == asProvider && !own { // another provider's contract: refused as not found
				if got.Status != api.Refused || got.Error == nil || got.Error.Status != http.StatusNotFound || got.Operation != nil {
					t.Errorf("result %+v, want refused with a 404 problem", got)
				}
				return
			}
			if got.Status != api.Created || got.Operation == nil || got.Operation.ContractId != pick(own, w.activeA, w.activeB).Id {
				t.Errorf("result %+v, want created", got)
			}
		},
	},
	"GET /api/v1/operations/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/operations/" + itoa(pick(own, w.opA, w.opB).Id)}
		},
		check: idCheck(func(w *world, own bool) int64 { return pick(own, w.opA, w.opB).Id }),
	},
	"POST /api/v1/operations/:id/confirm": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			op := w.newOperation(t, pick(own, w.activeA, w.activeB))
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/operations/" + itoa(op.Id) + "/confirm"}
		},
		check: operationCheck(api.Confirmed),
		after: statusAfter("recorded"),
	},
	"POST /api/v1/operations/:id/dispute": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			op := w.newOperation(t, pick(own, w.activeA, w.activeB))
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/operations/" + itoa(op.Id) + "/dispute", Body: map[string]any{"reason": "面积不符"}}
		},
		check: operationCheck(api.Disputed),
		after: statusAfter("recorded"),
	},
	"POST /api/v1/operations/:id/void": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {403, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			op := w.newOperation(t, pick(own, w.activeA, w.activeB))
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/operations/" + itoa(op.Id) + "/void"}
		},
		check: operationCheck(api.Voided),
		after: statusAfter("recorded"),
	},
	// Figures: whoever reads a contract reads its benefit; statistics cover what the caller may see, and a
	// region outside it is not found.
	"GET /api/v1/contracts/:id/benefit": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/contracts/" + itoa(pick(own, w.activeA, w.activeB).Id) + "/benefit"}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var b api.ContractBenefit
			res.JSON(t, &b)
			if c := pick(own, w.activeA, w.activeB); b.ContractId != c.Id || b.Number != c.Number {
				t.Errorf("benefit of %d %s, want %d %s", b.ContractId, b.Number, c.Id, c.Number)
			}
		},
	},
	// A collective's scope is its village, so it asks for its village; a region outside the caller's scope is
	// not found.
	"GET /api/v1/stats/collectives": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			region := pick(own, countyA, countyB)
			return apitest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/api/v1/stats/collectives?season_year=%d&region_code=%s", worldSeason(), region)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			got := itemKeys(t, res, "collective_id")
			a, b := itoa(w.collA.Id), itoa(w.collB.Id)
			switch {
			case own && (r == asCollective || r == asProvider): // its own row; the collectives it works for
				if !sameSet(got, []string{a}) {
					t.Errorf("%s lists %v, want only %s", r, got, a)
				}
			case own:
				if !slices.Contains(got, a) || slices.Contains(got, b) {
					t.Errorf("%s lists %v in county A, want %s and not %s", r, got, a, b)
				}
			case r != asAdmin: // the collectives of county B inside the caller's scope: none
				if len(got) != 0 {
					t.Errorf("%s lists %v in county B, want none", r, got)
				}
			default:
				if !slices.Contains(got, b) || slices.Contains(got, a) {
					t.Errorf("%s lists %v in county B, want %s and not %s", r, got, b, a)
				}
			}
		},
	},
	"GET /api/v1/stats/regions/:code": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/api/v1/stats/regions/%s?season_year=%d", pick(own, villageA1, villageB1), worldSeason())}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var got api.RegionStats
			res.JSON(t, &got)
			if got.RegionCode != pick(own, villageA1, villageB1) || got.Contracts < 1 {
				t.Errorf("%s of %s counts %d contracts, want the active one at least", r, got.RegionCode, got.Contracts)
			}
		},
	},
	"GET /api/v1/stats/family-farms": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/stats/family-farms?region_code=" + pick(own, villageA1, villageB1)}
		},
	},
	"GET /api/v1/regions/:code/standard-area-weights": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions/" + pick(own, villageA1, villageB1) + "/standard-area-weights"}
		},
	},
	"PUT /api/v1/regions/:code/standard-area-weights": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 404}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPut, Path: "/api/v1/regions/" + pick(own, villageA1, villageB1) + "/standard-area-weights",
				Body: map[string]any{"weights": map[string]any{"ploughing": "0.40", "sowing": "0.20", "plant_protection": "0.10", "harvesting": "0.30"}}}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var got api.StandardAreaWeights
			res.JSON(t, &got)
			code := pick(own, villageA1, villageB1)
			if got.RegionCode != code || got.Source == nil || *got.Source != code || len(got.Weights) != 4 || got.Weights["ploughing"].String() != "0.4000" {
				t.Errorf("weights %+v, want the four set on %s", got, code)
			}
		},
	},
	"GET /api/v1/subsidy-policies/:county_code/:season_year": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			county := pick(own, countyA, countyB)
			w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodPut, policyPath(county), policyBody("40.00", "130.00", "flag"))
			return apitest.Request{Method: http.MethodGet, Path: policyPath(county)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var got api.SubsidyPolicy
			if res.JSON(t, &got); got.CountyCode != pick(own, countyA, countyB) {
				t.Errorf("policy of %s, want %s", got.CountyCode, pick(own, countyA, countyB))
			}
		},
	},
	"POST /api/v1/verification-samples": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {201, 404}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/verification-samples", Body: map[string]any{
				"county_code": pick(own, countyA, countyB), "season_year": worldSeason(), "sample_pct": "10.00"}}
		},
	},
	"GET /api/v1/verification-samples/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/verification-samples/" + itoa(w.newSample(t, own))}
		},
	},
	"POST /api/v1/verification-samples/:id/results": {
		want: map[role]outcome{asAdmin: {422, 422}, asBureau: {422, 404}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			// The world confirms no work, so its samples are empty and any result names an operation not in them.
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/verification-samples/" + itoa(w.newSample(t, own)) + "/results",
				Body: map[string]any{"results": []map[string]any{{"operation_id": pick(own, w.opA, w.opB).Id, "verified_area_mu": "0.10"}}}}
		},
	},
	"GET /api/v1/settlements": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {403, 403}, asProvider: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			id := w.newSettlement(t, own, w.freshSeason())
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/settlements?limit=500&provider_id=" + itoa(pick(own, w.provA, w.provB).Id) + "&cursor=" + settlementCursor(id)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			got := itemKeys(t, res, "id")
			// A bureau and a provider see the other county's and the other provider's settlements as an empty list.
			if sees := own || r == asAdmin; sees != (len(got) > 0) {
				t.Errorf("a %s (own %v) lists %v", r, own, got)
			}
		},
	},
	"POST /api/v1/settlements": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {201, 404}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/settlements", Body: map[string]any{
				"provider_id": pick(own, w.provA, w.provB).Id, "county_code": pick(own, countyA, countyB), "season_year": w.freshSeason()}}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusCreated {
				return
			}
			var st api.Settlement
			if res.JSON(t, &st); st.Status != api.SettlementStatusDraft || st.ProviderId != pick(own, w.provA, w.provB).Id {
				t.Errorf("created %+v", st)
			}
		},
	},
	"GET /api/v1/settlements/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 403}, asProvider: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/settlements/" + itoa(w.newSettlement(t, own, w.freshSeason()))}
		},
	},
	"DELETE /api/v1/settlements/:id": {
		want: map[role]outcome{asAdmin: {204, 204}, asBureau: {204, 404}, asCollective: {403, 403}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodDelete, Path: "/api/v1/settlements/" + itoa(w.newSettlement(t, own, w.freshSeason()))}
		},
	},
	"POST /api/v1/settlements/:id/approve": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 403}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/settlements/" + itoa(w.newSettlement(t, own, w.freshSeason())) + "/approve"}
		},
	},
	"POST /api/v1/settlements/:id/pay": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 403}, asProvider: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			id := w.newSettlement(t, own, w.freshSeason())
			w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodPost, "/api/v1/settlements/"+itoa(id)+"/approve", nil)
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/settlements/" + itoa(id) + "/pay", Body: map[string]any{"reference": "黄财农〔2026〕17号"}}
		},
	},
	"PUT /api/v1/subsidy-policies/:county_code/:season_year": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 403}, asProvider: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			// The world's contracts keep this policy, so the rows that activate some still can.
			return apitest.Request{Method: http.MethodPut, Path: policyPath(pick(own, countyA, countyB)), Body: policyBody("40.00", "130.00", "refuse")}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			if res.Status != http.StatusOK {
				return
			}
			var got api.SubsidyPolicy
			if res.JSON(t, &got); got.MaxSharePct.String() != "40.00" {
				t.Errorf("policy %+v", got)
			}
		},
	},
}

// idCheck checks that a read answers the object it was asked for.
func idCheck(id func(w *world, own bool) int64) func(*testing.T, *world, role, bool, *apitest.Response) {
	return func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
		if res.Status != http.StatusOK {
			return
		}
		var got struct {
			ID int64 `json:"id"`
		}
		res.JSON(t, &got)
		if want := id(w, own); got.ID != want {
			t.Errorf("id %d, want %d", got.ID, want)
		}
	}
}

// contractCheck checks that a 200 answers the contract in status, and more.
func contractCheck(status api.ContractStatus, more func(t *testing.T, c api.Contract)) func(*testing.T, *world, role, bool, *apitest.Response) {
	return func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
		if res.Status != http.StatusOK {
			return
		}
		var c api.Contract
		res.JSON(t, &c)
		if c.Status != status {
			t.Errorf("status %s, want %s", c.Status, status)
		}
		more(t, c)
	}
}

// operationCheck checks that a 200 answers the operation in status.
func operationCheck(status api.OperationStatus) func(*testing.T, *world, role, bool, *apitest.Response) {
	return func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
		if res.Status != http.StatusOK {
			return
		}
		var op api.Operation
		res.JSON(t, &op)
		if op.Status != status {
			t.Errorf("status %s, want %s", op.Status, status)
		}
	}
}

// statusAfter checks, for an action on /<things>/:id/<action>, that a refused action left the object in
// status before, as admin reads it.
func statusAfter(before string) func(*testing.T, *world, apitest.Request, *apitest.Response) {
	return func(t *testing.T, w *world, req apitest.Request, res *apitest.Response) {
		if res.Status < 400 {
			return
		}
		object := req.Path[:strings.LastIndex(req.Path, "/")]
		var got struct {
			Status string `json:"status"`
		}
		w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, object, nil).JSON(t, &got)
		if got.Status != before {
			t.Errorf("a refused %s %s left the object %s, want %s", req.Method, req.Path, got.Status, before)
		}
	}
}

// listCheck checks a list filtered to county A (own) or county B (foreign): an own list holds the own
// object and not the foreign one; a foreign list holds the foreign object for the roles that see it and
// nothing for the others.
func listCheck(key string, objects func(w *world) (own, foreign string), seeForeign ...role) func(*testing.T, *world, role, bool, *apitest.Response) {
	return func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
		if res.Status != http.StatusOK {
			return
		}
		got := itemKeys(t, res, key)
		a, b := objects(w)
		switch {
		case own:
			if !slices.Contains(got, a) || slices.Contains(got, b) {
				t.Errorf("%s lists %v in county A, want %s and not %s", r, got, a, b)
			}
		case slices.Contains(seeForeign, r):
			if !slices.Contains(got, b) || slices.Contains(got, a) {
				t.Errorf("%s lists %v in county B, want %s and not %s", r, got, b, a)
			}
		default:
			if len(got) != 0 {
				t.Errorf("%s lists objects of county B: %v", r, got)
			}
		}
	}
}

// fieldsCheck checks that a 422 names exactly fields.
func fieldsCheck(fields ...string) func(*testing.T, *world, role, bool, *apitest.Response) {
	return func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
		if res.Status != http.StatusUnprocessableEntity {
			return
		}
		if got := res.Fields(t); !sameSet(got, fields) {
			t.Errorf("fields %v, want %v", got, fields)
		}
	}
}

// freshSession logs the role's account of the world in again and returns the new token.
func (w *world) freshSession(t testing.TB, r role) string {
	t.Helper()
	switch r {
	case asAdmin:
		return w.env.Login(t, "admin", apitest.AdminPassword)
	case asBureau:
		return w.login(t, w.bureauA.Username)
	case asCollective:
		return w.login(t, w.collAUser.Username)
	case asProvider:
		return w.login(t, w.provAUser.Username)
	}
	t.Fatalf("no account for role %s", r)
	return ""
}

// self is the world's account of role r in county A that a row reads as its own: the account itself for a
// collective or a provider, collective A's account for the others.
func (w *world) self(r role) api.User {
	if r == asProvider {
		return w.provAUser
	}
	return w.collAUser
}

// apiRoutes returns the /api/v1 routes of the handler that need a token, as "METHOD /path": the group's
// catch-all and the login route are left out.
func apiRoutes(e *echo.Echo) []string {
	var keys []string
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/*" || r.Method == echo.RouteNotFound {
			continue
		}
		if r.Method == http.MethodPost && r.Path == "/api/v1/auth/login" {
			continue
		}
		keys = append(keys, r.Method+" "+r.Path)
	}
	sort.Strings(keys)
	return keys
}

// routePattern matches the paths of an echo route template.
func routePattern(key string) *regexp.Regexp {
	_, path, _ := strings.Cut(key, " ")
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "[^/]+"
		} else {
			parts[i] = regexp.QuoteMeta(p)
		}
	}
	return regexp.MustCompile("^" + strings.Join(parts, "/") + "$")
}

func TestAuthzTableCoversEveryRoute(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	routes := apiRoutes(env.Handler)
	if len(routes) == 0 {
		t.Fatal("the handler has no /api/v1 routes")
	}
	for _, key := range routes {
		if _, ok := authzTable[key]; !ok {
			t.Errorf("route %s has no row in authzTable", key)
		}
	}
	for key, row := range authzTable {
		if !slices.Contains(routes, key) {
			t.Errorf("authzTable row %s names no route of the handler", key)
		}
		for _, r := range worldRoles {
			o, ok := row.want[r]
			if !ok {
				t.Errorf("authzTable row %s has no expectation for role %s", key, r)
			}
			if o.own == na {
				t.Errorf("authzTable row %s: role %s has no own case", key, r)
			}
		}
		if len(row.want) != len(worldRoles) {
			t.Errorf("authzTable row %s has expectations for %d roles, want %d", key, len(row.want), len(worldRoles))
		}
	}
}

func TestAuthzMatrix(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	keys := make([]string, 0, len(authzTable))
	for key := range authzTable {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		row := authzTable[key]
		method, _, _ := strings.Cut(key, " ")
		pattern := routePattern(key)
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			for _, r := range worldRoles {
				for _, own := range []bool{true, false} {
					want := pick(own, row.want[r].own, row.want[r].foreign)
					if want == na {
						continue
					}
					t.Run(string(r)+"/"+pick(own, "own", "foreign"), func(t *testing.T) {
						t.Parallel()
						req := row.build(t, w, r, own)
						if req.Token == "" {
							req.Token = w.token[r]
						}
						path, _, _ := strings.Cut(req.Path, "?")
						if req.Method != method || !pattern.MatchString(path) {
							t.Fatalf("the row %s built %s %s", key, req.Method, req.Path)
						}
						res := w.env.Send(t, req)
						if res.Status != want {
							t.Fatalf("%s %s as %s (%s): status %d, want %d: %s", req.Method, req.Path, r,
								pick(own, "own", "foreign"), res.Status, want, res.Body)
						}
						if want >= 400 {
							if p := res.Problem(t); p.Status != want {
								t.Errorf("problem status %d, want %d", p.Status, want)
							}
						}
						if row.check != nil {
							row.check(t, w, r, own, res)
						}
						if row.after != nil {
							row.after(t, w, req, res)
						}
					})
				}
			}
		})
	}
}

// examplePath fills the parameters of an echo route template with plausible values.
func examplePath(template string) string {
	parts := strings.Split(template, "/")
	for i, p := range parts {
		switch {
		case p == ":code":
			parts[i] = villageA1
		case strings.HasPrefix(p, ":"):
			parts[i] = "1"
		}
	}
	return strings.Join(parts, "/")
}

func TestEveryRouteRequiresAToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	credentials := map[string]map[string]string{
		"no token":          nil,
		"garbage token":     {"Authorization": "Bearer tg_not-a-token-this-server-issued"},
		"empty bearer":      {"Authorization": "Bearer "},
		"basic credentials": {"Authorization": "Basic YWRtaW46YWRtaW4tcGFzc3dvcmQ="},
		"bare token":        {"Authorization": w.token[asAdmin]},
		"overlong token":    {"Authorization": "Bearer " + strings.Repeat("x", 201)},
	}
	for _, key := range apiRoutes(w.env.Handler) {
		method, template, _ := strings.Cut(key, " ")
		for name, header := range credentials {
			t.Run(key+"/"+name, func(t *testing.T) {
				t.Parallel()
				req := apitest.Request{Method: method, Path: examplePath(template), Header: header}
				if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
					req.Body = "{}"
				}
				res := w.env.Send(t, req)
				if res.Status != http.StatusUnauthorized {
					t.Fatalf("%s %s with %s: status %d, want 401: %s", method, req.Path, name, res.Status, res.Body)
				}
				if p := res.Problem(t); p.Status != http.StatusUnauthorized || p.Type == "" || p.Title == "" {
					t.Errorf("problem %+v", p)
				}
				if got := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
				}
			})
		}
	}
}

// nonEmptyList checks that a list has items, each with key.
func nonEmptyList(key string) func(*testing.T, *world, role, bool, *apitest.Response) {
	return func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
		got := itemKeys(t, res, key)
		if len(got) == 0 || slices.Contains(got, "") {
			t.Errorf("list %v", got)
		}
	}
}

// TestProviderChangesOnlyItsContactDetails checks that a provider's account changes its own contact details
// and nothing else of its directory entry, and no other entry.
func TestProviderChangesOnlyItsContactDetails(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	prov, path := w.token[asProvider], "/api/v1/providers/"+itoa(w.provA.Id)
	var got api.Provider
	w.env.Expect(t, http.StatusOK, prov, http.MethodPatch, path, map[string]any{"contact_name": "赵六", "contact_phone": "13566667777"}).JSON(t, &got)
	if got.ContactName != "赵六" || got.ContactPhone != "135****7777" {
		t.Errorf("contact %s %s, want 赵六 135****7777", got.ContactName, got.ContactPhone)
	}
	for name, body := range map[string]map[string]any{
		"name":                   {"name": "改名合作社"},
		"kind":                   {"kind": "company"},
		"credit code":            {"credit_code": w.creditCode(t, countyA)},
		"operation types":        {"operation_types": []string{"ploughing"}},
		"machinery":              {"machinery": []map[string]any{{"type": "拖拉机", "count": 2}}},
		"status":                 {"status": "suspended"},
		"contact and status":     {"contact_name": "钱七", "status": "active"},
		"contact and operations": {"contact_phone": "13600001111", "operation_types": custodyOps},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w.env.Expect(t, http.StatusForbidden, prov, http.MethodPatch, path, body).Problem(t)
		})
	}
	t.Run("another provider", func(t *testing.T) {
		t.Parallel()
		other := w.newProvider(t, countyA)
		w.env.Expect(t, http.StatusNotFound, prov, http.MethodPatch, "/api/v1/providers/"+itoa(other.Id), map[string]any{"contact_name": "孙八"}).Problem(t)
		w.env.Expect(t, http.StatusNotFound, prov, http.MethodPatch, "/api/v1/providers/"+itoa(w.provB.Id), map[string]any{"contact_name": "孙八"}).Problem(t)
	})
	// Once the refusals are done, the entry holds only the contact change.
	t.Cleanup(func() {
		var now api.Provider
		w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, path, nil).JSON(t, &now)
		if now.Name != w.provA.Name || now.Kind != w.provA.Kind || now.Status != api.ProviderStatusActive ||
			!slices.Equal(now.OperationTypes, w.provA.OperationTypes) || len(now.Machinery) != 0 || now.ContactName != "赵六" {
			t.Errorf("after refused changes the entry is %+v", now)
		}
	})
}
