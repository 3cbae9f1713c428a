// Package num provides the exact decimal types used for every amount of
// money, area and yield in Tuoguan.
//
// Dec2 holds at most 2 fractional places (money, area, yield) and Dec4 at most
// 4 (price per kg). Both wrap decimal.Decimal, so arithmetic done on
// Decimal() values is exact; neither type ever goes through float64. The zero
// value of each type is the number 0.
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
//
// Values must not be compared with ==, because decimal.Decimal holds a
// pointer; use Cmp or Equal.
package num

import (
	"fmt"
	"regexp"
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

// parse checks s against the input grammar and returns its exact value.
// It never rounds: a value that needs more than places fractional digits is
// refused.
func parse(s string, places int32) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Decimal{}, newError(s, reasonEmpty)
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
			return decimal.Decimal{}, newError(s, classify(s))
		}
	}
	if intPart == "" || i != len(s) {
		return decimal.Decimal{}, newError(s, classify(s))
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return decimal.Decimal{}, newError(s, reasonZeros)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > int(places) {
		return decimal.Decimal{}, newError(s, reasonPlaces(places))
	}
	if len(intPart) > MaxIntDigits {
		return decimal.Decimal{}, newError(s, reasonRange)
	}
	// At most 12+4 digits, so the coefficient always fits in an int64.
	var coef int64
	for _, c := range []byte(intPart + frac) {
		coef = coef*10 + int64(c-'0')
	}
	if neg {
		coef = -coef
	}
	return decimal.New(coef, -int32(len(frac))), nil
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
// within the accepted range.
func fromDecimal(d decimal.Decimal, places int32) (decimal.Decimal, error) {
	if !d.Truncate(places).Equal(d) {
		return decimal.Decimal{}, newError(d.String(), reasonPlaces(places))
	}
	if d.Abs().Cmp(limit) >= 0 {
		return decimal.Decimal{}, newError(d.String(), reasonRange)
	}
	return d, nil
}

// Dec2 is an exact decimal with at most 2 fractional places, used for money,
// area and yield. The zero value is 0.
type Dec2 struct {
	d decimal.Decimal
}

// ParseDec2 parses s according to the package grammar.
func ParseDec2(s string) (Dec2, error) {
	d, err := parse(s, 2)
	if err != nil {
		return Dec2{}, err
	}
	return Dec2{d: d}, nil
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
	v, err := fromDecimal(d, 2)
	if err != nil {
		return Dec2{}, err
	}
	return Dec2{d: v}, nil
}

// Round2 rounds the exact value d half away from zero to 2 places, for
// presentation of computed results (1.005 becomes 1.01, -1.005 becomes -1.01).
// The range limit applies to input only and is not enforced here.
func Round2(d decimal.Decimal) Dec2 {
	return Dec2{d: d.Round(2)}
}

// Decimal returns the exact value.
func (v Dec2) Decimal() decimal.Decimal { return v.d }

// String formats v with exactly 2 fractional places, e.g. "10.50" or "0.00".
func (v Dec2) String() string { return v.d.StringFixed(2) }

// IsZero reports whether v is 0.
func (v Dec2) IsZero() bool { return v.d.IsZero() }

// Sign returns -1, 0 or 1 according to the sign of v.
func (v Dec2) Sign() int { return v.d.Sign() }

// Cmp returns -1, 0 or 1 as v is less than, equal to or greater than o.
func (v Dec2) Cmp(o Dec2) int { return v.d.Cmp(o.d) }

// Equal reports whether v and o are numerically equal.
func (v Dec2) Equal(o Dec2) bool { return v.d.Equal(o.d) }

// Dec4 is an exact decimal with at most 4 fractional places, used for prices
// per kg. The zero value is 0.
type Dec4 struct {
	d decimal.Decimal
}

// ParseDec4 parses s according to the package grammar.
func ParseDec4(s string) (Dec4, error) {
	d, err := parse(s, 4)
	if err != nil {
		return Dec4{}, err
	}
	return Dec4{d: d}, nil
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
	v, err := fromDecimal(d, 4)
	if err != nil {
		return Dec4{}, err
	}
	return Dec4{d: v}, nil
}

// Decimal returns the exact value.
func (v Dec4) Decimal() decimal.Decimal { return v.d }

// String formats v with exactly 4 fractional places, e.g. "3.2500".
func (v Dec4) String() string { return v.d.StringFixed(4) }

// IsZero reports whether v is 0.
func (v Dec4) IsZero() bool { return v.d.IsZero() }

// Sign returns -1, 0 or 1 according to the sign of v.
func (v Dec4) Sign() int { return v.d.Sign() }

// Cmp returns -1, 0 or 1 as v is less than, equal to or greater than o.
func (v Dec4) Cmp(o Dec4) int { return v.d.Cmp(o.d) }

// Equal reports whether v and o are numerically equal.
func (v Dec4) Equal(o Dec4) bool { return v.d.Equal(o.d) }
