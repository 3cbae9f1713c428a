package geo

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// sq is a small square near Huanglong, in units of 0.001° from (109.8, 35.6).
func sq(x0, y0, x1, y1 float64) tRing {
	return rect(hlLon+x0/1000, hlLat+y0/1000, hlLon+x1/1000, hlLat+y1/1000)
}

// pts builds a closed ring from (x, y) pairs in units of 0.001° from
// (109.8, 35.6).
func pts(xy ...float64) tRing {
	var r tRing
	for i := 0; i+1 < len(xy); i += 2 {
		r = append(r, [2]float64{hlLon + xy[i]/1000, hlLat + xy[i+1]/1000})
	}
	return append(r, r[0])
}

// circle returns a closed ring of n positions (n−1 distinct) on a circle
// of radius 0.001° around Huanglong.
func circle(n int) tRing {
	r := make(tRing, 0, n)
	for i := range n - 1 {
		a := 2 * math.Pi * float64(i) / float64(n-1)
		r = append(r, [2]float64{hlLon + 0.001*math.Cos(a), hlLat + 0.001*math.Sin(a)})
	}
	return append(r, r[0])
}

const okRing = `[[109.8,35.6],[109.801,35.6],[109.801,35.601],[109.8,35.601],[109.8,35.6]]`

func TestParseBoundaryRefusals(t *testing.T) {
	poly := func(ring string) string { return `{"type":"Polygon","coordinates":[` + ring + `]}` }
	withPos := func(pos string) string {
		return poly(`[[109.8,35.6],` + pos + `,[109.801,35.601],[109.8,35.601],[109.8,35.6]]`)
	}
	tests := []struct {
		name, raw, path, msg string
	}{
		{"bad JSON", `{"type":"Polygon",`, "", "truncated JSON"},
		{"syntax error", `{"type" "Polygon"}`, "", "malformed JSON at byte"},
		{"empty document", ``, "", "empty document"},
		{"trailing data", poly(okRing) + ` {}`, "", "unexpected data"},
		{"not an object", `[1,2]`, "", "must be a GeoJSON object"},
		{"too large", poly(okRing) + strings.Repeat(" ", MaxInputBytes), "", "larger than"},
		{"missing type", `{"coordinates":[]}`, "type", "is required"},
		{"wrong type", `{"type":"LineString","coordinates":[[1,2],[3,4]]}`, "type", `"Polygon" or "MultiPolygon"`},
		{"point is not a boundary", `{"type":"Point","coordinates":[1,2]}`, "type", `"Polygon" or "MultiPolygon"`},
		{"lower-case type", `{"type":"polygon","coordinates":[` + okRing + `]}`, "type", `"Polygon"`},
		{"missing coordinates", `{"type":"Polygon"}`, "coordinates", "is required"},
		{"empty coordinates", `{"type":"Polygon","coordinates":[]}`, "coordinates", "non-empty array of rings"},
		{"null coordinates", `{"type":"Polygon","coordinates":null}`, "coordinates", "non-empty array of rings"},
		{"empty multipolygon", `{"type":"MultiPolygon","coordinates":[]}`, "coordinates", "non-empty array of polygons"},
		{"empty polygon in multipolygon", `{"type":"MultiPolygon","coordinates":[[]]}`, "coordinates[0]", "non-empty array of rings"},
		{"ring not an array", `{"type":"Polygon","coordinates":[{}]}`, "coordinates[0]", "array of positions"},
		{"three positions", poly(`[[109.8,35.6],[109.801,35.6],[109.8,35.6]]`), "coordinates[0]", "at least 4 positions, has 3"},
		{"unclosed ring", poly(`[[109.8,35.6],[109.801,35.6],[109.801,35.601],[109.8,35.601]]`), "coordinates[0]", "not closed"},
		{"one distinct position", poly(`[[109.8,35.6],[109.8,35.6],[109.8,35.6],[109.8,35.6]]`), "coordinates[0]", "3 distinct"},
		{"position too short", withPos(`[109.801]`), "coordinates[0][1]", "[lon, lat]"},
		{"position too long", withPos(`[109.801,35.6,0,1]`), "coordinates[0][1]", "[lon, lat]"},
		{"position not an array", withPos(`"109.801,35.6"`), "coordinates[0][1]", "[lon, lat]"},
		{"NaN as string", withPos(`["NaN",35.6]`), "coordinates[0][1]", "longitude must be a number"},
		{"bare NaN", withPos(`[NaN,35.6]`), "", "malformed JSON"},
		{"null latitude", withPos(`[109.801,null]`), "coordinates[0][1]", "latitude must be a number"},
		{"infinite longitude", withPos(`[1e400,35.6]`), "coordinates[0][1]", "longitude is not a finite number"},
		{"infinite altitude", withPos(`[109.801,35.6,-1e999]`), "coordinates[0][1]", "altitude is not a finite number"},
		{"longitude out of range", withPos(`[180.5,35.6]`), "coordinates[0][1]", "longitude 180.5 is outside"},
		{"latitude out of range", withPos(`[109.801,-90.01]`), "coordinates[0][1]", "latitude -90.01 is outside"},
		{"too many positions", polygonJSON(circle(MaxPositions + 1)), "coordinates", "more than 10000 positions"},
		{"too many across polygons", multiJSON([]tRing{circle(MaxPositions / 2)}, []tRing{circle(MaxPositions/2 + 1)}),
			"coordinates", "more than 10000 positions"},
		{"huge polygon", polygonJSON(rect(109, 35, 110.5, 35.5)), "coordinates", "spans more than 1 degree"},
		{"multipolygon spread too far", multiJSON([]tRing{sq(0, 0, 1, 1)}, []tRing{sq(1500, 0, 1501, 1)}),
			"coordinates", "spans more than 1 degree"},
		{"across the antimeridian", polygonJSON(rect(-180, 10, 180, 10.001)), "coordinates", "spans more than 1 degree"},
		{"tiny ring", polygonJSON(rect(hlLon, hlLat, hlLon+0.000005, hlLat+0.000005)), "coordinates[0]", "less than 1 m²"},
		{"collinear ring", polygonJSON(pts(0, 0, 1, 1, 2, 2)), "coordinates[0]", "less than 1 m²"},
		{"spike", polygonJSON(pts(0, 0, 2, 0, 1, 0, 1, 1, 0, 1)), "coordinates[0]", "doubles back"},
		{"bow tie", polygonJSON(pts(0, 0, 4, 0, 4, 3, 2, -1, 0, 3)), "coordinates[0]", "crosses or touches itself"},
		{"figure eight at a vertex", polygonJSON(pts(0, 0, 2, 0, 1, 1, 2, 2, 0, 2, 1, 1)), "coordinates[0]", "crosses or touches itself"},
		{"hole outside exterior", polygonJSON(sq(0, 0, 2, 2), sq(3, 0, 4, 1)), "coordinates[1]", "outside its exterior"},
		{"hole crossing exterior", polygonJSON(sq(0, 0, 2, 2), sq(1, 1, 3, 1.5)), "coordinates[1]", "crosses or touches ring coordinates[0]"},
		{"hole touching exterior", polygonJSON(sq(0, 0, 2, 2), pts(0, 1, 1, 0.5, 1, 1.5)), "coordinates[1]", "crosses or touches ring coordinates[0]"},
		{"holes crossing", polygonJSON(sq(0, 0, 4, 4), sq(1, 1, 2, 2), sq(1.5, 1.5, 3, 3)), "coordinates[2]", "crosses or touches ring coordinates[1]"},
		{"hole inside hole", polygonJSON(sq(0, 0, 4, 4), sq(1, 1, 3, 3), sq(1.5, 1.5, 2, 2)), "coordinates[2]", "inside hole coordinates[1]"},
		{"hole containing hole", polygonJSON(sq(0, 0, 4, 4), sq(1.5, 1.5, 2, 2), sq(1, 1, 3, 3)), "coordinates[1]", "inside hole coordinates[2]"},
		{"nested polygons", multiJSON([]tRing{sq(0, 0, 4, 4)}, []tRing{sq(1, 1, 2, 2)}), "coordinates[1]", "overlaps polygon coordinates[0]"},
		{"containing polygon", multiJSON([]tRing{sq(1, 1, 2, 2)}, []tRing{sq(0, 0, 4, 4)}), "coordinates[1]", "overlaps polygon coordinates[0]"},
		{"crossing polygons", multiJSON([]tRing{sq(0, 0, 2, 2)}, []tRing{sq(1, 1, 3, 3)}), "coordinates[1][0]", "crosses or touches ring coordinates[0][0]"},
		{"polygons sharing an edge", multiJSON([]tRing{sq(0, 0, 1, 1)}, []tRing{sq(1, 0, 2, 1)}), "coordinates[1][0]", "touches ring coordinates[0][0]"},
		{"feature without geometry", `{"type":"Feature","geometry":null,"properties":{}}`, "geometry", "geometry object"},
		{"feature with point", `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]}}`, "geometry.type", `"Polygon" or "MultiPolygon"`},
		{"feature with bad ring", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4],[1,2]]]}}`,
			"geometry.coordinates[0]", "at least 4 positions"},
		{"feature collection", `{"type":"FeatureCollection","features":[]}`, "type", `"Polygon" or "MultiPolygon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ParseBoundary([]byte(tc.raw))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v (%T), want *ValidationError; boundary %s", err, err, b)
			}
			if ve.Path != tc.path || !strings.Contains(ve.Message, tc.msg) {
				t.Errorf("got %q: %q, want %q: …%q…", ve.Path, ve.Message, tc.path, tc.msg)
			}
			if !b.IsZero() {
				t.Errorf("refused boundary is not zero: %s", b)
			}
		})
	}
}

func TestParseBoundaryAccepts(t *testing.T) {
	tests := []struct {
		name, raw string
		polys     int
	}{
		{"polygon", polygonJSON(sq(0, 0, 1, 1)), 1},
		{"exactly MaxPositions", polygonJSON(circle(MaxPositions)), 1},
		{"altitude and mixed dimensions", `{"type":"Polygon","coordinates":[[[109.8,35.6,1200],[109.801,35.6],[109.801,35.601,1201.5],[109.8,35.601],[109.8,35.6,1199]]]}`, 1},
		{"repeated positions", `{"type":"Polygon","coordinates":[[[109.8,35.6],[109.801,35.6],[109.801,35.6],[109.801,35.601],[109.8,35.601],[109.8,35.6],[109.8,35.6]]]}`, 1},
		{"foreign members", `{"type":"Polygon","bbox":[109.8,35.6,109.801,35.601],"crs":null,"coordinates":[` + okRing + `]}`, 1},
		{"feature", `{"type":"Feature","id":7,"properties":{"name":"东坡地"},"geometry":{"type":"Polygon","coordinates":[` + okRing + `]}}`, 1},
		{"island in a lake", multiJSON([]tRing{sq(0, 0, 4, 4), sq(1, 1, 3, 3)}, []tRing{sq(1.5, 1.5, 2.5, 2.5)}), 2},
		{"exactly one degree", polygonJSON(rect(109.5, 35, 110.5, 36)), 1},
		{"whitespace", "\n " + polygonJSON(sq(0, 0, 1, 1)) + "\n", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ParseBoundary([]byte(tc.raw))
			if err != nil {
				t.Fatalf("ParseBoundary: %v", err)
			}
			if got := len(b.Polygons()); got != tc.polys || b.AreaM2() <= 0 {
				t.Errorf("%d polygons, area %v", got, b.AreaM2())
			}
		})
	}
}

func TestParsePoint(t *testing.T) {
	tests := []struct {
		name, raw, path, msg string
		want                 Point
	}{
		{"point", `{"type":"Point","coordinates":[109.8123,35.6456]}`, "", "", Point{109.8123, 35.6456}},
		{"altitude", `{"type":"Point","coordinates":[109.8,35.6,1100]}`, "", "", Point{109.8, 35.6}},
		{"feature", `{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[-180,-90]}}`, "", "", Point{-180, -90}},
		{"negative zero", `{"type":"Point","coordinates":[-0,-0.0]}`, "", "", Point{}},
		{"polygon is not a point", polygonJSON(sq(0, 0, 1, 1)), "type", `"Point"`, Point{}},
		{"missing coordinates", `{"type":"Point"}`, "coordinates", "is required", Point{}},
		{"bare number", `{"type":"Point","coordinates":109.8}`, "coordinates", "[lon, lat]", Point{}},
		{"longitude out of range", `{"type":"Point","coordinates":[-180.0001,0]}`, "coordinates", "longitude", Point{}},
		{"latitude as string", `{"type":"Point","coordinates":[0,"35"]}`, "coordinates", "latitude must be a number", Point{}},
		{"feature with bad point", `{"type":"Feature","geometry":{"type":"Point","coordinates":[0,91]}}`, "geometry.coordinates", "latitude 91", Point{}},
		{"bad JSON", `{"type":"Point","coordinates":[0,1]`, "", "truncated", Point{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePoint([]byte(tc.raw))
			if tc.msg == "" {
				negZero := p.Lon == 0 && math.Signbit(p.Lon) || p.Lat == 0 && math.Signbit(p.Lat)
				if err != nil || p != tc.want || negZero {
					t.Fatalf("ParsePoint = %+v, %v; want %+v", p, err, tc.want)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Path != tc.path || !strings.Contains(ve.Message, tc.msg) {
				t.Fatalf("err = %v, want %q: …%q…", err, tc.path, tc.msg)
			}
		})
	}
}

func TestValidationErrorField(t *testing.T) {
	e := &ValidationError{Path: "coordinates[0][3]", Message: "m"}
	if got := e.Field("boundary"); got != "boundary.coordinates[0][3]" {
		t.Errorf("Field = %q", got)
	}
	if got := (&ValidationError{Message: "m"}).Field("boundary"); got != "boundary" {
		t.Errorf("Field with empty path = %q", got)
	}
	if got := e.Field(""); got != "coordinates[0][3]" {
		t.Errorf("Field without prefix = %q", got)
	}
	if got := e.Error(); got != "geojson: coordinates[0][3]: m" {
		t.Errorf("Error = %q", got)
	}
	_, err := ParseBoundary([]byte(`{"type":"Polygon","coordinates":[[[1,2],[3,4],[1,2]]]}`))
	if got := err.Error(); got != "geojson: coordinates[0]: ring must have at least 4 positions, has 3" {
		t.Errorf("Error = %q", got)
	}
}
