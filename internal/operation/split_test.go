package operation

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSplit checks, over random batches, that split puts every live item in exactly one group, each contract's
// items in one group and each group in request order, in at most as many groups as it is given and as
// partLeast allows, and one group of every live item in order when the batch is too small to split.
func TestSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(20261207, 1))
	for trial := range 500 {
		n := 1 + r.IntN(MaxBatch)
		b := &batch{items: make([]Item, n), results: make([]Result, n)}
		contracts := 1 + r.IntN(60)
		var live []int
		for i := range b.items {
			b.items[i].ContractID = int64(1 + r.IntN(contracts))
			if r.IntN(8) == 0 {
				b.results[i].Status = Refused
			} else {
				live = append(live, i)
			}
		}
		procs := 1 + r.IntN(4)
		groups := b.split(procs)
		switch {
		case len(live) == 0:
			if len(groups) != 0 {
				t.Fatalf("trial %d: %d groups of no live item", trial, len(groups))
			}
			continue
		case procs < 2 || len(live) < 2*partLeast:
			if len(groups) != 1 || !slices.Equal(groups[0], live) {
				t.Fatalf("trial %d: %d live items, %d processors: %d groups, want one of every live item in order", trial, len(live), procs, len(groups))
			}
			continue
		}
		if len(groups) > procs || len(groups) > len(live)/partLeast {
			t.Fatalf("trial %d: %d groups of %d live items for %d processors", trial, len(groups), len(live), procs)
		}
		seen := map[int]bool{}
		home := map[int64]int{}
		for g, group := range groups {
			if len(group) == 0 || !slices.IsSorted(group) {
				t.Fatalf("trial %d: group %d is empty or out of request order: %v", trial, g, group)
			}
			for _, i := range group {
				if seen[i] || !b.live(i) {
					t.Fatalf("trial %d: item %d grouped twice or not live", trial, i)
				}
				seen[i] = true
				c := b.items[i].ContractID
				if h, ok := home[c]; ok && h != g {
					t.Fatalf("trial %d: contract %d in groups %d and %d", trial, c, h, g)
				}
				home[c] = g
			}
		}
		if len(seen) != len(live) {
			t.Fatalf("trial %d: %d of %d live items grouped", trial, len(seen), len(live))
		}
	}
}
