package num

import (
	"database/sql/driver"
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"github.com/shopspring/decimal"
)

// Sum is an exact total of decimals with at most 8 fractional places: what the statistics add up from numeric
// columns whose values are, by the columns' types, products of this package's values — an area of 2 places
// by a price per mu of 2, or a yield of 2 places less a yield per mu of 2 by an area of 2, by a price per kg
// of 4 (8 places). It is held in two int64s, the whole units (the floor of the value) and the
// hundred-millionths above them, so that reading, adding, rounding, dividing and formatting need no
// math/big. Its range is |value| < 2^63 ≈ 9.2 × 10^18; arithmetic that leaves it panics. The zero value is 0.
type Sum struct {
	whole int64 // ⌊value⌋
	frac  int64 // (value − whole) in units of 10^-8, 0 ≤ frac < 10^8
}

// sumPlaces is the number of fractional places a Sum holds; sumUnit is 10^sumPlaces.
const (
	sumPlaces = 8
	sumUnit   = 1e8
)

// SumOf returns the Sum of v.
func SumOf(v Dec2) Sum { return sumOfUnits(v.c, 2) }

// sumOfUnits returns the Sum of u units of 10^-places, places ≤ sumPlaces.
func sumOfUnits(u int64, places int) Sum {
	p := pow10[places]
	whole, rest := u/p, u%p
	if rest < 0 {
		whole, rest = whole-1, rest+p
	}
	return Sum{whole: whole, frac: rest * pow10[sumPlaces-places]}
}

// ParseSum parses the text of a decimal with the package grammar, any number of integer digits up to the
// range and at most 8 significant fractional places: a database's numeric value.
func ParseSum(s string) (Sum, error) { return parseSum(s) }

// parseSum is ParseSum of text held as a string or as bytes, read in place.
func parseSum[T string | []byte](s T) (Sum, error) {
	if len(s) == 0 {
		return Sum{}, newError("", reasonEmpty)
	}
	i := 0
	neg := s[0] == '-'
	if neg {
		i++
	}
	start := i
	var whole uint64
	for ; i < len(s) && isDigit(s[i]); i++ {
		d := uint64(s[i] - '0')
		if whole > (math.MaxInt64-d)/10 {
			return Sum{}, newError(string(s), reasonRange)
		}
		whole = whole*10 + d
	}
	if i == start || (i-start > 1 && s[start] == '0') {
		return Sum{}, newError(string(s), reasonSyntax)
	}
	var frac int64
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) {
			return Sum{}, newError(string(s), reasonSyntax)
		}
		for n := 0; i < len(s) && isDigit(s[i]); i, n = i+1, n+1 {
			d := int64(s[i] - '0')
			switch {
			case n < sumPlaces:
				frac += d * pow10[sumPlaces-1-n]
			case d != 0:
				return Sum{}, newError(string(s), reasonPlaces(sumPlaces))
			}
		}
	}
	if i != len(s) {
		return Sum{}, newError(string(s), reasonSyntax)
	}
	v := Sum{whole: int64(whole), frac: frac}
	if neg {
		v = v.Neg()
	}
	return v, nil
}

// Scan implements sql.Scanner for numeric columns read as text, and integers.
func (v *Sum) Scan(src any) error {
	switch x := src.(type) {
	case string:
		s, err := ParseSum(x)
		if err != nil {
			return err
		}
		*v = s
	case []byte:
		return v.ScanBytes(x)
	case int64:
		*v = Sum{whole: x}
	default:
		return newError("", fmt.Sprintf("cannot be read from a database value of type %T", src))
	}
	return nil
}

// ScanBytes reads the text of a numeric value in place: pgx hands a text column's bytes to it without
// copying them into a string first.
func (v *Sum) ScanBytes(b []byte) error {
	s, err := parseSum(b)
	if err != nil {
		return err
	}
	*v = s
	return nil
}

// Value implements driver.Valuer: the text of String, which PostgreSQL reads as numeric exactly.
func (v Sum) Value() (driver.Value, error) { return v.String(), nil }

// addChecked returns a + b, panicking when it leaves the range of int64.
func addChecked(a, b int64) int64 {
	c := a + b
	if (c > a) != (b > 0) {
		panic("num: a Sum is out of range")
	}
	return c
}

// Add returns v + o.
func (v Sum) Add(o Sum) Sum {
	w, f := addChecked(v.whole, o.whole), v.frac+o.frac
	if f >= sumUnit {
		w, f = addChecked(w, 1), f-sumUnit
	}
	return Sum{whole: w, frac: f}
}

// Neg returns −v.
func (v Sum) Neg() Sum {
	if v.whole == math.MinInt64 {
		panic("num: a Sum is out of range")
	}
	if v.frac == 0 {
		return Sum{whole: -v.whole}
	}
	return Sum{whole: -v.whole - 1, frac: sumUnit - v.frac}
}

// Sub returns v − o.
func (v Sum) Sub(o Sum) Sum { return v.Add(o.Neg()) }

// IsZero reports whether v is 0.
func (v Sum) IsZero() bool { return v.whole == 0 && v.frac == 0 }

// Equal reports whether v and o are equal.
func (v Sum) Equal(o Sum) bool { return v == o }

// Decimal returns the exact value as a decimal.Decimal.
func (v Sum) Decimal() decimal.Decimal {
	return decimal.New(v.whole, 0).Add(decimal.New(v.frac, -sumPlaces))
}

// String formats v with its 8 fractional places, e.g. "-1.50000000".
func (v Sum) String() string {
	neg, hi, lo := v.magnitude()
	whole, frac := bits.Div64(hi, lo, sumUnit)
	var b []byte
	if neg {
		b = append(b, '-')
	}
	b = append(strconv.AppendUint(b, whole, 10), '.')
	for p := uint64(sumUnit / 10); p > 0; p /= 10 {
		b = append(b, byte('0'+frac/p%10))
	}
	return string(b)
}

// magnitude returns the sign of v and |v| in units of 10^-8 as a 128-bit integer.
func (v Sum) magnitude() (neg bool, hi, lo uint64) {
	if v.whole >= 0 {
		hi, lo = bits.Mul64(uint64(v.whole), sumUnit)
		var c uint64
		lo, c = bits.Add64(lo, uint64(v.frac), 0)
		return false, hi + c, lo
	}
	// |v| = (−whole)·10^8 − frac; −whole fits in a uint64 even for the smallest int64.
	hi, lo = bits.Mul64(uint64(-v.whole), sumUnit)
	var b uint64
	lo, b = bits.Sub64(lo, uint64(v.frac), 0)
	return true, hi - b, lo
}

// Round2 returns v rounded half away from zero to 2 places: 1.005 becomes 1.01, −1.005 becomes −1.01.
func (v Sum) Round2() Dec2 {
	neg, hi, lo := v.magnitude()
	const half = sumUnit / 100 / 2
	if hi >= sumUnit/100 { // the quotient by 10^6 would not fit in 64 bits
		panic("num: a Sum is beyond the range of Dec2")
	}
	c, r := bits.Div64(hi, lo, sumUnit/100)
	if r >= half {
		c++
	}
	return signedCents(neg, c)
}

// signedCents returns the Dec2 of c hundredths, negated when neg.
func signedCents(neg bool, c uint64) Dec2 {
	if c > math.MaxInt64 {
		panic("num: a Sum is beyond the range of Dec2")
	}
	if neg {
		return Dec2{c: -int64(c)}
	}
	return Dec2{c: int64(c)}
}

// DivRound2 returns v ÷ o rounded half away from zero to 2 places, exactly: the quotient of the two exact
// values cut at 2 places, its last cent decided by the remainder, as DivRound2 does for decimals. ok is false
// when o is zero.
func (v Sum) DivRound2(o Sum) (q Dec2, ok bool) {
	if o.IsZero() {
		return Dec2{}, false
	}
	xneg, xhi, xlo := v.magnitude()
	yneg, yhi, ylo := o.magnitude()
	// 100·|v| ÷ |o| in 128 by 64 bits; a divisor or a quotient beyond 64 bits takes the decimal way.
	hi1, lo := bits.Mul64(xlo, 100)
	hi2, hi3 := bits.Mul64(xhi, 100)
	hi, c := bits.Add64(hi1, hi3, 0)
	if yhi != 0 || hi2 != 0 || c != 0 || hi >= ylo {
		return DivRound2(v.Decimal(), o.Decimal())
	}
	cents, r := bits.Div64(hi, lo, ylo)
	if r >= ylo-r {
		cents++
	}
	return signedCents(xneg != yneg, cents), true
}

// MulDec4 returns v × w exactly. The product has at most 8 fractional places when v has at most 4, as the
// areas the statistics weigh have (2); a product that needs more places, or leaves the range, panics.
func (v Sum) MulDec4(w Dec4) Sum {
	neg, hi, lo := v.magnitude()
	wneg, wu := w.u < 0, uint64(w.u)
	if wneg {
		wu = uint64(-w.u)
	}
	// |v|·|w| in units of 10^-12, a 192-bit product of which the top word must be 0.
	h1, l := bits.Mul64(lo, wu)
	top, h2 := bits.Mul64(hi, wu)
	h, c := bits.Add64(h1, h2, 0)
	if top != 0 || c != 0 {
		panic("num: a Sum is out of range")
	}
	// Back to units of 10^-8: the product must be a whole number of them.
	qh, rh := h/1e4, h%1e4
	ql, r := bits.Div64(rh, l, 1e4)
	if r != 0 {
		panic(fmt.Sprintf("num: %s × %s needs more than %d places", v.Decimal(), w, sumPlaces))
	}
	return fromMagnitude(neg != wneg, qh, ql)
}

// fromMagnitude returns the Sum of ±(hi·2^64 + lo) units of 10^-8.
func fromMagnitude(neg bool, hi, lo uint64) Sum {
	if hi >= sumUnit {
		panic("num: a Sum is out of range")
	}
	whole, frac := bits.Div64(hi, lo, sumUnit)
	if whole > math.MaxInt64 {
		panic("num: a Sum is out of range")
	}
	v := Sum{whole: int64(whole), frac: int64(frac)}
	if neg {
		v = v.Neg()
	}
	return v
}
