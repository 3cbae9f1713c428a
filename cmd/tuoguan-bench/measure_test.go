package main

import "testing"

func TestRatios(t *testing.T) {
	r := ratios{0.6, 0.4, 0.5}
	if r.median() != 0.5 || r.min() != 0.4 || r.max() != 0.6 || r.medianRound() != 2 {
		t.Errorf("%v: median %v, min %v, max %v, median round %d", r, r.median(), r.min(), r.max(), r.medianRound())
	}
	if got := r.String(); got != "0.40 / 0.50 / 0.60" {
		t.Errorf("String: %q", got)
	}
	even := ratios{1, 4, 2, 3}
	if even.median() != 2.5 || even.medianRound() != 2 {
		t.Errorf("%v: median %v, median round %d", even, even.median(), even.medianRound())
	}
	if (ratios{}).median() != 0 || (ratios{}).medianRound() != -1 {
		t.Error("no ratios")
	}
}
