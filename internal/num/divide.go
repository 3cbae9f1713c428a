package num

import "github.com/shopspring/decimal"

var (
	hundredth = decimal.New(1, -2)
	two       = decimal.NewFromInt(2)
)

// DivRound2 returns x ÷ y rounded half away from zero to 2 places, exactly: the quotient is cut at 2 places
// and the remainder decides the last cent, so no digit beyond a fixed division precision can tip the result.
// This is how every per-mu figure is presented: the exact total divided by the exact area, rounded once.
// ok is false when y is zero.
func DivRound2(x, y decimal.Decimal) (v Dec2, ok bool) {
	if y.IsZero() {
		return Dec2{}, false
	}
	q, r := x.QuoRem(y, 2)
	// |r| ≥ |y|·0.005 ⇔ the dropped part of the quotient is at least half a cent.
	if r.Abs().Mul(two).Cmp(y.Abs().Mul(hundredth)) >= 0 {
		if x.Sign()*y.Sign() < 0 {
			q = q.Sub(hundredth)
		} else {
			q = q.Add(hundredth)
		}
	}
	return Round2(q), true
}
