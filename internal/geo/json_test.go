package geo

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestCanonicalJSON(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{
			"clockwise feature with altitude and repeats",
			`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[
				[[109.8,35.6,1000],[109.8,35.601],[109.801,35.601],[109.801,35.601],[109.801,35.6],[109.8,35.6,1000]]]}}`,
			`{"type":"Polygon","coordinates":[[[109.8,35.6],[109.801,35.6],[109.801,35.601],[109.8,35.601],[109.8,35.6]]]}`,
		},
		{
			"counter-clockwise hole is made clockwise",
			`{"type":"Polygon","coordinates":[[[109.8,35.6],[109.803,35.6],[109.803,35.603],[109.8,35.603],[109.8,35.6]],` +
				`[[109.801,35.601],[109.802,35.601],[109.802,35.602],[109.801,35.602],[109.801,35.601]]]}`,
			`{"type":"Polygon","coordinates":[[[109.8,35.6],[109.803,35.6],[109.803,35.603],[109.8,35.603],[109.8,35.6]],` +
				`[[109.801,35.601],[109.801,35.602],[109.802,35.602],[109.802,35.601],[109.801,35.601]]]}`,
		},
		{
			"multipolygon keeps its type",
			`{"type":"MultiPolygon","coordinates":[[[[109.8,35.6],[109.801,35.6],[109.801,35.601],[109.8,35.601],[109.8,35.6]]],` +
				`[[[109.802,35.6],[109.802,35.601],[109.803,35.601],[109.803,35.6],[109.802,35.6]]]]}`,
			`{"type":"MultiPolygon","coordinates":[[[[109.8,35.6],[109.801,35.6],[109.801,35.601],[109.8,35.601],[109.8,35.6]]],` +
				`[[[109.802,35.6],[109.803,35.6],[109.803,35.601],[109.802,35.601],[109.802,35.6]]]]}`,
		},
		{
			"numbers in shortest form without exponent",
			`{"type":"Polygon","coordinates":[[[-0.0000001,-1e-7],[0.0012345678901234567,0],[0.00123,0.0011],[1E-7,0.00100],[-1e-7,-0.0000001]]]}`,
			`{"type":"Polygon","coordinates":[[[-0.0000001,-0.0000001],[0.0012345678901234567,0],[0.00123,0.0011],[0.0000001,0.001],[-0.0000001,-0.0000001]]]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ParseBoundary([]byte(tc.raw))
			if err != nil {
				t.Fatalf("ParseBoundary: %v", err)
			}
			if got := string(b.JSON()); got != tc.want {
				t.Fatalf("JSON =\n%s\nwant\n%s", got, tc.want)
			}
			again, err := ParseBoundary(b.JSON())
			if err != nil {
				t.Fatalf("reparse: %v", err)
			}
			if !reflect.DeepEqual(again, b) || string(again.JSON()) != tc.want {
				t.Errorf("round trip changed the boundary: %s", again)
			}
			if again.AreaM2() != b.AreaM2() {
				t.Errorf("round trip changed the area: %v → %v", b.AreaM2(), again.AreaM2())
			}
		})
	}
}

type record struct {
	Boundary Boundary `json:"boundary"`
	Location *Point   `json:"location,omitempty"`
	Centre   Point    `json:"centre"`
}

func TestMarshalInStruct(t *testing.T) {
	b, err := ParseBoundary([]byte(polygonJSON(sq(0, 0, 1, 1))))
	if err != nil {
		t.Fatal(err)
	}
	in := record{Boundary: b, Location: &Point{Lon: 109.8005, Lat: 35.6005}, Centre: b.Centroid()}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out record
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("Unmarshal %s: %v", data, err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("round trip through %s gave %+v", data, out)
	}

	data, err = json.Marshal(record{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"boundary":null,"centre":{"type":"Point","coordinates":[0,0]}}`; string(data) != want {
		t.Errorf("zero record = %s, want %s", data, want)
	}
	out = record{}
	if err := json.Unmarshal([]byte(`{"boundary":null,"location":null}`), &out); err != nil || !out.Boundary.IsZero() || out.Location != nil {
		t.Errorf("nulls gave %+v, %v", out, err)
	}
}

func TestUnmarshalRefusal(t *testing.T) {
	var out record
	err := json.Unmarshal([]byte(`{"boundary":{"type":"Polygon","coordinates":[[[1,2],[3,4],[5,6]]]}}`), &out)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Path != "coordinates[0]" {
		t.Fatalf("err = %v, want *ValidationError at coordinates[0]", err)
	}
	err = json.Unmarshal([]byte(`{"location":{"type":"Point","coordinates":[200,0]}}`), &out)
	if !errors.As(err, &ve) || ve.Path != "coordinates" {
		t.Fatalf("err = %v, want *ValidationError at coordinates", err)
	}
}

func TestPolygonsIsACopy(t *testing.T) {
	b, err := ParseBoundary([]byte(polygonJSON(sq(0, 0, 1, 1))))
	if err != nil {
		t.Fatal(err)
	}
	polys := b.Polygons()
	if len(polys) != 1 || len(polys[0]) != 1 || len(polys[0][0]) != 5 || polys[0][0][0] != polys[0][0][4] {
		t.Fatalf("Polygons = %v", polys)
	}
	before := string(b.JSON())
	polys[0][0][0] = Position{Lon: 0, Lat: 0}
	if string(b.JSON()) != before {
		t.Error("modifying Polygons() changed the Boundary")
	}
	if b.Type() != "Polygon" || (Boundary{}).Type() != "" {
		t.Errorf("Type = %q", b.Type())
	}
}
