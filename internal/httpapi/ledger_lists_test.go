package httpapi_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/tuoguan/tuoguan/api"
)

// ledgers is the world with contracts that differ in village, collective, provider and season: other is
// collective A2's (village A2) with provider A2 in the world's season, earlier is collective A's with
// provider A in the season before, each with an operation, and other with a sowing besides.
type ledgers struct {
	*world
	collA2          api.Collective
	provA2          api.Provider
	other, earlier  api.Contract
	opOther, opEarl api.Operation
	sowing          api.Operation
}

func newLedgers(t *testing.T) *ledgers {
	t.Helper()
	w := newWorld(t)
	l := &ledgers{world: w, collA2: w.newCollective(t, villageA2), provA2: w.newProvider(t, countyA, custodyOps...)}
	farmA2 := w.newFarm(t, l.collA2)
	l.other = w.activate(t, w.newContract(t, custodyBody(l.collA2, farmA2, l.provA2, w.newParcel(t, farmA2))))
	body := w.contractBody(true, w.newParcel(t, w.farmA))
	body["season_year"] = worldSeason() - 1
	l.earlier = w.activate(t, w.newContract(t, body))
	l.opOther, l.opEarl = w.newOperation(t, l.other), w.newOperation(t, l.earlier)
	sowing := opBody(l.other)
	sowing["op_type"], sowing["op_date"] = "sowing", day(-10)
	w.env.ExpectKeyed(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/contracts/"+itoa(l.other.Id)+"/operations", sowing).JSON(t, &l.sowing)
	return l
}

// listCase is a list request and the ids it must return, over every page.
type listCase struct {
	name, token, query string
	want               []string
}

// run checks each case, reading its list two items a page, with check applied to every item.
func (l *ledgers) run(t *testing.T, path string, cases []listCase, check func(t *testing.T, item map[string]any)) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			cursor := ""
			for {
				var page struct {
					Items      []map[string]any `json:"items"`
					NextCursor *string          `json:"next_cursor"`
				}
				l.env.Expect(t, http.StatusOK, tc.token, http.MethodGet, path+"?limit=2&"+tc.query+cursor, nil).JSON(t, &page)
				for _, item := range page.Items {
					got = append(got, strconv.FormatFloat(item["id"].(float64), 'f', -1, 64))
					if check != nil {
						check(t, item)
					}
				}
				if page.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + url.QueryEscape(*page.NextCursor)
			}
			if !sameSet(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// idsOf is the ids of xs, as the lists' JSON spells them.
func idsOf[T any](id func(T) int64, xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = itoa(id(x))
	}
	return out
}

// TestOperationListFilters checks every filter of the operations list, alone and combined, and that the
// scope of each caller narrows the same lists.
func TestOperationListFilters(t *testing.T) {
	t.Parallel()
	l := newLedgers(t)
	ids := func(ops ...api.Operation) []string { return idsOf(func(op api.Operation) int64 { return op.Id }, ops) }
	season, before := strconv.Itoa(worldSeason()), strconv.Itoa(worldSeason()-1)
	admin := l.env.Admin
	l.run(t, "/api/v1/operations", []listCase{
		{"everything", admin, "", ids(l.opA, l.opB, l.opOther, l.opEarl, l.sowing)},
		{"county", admin, "region_code=" + countyA, ids(l.opA, l.opOther, l.opEarl, l.sowing)},
		{"township", admin, "region_code=" + townshipA, ids(l.opA, l.opOther, l.opEarl, l.sowing)},
		{"village", admin, "region_code=" + villageA2, ids(l.opOther, l.sowing)},
		{"season", admin, "season_year=" + season, ids(l.opA, l.opB, l.opOther, l.sowing)},
		{"earlier season", admin, "season_year=" + before, ids(l.opEarl)},
		{"village and season", admin, "region_code=" + villageA1 + "&season_year=" + season, ids(l.opA)},
		{"provider", admin, "provider_id=" + itoa(l.provA.Id), ids(l.opA, l.opEarl)},
		{"provider and season", admin, "provider_id=" + itoa(l.provA.Id) + "&season_year=" + before, ids(l.opEarl)},
		{"collective", admin, "collective_id=" + itoa(l.collA2.Id), ids(l.opOther, l.sowing)},
		{"collective of another provider", admin, "collective_id=" + itoa(l.collA2.Id) + "&provider_id=" + itoa(l.provA.Id), nil},
		{"type", admin, "op_type=sowing", ids(l.sowing)},
		{"dates", admin, "region_code=" + countyA + "&from=" + day(-20) + "&to=" + day(-1), ids(l.sowing)},
		{"bureau of county A", l.token[asBureau], "season_year=" + season, ids(l.opA, l.opOther, l.sowing)},
		{"collective A", l.token[asCollective], "", ids(l.opA, l.opEarl)},
		{"provider A", l.token[asProvider], "season_year=" + season, ids(l.opA)},
		{"provider A asking for provider A2", l.token[asProvider], "provider_id=" + itoa(l.provA2.Id), nil},
	}, nil)
}

// TestContractListFilters checks the filters of the contracts list the same way, and that every contract
// listed comes with its parcels and service lines whatever counties the page spans.
func TestContractListFilters(t *testing.T) {
	t.Parallel()
	l := newLedgers(t)
	ids := func(cs ...api.Contract) []string { return idsOf(func(c api.Contract) int64 { return c.Id }, cs) }
	season, before := strconv.Itoa(worldSeason()), strconv.Itoa(worldSeason()-1)
	admin := l.env.Admin
	all := ids(l.draftA, l.draftB, l.activeA, l.activeB, l.other, l.earlier)
	l.run(t, "/api/v1/contracts", []listCase{
		{"everything", admin, "", all},
		{"county", admin, "region_code=" + countyA, ids(l.draftA, l.activeA, l.other, l.earlier)},
		{"township", admin, "region_code=" + townshipA, ids(l.draftA, l.activeA, l.other, l.earlier)},
		{"village", admin, "region_code=" + villageA2, ids(l.other)},
		{"township and season", admin, "region_code=" + townshipA + "&season_year=" + season, ids(l.draftA, l.activeA, l.other)},
		{"earlier season", admin, "season_year=" + before, ids(l.earlier)},
		{"status", admin, "status=draft", ids(l.draftA, l.draftB)},
		{"status and county", admin, "status=active&region_code=" + countyA, ids(l.activeA, l.other, l.earlier)},
		{"provider and season", admin, "provider_id=" + itoa(l.provA.Id) + "&season_year=" + season, ids(l.draftA, l.activeA)},
		{"collective", admin, "collective_id=" + itoa(l.collA2.Id), ids(l.other)},
		{"bureau of county A", l.token[asBureau], "status=active&season_year=" + season, ids(l.activeA, l.other)},
		{"bureau of county A asking for county B", l.token[asBureau], "region_code=" + countyB, nil},
		{"provider A2", l.token[asProvider], "provider_id=" + itoa(l.provA2.Id), nil},
	}, func(t *testing.T, item map[string]any) {
		parcels, _ := item["parcels"].([]any)
		services, _ := item["services"].([]any)
		if len(parcels) != 1 || len(services) != len(custodyOps) {
			t.Errorf("contract %v listed with %d parcels and %d services, want 1 and %d", item["id"], len(parcels), len(services), len(custodyOps))
		}
	})
}
