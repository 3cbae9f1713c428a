package main

import (
	"slices"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/synth"
)

// TestWorldContracts checks the generated contracts against the synthetic-world model: family farms are
// told apart without drawing the whole farm, every line is one the provider offers and priced within the
// model's terms, and no work is dated after the world's day.
func TestWorldContracts(t *testing.T) {
	sizes := Sizes{Counties: 2, TownshipsPerCounty: 2, VillagesPerTownship: 3, Farms: 3000, Parcels: 7000, Providers: 24,
		Contracts: 2000, Parts: 3, Today: time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)}
	w, err := custodyWorld(7, sizes)
	if err != nil {
		t.Fatal(err)
	}
	for k := range sizes.Farms {
		if got, want := w.familyFarm(k), w.Farm(k).Kind == farm.KindFamilyFarm; got != want {
			t.Fatalf("farm %d: familyFarm %v, its kind says %v", k, got, want)
		}
	}
	for i := range sizes.Contracts {
		c := w.Contract(i, true)
		if c.Crop != synth.Orchard && !slices.Contains(synth.FieldCrops, c.Crop) {
			t.Fatalf("contract %d: crop %q is not the model's", i, c.Crop)
		}
		if len(c.Lines) == 0 {
			t.Fatalf("contract %d: no lines", i)
		}
		for _, l := range c.Lines {
			if !slices.Contains(c.Provider.Offers, l.OpType) {
				t.Errorf("contract %d: line %s not offered by provider %d (%v)", i, l.OpType, c.Provider.ID, c.Provider.Offers)
			}
			if l.PriceCents <= 0 || l.SubsidyCents > l.PriceCents*30/100 || l.BaseCents < l.PriceCents {
				t.Errorf("contract %d, %s: price %d, subsidy %d, baseline %d", i, l.OpType, l.PriceCents, l.SubsidyCents, l.BaseCents)
			}
		}
		for _, op := range c.Ops {
			if op.Date.After(w.Today) {
				t.Fatalf("contract %d: %s dated %s, after %s", i, op.OpType, op.Date, w.Today)
			}
		}
	}
}
