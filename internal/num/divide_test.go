package num

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestDivRound2(t *testing.T) {
	t.Parallel()
	cases := []struct{ x, y, want string }{
		{"1417.50", "10.50", "135.00"},
		{"966", "10.5", "92.00"},
		{"2383.50", "10.50", "227.00"},
		{"1", "3", "0.33"},
		{"2", "3", "0.67"},
		{"-2", "3", "-0.67"},
		{"2", "-3", "-0.67"},
		{"1.005", "1", "1.01"},                     // exactly half a cent rounds away from zero
		{"-1.005", "1", "-1.01"},                   // on both signs
		{"1.00499999999999999999999", "1", "1.00"}, // just under half a cent, beyond 16 digits
		{"0.125", "0.5", "0.25"},
		{"10", "0.03", "333.33"},
		{"0", "7", "0.00"},
		{"-0.004", "1", "0.00"},
		{"100000000000.01", "3", "33333333333.34"},
	}
	for _, c := range cases {
		got, ok := DivRound2(decimal.RequireFromString(c.x), decimal.RequireFromString(c.y))
		if !ok || got.String() != c.want {
			t.Errorf("DivRound2(%s, %s) = %s, %v; want %s", c.x, c.y, got, ok, c.want)
		}
	}
	if _, ok := DivRound2(decimal.NewFromInt(1), decimal.Zero); ok {
		t.Error("division by zero reported ok")
	}
}
