package num

import (
	"encoding/binary"
	"math"
)

// The signs of PostgreSQL's binary numeric form.
const (
	numericPositive = 0x0000
	numericNegative = 0x4000
)

// SumOfNumeric reads PostgreSQL's binary form of a numeric value (numeric_send): a header of four 16-bit
// fields — the count of base-10000 digits, the weight of the first, the sign and the display scale — and the
// digits, most significant first, the i-th worth 10000^(weight−i). The value must be finite and have at most 8
// significant fractional places; its whole part must fit an int64.
func SumOfNumeric(b []byte) (Sum, error) {
	if len(b) < 8 {
		return Sum{}, newError("", reasonSyntax)
	}
	n := int(binary.BigEndian.Uint16(b[0:]))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	if sign != numericPositive && sign != numericNegative {
		return Sum{}, newError("", reasonNonFinite)
	}
	if len(b) != 8+2*n {
		return Sum{}, newError("", reasonSyntax)
	}
	// digit returns the base-10000 digit worth 10000^e: 0 outside those sent.
	digit := func(e int) uint64 {
		if i := weight - e; i >= 0 && i < n {
			return uint64(binary.BigEndian.Uint16(b[8+2*i:]))
		}
		return 0
	}
	for i := range n {
		switch d := binary.BigEndian.Uint16(b[8+2*i:]); {
		case d > 9999:
			return Sum{}, newError("", reasonSyntax)
		case weight-i < -2 && d != 0:
			return Sum{}, newError("", reasonPlaces(sumPlaces))
		}
	}
	var whole uint64
	for e := weight; e >= 0; e-- {
		d := digit(e)
		if whole > (math.MaxInt64-d)/10000 {
			return Sum{}, newError("", reasonRange)
		}
		whole = whole*10000 + d
	}
	v := Sum{whole: int64(whole), frac: int64(digit(-1)*10000 + digit(-2))}
	if sign == numericNegative {
		v = v.Neg()
	}
	return v, nil
}
