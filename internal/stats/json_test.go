package stats

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/tuoguan/tuoguan/internal/num"
)

// AppendJSON writes what encoding/json writes of Figures and Counts by their tags, over random totals: with
// and without a contracted or harvested area (per-mu figures present or null), negative savings, and none to
// several operation types.
func TestAppendJSONAgreesWithEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 19))
	amount := func() num.Sum {
		if rng.IntN(4) == 0 {
			return num.Sum{}
		}
		return num.SumOf(num.Dec2FromCents(rng.Int64N(2_000_000_000) - 100_000_000))
	}
	ops := []string{"ploughing", "sowing", "harvesting", "plant_protection", "straw"}
	for i := range 2000 {
		tt := Totals{ContractedArea: amount(), HarvestedArea: amount(), HarvestedYield: amount(), FarmerCost: amount(),
			BaselineCost: amount(), IncomeGain: amount(), Subsidy: amount(), ProviderRevenue: amount(),
			CollectiveIncome: amount(), ServiceArea: amount(), PendingArea: amount(), ServiceAreaByOp: map[string]num.Sum{},
			Contracts: rng.Int64N(10_000), Farms: rng.Int64N(10_000), Households: rng.Int64N(10_000), Providers: rng.Int64N(100)}
		for _, op := range ops[:rng.IntN(len(ops)+1)] {
			tt.ServiceAreaByOp[op] = amount()
		}
		f := tt.Present(Weights{"ploughing": num.MustDec4("1.2500")})
		for _, c := range []struct {
			v    any
			text []byte
		}{{f, f.AppendJSON(nil)}, {tt.Counts(), tt.Counts().AppendJSON(nil)}} {
			want, err := json.Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if got := "{" + string(c.text) + "}"; got != string(want) {
				t.Fatalf("case %d: AppendJSON\n%s\nencoding/json\n%s", i, got, want)
			}
		}
	}
	if b := (Figures{}).AppendJSON(nil); !json.Valid(append(append([]byte{'{'}, b...), '}')) {
		t.Errorf("the zero Figures: %s", b)
	}
}
