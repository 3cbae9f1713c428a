package geo

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// tRing is a closed ring of [lon, lat] pairs as written in GeoJSON.
type tRing [][2]float64

// rect returns the closed counter-clockwise ring of a lon/lat rectangle.
func rect(lon0, lat0, lon1, lat1 float64) tRing {
	return tRing{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}}
}

// closed appends the first position to a list of vertices.
func closed(pts ...[2]float64) tRing { return append(tRing(pts), pts[0]) }

func reversed(r tRing) tRing {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}

func ringText(r tRing) string {
	parts := make([]string, len(r))
	for i, p := range r {
		parts[i] = fmt.Sprintf("[%v,%v]", p[0], p[1])
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func polyText(rings []tRing) string {
	parts := make([]string, len(rings))
	for i, r := range rings {
		parts[i] = ringText(r)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func polygonJSON(rings ...tRing) string {
	return `{"type":"Polygon","coordinates":` + polyText(rings) + `}`
}

func multiJSON(polys ...[]tRing) string {
	parts := make([]string, len(polys))
	for i, p := range polys {
		parts[i] = polyText(p)
	}
	return `{"type":"MultiPolygon","coordinates":[` + strings.Join(parts, ",") + `]}`
}

// Reference geometry, written independently of the package's method: the
// WGS84 area element M(φ)·N(φ)·cos φ integrated over latitude with
// composite Simpson, times the longitude width of the region at each
// latitude found by a scanline.
const (
	refA  = 6378137.0
	refF  = 1 / 298.257223563
	refB  = refA * (1 - refF)
	toRad = math.Pi / 180
)

var refE2 = 1 - (refB*refB)/(refA*refA)

// areaElement is M·N·cos φ in m² per rad², with M the meridional and N the
// prime-vertical radius of curvature.
func areaElement(phi float64) float64 {
	w := math.Sqrt(1 - refE2*math.Sin(phi)*math.Sin(phi))
	m := refA * (1 - refE2) / (w * w * w)
	n := refA / w
	return m * n * math.Cos(phi)
}

type tEdge struct{ lon0, lat0, lon1, lat1 float64 }

// referenceArea integrates the area element over the region enclosed by
// all rings of all polygons under the even-odd rule, which for valid input
// is each exterior minus its holes. Between consecutive vertex latitudes
// the set of edges met by a parallel is fixed and each edge's longitude is
// linear in latitude, so the width is evaluated from exactly those edges.
func referenceArea(polys ...[]tRing) float64 {
	var edges []tEdge
	var lats []float64
	for _, p := range polys {
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				edges = append(edges, tEdge{r[i][0], r[i][1], r[i+1][0], r[i+1][1]})
				lats = append(lats, r[i][1])
			}
		}
	}
	slices.Sort(lats)
	lats = slices.Compact(lats)
	const steps = 64 // even, for Simpson
	total := 0.0
	for k := 0; k+1 < len(lats); k++ {
		lo, hi := lats[k], lats[k+1]
		var live []tEdge
		for _, e := range edges {
			if min(e.lat0, e.lat1) <= lo && max(e.lat0, e.lat1) >= hi {
				live = append(live, e)
			}
		}
		width := func(lat float64) float64 {
			xs := make([]float64, len(live))
			for i, e := range live {
				xs[i] = e.lon0 + (lat-e.lat0)*(e.lon1-e.lon0)/(e.lat1-e.lat0)
			}
			slices.Sort(xs)
			w := 0.0
			for i := 0; i+1 < len(xs); i += 2 {
				w += xs[i+1] - xs[i]
			}
			return w * toRad
		}
		h := (hi - lo) / steps
		sum := 0.0
		for i := 0; i <= steps; i++ {
			lat := lo + float64(i)*h
			c := 2.0
			switch {
			case i == 0 || i == steps:
				c = 1
			case i%2 == 1:
				c = 4
			}
			sum += c * width(lat) * areaElement(lat*toRad)
		}
		total += sum * h * toRad / 3
	}
	return total
}

// bandArea is the closed-form area of the lon/lat rectangle on the
// ellipsoid: Δλ·(b²/2)·[sin φ/(1−e² sin² φ) + ln((1+e sin φ)/(1−e sin φ))/(2e)]
// between the two latitudes.
func bandArea(lon0, lat0, lon1, lat1 float64) float64 {
	e := math.Sqrt(refE2)
	g := func(lat float64) float64 {
		s := math.Sin(lat * toRad)
		return s/(1-refE2*s*s) + math.Log((1+e*s)/(1-e*s))/(2*e)
	}
	return (lon1 - lon0) * toRad * refB * refB / 2 * (g(lat1) - g(lat0))
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }
