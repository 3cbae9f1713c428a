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
}

// pick returns ownV for own, foreignV otherwise.
func pick[T any](own bool, ownV, foreignV T) T {
	if own {
		return ownV
	}
	return foreignV
}

// authzTable says, for every /api/v1 route but login (keyed as echo registers it), what each role gets.
// PRODUCT §3: outside the scope 404, a role that may never act 403.
var authzTable = map[string]routeRow{
	"POST /api/v1/auth/logout": {
		want: map[role]outcome{asAdmin: {204, na}, asBureau: {204, na}, asCollective: {204, na}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/logout", Token: w.freshSession(t, r)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			// The world's own session of the same account is not affected.
			w.env.Expect(t, http.StatusOK, w.token[r], http.MethodGet, "/api/v1/users?limit=1", nil)
		},
	},
	"GET /api/v1/users": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/users?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
			got := itemKeys(t, res, "id")
			a, b := itoa(w.collAUser.Id), itoa(w.collBUser.Id)
			switch {
			case own && r == asCollective:
				if !sameSet(got, []string{a}) {
					t.Errorf("a collective lists %v, want only itself (%s)", got, a)
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
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {201, 422}, asCollective: {403, 403}},
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
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/users/" + itoa(pick(own, w.collAUser, w.collBUser).Id)}
		},
	},
	"PATCH /api/v1/users/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			target := w.newCollectiveUser(t, pick(own, w.collA, w.collB))
			req := apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + itoa(target.Id)}
			switch {
			case r != asCollective:
				req.Body = api.UserUpdate{Disabled: ptr(true)}
			case own: // a collective's account changes its own password
				req.Token = w.login(t, target.Username)
				req.Body = api.UserUpdate{Password: ptr("changed-password-1")}
			default:
				req.Body = api.UserUpdate{Password: ptr("changed-password-1")}
			}
			return req
		},
	},
	"GET /api/v1/regions": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}},
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
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {403, 403}, asCollective: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			n := w.villageSeq.Add(1)
			code := fmt.Sprintf("%s%03d", pick(own, townshipA, townshipB)[:9], n)
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Body: api.RegionCreate{Code: code, Name: fmt.Sprintf("新村%d", n)}}
		},
	},
	"GET /api/v1/regions/:code": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions/" + pick(own, villageA1, villageB1)}
		},
	},
	"PATCH /api/v1/regions/:code": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/regions/" + pick(own, villageA1, villageB1),
				Body: api.RegionUpdate{Name: fmt.Sprintf("改名村%d", w.next())}}
		},
	},
	"GET /api/v1/collectives": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/collectives?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: func(t *testing.T, w *world, r role, own bool, res *apitest.Response) {
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
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {201, 422}, asCollective: {403, 403}},
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
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/collectives/" + itoa(pick(own, w.collA, w.collB).Id)}
		},
	},
	"PATCH /api/v1/collectives/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/collectives/" + itoa(pick(own, w.collA, w.collB).Id),
				Body: api.CollectiveUpdate{Name: ptr(fmt.Sprintf("股份经济合作社%d", w.next()))}}
		},
	},
	"GET /api/v1/audit-events": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {403, 403}},
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
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/farms?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: listCheck("id", func(w *world) (string, string) { return itoa(w.farmA.Id), itoa(w.farmB.Id) }, asAdmin),
	},
	"POST /api/v1/farms": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {403, 403}, asCollective: {201, 422}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/farms", Body: w.farmBody(t, pick(own, w.collA, w.collB))}
		},
		check: fieldsCheck("collective_id"),
	},
	"GET /api/v1/farms/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/farms/" + itoa(pick(own, w.farmA, w.farmB).Id)}
		},
	},
	"PATCH /api/v1/farms/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/farms/" + itoa(pick(own, w.farmA, w.farmB).Id),
				Body: map[string]any{"name": fmt.Sprintf("农户%d", w.next())}}
		},
	},
	"GET /api/v1/parcels": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/parcels?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: listCheck("id", func(w *world) (string, string) { return itoa(w.parcelA.Id), itoa(w.parcelB.Id) }, asAdmin),
	},
	"POST /api/v1/parcels": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {403, 403}, asCollective: {201, 422}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/parcels", Body: w.parcelBody(pick(own, w.farmA, w.farmB))}
		},
		check: fieldsCheck("farm_id"),
	},
	"GET /api/v1/parcels/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/parcels/" + itoa(pick(own, w.parcelA, w.parcelB).Id)}
		},
	},
	"PATCH /api/v1/parcels/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {403, 404}, asCollective: {200, 404}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/parcels/" + itoa(pick(own, w.parcelA, w.parcelB).Id),
				Body: map[string]any{"name": fmt.Sprintf("地块%d", w.next())}}
		},
	},
	// The provider directory: collectives read all of it (they choose providers for their contracts).
	"GET /api/v1/providers": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 200}, asCollective: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/providers?limit=500&region_code=" + pick(own, countyA, countyB)}
		},
		check: listCheck("id", func(w *world) (string, string) { return itoa(w.provA.Id), itoa(w.provB.Id) }, asAdmin, asCollective),
	},
	"POST /api/v1/providers": {
		want: map[role]outcome{asAdmin: {201, 201}, asBureau: {201, 422}, asCollective: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPost, Path: "/api/v1/providers", Body: w.providerBody(t, pick(own, countyA, countyB))}
		},
		check: fieldsCheck("region_code"),
	},
	"GET /api/v1/providers/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {200, 200}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/providers/" + itoa(pick(own, w.provA, w.provB).Id)}
		},
	},
	"PATCH /api/v1/providers/:id": {
		want: map[role]outcome{asAdmin: {200, 200}, asBureau: {200, 404}, asCollective: {403, 403}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodPatch, Path: "/api/v1/providers/" + itoa(pick(own, w.provA, w.provB).Id),
				Body: map[string]any{"contact_name": fmt.Sprintf("联系人%d", w.next()%100)}}
		},
	},
	"GET /api/v1/reference/crops": {
		want: map[role]outcome{asAdmin: {200, na}, asBureau: {200, na}, asCollective: {200, na}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/reference/crops"}
		},
		check: nonEmptyList("code"),
	},
	"GET /api/v1/reference/operation-types": {
		want: map[role]outcome{asAdmin: {200, na}, asBureau: {200, na}, asCollective: {200, na}},
		build: func(t *testing.T, w *world, r role, own bool) apitest.Request {
			return apitest.Request{Method: http.MethodGet, Path: "/api/v1/reference/operation-types"}
		},
		check: nonEmptyList("code"),
	},
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
	}
	t.Fatalf("no account for role %s", r)
	return ""
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
