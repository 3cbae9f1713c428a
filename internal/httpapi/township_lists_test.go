package httpapi_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/tuoguan/tuoguan/api"
)

// townshipN is a township of county A beside townshipA whose code differs from it in the ninth digit only
// (610631101 against 610631100): a filter that matched on fewer than the township's nine digits, or on the
// wrong ones, would take one's rows for the other's. townshipB has townshipA's digits after another county's.
const townshipN = "610631101000"

// regionRow is what the township tests read of a listed farm, parcel or contract.
type regionRow struct {
	ID         int64  `json:"id"`
	RegionCode string `json:"region_code"`
}

// TestTownshipFilters checks that region_code=<township> on the farms, parcels and contracts lists returns
// exactly the rows of that township that the caller may read, over every page: for each caller, the rows of
// its unfiltered list whose region lies in the township, and nothing of the neighbouring township, of the
// county's other rows or of the township with the same digits in another county.
func TestTownshipFilters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/regions", api.RegionCreate{Code: townshipN, Name: "雷赛乡"})
	// Township A gets a second village with a collective, a farm, a parcel and a draft; the neighbouring
	// township a village with the same, its contract active, with county A's provider.
	collA2 := w.newCollective(t, villageA2)
	farmA2 := w.newFarm(t, collA2)
	w.newContract(t, custodyBody(collA2, farmA2, w.provA, w.newParcel(t, farmA2)))
	collN := w.newCollective(t, w.newVillage(t, townshipN))
	farmN := w.newFarm(t, collN)
	w.activate(t, w.newContract(t, custodyBody(collN, farmN, w.provA, w.newParcel(t, farmN))))

	townBureauA := w.newUser(t, api.UserCreate{Role: api.RoleBureau, RegionCode: ptr(townshipA)})
	townBureauN := w.newUser(t, api.UserCreate{Role: api.RoleBureau, RegionCode: ptr(townshipN)})
	collN2 := w.newCollectiveUser(t, collN)
	callers := []struct{ name, token string }{
		{"admin", w.env.Admin},
		{"bureau of county A", w.token[asBureau]},
		{"bureau of county B", w.bureauBToken},
		{"bureau of township A", w.login(t, townBureauA.Username)},
		{"bureau of the neighbouring township", w.login(t, townBureauN.Username)},
		{"collective A", w.token[asCollective]},
		{"the neighbouring township's collective", w.login(t, collN2.Username)},
		{"provider A", w.token[asProvider]},
	}
	season := strconv.Itoa(worldSeason())
	id := func(r regionRow) int64 { return r.ID }
	for _, list := range []struct {
		path  string
		query url.Values
	}{
		{"/api/v1/farms", url.Values{}},
		{"/api/v1/parcels", url.Values{}},
		{"/api/v1/contracts", url.Values{}},
		{"/api/v1/contracts", url.Values{"season_year": {season}}},
	} {
		// The admin's unfiltered list must hold rows of each township, or the test would prove nothing.
		everything := listAll(t, w.env, w.env.Admin, list.path, list.query, id)
		for _, township := range []string{townshipA, townshipN, townshipB} {
			if len(inTownship(everything, township)) == 0 {
				t.Fatalf("%s %s: no rows in township %s", list.path, list.query.Encode(), township)
			}
		}
		for _, caller := range callers {
			all := listAll(t, w.env, caller.token, list.path, list.query, id)
			for _, township := range []string{townshipA, townshipN, townshipB} {
				q := url.Values{"limit": {"2"}, "region_code": {township}}
				for k, v := range list.query {
					q[k] = v
				}
				got := listAll(t, w.env, caller.token, list.path, q, id)
				for _, r := range got {
					if r.RegionCode[:9] != township[:9] {
						t.Errorf("%s %s as %s: row %d of region %s", list.path, q.Encode(), caller.name, r.ID, r.RegionCode)
					}
				}
				if want := inTownship(all, township); !sameSet(rowIDs(got), rowIDs(want)) {
					t.Errorf("%s %s as %s: got %v, want %v", list.path, q.Encode(), caller.name, rowIDs(got), rowIDs(want))
				}
			}
		}
	}
}

// inTownship is the rows of rs whose region lies in township.
func inTownship(rs []regionRow, township string) []regionRow {
	var out []regionRow
	for _, r := range rs {
		if r.RegionCode[:9] == township[:9] {
			out = append(out, r)
		}
	}
	return out
}

// rowIDs is the ids of rs, as text.
func rowIDs(rs []regionRow) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = itoa(r.ID)
	}
	return out
}
