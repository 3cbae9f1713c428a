package main

import (
	"encoding/binary"
	"math"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// fixedPoint is an exact decimal number, v × 10^−scale, for a numeric column: copyStream writes it straight into
// PostgreSQL's binary numeric, and as a pgtype.NumericValuer it goes through pgx like any numeric.
type fixedPoint struct {
	v     int64
	scale int // 0 to 16
}

// numeric is cents/100.
func numeric(cents int64) fixedPoint { return fixedPoint{cents, 2} }

// numericOf is d, which must be a number of at most 16 decimal places whose digits fit in an int64, as the
// generator's are.
func numericOf(d decimal.Decimal) fixedPoint {
	if d.Exponent() > 0 {
		d = decimal.NewFromBigInt(d.BigInt(), 0)
	}
	c := d.Coefficient()
	if !c.IsInt64() || d.Exponent() < -16 {
		panic("numericOf: " + d.String() + " is out of range")
	}
	return fixedPoint{c.Int64(), int(-d.Exponent())}
}

// NumericValue is f as pgx's numeric.
func (f fixedPoint) NumericValue() (pgtype.Numeric, error) {
	return pgtype.Numeric{Int: big.NewInt(f.v), Exp: int32(-f.scale), Valid: true}, nil
}

// pow10000 are the powers of 10,000 a fixedPoint's fraction has digits of.
var pow10000 = [...]uint64{1, 1e4, 1e8, 1e12}

// appendNumeric appends f in numeric's binary format: the number of base-10,000 digits, the weight of the
// first, the sign and the display scale, then the digits, the integer part's first. PostgreSQL strips the
// zero digits at either end itself.
func appendNumeric(buf []byte, f fixedPoint) []byte {
	u, sign := uint64(f.v), uint16(0)
	if f.v < 0 {
		u, sign = -u, 0x4000
	}
	pow := uint64(1)
	for range f.scale {
		pow *= 10
	}
	whole, frac := u/pow, u%pow
	fracDigits := (f.scale + 3) / 4
	for range fracDigits*4 - f.scale {
		frac *= 10
	}
	var digits [16]uint16
	n := 0
	for ; whole > 0; whole /= 10_000 {
		digits[n] = uint16(whole % 10_000)
		n++
	}
	wholeDigits := n
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		digits[i], digits[j] = digits[j], digits[i]
	}
	for k := fracDigits - 1; k >= 0; k-- {
		digits[n] = uint16(frac / pow10000[k] % 10_000)
		n++
	}
	if u == 0 {
		n = 0
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(n))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(wholeDigits-1)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(f.scale))
	for _, d := range digits[:n] {
		buf = binary.BigEndian.AppendUint16(buf, d)
	}
	return buf
}

// PostgreSQL's type OIDs that appendValue writes itself.
const (
	oidBool        = 16
	oidBytea       = 17
	oidInt8        = 20
	oidInt4        = 23
	oidText        = 25
	oidVarchar     = 1043
	oidDate        = 1082
	oidTimestamptz = 1184
	oidNumeric     = 1700
	oidJSONB       = 3802
)

// y2k is where PostgreSQL counts dates and timestamps from.
var y2k = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// appendValue appends v, a value for a column of type oid, in binary format, for the types and values the
// generator writes most; ok is false for any other, which pgx then encodes.
func appendValue(buf []byte, oid uint32, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case fixedPoint:
		if oid == oidNumeric {
			return appendNumeric(buf, x), true
		}
	case string:
		switch oid {
		case oidText, oidVarchar:
			return append(buf, x...), true
		case oidJSONB:
			return append(append(buf, 1), x...), true // format version 1: the JSON text
		}
	case int64:
		return appendInt(buf, oid, x)
	case int:
		return appendInt(buf, oid, int64(x))
	case bool:
		if oid == oidBool {
			b := byte(0)
			if x {
				b = 1
			}
			return append(buf, b), true
		}
	case []byte:
		if oid == oidBytea {
			return append(buf, x...), true
		}
	case time.Time:
		switch oid {
		case oidDate:
			day := time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)
			return binary.BigEndian.AppendUint32(buf, uint32(int32(day.Sub(y2k)/(24*time.Hour)))), true
		case oidTimestamptz:
			us := x.Unix()*1_000_000 + int64(x.Nanosecond())/1000 - y2k.Unix()*1_000_000
			return binary.BigEndian.AppendUint64(buf, uint64(us)), true
		}
	}
	return buf, false
}

func appendInt(buf []byte, oid uint32, v int64) ([]byte, bool) {
	switch {
	case oid == oidInt8:
		return binary.BigEndian.AppendUint64(buf, uint64(v)), true
	case oid == oidInt4 && v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.BigEndian.AppendUint32(buf, uint32(int32(v))), true
	}
	return buf, false
}
