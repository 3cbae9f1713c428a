// Package num provides the exact decimal types used for every amount of
// money, area and yield in Tuoguan.
//
// Dec2 holds at most 2 fractional places (money, area, yield) and Dec4 at most
// 4 (price per kg). Both are integers of their smallest step (hundredths,
// ten-thousandths) in an int64, so that parsing, comparing and formatting need
// no math/big; Decimal() hands the exact value to decimal.Decimal arithmetic.
// Neither type ever goes through float64. The zero value of each type is the
// number 0.
//
// Every textual input (JSON strings, JSON numbers, query parameters, database
// text) must match the grammar
//
//	-?(0|[1-9][0-9]*)(\.[0-9]+)?
//
// have no more significant fractional digits than the type allows (trailing
// zeros are ignored, so "10.500" is a valid Dec2), and have at most 12 integer
// digits. Exponents, NaN, infinities, signs other than a leading '-', spaces,
// ".5", "5." and leading zeros are refused with an *Error.
package num

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// MaxIntDigits is the largest number of integer digits accepted on input:
// every accepted value has a magnitude strictly below 10^12.
const MaxIntDigits = 12

// limit is 10^MaxIntDigits, the exclusive bound on accepted magnitudes.
var limit = decimal.New(1, MaxIntDigits)

// Reasons carried by *Error. They are phrased to follow a field name, e.g.
// "area must have at most 2 decimal places".
const (
	reasonEmpty     = "must not be empty"
	reasonSyntax    = "must be a decimal number such as 1234.56"
	reasonExponent  = "must be a decimal number, not in exponent notation"
	reasonNonFinite = "must be a finite decimal number"
	reasonZeros     = "must not have leading zeros"
	reasonRange     = "is out of range"
	reasonJSONKind  = "must be a JSON string or number"
	reasonNull      = "must not be null"
)

func reasonPlaces(places int32) string {
	return fmt.Sprintf("must have at most %d decimal places", places)
}

// Error reports a value that cannot be represented by Dec2 or Dec4.
// Callers are expected to prefix Reason with the name of the offending field.
type Error struct {
	// Input is the offending text, shortened if it is long. It is empty when
	// the input had no textual form (for example a JSON null or a float64
	// from a database driver).
	Input string
	// Reason is a human-readable explanation such as
	// "must have at most 2 decimal places".
	Reason string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Input == "" {
		return "value " + e.Reason
	}
	return fmt.Sprintf("value %q %s", e.Input, e.Reason)
}

// maxInputEcho bounds how much of a rejected input is kept in an Error, so
// that a huge request body cannot produce a huge error message.
const maxInputEcho = 40

func newError(input, reason string) *Error {
	if len(input) > maxInputEcho {
		input = input[:maxInputEcho] + "..."
	}
	return &Error{Input: input, Reason: reason}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// pow10[n] is 10^n.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// parse checks s against the input grammar and returns its exact value in units of 10^-places.
// It never rounds: a value that needs more than places fractional digits is
// refused.
func parse(s string, places int32) (int64, error) {
	if s == "" {
		return 0, newError(s, reasonEmpty)
	}
	i := 0
	neg := s[0] == '-'
	if neg {
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		fracStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fracStart:i]
		if frac == "" {
			return 0, newError(s, classify(s))
		}
	}
	if intPart == "" || i != len(s) {
		return 0, newError(s, classify(s))
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return 0, newError(s, reasonZeros)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > int(places) {
		return 0, newError(s, reasonPlaces(places))
	}
	if len(intPart) > MaxIntDigits {
		return 0, newError(s, reasonRange)
	}
	// At most 12+4 digits, so the value always fits in an int64.
	var units int64
	for _, c := range []byte(intPart + frac) {
		units = units*10 + int64(c-'0')
	}
	units *= pow10[int(places)-len(frac)]
	if neg {
		units = -units
	}
	return units, nil
}

var exponentForm = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$`)

// classify picks the most helpful reason for text that does not match the
// grammar at all.
func classify(s string) string {
	unsigned := strings.TrimLeft(s, "+-")
	switch {
	case strings.EqualFold(unsigned, "nan"),
		strings.EqualFold(unsigned, "inf"),
		strings.EqualFold(unsigned, "infinity"):
		return reasonNonFinite
	case exponentForm.MatchString(s):
		return reasonExponent
	default:
		return reasonSyntax
	}
}

// fromDecimal checks that d needs at most places fractional digits and lies
// within the accepted range, and returns it in units of 10^-places.
func fromDecimal(d decimal.Decimal, places int32) (int64, error) {
	if !d.Truncate(places).Equal(d) {
		return 0, newError(d.String(), reasonPlaces(places))
	}
	if d.Abs().Cmp(limit) >= 0 {
		return 0, newError(d.String(), reasonRange)
	}
	return d.Shift(places).IntPart(), nil
}

// appendFixed appends units of 10^-places with exactly places fractional digits.
func appendFixed(b []byte, units int64, places int) []byte {
	if units < 0 {
		b = append(b, '-')
		units = -units
	}
	b = strconv.AppendInt(b, units/pow10[places], 10)
	b = append(b, '.')
	frac := units % pow10[places]
	for p := pow10[places] / 10; p > 0; p /= 10 {
		b = append(b, byte('0'+frac/p%10))
	}
	return b
}

// Dec2 is an exact decimal with at most 2 fractional places, used for money,
// area and yield. The zero value is 0.
type Dec2 struct {
	c int64 // hundredths
}

// ParseDec2 parses s according to the package grammar.
func ParseDec2(s string) (Dec2, error) {
	c, err := parse(s, 2)
	if err != nil {
		return Dec2{}, err
	}
	return Dec2{c: c}, nil
}

// MustDec2 is like ParseDec2 but panics on invalid input. It is meant for
// constants and tests.
func MustDec2(s string) Dec2 {
	v, err := ParseDec2(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Dec2FromDecimal converts d without rounding. It refuses values that need
// more than 2 fractional places or whose magnitude is 10^12 or more.
func Dec2FromDecimal(d decimal.Decimal) (Dec2, error) {
	c, err := fromDecimal(d, 2)
	if err != nil {
		return Dec2{}, err
	}
	return Dec2{c: c}, nil
}

// Round2 rounds the exact value d half away from zero to 2 places, for
// presentation of computed results (1.005 becomes 1.01, -1.005 becomes -1.01).
// The input range limit does not apply; a result of 2^63 hundredths (about
// 9.2 × 10^16) or more has no Dec2 and panics.
func Round2(d decimal.Decimal) Dec2 {
	c := d.Round(2).Shift(2).BigInt()
	if !c.IsInt64() {
		panic(fmt.Sprintf("num: %s is beyond the range of Dec2", d))
	}
	return Dec2{c: c.Int64()}
}

// Cents returns v in hundredths.
func (v Dec2) Cents() int64 { return v.c }

// Dec2FromCents returns the Dec2 of c hundredths.
func Dec2FromCents(c int64) Dec2 { return Dec2{c: c} }

// Decimal returns the exact value.
func (v Dec2) Decimal() decimal.Decimal { return decimal.New(v.c, -2) }

// String formats v with exactly 2 fractional places, e.g. "10.50" or "0.00".
func (v Dec2) String() string { return string(appendFixed(nil, v.c, 2)) }

// IsZero reports whether v is 0.
func (v Dec2) IsZero() bool { return v.c == 0 }

// Sign returns -1, 0 or 1 according to the sign of v.
func (v Dec2) Sign() int { return cmp.Compare(v.c, 0) }

// Cmp returns -1, 0 or 1 as v is less than, equal to or greater than o.
func (v Dec2) Cmp(o Dec2) int { return cmp.Compare(v.c, o.c) }

// Equal reports whether v and o are numerically equal.
func (v Dec2) Equal(o Dec2) bool { return v.c == o.c }

// Dec4 is an exact decimal with at most 4 fractional places, used for prices
// per kg. The zero value is 0.
type Dec4 struct {
	u int64 // ten-thousandths
}

// ParseDec4 parses s according to the package grammar.
func ParseDec4(s string) (Dec4, error) {
	u, err := parse(s, 4)
	if err != nil {
		return Dec4{}, err
	}
	return Dec4{u: u}, nil
}

// MustDec4 is like ParseDec4 but panics on invalid input. It is meant for
// constants and tests.
func MustDec4(s string) Dec4 {
	v, err := ParseDec4(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Dec4FromDecimal converts d without rounding. It refuses values that need
// more than 4 fractional places or whose magnitude is 10^12 or more.
func Dec4FromDecimal(d decimal.Decimal) (Dec4, error) {
	u, err := fromDecimal(d, 4)
	if err != nil {
		return Dec4{}, err
	}
	return Dec4{u: u}, nil
}

// Units returns v in ten-thousandths.
func (v Dec4) Units() int64 { return v.u }

// Decimal returns the exact value.
func (v Dec4) Decimal() decimal.Decimal { return decimal.New(v.u, -4) }

// String formats v with exactly 4 fractional places, e.g. "3.2500".
func (v Dec4) String() string { return string(appendFixed(nil, v.u, 4)) }

// IsZero reports whether v is 0.
func (v Dec4) IsZero() bool { return v.u == 0 }

// Sign returns -1, 0 or 1 according to the sign of v.
func (v Dec4) Sign() int { return cmp.Compare(v.u, 0) }

// Cmp returns -1, 0 or 1 as v is less than, equal to or greater than o.
func (v Dec4) Cmp(o Dec4) int { return cmp.Compare(v.u, o.u) }

// Equal reports whether v and o are numerically equal.
func (v Dec4) Equal(o Dec4) bool { return v.u == o.u }
