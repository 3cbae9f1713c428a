package httpapi

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/stats"
)

// The figures and statistics written by hand decode to what encoding/json writes of the generated types
// holding the same figures: a contract's benefit, a county by township with a crop, a region without groups,
// and a county's collectives, names that need escaping and zero areas (null per-mu figures) included.
func TestStatsJSONIsTheGeneratedTypes(t *testing.T) {
	totals := func(area, cost string, ops ...string) stats.Totals {
		tt := stats.Totals{ContractedArea: sum(t, area), ServiceArea: sum(t, "3.5"), HarvestedArea: sum(t, area),
			HarvestedYield: sum(t, "1001"), FarmerCost: sum(t, cost), BaselineCost: sum(t, "180"), IncomeGain: sum(t, "-55.5"),
			Subsidy: sum(t, "7"), ProviderRevenue: sum(t, "90"), CollectiveIncome: sum(t, "10"), PendingArea: sum(t, "1.25"),
			Contracts: 3, Farms: 2, Households: 1, Providers: 4, ServiceAreaByOp: map[string]num.Sum{}}
		for _, op := range ops {
			tt.ServiceAreaByOp[op] = sum(t, "1.75")
		}
		return tt
	}
	rep := stats.Report{Region: region.Region{Code: "610631000000", Name: "黄龙县", Level: "county"},
		Totals: totals("22.5", "100.005", "ploughing", "harvesting"), Weights: stats.Weights{"ploughing": num.MustDec4("1.2")},
		Groups: []stats.Row{
			{Key: "610631100000", Name: `石堡镇 "东" \\ <a>`, Totals: totals("12.345", "50", "ploughing")},
			{Key: "610631101000", Name: "白马滩镇", Totals: totals("0", "0")},
		}}
	generated := func(dst any, tt stats.Totals) { decodeFigures(t, dst, tt.Present(rep.Weights), tt.Counts()) }

	t.Run("a contract's benefit", func(t *testing.T) {
		f := rep.Totals.Present(rep.Weights)
		want := api.ContractBenefit{ContractId: 42, Number: `HT-2026-"7"`}
		decodeFigures(t, &want, f, stats.Counts{})
		sameJSON(t, benefitJSON(42, want.Number, f), want)
	})

	for _, c := range []struct {
		name string
		sel  stats.Selection
		g    stats.Grouping
		rep  stats.Report
	}{
		{"by township, a crop", stats.Selection{SeasonYear: 2026, Crop: "maize"}, stats.ByTownship, rep},
		{"no groups", stats.Selection{SeasonYear: 2025}, stats.ByNothing, stats.Report{Region: rep.Region, Totals: rep.Totals, Weights: rep.Weights}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := api.RegionStats{RegionCode: c.rep.Region.Code, Name: c.rep.Region.Name, Level: api.RegionLevel(c.rep.Region.Level),
				SeasonYear: c.sel.SeasonYear, Groups: make([]api.RegionStatsGroup, len(c.rep.Groups))}
			if c.sel.Crop != "" {
				want.Crop = &c.sel.Crop
			}
			if c.g != stats.ByNothing {
				want.GroupBy = (*string)(&c.g)
			}
			generated(&want, c.rep.Totals)
			for i, gr := range c.rep.Groups {
				want.Groups[i] = api.RegionStatsGroup{Key: gr.Key, Name: gr.Name}
				generated(&want.Groups[i], gr.Totals)
			}
			sameJSON(t, regionJSON(c.rep, c.sel, c.g), want)
		})
	}

	t.Run("collectives", func(t *testing.T) {
		coll := rep
		coll.Groups = []stats.Row{{Key: "7", Name: rep.Groups[0].Name, Totals: rep.Groups[0].Totals}, {Key: "12", Name: "西坡村", Totals: rep.Groups[1].Totals}}
		want := api.CollectiveStatsList{Items: make([]api.CollectiveStatsRow, len(coll.Groups))}
		for i, g := range coll.Groups {
			id, _ := strconv.ParseInt(g.Key, 10, 64)
			want.Items[i] = api.CollectiveStatsRow{CollectiveId: id, Name: g.Name}
			generated(&want.Items[i], g.Totals)
		}
		got, err := collectivesJSON(coll)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, got, want)
		if _, err := collectivesJSON(stats.Report{Groups: []stats.Row{{Key: "x"}}}); err == nil {
			t.Error("a collective's key that is not an id was written")
		}
	})
}

// sameJSON checks that got is valid JSON that decodes to what encoding/json writes of want.
func sameJSON(t *testing.T, got []byte, want any) {
	t.Helper()
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var g, wv any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if err := json.Unmarshal(w, &wv); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, wv) {
		t.Errorf("written\n%s\nencoding/json of the generated type\n%s", got, w)
	}
}
