package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// vec is a point in the lon/lat plane, in degrees relative to the
// boundary's south-west corner. RFC 7946 edges are straight in this plane,
// so the topological checks work here; the offsets keep the arithmetic
// well away from the magnitude of absolute longitudes.
type vec struct{ x, y float64 }

// ringRef is a ring prepared for the topological checks.
type ringRef struct {
	ord  int    // position in the whole boundary, for stable reporting
	path string // JSON path of the ring
	pts  []vec
	lo   vec // south-west corner of the ring's extent
	hi   vec // north-east corner of the ring's extent
}

// validate applies the geometric rules documented on ParseBoundary to rings
// that have already passed the syntactic ones. root is the JSON path of the
// "coordinates" member.
func validate(polys []polygon, root string, multi bool) error {
	bb := extent(polys)
	if bb.MaxLon-bb.MinLon > MaxSpanDegrees || bb.MaxLat-bb.MinLat > MaxSpanDegrees {
		return invalid(root, "boundary spans more than %g degree of longitude or latitude; a parcel must be field-sized", MaxSpanDegrees)
	}
	origin := Position{Lon: bb.MinLon, Lat: bb.MinLat}
	grouped := make([][]*ringRef, len(polys))
	var all []*ringRef
	for pi, p := range polys {
		polyPath := root
		if multi {
			polyPath = fmt.Sprintf("%s[%d]", root, pi)
		}
		for ri, r := range p {
			ref := newRingRef(r, origin, len(all), fmt.Sprintf("%s[%d]", polyPath, ri))
			if math.Abs(ringArea(r)) < MinRingAreaM2 {
				return invalid(ref.path, "ring encloses less than %g m² and is degenerate", MinRingAreaM2)
			}
			if ref.doublesBack() {
				return invalid(ref.path, "ring doubles back on itself")
			}
			grouped[pi] = append(grouped[pi], ref)
			all = append(all, ref)
		}
	}
	if err := checkContacts(all); err != nil {
		return err
	}
	return checkNesting(grouped, root, multi)
}

// extent is the bounding box of every ring, holes included, since holes
// have not yet been shown to lie inside their exteriors.
func extent(polys []polygon) BBox {
	first := polys[0][0][0]
	bb := BBox{MinLon: first.Lon, MinLat: first.Lat, MaxLon: first.Lon, MaxLat: first.Lat}
	for _, p := range polys {
		for _, r := range p {
			for _, pos := range r {
				bb.MinLon, bb.MaxLon = min(bb.MinLon, pos.Lon), max(bb.MaxLon, pos.Lon)
				bb.MinLat, bb.MaxLat = min(bb.MinLat, pos.Lat), max(bb.MaxLat, pos.Lat)
			}
		}
	}
	return bb
}

func newRingRef(r ring, origin Position, ord int, path string) *ringRef {
	ref := &ringRef{ord: ord, path: path, pts: make([]vec, len(r))}
	for i, p := range r {
		v := vec{x: p.Lon - origin.Lon, y: p.Lat - origin.Lat}
		ref.pts[i] = v
		if i == 0 {
			ref.lo, ref.hi = v, v
		}
		ref.lo = vec{min(ref.lo.x, v.x), min(ref.lo.y, v.y)}
		ref.hi = vec{max(ref.hi.x, v.x), max(ref.hi.y, v.y)}
	}
	return ref
}

// doublesBack reports whether some vertex is a spike: the ring arrives and
// leaves along the same line, so the two edges overlap. The sweep in
// checkContacts skips edges that share a vertex, so this is checked here.
func (r *ringRef) doublesBack() bool {
	n := len(r.pts)
	for i, p := range r.pts {
		prev, next := r.pts[(i+n-1)%n], r.pts[(i+1)%n]
		if cross(prev, p, next) == 0 && dot(sub(prev, p), sub(next, p)) > 0 {
			return true
		}
	}
	return false
}

type segment struct {
	ring   *ringRef
	i      int
	a, b   vec
	lo, hi float64 // x extent, for the sweep
}

// checkContacts refuses any contact between two edges, other than the
// shared vertex of consecutive edges of one ring. Edges are swept in order
// of their west end, so only edges whose x extents overlap are compared;
// for field outlines this is close to linear.
func checkContacts(rings []*ringRef) error {
	var segs []segment
	for _, r := range rings {
		n := len(r.pts)
		for i := range n {
			a, b := r.pts[i], r.pts[(i+1)%n]
			segs = append(segs, segment{ring: r, i: i, a: a, b: b, lo: min(a.x, b.x), hi: max(a.x, b.x)})
		}
	}
	slices.SortStableFunc(segs, func(s, t segment) int { return cmp.Compare(s.lo, t.lo) })
	var found *ValidationError
	for i := range segs {
		s := &segs[i]
		for j := i + 1; j < len(segs) && segs[j].lo <= s.hi; j++ {
			t := &segs[j]
			if s.ring == t.ring && consecutive(s.i, t.i, len(s.ring.pts)) {
				continue
			}
			if min(s.a.y, s.b.y) > max(t.a.y, t.b.y) || min(t.a.y, t.b.y) > max(s.a.y, s.b.y) {
				continue
			}
			if !intersects(s.a, s.b, t.a, t.b) {
				continue
			}
			err := contactError(s.ring, t.ring)
			if found == nil || err.Path < found.Path || (err.Path == found.Path && err.Message < found.Message) {
				found = err // report a deterministic contact, not the first swept
			}
		}
	}
	if found != nil {
		return found
	}
	return nil
}

func contactError(r1, r2 *ringRef) *ValidationError {
	if r1 == r2 {
		return invalid(r1.path, "ring crosses or touches itself")
	}
	if r1.ord > r2.ord {
		r1, r2 = r2, r1
	}
	return invalid(r2.path, "ring crosses or touches ring %s", r1.path)
}

func consecutive(i, j, n int) bool {
	d := i - j
	return d == 1 || d == -1 || d == n-1 || d == 1-n
}

// checkNesting runs once rings are known to be simple and pairwise
// disjoint, so one vertex decides whether a ring lies inside another.
func checkNesting(polys [][]*ringRef, root string, multi bool) error {
	for _, p := range polys {
		ext, holes := p[0], p[1:]
		for i, h := range holes {
			if !ext.contains(h.pts[0]) {
				return invalid(h.path, "hole lies outside its exterior ring")
			}
			for _, o := range holes[i+1:] {
				if o.contains(h.pts[0]) {
					return invalid(h.path, "hole lies inside hole %s", o.path)
				}
				if h.contains(o.pts[0]) {
					return invalid(o.path, "hole lies inside hole %s", h.path)
				}
			}
		}
	}
	for i, p := range polys {
		for j, q := range polys[i+1:] {
			j += i + 1
			if regionContains(q, p[0].pts[0]) || regionContains(p, q[0].pts[0]) {
				return invalid(fmt.Sprintf("%s[%d]", root, j), "polygon overlaps polygon %s[%d]", root, i)
			}
		}
	}
	return nil
}

// regionContains reports whether v lies inside the polygon's exterior and
// outside all of its holes.
func regionContains(p []*ringRef, v vec) bool {
	if !p[0].contains(v) {
		return false
	}
	for _, h := range p[1:] {
		if h.contains(v) {
			return false
		}
	}
	return true
}

// contains is the even-odd point-in-ring test. Points on the ring itself
// give an arbitrary answer; callers only ask about points off it.
func (r *ringRef) contains(v vec) bool {
	if v.x < r.lo.x || v.x > r.hi.x || v.y < r.lo.y || v.y > r.hi.y {
		return false
	}
	in := false
	n := len(r.pts)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r.pts[i], r.pts[j]
		if (a.y > v.y) != (b.y > v.y) {
			x := a.x + (v.y-a.y)*(b.x-a.x)/(b.y-a.y)
			if v.x < x {
				in = !in
			}
		}
	}
	return in
}

func sub(a, b vec) vec { return vec{a.x - b.x, a.y - b.y} }

func dot(a, b vec) float64 { return a.x*b.x + a.y*b.y }

// cross is twice the signed area of triangle a, b, c: positive when c lies
// to the left of the line from a to b.
func cross(a, b, c vec) float64 {
	return (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x)
}

func sign(f float64) int {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// intersects reports whether closed segments ab and cd share any point.
func intersects(a, b, c, d vec) bool {
	d1, d2 := sign(cross(c, d, a)), sign(cross(c, d, b))
	d3, d4 := sign(cross(a, b, c)), sign(cross(a, b, d))
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return (d1 == 0 && within(c, d, a)) || (d2 == 0 && within(c, d, b)) ||
		(d3 == 0 && within(a, b, c)) || (d4 == 0 && within(a, b, d))
}

// within reports whether p, known to be collinear with ab, lies on the
// closed segment ab.
func within(a, b, p vec) bool {
	return min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) &&
		min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
}
