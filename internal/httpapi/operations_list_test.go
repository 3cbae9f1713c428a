package httpapi_test

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"testing"

	"github.com/tuoguan/tuoguan/api"
)

// TestOperationListFilters checks every filter of the operations list, alone and combined, against the
// operations of a county where contracts differ in village, collective, provider and season, and that the
// scope of each caller narrows the same lists.
func TestOperationListFilters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	collA2 := w.newCollective(t, villageA2)
	farmA2 := w.newFarm(t, collA2)
	provA2 := w.newProvider(t, countyA, custodyOps...)
	// other is collective A2's contract with provider A2 in the world's season; earlier is collective A's with
	// provider A in the season before.
	other := w.activate(t, w.newContract(t, custodyBody(collA2, farmA2, provA2, w.newParcel(t, farmA2))))
	earlierBody := w.contractBody(true, w.newParcel(t, w.farmA))
	earlierBody["season_year"] = worldSeason() - 1
	earlier := w.activate(t, w.newContract(t, earlierBody))
	opOther, opEarlier := w.newOperation(t, other), w.newOperation(t, earlier)
	var sowing api.Operation
	body := opBody(other)
	body["op_type"], body["op_date"] = "sowing", day(-10)
	w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/contracts/"+itoa(other.Id)+"/operations", body).JSON(t, &sowing)

	season, before := strconv.Itoa(worldSeason()), strconv.Itoa(worldSeason()-1)
	ids := func(ops ...api.Operation) []string {
		out := make([]string, len(ops))
		for i, op := range ops {
			out[i] = itoa(op.Id)
		}
		sort.Strings(out)
		return out
	}
	cases := []struct {
		name, token, query string
		want               []string
	}{
		{"everything", w.env.Admin, "", ids(w.opA, w.opB, opOther, opEarlier, sowing)},
		{"county", w.env.Admin, "region_code=" + countyA, ids(w.opA, opOther, opEarlier, sowing)},
		{"township", w.env.Admin, "region_code=" + townshipA, ids(w.opA, opOther, opEarlier, sowing)},
		{"village", w.env.Admin, "region_code=" + villageA2, ids(opOther, sowing)},
		{"season", w.env.Admin, "season_year=" + season, ids(w.opA, w.opB, opOther, sowing)},
		{"earlier season", w.env.Admin, "season_year=" + before, ids(opEarlier)},
		{"village and season", w.env.Admin, "region_code=" + villageA1 + "&season_year=" + season, ids(w.opA)},
		{"provider", w.env.Admin, "provider_id=" + itoa(w.provA.Id), ids(w.opA, opEarlier)},
		{"provider and season", w.env.Admin, "provider_id=" + itoa(w.provA.Id) + "&season_year=" + before, ids(opEarlier)},
		{"collective", w.env.Admin, "collective_id=" + itoa(collA2.Id), ids(opOther, sowing)},
		{"collective of another provider", w.env.Admin, "collective_id=" + itoa(collA2.Id) + "&provider_id=" + itoa(w.provA.Id), nil},
		{"type", w.env.Admin, "op_type=sowing", ids(sowing)},
		{"dates", w.env.Admin, "region_code=" + countyA + "&from=" + day(-20) + "&to=" + day(-1), ids(sowing)},
		{"bureau of county A", w.token[asBureau], "season_year=" + season, ids(w.opA, opOther, sowing)},
		{"collective A", w.token[asCollective], "", ids(w.opA, opEarlier)},
		{"provider A", w.token[asProvider], "season_year=" + season, ids(w.opA)},
		{"provider A asking for provider A2", w.token[asProvider], "provider_id=" + itoa(provA2.Id), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			path := "/api/v1/operations?limit=2&" + tc.query
			for {
				var page api.OperationList
				w.env.Expect(t, http.StatusOK, tc.token, http.MethodGet, path, nil).JSON(t, &page)
				for _, op := range page.Items {
					got = append(got, itoa(op.Id))
				}
				if page.NextCursor == nil {
					break
				}
				path = "/api/v1/operations?limit=2&" + tc.query + "&cursor=" + url.QueryEscape(*page.NextCursor)
			}
			sort.Strings(got)
			if !sameSet(got, tc.want) || len(got) != len(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
