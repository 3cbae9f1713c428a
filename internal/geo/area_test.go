package geo

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

// Huanglong County, Shaanxi.
const hlLon, hlLat = 109.8, 35.6

// The package's area must match the independent references far more
// closely than the 0.01 % the product needs; this bound leaves room only
// for floating-point noise.
const maxRelErr = 1e-9

func TestAreaAgainstReference(t *testing.T) {
	concave := closed([2]float64{hlLon, hlLat}, [2]float64{hlLon + 0.003, hlLat},
		[2]float64{hlLon + 0.003, hlLat + 0.002}, [2]float64{hlLon + 0.0015, hlLat + 0.0008},
		[2]float64{hlLon, hlLat + 0.002})
	triangle := closed([2]float64{hlLon, hlLat}, [2]float64{hlLon + 0.003, hlLat + 0.001},
		[2]float64{hlLon + 0.001, hlLat + 0.0035})
	outer := rect(hlLon, hlLat, hlLon+0.004, hlLat+0.003)
	hole1 := reversed(rect(hlLon+0.001, hlLat+0.001, hlLon+0.002, hlLat+0.002))
	hole2 := closed([2]float64{hlLon + 0.0025, hlLat + 0.0005}, [2]float64{hlLon + 0.0035, hlLat + 0.0006},
		[2]float64{hlLon + 0.003, hlLat + 0.0025})
	field2 := closed([2]float64{hlLon + 0.01, hlLat + 0.01}, [2]float64{hlLon + 0.0125, hlLat + 0.0102},
		[2]float64{hlLon + 0.0121, hlLat + 0.0131}, [2]float64{hlLon + 0.0098, hlLat + 0.0127})
	quad60 := closed([2]float64{25, 60}, [2]float64{25.004, 60.0003},
		[2]float64{25.0035, 60.0021}, [2]float64{24.9995, 60.0018})
	cape := closed([2]float64{18.42, -33.93}, [2]float64{18.4215, -33.9295},
		[2]float64{18.4221, -33.9281}, [2]float64{18.4203, -33.9279})
	diamond := closed([2]float64{110, 35}, [2]float64{110.5, 35.5}, [2]float64{110, 36}, [2]float64{109.5, 35.5})
	tests := []struct {
		name  string
		raw   string
		polys [][]tRing
	}{
		{"~10 mu rectangle at Huanglong", polygonJSON(rect(hlLon, hlLat, hlLon+0.001, hlLat+0.00066)),
			[][]tRing{{rect(hlLon, hlLat, hlLon+0.001, hlLat+0.00066)}}},
		{"triangle", polygonJSON(triangle), [][]tRing{{triangle}}},
		{"concave pentagon", polygonJSON(concave), [][]tRing{{concave}}},
		{"polygon with two holes", polygonJSON(outer, hole1, hole2), [][]tRing{{outer, hole1, hole2}}},
		{"multipolygon", multiJSON([]tRing{outer, hole1}, []tRing{field2}),
			[][]tRing{{outer, hole1}, {field2}}},
		{"clockwise triangle", polygonJSON(reversed(triangle)), [][]tRing{{triangle}}},
		{"clockwise exterior, counter-clockwise hole", polygonJSON(reversed(outer), reversed(hole1)),
			[][]tRing{{outer, hole1}}},
		{"square on the equator", polygonJSON(rect(10, -0.001, 10.002, 0.001)),
			[][]tRing{{rect(10, -0.001, 10.002, 0.001)}}},
		{"quadrilateral at 60°N", polygonJSON(quad60), [][]tRing{{quad60}}},
		{"southern hemisphere", polygonJSON(cape), [][]tRing{{cape}}},
		{"next to the antimeridian", polygonJSON(rect(179.998, 64.5, 180, 64.501)),
			[][]tRing{{rect(179.998, 64.5, 180, 64.501)}}},
		{"near the pole", polygonJSON(rect(-40, 89.3, -39.5, 89.31)),
			[][]tRing{{rect(-40, 89.3, -39.5, 89.31)}}},
		{"one-degree diamond", polygonJSON(diamond), [][]tRing{{diamond}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ParseBoundary([]byte(tc.raw))
			if err != nil {
				t.Fatalf("ParseBoundary: %v", err)
			}
			got, want := b.AreaM2(), referenceArea(tc.polys...)
			t.Logf("measured %.6f m², reference %.6f m², relative error %.2e", got, want, relErr(got, want))
			if relErr(got, want) > maxRelErr {
				t.Errorf("AreaM2 = %.6f, reference %.6f", got, want)
			}
		})
	}
}

func TestRectangleAgainstClosedForm(t *testing.T) {
	tests := []struct {
		name                   string
		lon0, lat0, lon1, lat1 float64
	}{
		{"~10 mu at Huanglong", hlLon, hlLat, hlLon + 0.001, hlLat + 0.00066},
		{"1 mu at Huanglong", hlLon, hlLat, hlLon + 0.0003, hlLat + 0.0002},
		{"1 degree at Huanglong", 109.5, 35, 110.5, 36},
		{"equator", 10, -0.5, 11, 0.5},
		{"60°N", 25, 60, 25.01, 60.004},
		{"southern", 150, -42.2, 150.3, -42},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rect(tc.lon0, tc.lat0, tc.lon1, tc.lat1)
			b, err := ParseBoundary([]byte(polygonJSON(r)))
			if err != nil {
				t.Fatalf("ParseBoundary: %v", err)
			}
			got := b.AreaM2()
			closedForm := bandArea(tc.lon0, tc.lat0, tc.lon1, tc.lat1)
			integrated := referenceArea([]tRing{r})
			t.Logf("measured %.6f m², closed form %.6f m² (rel %.2e), integrated %.6f m² (rel %.2e)",
				got, closedForm, relErr(got, closedForm), integrated, relErr(got, integrated))
			if relErr(got, closedForm) > maxRelErr || relErr(got, integrated) > maxRelErr {
				t.Errorf("AreaM2 = %.6f, closed form %.6f, integrated %.6f", got, closedForm, integrated)
			}
		})
	}
}

// The whole WGS84 ellipsoid has area 510 065 621.724 km² (published
// constant); it checks q(φ) and its scaling end to end.
func TestAuthalicQWholeEllipsoid(t *testing.T) {
	got := 2 * math.Pi * wgs84A * wgs84A * authalicQ(math.Pi/2)
	if want := 510065621.724e6; relErr(got, want) > 1e-11 {
		t.Errorf("ellipsoid area = %.1f m², want %.1f", got, want)
	}
}

func TestOrientationIndependent(t *testing.T) {
	tri := closed([2]float64{hlLon, hlLat}, [2]float64{hlLon + 0.002, hlLat + 0.0004}, [2]float64{hlLon + 0.0007, hlLat + 0.0019})
	ccw, err1 := ParseBoundary([]byte(polygonJSON(tri)))
	cw, err2 := ParseBoundary([]byte(polygonJSON(reversed(tri))))
	if err1 != nil || err2 != nil {
		t.Fatalf("ParseBoundary: %v, %v", err1, err2)
	}
	if a, b := ccw.AreaM2(), cw.AreaM2(); a != b || a <= 0 {
		t.Errorf("counter-clockwise %.9f m², clockwise %.9f m²", a, b)
	}
	if string(ccw.JSON()) != string(cw.JSON()) {
		t.Errorf("canonical forms differ:\n%s\n%s", ccw.JSON(), cw.JSON())
	}
}

func TestAreaMu(t *testing.T) {
	r := rect(hlLon, hlLat, hlLon+0.001, hlLat+0.00066)
	b, err := ParseBoundary([]byte(polygonJSON(r)))
	if err != nil {
		t.Fatal(err)
	}
	want := decimal.NewFromFloat(referenceArea([]tRing{r}) * 15 / 10000).Round(2)
	if got := b.AreaMu(); !got.Equal(want) {
		t.Errorf("AreaMu = %s, want %s", got, want)
	}
	if got := (Boundary{}).AreaMu(); !got.IsZero() {
		t.Errorf("zero Boundary AreaMu = %s", got)
	}
	conversions := []struct {
		m2   float64
		want string
	}{
		{1000, "1.5"},
		{10000.0 / 15, "1"},
		{6666.67, "10"},
		{10, "0.02"}, // 0.015 rounds half away from zero
		{3, "0"},     // 0.0045
		{4, "0.01"},  // 0.006
		{123456.789, "185.19"},
	}
	for _, c := range conversions {
		if got := m2ToMu(c.m2); got.String() != c.want {
			t.Errorf("m2ToMu(%v) = %s, want %s", c.m2, got, c.want)
		}
	}
}

func TestAreaMismatch(t *testing.T) {
	tests := []struct {
		declared, measured string
		want               bool
	}{
		{"100", "100", false},
		{"100", "104.99", false}, // +4.99 %
		{"100", "105", false},    // +5 % exactly
		{"100", "105.01", true},  // +5.01 %
		{"100", "95.01", false},  // −4.99 %
		{"100", "95", false},     // −5 % exactly
		{"100", "94.99", true},   // −5.01 %
		{"10.00", "10.50", false},
		{"10.00", "10.51", true},
		{"12.34", "12.957", false}, // exactly +5 % of 12.34
		{"12.34", "12.9571", true},
		{"12.34", "11.723", false}, // exactly −5 %
		{"12.34", "11.7229", true},
		{"0.01", "0", true},
		{"0", "0", true},
		{"-1", "-1", true},
	}
	for _, tc := range tests {
		d, m := decimal.RequireFromString(tc.declared), decimal.RequireFromString(tc.measured)
		if got := AreaMismatch(d, m); got != tc.want {
			t.Errorf("AreaMismatch(%s, %s) = %v, want %v", tc.declared, tc.measured, got, tc.want)
		}
	}
}

func TestCentroidAndBBox(t *testing.T) {
	outer := rect(hlLon, hlLat, hlLon+0.004, hlLat+0.002)
	b, err := ParseBoundary([]byte(polygonJSON(outer)))
	if err != nil {
		t.Fatal(err)
	}
	c := b.Centroid()
	if math.Abs(c.Lon-(hlLon+0.002)) > 1e-12 || math.Abs(c.Lat-(hlLat+0.001)) > 1e-12 {
		t.Errorf("Centroid = %+v", c)
	}
	// A hole in the east half moves the centroid west.
	hole := rect(hlLon+0.003, hlLat+0.0005, hlLon+0.0035, hlLat+0.0015)
	b, err = ParseBoundary([]byte(polygonJSON(outer, hole)))
	if err != nil {
		t.Fatal(err)
	}
	if c := b.Centroid(); c.Lon >= hlLon+0.002 || math.Abs(c.Lat-(hlLat+0.001)) > 1e-12 {
		t.Errorf("Centroid with hole = %+v", c)
	}
	want := BBox{MinLon: hlLon, MinLat: hlLat, MaxLon: hlLon + 0.004, MaxLat: hlLat + 0.002}
	if got := b.BBox(); got != want {
		t.Errorf("BBox = %+v, want %+v", got, want)
	}
	if (Boundary{}).BBox() != (BBox{}) || (Boundary{}).Centroid() != (Point{}) || (Boundary{}).AreaM2() != 0 {
		t.Error("zero Boundary must have zero extent, centroid and area")
	}
}
