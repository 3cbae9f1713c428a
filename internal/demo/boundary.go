package demo

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/tuoguan/tuoguan/internal/geo"
)

// fieldGrid lays the surveyed parcels of a village out side by side, so that no two boundaries overlap:
// smallholders' fields in rows north of the village, family farms' larger fields south of it.
type fieldGrid struct {
	lon, lat     float64
	small, large int // cells taken
	seq          int // parcel codes handed out
}

const (
	metresPerDegLat = 110_950.0
	smallCellLon    = 0.0025
	smallCellLat    = 0.0018
	smallColumns    = 30
	largeCellLon    = 0.006
	largeCellLat    = 0.0045
	largeColumns    = 12
)

// field returns a boundary of about measuredMu in the next free cell, as GeoJSON, and a point inside it.
func (g *fieldGrid) field(r rng, measuredMu float64, large bool) (json.RawMessage, float64, float64) {
	var lon0, lat0 float64
	if large {
		lon0 = g.lon + float64(g.large%largeColumns)*largeCellLon
		lat0 = g.lat - 0.003 - float64(g.large/largeColumns+1)*largeCellLat
		g.large++
	} else {
		lon0 = g.lon + float64(g.small%smallColumns)*smallCellLon
		lat0 = g.lat + 0.002 + float64(g.small/smallColumns)*smallCellLat
		g.small++
	}
	metresPerDegLon := 111_320 * math.Cos(lat0*math.Pi/180)
	target := measuredMu * 10000 / 15
	aspect := r.between(0.5, 2)
	w := math.Sqrt(target * aspect)
	h := target / w
	s1, s2 := h*r.between(-0.1, 0.1), w*r.between(-0.15, 0.15)
	ring := [][2]float64{{0, 0}, {w, s1}, {w + s2, h + s1}, {s2, h}}
	dx, dy := math.Max(0, -s2)+3, math.Max(0, -s1)+3
	var raw json.RawMessage
	var cx, cy float64
	for range 4 {
		raw, cx, cy = polygon(ring, lon0, lat0, dx, dy, metresPerDegLon)
		b, err := geo.ParseBoundary(raw)
		if err != nil {
			panic(err)
		}
		got, _ := b.AreaMu().Float64()
		f := math.Sqrt(measuredMu / got)
		if math.Abs(f-1) < 0.0005 {
			break
		}
		for i := range ring {
			ring[i][0] *= f
			ring[i][1] *= f
		}
	}
	return raw, cx, cy
}

// polygon writes ring, in metres from (dx, dy) east and north of (lon0, lat0), as a GeoJSON Polygon, and
// returns its corners' mean.
func polygon(ring [][2]float64, lon0, lat0, dx, dy, metresPerDegLon float64) (json.RawMessage, float64, float64) {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	var cx, cy float64
	for i := 0; i <= len(ring); i++ {
		pt := ring[i%len(ring)]
		lon := round7(lon0 + (pt[0]+dx)/metresPerDegLon)
		lat := round7(lat0 + (pt[1]+dy)/metresPerDegLat)
		if i < len(ring) {
			cx += lon / float64(len(ring))
			cy += lat / float64(len(ring))
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("[" + strconv.FormatFloat(lon, 'f', 7, 64) + "," + strconv.FormatFloat(lat, 'f', 7, 64) + "]")
	}
	b.WriteString("]]}")
	return json.RawMessage(b.String()), round7(cx), round7(cy)
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
