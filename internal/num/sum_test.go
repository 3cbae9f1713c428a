package num

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// randomDecimal returns the text of a random decimal with up to intDigits integer digits and up to places
// fractional places, either sign, with ties (…5 at the third place) and zeros frequent.
func randomDecimal(r *rand.Rand, intDigits, places int) string {
	var b strings.Builder
	if r.IntN(2) == 0 {
		b.WriteByte('-')
	}
	n := 1 + r.IntN(intDigits)
	b.WriteByte(byte('1' + r.IntN(9)))
	if r.IntN(5) == 0 {
		b.Reset()
		b.WriteByte('0')
		n = 1
	}
	for range n - 1 {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	if p := r.IntN(places + 1); p > 0 {
		b.WriteByte('.')
		for i := range p {
			d := byte('0' + r.IntN(10))
			if i == 2 && r.IntN(3) == 0 {
				d = '5'
			}
			b.WriteByte(d)
		}
	}
	return b.String()
}

func mustSum(t *testing.T, s string) Sum {
	t.Helper()
	v, err := ParseSum(s)
	if err != nil {
		t.Fatalf("ParseSum(%q): %v", s, err)
	}
	return v
}

// Every operation of Sum agrees with the same operation on decimal.Decimal, the reference.
func TestSumAgreesWithDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		digits := []int{3, 9, 12, 16}[i%4]
		xs, ys := randomDecimal(r, digits, 8), randomDecimal(r, digits, 8)
		x, y := mustSum(t, xs), mustSum(t, ys)
		dx, dy := decimal.RequireFromString(xs), decimal.RequireFromString(ys)
		if !x.Decimal().Equal(dx) || x.String() != dx.StringFixed(8) {
			t.Fatalf("ParseSum(%q) = %s (%s)", xs, x.Decimal(), x)
		}
		if got, want := x.Add(y).Decimal(), dx.Add(dy); !got.Equal(want) {
			t.Fatalf("%s + %s = %s, want %s", xs, ys, got, want)
		}
		if got, want := x.Sub(y).Decimal(), dx.Sub(dy); !got.Equal(want) {
			t.Fatalf("%s − %s = %s, want %s", xs, ys, got, want)
		}
		if got, want := x.Round2(), Round2(dx); !got.Equal(want) {
			t.Fatalf("Round2(%s) = %s, want %s", xs, got, want)
		}
		if dx.Abs().LessThan(dy.Abs().Mul(decimal.New(9, 16))) { // the quotient has a Dec2
			got, gotOK := x.DivRound2(y)
			want, wantOK := DivRound2(dx, dy)
			if gotOK != wantOK || !got.Equal(want) {
				t.Fatalf("%s ÷ %s = %s %v, want %s %v", xs, ys, got, gotOK, want, wantOK)
			}
		}
		// Areas of 2 places weighed by a Dec4.
		a := mustSum(t, randomDecimal(r, digits, 2))
		w := MustDec4(randomDecimal(r, 2, 4))
		if got, want := a.MulDec4(w).Decimal(), a.Decimal().Mul(w.Decimal()); !got.Equal(want) {
			t.Fatalf("%s × %s = %s, want %s", a, w, got, want)
		}
	}
}

// Ties round away from zero, and per-mu quotients are decided by the exact remainder.
func TestSumRoundingCases(t *testing.T) {
	for _, c := range []struct{ x, y, round, div string }{
		{"1.005", "1", "1.01", "1.01"},
		{"-1.005", "1", "-1.01", "-1.01"},
		{"1.00499999", "1", "1.00", "1.00"},
		{"-0.00499999", "1", "0.00", "0.00"},
		{"0.125", "0.5", "0.13", "0.25"},
		{"1", "3", "1.00", "0.33"},
		{"2", "3", "2.00", "0.67"},
		{"-2", "3", "-2.00", "-0.67"},
		{"180.0000001", "0.00000001", "180.00", "18000000010.00"},
		{"99999999999.99499999", "0.01", "99999999999.99", "9999999999999.50"},
	} {
		x, y := mustSum(t, c.x), mustSum(t, c.y)
		if got := x.Round2().String(); got != c.round {
			t.Errorf("Round2(%s) = %s, want %s", c.x, got, c.round)
		}
		if got, ok := x.DivRound2(y); !ok || got.String() != c.div {
			t.Errorf("%s ÷ %s = %s, want %s", c.x, c.y, got, c.div)
		}
	}
	if _, ok := mustSum(t, "1").DivRound2(Sum{}); ok {
		t.Error("a division by zero answered")
	}
}

// The largest sums, far beyond the quick way of dividing, still divide exactly.
func TestSumLargeDivision(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		xs, ys := randomDecimal(r, 18, 8), randomDecimal(r, 18, 8)
		if len(strings.TrimLeft(xs, "-")) > 26 || strings.HasPrefix(strings.TrimLeft(ys, "-"), "0") {
			continue
		}
		x, y := mustSum(t, xs), mustSum(t, ys)
		dx, dy := decimal.RequireFromString(xs), decimal.RequireFromString(ys)
		q := dx.Div(dy).Abs()
		if q.GreaterThan(decimal.New(9, 16)) {
			continue // beyond Dec2
		}
		got, _ := x.DivRound2(y)
		want, _ := DivRound2(dx, dy)
		if !got.Equal(want) {
			t.Fatalf("%s ÷ %s = %s, want %s", xs, ys, got, want)
		}
	}
}

func TestParseSumRefuses(t *testing.T) {
	for _, s := range []string{"", "-", "1.", ".5", "01", "1e5", "1.000000001", "abc", "1 ", "9223372036854775808"} {
		if _, err := ParseSum(s); err == nil {
			t.Errorf("ParseSum(%q) accepted", s)
		}
	}
	for s, want := range map[string]string{"1.50000000000000000000": "1.50000000", "-0": "0.00000000", "0.00000001": "0.00000001",
		"-9223372036854775807.99999999": "-9223372036854775807.99999999"} {
		if got := mustSum(t, s).String(); got != want {
			t.Errorf("ParseSum(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestSumScan(t *testing.T) {
	var v Sum
	for _, c := range []struct {
		src  any
		want string
	}{{"12.3456", "12.34560000"}, {[]byte("-0.5"), "-0.50000000"}, {int64(7), "7.00000000"}} {
		if err := v.Scan(c.src); err != nil || v.String() != c.want {
			t.Errorf("Scan(%v) = %s, %v; want %s", c.src, v, err, c.want)
		}
		if got, err := v.Value(); err != nil || got != c.want {
			t.Errorf("Value() = %v, %v; want %s", got, err, c.want)
		}
	}
	for _, src := range []any{nil, 1.5, "x"} {
		if err := v.Scan(src); err == nil {
			t.Errorf("Scan(%v) accepted", src)
		}
	}
	for in, want := range map[string]string{"-12.5": "-12.50000000", "0.00000001": "0.00000001", "": "", "1.000000001": "", "01": ""} {
		err := v.ScanBytes([]byte(in))
		if got := v.String(); (err == nil) != (want != "") || err == nil && got != want {
			t.Errorf("ScanBytes(%q) = %s, %v; want %q", in, got, err, want)
		}
	}
}

func TestSumOverflowPanics(t *testing.T) {
	big := mustSum(t, "9223372036854775807")
	for name, f := range map[string]func(){
		"add":     func() { big.Add(mustSum(t, "1")) },
		"round":   func() { big.Round2() },
		"places":  func() { mustSum(t, "0.00001").MulDec4(MustDec4("0.0001")) },
		"product": func() { big.MulDec4(MustDec4("2")) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestSumOf(t *testing.T) {
	for _, s := range []string{"0.00", "-0.01", "-12.34", "999999999999.99"} {
		if got := SumOf(MustDec2(s)); !got.Decimal().Equal(decimal.RequireFromString(s)) {
			t.Errorf("SumOf(%s) = %s", s, got)
		}
	}
}
