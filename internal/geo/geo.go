// Package geo parses and measures the GeoJSON (RFC 7946) geometries that
// Tuoguan stores: parcel boundaries (Polygon or MultiPolygon) and operation
// locations (Point), all in WGS84 longitude/latitude.
//
// Parsing is strict because boundaries come straight from clients: every
// refusal is a *ValidationError naming the offending JSON path, so the HTTP
// layer can report it field by field. Accepted boundaries are field-sized,
// simple, and their area is measured on the WGS84 ellipsoid.
package geo

import "fmt"

// Limits applied by ParseBoundary and ParsePoint.
const (
	// MaxInputBytes bounds the raw JSON accepted, before any decoding.
	MaxInputBytes = 1 << 20
	// MaxPositions bounds the positions of one boundary, counting every
	// position as written, including the closing position of each ring.
	MaxPositions = 10000
	// MaxSpanDegrees bounds the extent of a whole boundary in both
	// longitude and latitude. A parcel is a field, not a province; the
	// bound also keeps the area computation well conditioned and refuses
	// boundaries that cross the antimeridian (their span would be ~360°).
	MaxSpanDegrees = 1.0
	// MinRingAreaM2 is the smallest area a ring (exterior or hole) may
	// enclose; smaller rings are treated as degenerate drawing errors.
	MinRingAreaM2 = 1.0
)

// ValidationError reports why a GeoJSON document was refused.
//
// Path locates the offending value relative to the submitted document, in
// the form "coordinates[0][3]" (or "geometry.coordinates[0][3]" when a
// Feature was submitted); it is empty when the document as a whole is at
// fault (malformed JSON, too large, not an object). Message is a short
// lowercase English explanation suitable for returning to a client.
type ValidationError struct {
	Path    string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Path == "" {
		return "geojson: " + e.Message
	}
	return "geojson: " + e.Path + ": " + e.Message
}

// Field joins prefix (the name of the request field that carried the
// GeoJSON, e.g. "boundary") and Path into one dotted field name:
// Field("boundary") yields "boundary.coordinates[0][3]", or "boundary" when
// Path is empty.
func (e *ValidationError) Field(prefix string) string {
	switch {
	case e.Path == "":
		return prefix
	case prefix == "":
		return e.Path
	default:
		return prefix + "." + e.Path
	}
}

func invalid(path, format string, args ...any) *ValidationError {
	return &ValidationError{Path: path, Message: fmt.Sprintf(format, args...)}
}

// Position is a WGS84 longitude/latitude pair in degrees. Altitudes given
// in the input are accepted and discarded.
type Position struct {
	Lon, Lat float64
}

// Point is an operation location in WGS84 degrees. Its zero value is the
// valid position (0, 0); callers that need "no location" should use *Point.
type Point struct {
	Lon, Lat float64
}

// BBox is the longitude/latitude extent of a geometry, in degrees.
type BBox struct {
	MinLon, MinLat, MaxLon, MaxLat float64
}

// ring is a validated linear ring stored open: the closing position is
// dropped and consecutive duplicate positions are collapsed, so a ring
// always holds at least three distinct positions.
type ring []Position

// polygon is an exterior ring followed by its holes.
type polygon []ring

// Boundary is a validated parcel boundary. The zero value means "no
// boundary": it has zero area and marshals to JSON null. A non-zero
// Boundary is only produced by ParseBoundary (or UnmarshalJSON) and is
// immutable; exterior rings are oriented counter-clockwise and holes
// clockwise, as RFC 7946 recommends, whatever the input orientation.
type Boundary struct {
	multi bool
	polys []polygon
}

// IsZero reports whether b is the zero Boundary.
func (b Boundary) IsZero() bool { return len(b.polys) == 0 }

// Type returns "Polygon" or "MultiPolygon" as submitted, or "" for the
// zero Boundary.
func (b Boundary) Type() string {
	switch {
	case b.IsZero():
		return ""
	case b.multi:
		return "MultiPolygon"
	default:
		return "Polygon"
	}
}

// Polygons returns a copy of the boundary's polygons. Each polygon is its
// exterior ring followed by its holes; each ring is closed (its last
// position repeats the first).
func (b Boundary) Polygons() [][][]Position {
	out := make([][][]Position, len(b.polys))
	for i, p := range b.polys {
		out[i] = make([][]Position, len(p))
		for j, r := range p {
			closed := make([]Position, len(r), len(r)+1)
			copy(closed, r)
			out[i][j] = append(closed, r[0])
		}
	}
	return out
}

// BBox returns the extent of b; it is the zero BBox for the zero Boundary.
func (b Boundary) BBox() BBox {
	if b.IsZero() {
		return BBox{}
	}
	return extent(b.polys)
}

// String returns the canonical GeoJSON text of b (see JSON).
func (b Boundary) String() string { return string(b.JSON()) }

// String returns the canonical GeoJSON text of p.
func (p Point) String() string { return string(p.JSON()) }
