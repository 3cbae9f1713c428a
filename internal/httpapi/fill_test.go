package httpapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/stats"
)

// TestFillSetsEveryFigure checks fill against the JSON names of openapi.yaml: each generated type that carries
// the figures ends up as if the figures and counts had been decoded into it by their JSON names, and the only
// fields fill leaves alone are each type's own.
func TestFillSetsEveryFigure(t *testing.T) {
	tot := stats.Totals{ContractedArea: decimal.RequireFromString("12.345"), ServiceArea: decimal.RequireFromString("3.5"),
		HarvestedArea: decimal.RequireFromString("2"), HarvestedYield: decimal.RequireFromString("1001"),
		FarmerCost: decimal.RequireFromString("100.005"), BaselineCost: decimal.RequireFromString("180"),
		IncomeGain: decimal.RequireFromString("55.5"), Subsidy: decimal.RequireFromString("7"),
		ProviderRevenue: decimal.RequireFromString("90"), CollectiveIncome: decimal.RequireFromString("10"),
		PendingArea: decimal.RequireFromString("1.25"), Contracts: 3, Farms: 2, Households: 1, Providers: 4,
		ServiceAreaByOp: map[string]decimal.Decimal{"ploughing": decimal.RequireFromString("3.5")}}
	f, c := tot.Present(stats.Weights{"ploughing": decimal.RequireFromString("1.2")}), tot.Counts()
	cases := []struct {
		dst any
		own []string
	}{
		{&api.ContractBenefit{}, []string{"ContractId", "Number"}},
		{&api.CollectiveStatsRow{}, []string{"CollectiveId", "Name"}},
		{&api.RegionStats{}, []string{"Crop", "GroupBy", "Groups", "Level", "Name", "RegionCode", "SeasonYear"}},
		{&api.RegionStatsGroup{}, []string{"Key", "Name"}},
	}
	for _, tc := range cases {
		typ := reflect.TypeOf(tc.dst).Elem()
		t.Run(typ.Name(), func(t *testing.T) {
			fill(tc.dst, f, c)
			want := reflect.New(typ).Interface()
			for _, part := range []any{f, c} {
				b, err := json.Marshal(part)
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, want); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := json.Marshal(tc.dst)
			if wantJSON, _ := json.Marshal(want); string(got) != string(wantJSON) {
				t.Errorf("fill gave %s, want %s", got, wantJSON)
			}
			set := map[int]bool{}
			for _, src := range []reflect.Type{reflect.TypeOf(f), reflect.TypeOf(c)} {
				for _, m := range fieldMap(src, typ) {
					set[m.dst] = true
				}
			}
			var unset []string
			for i := range typ.NumField() {
				if !set[i] {
					unset = append(unset, typ.Field(i).Name)
				}
			}
			if !slices.Equal(unset, tc.own) {
				t.Errorf("fields fill leaves alone: %v, want %v", unset, tc.own)
			}
		})
	}
}
