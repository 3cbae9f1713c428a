package num

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// wantReason asserts that err is a *Error carrying reason.
func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *num.Error", err, err)
	}
	if e.Reason != reason {
		t.Fatalf("reason = %q, want %q", e.Reason, reason)
	}
}

func TestParseDec2(t *testing.T) {
	ok := []struct{ in, want string }{
		{"0", "0.00"},
		{"-0", "0.00"},
		{"-0.00", "0.00"},
		{"0.0", "0.00"},
		{"1", "1.00"},
		{"10.5", "10.50"},
		{"10.50", "10.50"},
		{"10.500", "10.50"},
		{"10.5000000000000000000000", "10.50"},
		{"-0.05", "-0.05"},
		{"-12.34", "-12.34"},
		{"0.01", "0.01"},
		{"100", "100.00"},
		{"999999999999.99", "999999999999.99"},
		{"-999999999999.99", "-999999999999.99"},
		{"123456789012", "123456789012.00"},
	}
	for _, tc := range ok {
		t.Run("ok/"+tc.in, func(t *testing.T) {
			v, err := ParseDec2(tc.in)
			if err != nil {
				t.Fatalf("ParseDec2(%q): %v", tc.in, err)
			}
			if got := v.String(); got != tc.want {
				t.Fatalf("ParseDec2(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}

	places := reasonPlaces(2)
	bad := []struct{ in, reason string }{
		{"", reasonEmpty},
		{" 1", reasonSyntax},
		{"1 ", reasonSyntax},
		{"1 000", reasonSyntax},
		{"\t1", reasonSyntax},
		{"+1", reasonSyntax},
		{"-", reasonSyntax},
		{"--1", reasonSyntax},
		{".5", reasonSyntax},
		{"5.", reasonSyntax},
		{"-.5", reasonSyntax},
		{"1.2.3", reasonSyntax},
		{"1,5", reasonSyntax},
		{"0x10", reasonSyntax},
		{"0X1F", reasonSyntax},
		{"abc", reasonSyntax},
		{"１", reasonSyntax},
		{"null", reasonSyntax},
		{"true", reasonSyntax},
		{"1e2", reasonExponent},
		{"1E2", reasonExponent},
		{"1.5e-3", reasonExponent},
		{"-1e+2", reasonExponent},
		{"NaN", reasonNonFinite},
		{"nan", reasonNonFinite},
		{"Inf", reasonNonFinite},
		{"-Inf", reasonNonFinite},
		{"+Infinity", reasonNonFinite},
		{"Infinity", reasonNonFinite},
		{"007", reasonZeros},
		{"00", reasonZeros},
		{"-01.5", reasonZeros},
		{"10.505", places},
		{"0.001", places},
		{"-0.001", places},
		{"0.0010", places},
		{"1000000000000", reasonRange},
		{"-1000000000000", reasonRange},
		{"1000000000000.00", reasonRange},
		{"99999999999999999999999", reasonRange},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.in, func(t *testing.T) {
			_, err := ParseDec2(tc.in)
			wantReason(t, err, tc.reason)
		})
	}
}

func TestParseDec4(t *testing.T) {
	ok := []struct{ in, want string }{
		{"0", "0.0000"},
		{"-0", "0.0000"},
		{"3.25", "3.2500"},
		{"3.2501", "3.2501"},
		{"3.250100", "3.2501"},
		{"-0.0001", "-0.0001"},
		{"999999999999.9999", "999999999999.9999"},
	}
	for _, tc := range ok {
		v, err := ParseDec4(tc.in)
		if err != nil {
			t.Errorf("ParseDec4(%q): %v", tc.in, err)
			continue
		}
		if got := v.String(); got != tc.want {
			t.Errorf("ParseDec4(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	bad := []struct{ in, reason string }{
		{"3.25001", reasonPlaces(4)},
		{"1000000000000", reasonRange},
		{"1e-4", reasonExponent},
		{"007.1", reasonZeros},
		{"", reasonEmpty},
	}
	for _, tc := range bad {
		_, err := ParseDec4(tc.in)
		wantReason(t, err, tc.reason)
	}
}

func TestZeroValue(t *testing.T) {
	var a Dec2
	var b Dec4
	if a.String() != "0.00" || b.String() != "0.0000" {
		t.Fatalf("zero values format as %q and %q", a.String(), b.String())
	}
	if !a.IsZero() || a.Sign() != 0 || !b.IsZero() || b.Sign() != 0 {
		t.Fatal("zero values must be zero")
	}
	if !a.Equal(MustDec2("0")) || a.Cmp(MustDec2("-0.00")) != 0 || !b.Equal(MustDec4("0")) {
		t.Fatal("zero value must equal parsed zero")
	}
	if !a.Decimal().IsZero() {
		t.Fatal("zero value Decimal() must be zero")
	}
}

func TestCompare(t *testing.T) {
	a, b := MustDec2("1.5"), MustDec2("1.50")
	if !a.Equal(b) || a.Cmp(b) != 0 {
		t.Fatal("1.5 and 1.50 must be equal")
	}
	if MustDec2("-0.01").Cmp(MustDec2("0")) != -1 || MustDec2("-0.01").Sign() != -1 {
		t.Fatal("-0.01 must be negative")
	}
	if MustDec4("0.0001").Cmp(MustDec4("0")) != 1 || MustDec4("0.0001").Sign() != 1 {
		t.Fatal("0.0001 must be positive")
	}
}

func TestMustPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"MustDec2": func() { MustDec2("1.001") },
		"MustDec4": func() { MustDec4("1e3") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, _ := r.(error)
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("panic value %v is not a *num.Error", r)
				}
			}()
			f()
		})
	}
}

func TestFromDecimal(t *testing.T) {
	ok := []struct {
		d    decimal.Decimal
		want string
	}{
		{decimal.Decimal{}, "0.00"},
		{decimal.New(1050, -2), "10.50"},
		{decimal.New(10500, -3), "10.50"},
		{decimal.New(5, 3), "5000.00"},
		{decimal.New(-5, -2), "-0.05"},
		{decimal.New(99999999999999, -2), "999999999999.99"},
	}
	for _, tc := range ok {
		v, err := Dec2FromDecimal(tc.d)
		if err != nil {
			t.Errorf("Dec2FromDecimal(%s): %v", tc.d, err)
			continue
		}
		if v.String() != tc.want {
			t.Errorf("Dec2FromDecimal(%s) = %s, want %s", tc.d, v, tc.want)
		}
	}
	_, err := Dec2FromDecimal(decimal.New(10505, -3))
	wantReason(t, err, reasonPlaces(2))
	_, err = Dec2FromDecimal(decimal.New(1, 12))
	wantReason(t, err, reasonRange)
	_, err = Dec2FromDecimal(decimal.New(-1, 12))
	wantReason(t, err, reasonRange)

	v4, err := Dec4FromDecimal(decimal.New(32501, -4))
	if err != nil || v4.String() != "3.2501" {
		t.Fatalf("Dec4FromDecimal = %s, %v", v4, err)
	}
	_, err = Dec4FromDecimal(decimal.New(1, -5))
	wantReason(t, err, reasonPlaces(4))
	_, err = Dec4FromDecimal(decimal.New(1, 13))
	wantReason(t, err, reasonRange)
}

func TestRound2(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0", "0.00"},
		{"1.005", "1.01"},
		{"-1.005", "-1.01"},
		{"2.675", "2.68"},
		{"-2.675", "-2.68"},
		{"1.004", "1.00"},
		{"-1.004", "-1.00"},
		{"0.004999", "0.00"},
		{"-0.004999", "0.00"},
		{"-0.004", "0.00"},
		{"-0.005", "-0.01"},
		{"0.005", "0.01"},
		{"0.0049999999999999999999", "0.00"},
		{"0.0050000000000000000001", "0.01"},
		{"-0.0050000000000000000000", "-0.01"},
		{"12.344999", "12.34"},
		{"12.345", "12.35"},
		{"-12.345", "-12.35"},
		{"99.995", "100.00"},
		{"-99.995", "-100.00"},
		{"10.5", "10.50"},
		{"7", "7.00"},
		{"123456789.123456789", "123456789.12"},
	}
	for _, tc := range cases {
		d, err := decimal.NewFromString(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		got := Round2(d)
		if got.String() != tc.want {
			t.Errorf("Round2(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if _, err := Dec2FromDecimal(got.Decimal()); err != nil {
			t.Errorf("Round2(%s) has more than 2 places: %v", tc.in, err)
		}
	}
	// A third of a unit, computed exactly, rounds down on both signs.
	third := decimal.NewFromInt(1).DivRound(decimal.NewFromInt(3), 30)
	if got := Round2(third).String(); got != "0.33" {
		t.Errorf("Round2(1/3) = %s", got)
	}
	if got := Round2(third.Neg()).String(); got != "-0.33" {
		t.Errorf("Round2(-1/3) = %s", got)
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := ParseDec2("10.505")
	if got, want := err.Error(), `value "10.505" must have at most 2 decimal places`; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	_, err = ParseDec2(strings.Repeat("9", 1000))
	var e *Error
	if !errors.As(err, &e) || len(e.Input) > maxInputEcho+3 {
		t.Fatalf("long input must be shortened in the error, got %q", e.Input)
	}
	if got := (&Error{Reason: reasonNull}).Error(); got != "value must not be null" {
		t.Fatalf("Error() without input = %q", got)
	}
}
