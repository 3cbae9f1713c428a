package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ParseBoundary parses and validates a parcel boundary.
//
// raw must be one GeoJSON object: a Polygon or MultiPolygon geometry, or a
// Feature whose geometry is one (GIS tools commonly export Features; the
// Feature's properties are ignored and only the geometry is kept). Foreign
// members such as "bbox" are ignored. The rules, beyond RFC 7946 syntax:
//
//   - at most MaxInputBytes of input and MaxPositions positions;
//   - positions are [lon, lat] or [lon, lat, alt] of finite numbers, with
//     lon in [-180, 180] and lat in [-90, 90]; altitude is discarded;
//   - every ring has at least 4 positions, is closed (first and last
//     positions have equal lon and lat) and, once consecutive duplicates are
//     collapsed, has at least 3 distinct positions;
//   - the whole boundary spans at most MaxSpanDegrees in lon and in lat;
//   - every ring encloses at least MinRingAreaM2;
//   - every ring is simple (it neither crosses nor touches itself nor
//     doubles back), and rings are pairwise disjoint: they may not cross or
//     even touch. This is stricter than the OGC rules, which allow rings to
//     touch at single points; two fields sharing an edge must be submitted
//     as one polygon;
//   - each hole lies inside its exterior and outside the polygon's other
//     holes, and no polygon of a MultiPolygon overlaps another.
//
// Edges are straight lines in lon/lat, as RFC 7946 §3.1.1 specifies; the
// geometric checks work in that plane. Any orientation is accepted.
// Errors are always *ValidationError.
func ParseBoundary(raw []byte) (Boundary, error) {
	geom, prefix, err := decodeGeometry(raw)
	if err != nil {
		return Boundary{}, err
	}
	typePath, coordPath := prefix+"type", prefix+"coordinates"
	typ, _ := geom["type"].(string)
	coords, ok := geom["coordinates"]
	if (typ == "Polygon" || typ == "MultiPolygon") && !ok {
		return Boundary{}, invalid(coordPath, "is required")
	}
	c := &collector{root: coordPath}
	var b Boundary
	switch typ {
	case "Polygon":
		p, err := c.polygon(coords, coordPath)
		if err != nil {
			return Boundary{}, err
		}
		b.polys = []polygon{p}
	case "MultiPolygon":
		list, ok := coords.([]any)
		if !ok || len(list) == 0 {
			return Boundary{}, invalid(coordPath, "must be a non-empty array of polygons")
		}
		b.multi = true
		for i, v := range list {
			p, err := c.polygon(v, fmt.Sprintf("%s[%d]", coordPath, i))
			if err != nil {
				return Boundary{}, err
			}
			b.polys = append(b.polys, p)
		}
	default:
		return Boundary{}, invalid(typePath, "must be \"Polygon\" or \"MultiPolygon\"")
	}
	if err := validate(b.polys, coordPath, b.multi); err != nil {
		return Boundary{}, err
	}
	orient(b.polys)
	return b, nil
}

// ParsePoint parses a GeoJSON Point geometry, or a Feature whose geometry is
// a Point, under the same input and position rules as ParseBoundary.
// Altitude is accepted and discarded. Errors are always *ValidationError.
func ParsePoint(raw []byte) (Point, error) {
	geom, prefix, err := decodeGeometry(raw)
	if err != nil {
		return Point{}, err
	}
	if typ, _ := geom["type"].(string); typ != "Point" {
		return Point{}, invalid(prefix+"type", "must be \"Point\"")
	}
	coords, ok := geom["coordinates"]
	if !ok {
		return Point{}, invalid(prefix+"coordinates", "is required")
	}
	pos, err := parsePosition(coords, prefix+"coordinates")
	if err != nil {
		return Point{}, err
	}
	return Point(pos), nil
}

// decodeGeometry decodes raw into a generic object (numbers kept as
// json.Number so that range errors are ours to report) and unwraps a
// Feature. It returns the geometry object and the path prefix to use in
// error paths within it.
func decodeGeometry(raw []byte) (map[string]any, string, error) {
	if len(raw) > MaxInputBytes {
		return nil, "", invalid("", "document is larger than %d bytes", MaxInputBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "", jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "", invalid("", "unexpected data after the JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, "", invalid("", "must be a GeoJSON object")
	}
	typ, ok := obj["type"].(string)
	if !ok {
		return nil, "", invalid("type", "is required and must be a string")
	}
	if typ != "Feature" {
		return obj, "", nil
	}
	geom, ok := obj["geometry"].(map[string]any)
	if !ok {
		return nil, "", invalid("geometry", "must be a GeoJSON geometry object")
	}
	if _, ok := geom["type"].(string); !ok {
		return nil, "", invalid("geometry.type", "is required and must be a string")
	}
	return geom, "geometry.", nil
}

func jsonError(err error) *ValidationError {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return invalid("", "malformed JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.EOF):
		return invalid("", "empty document")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "truncated JSON")
	default:
		return invalid("", "malformed JSON")
	}
}

// collector turns decoded coordinate arrays into rings, counting positions
// across the whole boundary.
type collector struct {
	root      string // path of the "coordinates" member
	positions int
}

func (c *collector) polygon(v any, path string) (polygon, error) {
	rings, ok := v.([]any)
	if !ok || len(rings) == 0 {
		return nil, invalid(path, "polygon must be a non-empty array of rings")
	}
	p := make(polygon, 0, len(rings))
	for i, rv := range rings {
		r, err := c.ring(rv, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		p = append(p, r)
	}
	return p, nil
}

func (c *collector) ring(v any, path string) (ring, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, invalid(path, "ring must be an array of positions")
	}
	c.positions += len(list)
	if c.positions > MaxPositions {
		return nil, invalid(c.root, "boundary has more than %d positions", MaxPositions)
	}
	if len(list) < 4 {
		return nil, invalid(path, "ring must have at least 4 positions, has %d", len(list))
	}
	r := make(ring, 0, len(list))
	for i, pv := range list {
		pos, err := parsePosition(pv, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		// Collapse repeated positions; the closing position is dropped too.
		if len(r) > 0 && r[len(r)-1] == pos {
			continue
		}
		r = append(r, pos)
	}
	first, last := r[0], r[len(r)-1]
	if len(r) > 1 && first != last {
		return nil, invalid(path, "ring is not closed: first and last positions differ")
	}
	r = r[:len(r)-1]
	if len(r) < 3 {
		return nil, invalid(path, "ring must have at least 3 distinct positions")
	}
	return r, nil
}

var positionAxes = [3]string{"longitude", "latitude", "altitude"}

func parsePosition(v any, path string) (Position, error) {
	list, ok := v.([]any)
	if !ok || len(list) < 2 || len(list) > 3 {
		return Position{}, invalid(path, "position must be [lon, lat] or [lon, lat, alt]")
	}
	var vals [3]float64
	for i, e := range list {
		n, ok := e.(json.Number)
		if !ok {
			return Position{}, invalid(path, "%s must be a number", positionAxes[i])
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return Position{}, invalid(path, "%s is not a finite number", positionAxes[i])
		}
		if f == 0 {
			f = 0 // store -0 as 0 so equal positions compare equal
		}
		vals[i] = f
	}
	lon, lat := vals[0], vals[1]
	if lon < -180 || lon > 180 {
		return Position{}, invalid(path, "longitude %g is outside [-180, 180]", lon)
	}
	if lat < -90 || lat > 90 {
		return Position{}, invalid(path, "latitude %g is outside [-90, 90]", lat)
	}
	return Position{Lon: lon, Lat: lat}, nil
}
