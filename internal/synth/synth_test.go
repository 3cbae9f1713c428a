package synth

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestModel checks the model's own consistency: every operation a bundle or a crop's window names exists,
// every field crop can be sown and harvested, the stages end in season order, and the subsidies stay within
// what a line's price allows.
func TestModel(t *testing.T) {
	bundles := append([][]string{FullCustody, {"plant_protection", "fertilising"}}, PartialSets...)
	for _, extra := range FullExtras {
		bundles = append(bundles, []string{extra.Op})
	}
	for _, b := range bundles {
		for _, op := range b {
			if Order(op) < 0 {
				t.Errorf("bundle %v: no operation type %s", b, op)
			}
		}
	}
	if len(PartialSets) != len(PartialWeights) || len(FieldCrops) != len(FieldCropWeights) {
		t.Error("a draw's weights do not match its choices")
	}
	for _, crop := range append(slices.Clone(FieldCrops), Orchard) {
		if _, ok := Crops[crop]; !ok {
			t.Errorf("crop %s has no terms", crop)
		}
		ops := []string{"ploughing", "sowing", "plant_protection", "harvesting"}
		if crop == Orchard {
			ops = []string{"plant_protection", "fertilising"}
		}
		for _, op := range ops {
			if _, ok := WindowOf(crop, op, 1); !ok {
				t.Errorf("%s: no window for %s", crop, op)
			}
		}
	}
	for _, op := range []string{"transport", "drying", "straw"} {
		if _, ok := WindowOf("corn", op, 1); ok || Op(op).AfterHarvest == [2]int{} {
			t.Errorf("%s: not dated after the harvest", op)
		}
	}
	for s := 1; s < Stages; s++ {
		a, b := StageEnd(s-1), StageEnd(s)
		if a.Month > b.Month || (a.Month == b.Month && a.Day > b.Day) {
			t.Errorf("stage %d ends %v, before stage %d's %v", s, b, s-1, a)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, season := range []int{2024, 2025, 2026, 2027, 2030} {
		for _, o := range Operations {
			price := LinePrice(r, o.Price.Draw(r), o.Name, season)
			if sub := LineSubsidy(season, o.Name, price); sub < 0 || sub > price*30/100 {
				t.Errorf("%d %s: subsidy %d on price %d", season, o.Name, sub, price)
			}
			if base := BaselineCost(r, o.Name, price); base < price {
				t.Errorf("%d %s: baseline %d below price %d", season, o.Name, base, price)
			}
		}
	}
}
