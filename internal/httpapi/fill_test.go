package httpapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/stats"
)

// sum is the num.Sum of s.
func sum(t *testing.T, s string) num.Sum {
	t.Helper()
	v, err := num.ParseSum(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFillSetsEveryFigure checks fill against the JSON names of openapi.yaml: each generated type that carries
// the figures ends up as if the figures and counts had been decoded into it by their JSON names, and the only
// fields fill leaves alone are each type's own.
func TestFillSetsEveryFigure(t *testing.T) {
	tot := stats.Totals{ContractedArea: sum(t, "12.345"), ServiceArea: sum(t, "3.5"),
		HarvestedArea: sum(t, "2"), HarvestedYield: sum(t, "1001"),
		FarmerCost: sum(t, "100.005"), BaselineCost: sum(t, "180"),
		IncomeGain: sum(t, "55.5"), Subsidy: sum(t, "7"),
		ProviderRevenue: sum(t, "90"), CollectiveIncome: sum(t, "10"),
		PendingArea: sum(t, "1.25"), Contracts: 3, Farms: 2, Households: 1, Providers: 4,
		ServiceAreaByOp: map[string]num.Sum{"ploughing": sum(t, "3.5")}}
	f, c := tot.Present(stats.Weights{"ploughing": num.MustDec4("1.2")}), tot.Counts()
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
