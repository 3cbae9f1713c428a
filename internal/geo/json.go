package geo

import (
	"bytes"
	"strconv"
)

// JSON returns the canonical GeoJSON geometry of b, the form to store:
//
//	{"type":"Polygon","coordinates":[[[lon,lat],...]]}
//
// with the submitted type (Polygon or MultiPolygon), no Feature wrapper or
// foreign members, exteriors counter-clockwise and holes clockwise,
// consecutive repeated positions collapsed, each ring closed, altitudes
// dropped, and numbers in the shortest form that parses back to the same
// float64. Parsing the result yields an equal Boundary, so JSON is stable
// under a round trip (the reparsed Boundary is deeply equal). The zero Boundary yields null.
func (b Boundary) JSON() []byte {
	if b.IsZero() {
		return []byte("null")
	}
	buf := make([]byte, 0, 64)
	buf = append(buf, `{"type":"`...)
	buf = append(buf, b.Type()...)
	buf = append(buf, `","coordinates":`...)
	if b.multi {
		buf = append(buf, '[')
	}
	for i, p := range b.polys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, r := range p {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			for _, pos := range r {
				buf = appendPosition(buf, pos)
				buf = append(buf, ',')
			}
			buf = appendPosition(buf, r[0])
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	if b.multi {
		buf = append(buf, ']')
	}
	return append(buf, '}')
}

// MarshalJSON implements json.Marshaler with the canonical form of JSON.
func (b Boundary) MarshalJSON() ([]byte, error) { return b.JSON(), nil }

// UnmarshalJSON implements json.Unmarshaler with ParseBoundary's rules.
// JSON null leaves b unchanged, as encoding/json does for other values, so
// a field that was never set stays the zero Boundary.
func (b *Boundary) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	parsed, err := ParseBoundary(data)
	if err != nil {
		return err
	}
	*b = parsed
	return nil
}

// JSON returns p as a canonical GeoJSON Point geometry,
// {"type":"Point","coordinates":[lon,lat]}.
func (p Point) JSON() []byte {
	buf := append(make([]byte, 0, 64), `{"type":"Point","coordinates":`...)
	buf = appendPosition(buf, Position(p))
	return append(buf, '}')
}

// MarshalJSON implements json.Marshaler with the form of JSON.
func (p Point) MarshalJSON() ([]byte, error) { return p.JSON(), nil }

// UnmarshalJSON implements json.Unmarshaler with ParsePoint's rules. JSON
// null leaves p unchanged, as encoding/json does for other values; use a
// *Point field to tell a missing location from (0, 0).
func (p *Point) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	parsed, err := ParsePoint(data)
	if err != nil {
		return err
	}
	*p = parsed
	return nil
}

func appendPosition(buf []byte, p Position) []byte {
	buf = append(buf, '[')
	buf = strconv.AppendFloat(buf, p.Lon, 'f', -1, 64)
	buf = append(buf, ',')
	buf = strconv.AppendFloat(buf, p.Lat, 'f', -1, 64)
	return append(buf, ']')
}
