package num

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
)

func TestMarshalJSON(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{MustDec2("10.5"), `"10.50"`},
		{MustDec2("-0.05"), `"-0.05"`},
		{MustDec2("-0"), `"0.00"`},
		{Dec2{}, `"0.00"`},
		{MustDec4("3.25"), `"3.2500"`},
		{Dec4{}, `"0.0000"`},
		{struct {
			Area  Dec2  `json:"area"`
			Price *Dec4 `json:"price"`
		}{Area: MustDec2("1.2")}, `{"area":"1.20","price":null}`},
	}
	for _, tc := range cases {
		b, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", tc.v, err)
		}
		if string(b) != tc.want {
			t.Errorf("Marshal(%v) = %s, want %s", tc.v, b, tc.want)
		}
	}
}

func TestUnmarshalJSON(t *testing.T) {
	ok := []struct{ in, want string }{
		{`"10.50"`, "10.50"},
		{`"10.500"`, "10.50"},
		{`10.5`, "10.50"},
		{`10.500`, "10.50"},
		{`-0`, "0.00"},
		{`"-0"`, "0.00"},
		{`0`, "0.00"},
		{`"\u0031\u0030"`, "10.00"},
		{`999999999999.99`, "999999999999.99"},
	}
	for _, tc := range ok {
		var v Dec2
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.in, err)
			continue
		}
		if v.String() != tc.want {
			t.Errorf("Unmarshal(%s) = %s, want %s", tc.in, v, tc.want)
		}
	}

	bad := []struct{ in, reason string }{
		{`null`, reasonNull},
		{`true`, reasonJSONKind},
		{`false`, reasonJSONKind},
		{`{}`, reasonJSONKind},
		{`[1]`, reasonJSONKind},
		{`""`, reasonEmpty},
		{`" 1"`, reasonSyntax},
		{`"+1"`, reasonSyntax},
		{`".5"`, reasonSyntax},
		{`"5."`, reasonSyntax},
		{`"0x1"`, reasonSyntax},
		{`"NaN"`, reasonNonFinite},
		{`"Infinity"`, reasonNonFinite},
		{`"-Inf"`, reasonNonFinite},
		{`1e2`, reasonExponent},
		{`1.5E-1`, reasonExponent},
		{`"1e2"`, reasonExponent},
		{`"007"`, reasonZeros},
		{`10.505`, reasonPlaces(2)},
		{`"10.505"`, reasonPlaces(2)},
		{`1000000000000`, reasonRange},
		{`"-1000000000000"`, reasonRange},
	}
	for _, tc := range bad {
		t.Run(tc.in, func(t *testing.T) {
			v := MustDec2("7.77")
			err := json.Unmarshal([]byte(tc.in), &v)
			wantReason(t, err, tc.reason)
			if v.String() != "7.77" {
				t.Fatalf("failed Unmarshal changed the value to %s", v)
			}
			// Calling the method directly must agree with encoding/json.
			wantReason(t, v.UnmarshalJSON([]byte(tc.in)), tc.reason)
		})
	}
	wantReason(t, new(Dec2).UnmarshalJSON(nil), reasonEmpty)
}

func TestUnmarshalJSONStruct(t *testing.T) {
	type body struct {
		Area  Dec2  `json:"area"`
		Price *Dec4 `json:"price"`
	}
	var b body
	if err := json.Unmarshal([]byte(`{"area":12.5,"price":null}`), &b); err != nil {
		t.Fatal(err)
	}
	if b.Area.String() != "12.50" || b.Price != nil {
		t.Fatalf("got area %s, price %v", b.Area, b.Price)
	}
	if err := json.Unmarshal([]byte(`{"area":"1","price":"3.14159"}`), &b); err == nil {
		t.Fatal("5 decimal places must be refused for Dec4")
	} else {
		wantReason(t, err, reasonPlaces(4))
	}
	err := json.Unmarshal([]byte(`{"area":null}`), &b)
	wantReason(t, err, reasonNull)
}

// TestJSONNumberIsExact uses a value that float64 cannot hold: the nearest
// double to 999999999999.9999 is about 999999999999.99987793.
func TestJSONNumberIsExact(t *testing.T) {
	var v Dec4
	if err := json.Unmarshal([]byte(`999999999999.9999`), &v); err != nil {
		t.Fatal(err)
	}
	if !v.Decimal().Equal(decimal.New(9999999999999999, -4)) {
		t.Fatalf("got %s, want exactly 999999999999.9999", v.Decimal())
	}
	var w Dec2
	if err := json.Unmarshal([]byte(`0.1`), &w); err != nil {
		t.Fatal(err)
	}
	if !w.Decimal().Equal(decimal.New(1, -1)) {
		t.Fatalf("got %s, want exactly 0.1", w.Decimal())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "0.01", "-0.01", "10.5", "-999999999999.99", "123.45"} {
		in := MustDec2(s)
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out Dec2
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if !out.Equal(in) {
			t.Errorf("round trip of %s gave %s", in, out)
		}
	}
	for _, s := range []string{"0", "0.0001", "-3.2501", "999999999999.9999"} {
		in := MustDec4(s)
		b, _ := json.Marshal(in)
		var out Dec4
		if err := json.Unmarshal(b, &out); err != nil || !out.Equal(in) {
			t.Errorf("round trip of %s gave %s, %v", in, out, err)
		}
	}
}

func TestText(t *testing.T) {
	var v Dec2
	if err := v.UnmarshalText([]byte("10.5")); err != nil {
		t.Fatal(err)
	}
	b, err := v.MarshalText()
	if err != nil || string(b) != "10.50" {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	if b, _ := MustDec2("-0.05").AppendText([]byte("x=")); string(b) != "x=-0.05" {
		t.Fatalf("AppendText = %q", b)
	}
	wantReason(t, v.UnmarshalText([]byte("1e3")), reasonExponent)
	wantReason(t, v.UnmarshalText(nil), reasonEmpty)
	if v.String() != "10.50" {
		t.Fatalf("failed UnmarshalText changed the value to %s", v)
	}

	var p Dec4
	if err := p.UnmarshalText([]byte("0.1234")); err != nil {
		t.Fatal(err)
	}
	if b, _ := p.MarshalText(); string(b) != "0.1234" {
		t.Fatalf("MarshalText = %q", b)
	}
	wantReason(t, p.UnmarshalText([]byte("0.12345")), reasonPlaces(4))

	// Text form is used for map keys as well.
	m, err := json.Marshal(map[Dec2]int{MustDec2("1"): 1})
	if err != nil || string(m) != `{"1.00":1}` {
		t.Fatalf("map key = %s, %v", m, err)
	}
}

func TestScan(t *testing.T) {
	ok := []struct {
		src  any
		want string
	}{
		{"10.50", "10.50"},
		{"10.5000", "10.50"},
		{"-0.05", "-0.05"},
		{[]byte("123.4"), "123.40"},
		{int64(42), "42.00"},
		{int64(-7), "-7.00"},
		{int64(999999999999), "999999999999.00"},
	}
	for _, tc := range ok {
		var v Dec2
		if err := v.Scan(tc.src); err != nil {
			t.Errorf("Scan(%#v): %v", tc.src, err)
			continue
		}
		if v.String() != tc.want {
			t.Errorf("Scan(%#v) = %s, want %s", tc.src, v, tc.want)
		}
	}

	bad := []any{
		nil,
		"NaN",
		"Infinity",
		"10.505",
		[]byte("1e3"),
		int64(1000000000000),
		// The only float in this package: drivers that hand over float64
		// must be refused, because the value is already inexact.
		float64(1.5),
		true,
		struct{}{},
	}
	for _, src := range bad {
		t.Run(fmt.Sprintf("%T/%v", src, src), func(t *testing.T) {
			v := MustDec2("1.23")
			err := v.Scan(src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Scan(%#v) error %v is not a *num.Error", src, err)
			}
			if v.String() != "1.23" {
				t.Fatalf("failed Scan changed the value to %s", v)
			}
		})
	}

	var p Dec4
	if err := p.Scan("3.2501"); err != nil || p.String() != "3.2501" {
		t.Fatalf("Dec4 Scan = %s, %v", p, err)
	}
	wantReason(t, p.Scan("3.25011"), reasonPlaces(4))
	wantReason(t, p.Scan(nil), reasonNull)
}

func TestValue(t *testing.T) {
	cases := []struct {
		v    driver.Valuer
		want string
	}{
		{MustDec2("10.5"), "10.50"},
		{MustDec2("-0.05"), "-0.05"},
		{Dec2{}, "0.00"},
		{MustDec4("3.25"), "3.2500"},
		{Dec4{}, "0.0000"},
	}
	for _, tc := range cases {
		got, err := tc.v.Value()
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := got.(string); !ok || s != tc.want {
			t.Errorf("Value() = %#v, want %q", got, tc.want)
		}
		// What Value returns must be accepted back by Scan.
		var v2 Dec2
		var v4 Dec4
		switch tc.v.(type) {
		case Dec2:
			if err := v2.Scan(got); err != nil || v2.String() != tc.want {
				t.Errorf("Scan(Value()) = %s, %v", v2, err)
			}
		case Dec4:
			if err := v4.Scan(got); err != nil || v4.String() != tc.want {
				t.Errorf("Scan(Value()) = %s, %v", v4, err)
			}
		}
	}
}
