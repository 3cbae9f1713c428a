package httpapi

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/num"
)

// A page of contracts written by hand is byte for byte what the generated response writes of the same page:
// contracts with and without their times, reasons and flags, lists empty and absent, text that needs
// escaping, times with and without fractions and in other zones, and every page size up to a full one.
func TestContractsJSONIsTheGeneratedResponse(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 19))
	texts := []string{"", "玉米", `a "quoted" <b> & c\d`, "a < b", "x & y", "a > b", `back\slash`, "line\nbreak\ttab\u2028", "\xff invalid", "610621103200-2026-0001"}
	text := func() string { return texts[r.IntN(len(texts))] }
	when := func() time.Time {
		zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -3*3600-1800)}
		return time.Unix(1_700_000_000+r.Int64N(100_000_000), r.Int64N(3)*int64(r.IntN(1_000_000_000))).In(zones[r.IntN(len(zones))])
	}
	dec2 := func() num.Dec2 { return num.Dec2FromCents(r.Int64N(10_000_000) - 100) }
	contract := func(i int) api.Contract {
		c := api.Contract{Id: int64(i + 1), Number: text(), CollectiveId: r.Int64N(1e6), FarmId: r.Int64N(1e9), ProviderId: r.Int64N(1e4),
			RegionCode: text(), Crop: text(), SeasonYear: 2000 + r.IntN(100), Mode: api.ContractMode(text()),
			StartDate: openapi_types.Date{Time: when()}, EndDate: openapi_types.Date{Time: when()},
			CollectiveFeePerMu: dec2(), BaselineYieldKgPerMu: dec2(), PricePerKg: num.MustDec4(fmt.Sprintf("%d.%04d", r.IntN(100), r.IntN(10000))),
			ContractedAreaMu: dec2(), Status: api.ContractStatus(text()), CreatedAt: when(), UpdatedAt: when()}
		if r.IntN(2) == 0 {
			c.ActivatedAt = new(when())
		}
		if r.IntN(2) == 0 {
			c.ClosedAt = new(when())
		}
		if r.IntN(3) == 0 {
			c.TerminationReason = new(text())
		}
		if r.IntN(5) > 0 {
			c.Parcels = make([]api.ContractParcel, r.IntN(4))
			for j := range c.Parcels {
				c.Parcels[j] = api.ContractParcel{ParcelId: r.Int64N(1e9), AreaMu: dec2()}
			}
		}
		if r.IntN(5) > 0 {
			c.PolicyFlags = make([]api.PolicyFlag, r.IntN(3))
			for j := range c.PolicyFlags {
				c.PolicyFlags[j] = api.PolicyFlag{Rule: api.PolicyFlagRule(text()), Field: text(), Message: text()}
			}
		}
		if r.IntN(5) > 0 {
			c.Services = make([]api.ServiceLine, r.IntN(5))
			for j := range c.Services {
				c.Services[j] = api.ServiceLine{OpType: text(), Passes: r.IntN(20), PricePerMu: dec2(), SubsidyPerMu: dec2(),
					BaselineCostPerMu: dec2(), DeliveredAreaMu: dec2(), PendingAreaMu: dec2()}
			}
		}
		return c
	}
	for n := range 52 {
		page := api.ContractList{Items: make([]api.Contract, n)}
		for i := range page.Items {
			page.Items[i] = contract(i)
		}
		switch n % 3 {
		case 0:
			page.NextCursor = new(text())
		case 1:
			if n == 1 {
				page.Items = nil
			}
		}
		want := httptest.NewRecorder()
		if err := api.ListContracts200JSONResponse(page).VisitListContractsResponse(want); err != nil {
			t.Fatal(err)
		}
		got := httptest.NewRecorder()
		if err := contractsJSON(page).VisitListContractsResponse(got); err != nil {
			t.Fatal(err)
		}
		if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Errorf("%d contracts: status %d, %q; want %d, %q", n, got.Code, got.Header().Get("Content-Type"), want.Code, want.Header().Get("Content-Type"))
		}
		if g, w := got.Body.Bytes(), want.Body.Bytes(); !bytes.Equal(g, w) {
			at := 0
			for at < min(len(g), len(w)) && g[at] == w[at] {
				at++
			}
			t.Fatalf("%d contracts: the bodies part at byte %d:\n got …%.200s\nwant …%.200s", n, at, g[max(at-80, 0):], w[max(at-80, 0):])
		}
	}
}
