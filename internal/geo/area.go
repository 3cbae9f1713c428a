package geo

import (
	"math"

	"github.com/shopspring/decimal"
)

// WGS84 ellipsoid.
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
)

var (
	wgs84E2 = wgs84F * (2 - wgs84F) // first eccentricity squared
	wgs84E  = math.Sqrt(wgs84E2)
)

const radPerDeg = math.Pi / 180

// MismatchPercent is the tolerance, in percent of the declared area, beyond
// which AreaMismatch flags a parcel.
const MismatchPercent = 5

// authalicQ is the function q(φ) of the authalic latitude:
//
//	q(φ) = (1−e²)·[sin φ / (1 − e² sin² φ) + atanh(e sin φ) / e]
//
// so that the ellipsoid area between the equator and latitude φ, over one
// radian of longitude, is a²·q(φ)/2. (Its derivative times a²/2 is the area
// element M·N·cos φ.)
func authalicQ(phi float64) float64 {
	s := math.Sin(phi)
	es := wgs84E * s
	return (1 - wgs84E2) * (s/(1-es*es) + math.Atanh(es)/wgs84E)
}

// Five-point Gauss–Legendre rule on [0, 1].
var (
	glNodes = [5]float64{
		0.5 - 0.9061798459386640/2, 0.5 - 0.5384693101056831/2, 0.5,
		0.5 + 0.5384693101056831/2, 0.5 + 0.9061798459386640/2,
	}
	glWeights = [5]float64{
		0.2369268850561891 / 2, 0.4786286704993665 / 2, 0.5688888888888889 / 2,
		0.4786286704993665 / 2, 0.2369268850561891 / 2,
	}
)

// ringArea returns the signed ellipsoidal area in m² enclosed by r,
// positive when r runs counter-clockwise in the lon/lat plane.
//
// Edges are straight in lon/lat (RFC 7946 §3.1.1). By Green's theorem the
// enclosed area is −∮ (a²/2)·q(φ) dλ. Along a straight edge φ is linear in
// λ, so each edge contributes Δλ times the mean of q over the edge's
// latitude range, which the Gauss–Legendre rule evaluates to near machine
// precision for edges up to MaxSpanDegrees long. q is taken relative to its
// value at the ring's first vertex (the constant integrates to zero round a
// closed ring), which avoids cancelling large terms. The result is exact
// for the region bounded by those edges; it differs from the region bounded
// by geodesics by about L·tan φ / (12·R) relative for edges of length L
// (≈1e-5 for kilometre-long east-west edges at 35°N).
func ringArea(r ring) float64 {
	n := len(r)
	qRef := authalicQ(r[0].Lat * radPerDeg)
	var sum float64
	for i, p := range r {
		q := r[(i+1)%n]
		dLon := q.Lon - p.Lon
		if dLon == 0 {
			continue
		}
		phi0, dPhi := p.Lat*radPerDeg, (q.Lat-p.Lat)*radPerDeg
		var mean float64
		if dPhi == 0 {
			mean = authalicQ(phi0) - qRef
		} else {
			for k, t := range glNodes {
				mean += glWeights[k] * (authalicQ(phi0+t*dPhi) - qRef)
			}
		}
		sum += dLon * mean
	}
	return -sum * radPerDeg * wgs84A * wgs84A / 2
}

// AreaM2 returns the area of b in square metres on the WGS84 ellipsoid:
// the sum over polygons of the exterior's area minus its holes' areas,
// independent of ring orientation. Edges are straight lines in lon/lat as
// RFC 7946 specifies; the result is exact for that region up to rounding
// (~1e-11 relative). A polygon with the same vertices but geodesic edges
// differs by about L·tan φ / (12·R) relative for east-west edges of length
// L: ~1e-6 for 100 m edges and ~1e-5 for 1 km edges at 35°N, up to ~1e-3
// for a one-degree boundary. The zero Boundary has area 0.
func (b Boundary) AreaM2() float64 {
	var total float64
	for _, p := range b.polys {
		total += math.Abs(ringArea(p[0]))
		for _, h := range p[1:] {
			total -= math.Abs(ringArea(h))
		}
	}
	return total
}

// AreaMu returns the area of b in mu (1 mu = 10000/15 m²), computed as
// AreaM2 × 15 / 10000 in decimal arithmetic from the shortest decimal
// representation of AreaM2, and rounded to 2 decimal places, half away from
// zero.
func (b Boundary) AreaMu() decimal.Decimal { return m2ToMu(b.AreaM2()) }

func m2ToMu(m2 float64) decimal.Decimal {
	return decimal.NewFromFloat(m2).Mul(decimal.NewFromInt(15)).Shift(-4).Round(2)
}

// AreaMismatch reports whether the measured area differs from the declared
// one by more than MismatchPercent percent of the declared area, i.e.
// |declared − measured| / declared > 5 %. The comparison is exact decimal
// arithmetic (|declared − measured| × 100 > declared × 5), so a difference
// of exactly 5 % is not a mismatch. Both arguments must be in the same
// unit. A declared area that is zero or negative cannot be compared
// relatively and is always reported as a mismatch.
func AreaMismatch(declared, measured decimal.Decimal) bool {
	if declared.Sign() <= 0 {
		return true
	}
	diff := declared.Sub(measured).Abs().Mul(decimal.NewFromInt(100))
	return diff.GreaterThan(declared.Mul(decimal.NewFromInt(MismatchPercent)))
}

// Centroid returns the area-weighted centroid of b computed in the lon/lat
// plane (holes subtracted). For fields a few kilometres across it is well
// under a metre from the ellipsoidal centroid, which is ample for
// indexing and map display; like any centroid it may fall outside a
// non-convex shape. The zero Boundary yields Point{}.
func (b Boundary) Centroid() Point {
	if b.IsZero() {
		return Point{}
	}
	o := b.polys[0][0][0]
	var sa, sx, sy float64
	for _, p := range b.polys {
		for _, r := range p {
			n := len(r)
			for i := range n {
				u := vec{r[i].Lon - o.Lon, r[i].Lat - o.Lat}
				v := vec{r[(i+1)%n].Lon - o.Lon, r[(i+1)%n].Lat - o.Lat}
				c := u.x*v.y - v.x*u.y
				sa += c
				sx += (u.x + v.x) * c
				sy += (u.y + v.y) * c
			}
		}
	}
	// Exteriors run counter-clockwise and holes clockwise, so holes carry
	// negative weight; sa is twice the net planar area.
	return Point{Lon: o.Lon + sx/(3*sa), Lat: o.Lat + sy/(3*sa)}
}

// orient makes exteriors counter-clockwise and holes clockwise.
func orient(polys []polygon) {
	for _, p := range polys {
		for i, r := range p {
			ccw := ringArea(r) > 0
			if ccw != (i == 0) {
				reverse(r)
			}
		}
	}
}

// reverse reverses r in place, keeping its first position first so that
// the canonical form starts where the input did.
func reverse(r ring) {
	for i, j := 1, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}
