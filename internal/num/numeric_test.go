package num

import (
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

// numericBinary is PostgreSQL's binary form of the numeric s, as pgx encodes it for the server.
func numericBinary(t *testing.T, s string) []byte {
	t.Helper()
	var n pgtype.Numeric
	if err := n.Scan(s); err != nil {
		t.Fatalf("pgtype.Numeric.Scan(%q): %v", s, err)
	}
	b, err := pgtype.NewMap().Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, n, nil)
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

// SumOfNumeric reads the binary form of every value ParseSum reads from its text, to the same Sum.
func TestSumOfNumericAgreesWithParseSum(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := []string{"0", "-0", "0.00000001", "-0.00000001", "10000", "100000000.0001", "9223372036854775807.99999999",
		"-9223372036854775807.99999999", "12.3400", "-1.5"}
	for i := range 100000 {
		cases = append(cases, randomDecimal(r, []int{3, 9, 12, 16, 18}[i%5], 8))
	}
	for _, s := range cases {
		want := mustSum(t, s)
		got, err := SumOfNumeric(numericBinary(t, s))
		if err != nil || got != want {
			t.Fatalf("SumOfNumeric(%s) = %s, %v; want %s", s, got, err, want)
		}
	}
}

func TestSumOfNumericRefuses(t *testing.T) {
	for _, s := range []string{"0.000000001", "1.123456789", "9223372036854775808", "-9223372036854775809", "1000000000000000000000000000000", "NaN", "Infinity"} {
		if got, err := SumOfNumeric(numericBinary(t, s)); err == nil {
			t.Errorf("SumOfNumeric(%s) = %s, want an error", s, got)
		}
	}
	for _, b := range [][]byte{nil, {0, 1, 0, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}} {
		if got, err := SumOfNumeric(b); err == nil {
			t.Errorf("SumOfNumeric(%v) = %s, want an error", b, got)
		}
	}
}
