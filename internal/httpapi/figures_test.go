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

// decodeFigures sets on dst, a pointer to one of the generated types that carry the figures of
// docs/figures.md, f and c as a client decodes them: by their JSON names.
func decodeFigures(t *testing.T, dst any, f stats.Figures, c stats.Counts) {
	t.Helper()
	for _, part := range []any{f, c} {
		b, err := json.Marshal(part)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFiguresNameEveryGeneratedField checks stats.Figures and stats.Counts against the JSON names of
// openapi.yaml: decoded into each generated type that carries the figures, with every figure non-zero, they
// leave only that type's own fields unset.
func TestFiguresNameEveryGeneratedField(t *testing.T) {
	tot := stats.Totals{ContractedArea: sum(t, "12.345"), ServiceArea: sum(t, "3.5"),
		HarvestedArea: sum(t, "2"), HarvestedYield: sum(t, "1001"),
		FarmerCost: sum(t, "100.005"), BaselineCost: sum(t, "180"),
		IncomeGain: sum(t, "55.5"), Subsidy: sum(t, "7"),
		ProviderRevenue: sum(t, "90"), CollectiveIncome: sum(t, "10"),
		PendingArea: sum(t, "1.25"), Contracts: 3, Farms: 2, Households: 1, Providers: 4,
		ServiceAreaByOp: map[string]num.Sum{"ploughing": sum(t, "3.5")}}
	f, c := tot.Present(stats.Weights{"ploughing": num.MustDec4("1.2")}), tot.Counts()
	for _, tc := range []struct {
		dst any
		own []string
	}{
		{&api.ContractBenefit{}, []string{"ContractId", "Number"}},
		{&api.CollectiveStatsRow{}, []string{"CollectiveId", "Name"}},
		{&api.RegionStats{}, []string{"Crop", "GroupBy", "Groups", "Level", "Name", "RegionCode", "SeasonYear"}},
		{&api.RegionStatsGroup{}, []string{"Key", "Name"}},
	} {
		typ := reflect.TypeOf(tc.dst).Elem()
		t.Run(typ.Name(), func(t *testing.T) {
			decodeFigures(t, tc.dst, f, c)
			v := reflect.ValueOf(tc.dst).Elem()
			var unset []string
			for i := range typ.NumField() {
				if v.Field(i).IsZero() {
					unset = append(unset, typ.Field(i).Name)
				}
			}
			if !slices.Equal(unset, tc.own) {
				t.Errorf("fields the figures leave unset: %v, want %v", unset, tc.own)
			}
		})
	}
}
