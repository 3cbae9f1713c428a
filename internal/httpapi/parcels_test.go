package httpapi_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// pcWorld is fmWorld with a farm in each collective.
type pcWorld struct {
	*fmWorld
	farmA1, farmA2, farmB api.Farm
}

func pcSetup(t *testing.T) *pcWorld {
	t.Helper()
	w := &pcWorld{fmWorld: fmSetup(t)}
	w.farmA1 = w.create(t, w.env.Admin, w.household(w.collA1, fmID(t, "19700101", 1), "13900001111"))
	w.farmA2 = w.create(t, w.env.Admin, w.household(w.collA2, fmID(t, "19700101", 2), "13900002222"))
	w.farmB = w.create(t, w.env.Admin, w.household(w.collB, fmIDIn(t, "610632", "19700101", 3), "13900003333"))
	return w
}

// pcBody is a valid registration of a parcel of farm f.
func (w *pcWorld) pcBody(f api.Farm, area any) map[string]any {
	return map[string]any{"farm_id": f.Id, "name": fmt.Sprintf("地块%d", w.next()), "area_mu": area, "land_type": "dry"}
}

// parcel registers body as token, checks the Location header, and returns the parcel.
func (w *pcWorld) parcel(t *testing.T, token string, body map[string]any) api.Parcel {
	t.Helper()
	res := w.env.Expect(t, http.StatusCreated, token, http.MethodPost, "/api/v1/parcels", body)
	var p api.Parcel
	res.JSON(t, &p)
	if got := res.Header.Get("Location"); got != "/api/v1/parcels/"+itoa(p.Id) {
		t.Errorf("Location = %q, want /api/v1/parcels/%d", got, p.Id)
	}
	return p
}

// patch changes parcel p as admin and returns it.
func (w *pcWorld) patch(t *testing.T, p api.Parcel, body any) api.Parcel {
	t.Helper()
	var out api.Parcel
	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodPatch, "/api/v1/parcels/"+itoa(p.Id), body).JSON(t, &out)
	var read api.Parcel
	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, "/api/v1/parcels/"+itoa(p.Id), nil).JSON(t, &read)
	if !fmSameJSON(t, out, read) {
		t.Errorf("PATCH answered %+v, reads back %+v", out, read)
	}
	return out
}

// pcList pages through GET /parcels and returns the ids served, failing on a repeated one.
func pcList(t *testing.T, env *apitest.Env, token string, query url.Values) []int64 {
	t.Helper()
	return pcIDs(listAll(t, env, token, "/api/v1/parcels", query, func(p api.Parcel) int64 { return p.Id })...)
}

// pcIDs returns the ids of ps.
func pcIDs(ps ...api.Parcel) []int64 {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.Id
	}
	return ids
}

// The WGS84 ellipsoid.
const (
	pcA = 6378137.0
	pcF = 1 / 298.257223563
)

// pcRectM2 is the area in m² of the region between two meridians and two parallels on the WGS84 ellipsoid,
// in closed form: A = b²·Δλ/2 · [g(φ)] with g(φ) = sin φ/(1 − e² sin² φ) + ln((1 + e sin φ)/(1 − e sin φ))/(2e),
// b² = a²(1 − e²) (Snyder, Map Projections — A Working Manual, eq. 3-12 integrated over a zone).
func pcRectM2(lon1, lat1, lon2, lat2 float64) float64 {
	e2 := pcF * (2 - pcF)
	e := math.Sqrt(e2)
	g := func(lat float64) float64 {
		s := math.Sin(lat * math.Pi / 180)
		return s/(1-e2*s*s) + math.Log((1+e*s)/(1-e*s))/(2*e)
	}
	return pcA * pcA * (1 - e2) / 2 * math.Abs(lon2-lon1) * math.Pi / 180 * math.Abs(g(lat2)-g(lat1))
}

// pcRectM2Numeric integrates the area element M·N·cos φ dφ dλ of the ellipsoid with Simpson's rule, to
// cross-check pcRectM2.
func pcRectM2Numeric(lon1, lat1, lon2, lat2 float64) float64 {
	e2 := pcF * (2 - pcF)
	h := func(phi float64) float64 {
		s := math.Sin(phi)
		return pcA * pcA * (1 - e2) * math.Cos(phi) / ((1 - e2*s*s) * (1 - e2*s*s))
	}
	const n = 1000
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	step := (p2 - p1) / n
	sum := h(p1) + h(p2)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * h(p1+float64(i)*step)
	}
	return math.Abs(sum * step / 3 * (lon2 - lon1) * math.Pi / 180)
}

// pcMuPerM2 converts m² to mu: 1 mu = 10000/15 m².
const pcMuPerM2 = 15.0 / 10000

// pcRing is the closed ring of a lon/lat rectangle, counter-clockwise.
func pcRing(lon1, lat1, lon2, lat2 float64) [][]float64 {
	return [][]float64{{lon1, lat1}, {lon2, lat1}, {lon2, lat2}, {lon1, lat2}, {lon1, lat1}}
}

func pcPolygon(rings ...[][]float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": rings}
}

// pcRect is a rectangle near 35.6°N 109.8°E (Huanglong), west and south edges fixed.
type pcRect struct{ lon1, lat1, lon2, lat2 float64 }

func (r pcRect) geo() map[string]any { return pcPolygon(pcRing(r.lon1, r.lat1, r.lon2, r.lat2)) }
func (r pcRect) refMu() float64      { return pcRectM2(r.lon1, r.lat1, r.lon2, r.lat2) * pcMuPerM2 }
func (r pcRect) ring() [][]float64   { return pcRing(r.lon1, r.lat1, r.lon2, r.lat2) }
func pcCoord(v float64, places int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', places, 64), 64)
	return f
}

// pcFindRect returns a rectangle 0.001° wide near 35.6°N 109.8°E whose reference area, in cents of a mu, is a
// multiple of 399 (so that 5 % of a declared area above and below it falls on a whole cent: 20/19 and 20/21 of
// it) and lies well away from a rounding boundary.
func pcFindRect(t *testing.T) (pcRect, int64) {
	t.Helper()
	for k := 6000; k < 14000; k++ {
		r := pcRect{109.8, 35.6, 109.801, pcCoord(35.6+float64(k)*1e-7, 7)}
		cents := r.refMu() * 100
		c := math.Round(cents)
		if math.Abs(cents-c) < 0.3 && int64(c)%399 == 0 {
			return r, int64(c)
		}
	}
	t.Fatal("no rectangle found")
	return pcRect{}, 0
}

// pcCents turns a Dec2 into cents.
func pcCents(t *testing.T, d api.NullableDec2) int64 {
	t.Helper()
	v, err := decimal.NewFromString(d.String())
	if err != nil {
		t.Fatal(err)
	}
	return v.Shift(2).IntPart()
}

func pcDec(cents int64) string { return decimal.New(cents, -2).StringFixed(2) }

func TestParcelsAreaIsAnExactPositiveDecimal(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	env := w.env
	for _, c := range []struct {
		in   any
		want string
	}{
		{"10.5", "10.50"}, {10.5, "10.50"}, {"10.50", "10.50"}, {7, "7.00"}, {"7", "7.00"}, {"0.01", "0.01"}, {0.01, "0.01"},
		{"123456.78", "123456.78"}, {123456.78, "123456.78"}, {"0.10", "0.10"}, {"99999999.99", "99999999.99"},
	} {
		p := w.parcel(t, env.Admin, w.pcBody(w.farmA1, c.in))
		if p.AreaMu.String() != c.want {
			t.Errorf("area_mu %#v answered as %q, want %q", c.in, p.AreaMu.String(), c.want)
		}
		var read api.Parcel
		env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/parcels/"+itoa(p.Id), nil).JSON(t, &read)
		if read.AreaMu.String() != c.want {
			t.Errorf("area_mu %#v reads back as %q", c.in, read.AreaMu.String())
		}
	}
	before := fmCount(t, env, "parcels")
	p := w.parcel(t, env.Admin, w.pcBody(w.farmA1, "10.50"))
	refused := []string{`"10.505"`, `10.505`, `"0"`, `0`, `"0.00"`, `"-1"`, `-0.01`, `"abc"`, `"1e2"`, `1e2`, `""`, `true`,
		`"NaN"`, `"10,5"`, `" 10.5"`, `null`, `[]`, `"0.001"`}
	for _, raw := range refused {
		body := fmt.Sprintf(`{"farm_id":%d,"name":"坏地块","area_mu":%s,"land_type":"dry"}`, w.farmA1.Id, raw)
		fmRefused(t, "area_mu "+raw, env.Do(t, env.Admin, http.MethodPost, "/api/v1/parcels", body), "area_mu")
		fmRefused(t, "PATCH area_mu "+raw, env.Do(t, env.Admin, http.MethodPatch, "/api/v1/parcels/"+itoa(p.Id), `{"area_mu":`+raw+`}`), "area_mu")
	}
	for _, raw := range []string{`"0"`, `0`, `"-1"`, `-0.01`, `"0.00"`} {
		body := fmt.Sprintf(`{"farm_id":%d,"name":"坏地块","area_mu":%s,"land_type":"dry"}`, w.farmA1.Id, raw)
		fmInvalid(t, "area_mu "+raw, env.Do(t, env.Admin, http.MethodPost, "/api/v1/parcels", body), "area_mu")
	}
	if n := fmCount(t, env, "parcels"); n != before+1 {
		t.Errorf("refused parcels wrote %d rows", n-before-1)
	}
	var read api.Parcel
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/parcels/"+itoa(p.Id), nil).JSON(t, &read)
	if read.AreaMu.String() != "10.50" {
		t.Errorf("refused changes left area_mu %s", read.AreaMu.String())
	}
	fmInvalid(t, "missing fields", env.Do(t, env.Admin, http.MethodPost, "/api/v1/parcels", `{"farm_id":`+itoa(w.farmA1.Id)+`,"name":" "}`),
		"area_mu", "land_type")
	fmInvalid(t, "blank name", env.Do(t, env.Admin, http.MethodPost, "/api/v1/parcels",
		`{"farm_id":`+itoa(w.farmA1.Id)+`,"name":" ","area_mu":"1.00","land_type":"dry"}`), "name")
}

func TestParcelsLandTypesAndCodes(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	env := w.env
	for _, lt := range []string{"dry", "irrigated", "paddy", "orchard", "other"} {
		p := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmA1, "1.00"), "land_type", lt))
		if string(p.LandType) != lt {
			t.Errorf("land type %s answered as %s", lt, p.LandType)
		}
		if got := pcList(t, env, env.Admin, url.Values{"land_type": {lt}}); !slices.Equal(got, []int64{p.Id}) {
			t.Errorf("land_type=%s lists %v", lt, got)
		}
	}
	for _, lt := range []string{"forest", "Dry", ""} {
		fmRefused(t, "land type "+lt, env.Do(t, env.Admin, http.MethodPost, "/api/v1/parcels", fmWith(w.pcBody(w.farmA1, "1.00"), "land_type", lt)), "land_type")
	}

	code := "6106311002010100001"
	p1 := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmA1, "2.00"), "code", code, "certificate_no", " 黄龙农证2020第001号 "))
	if p1.Code == nil || *p1.Code != code || p1.CertificateNo == nil || *p1.CertificateNo != "黄龙农证2020第001号" {
		t.Errorf("parcel registered as %+v", p1)
	}
	before := fmCount(t, env, "parcels")
	for _, c := range []struct {
		what  string
		token string
		body  map[string]any
	}{
		{"same code, same farm", env.Admin, fmWith(w.pcBody(w.farmA1, "1.00"), "code", code)},
		{"same code, another village of the county", env.Admin, fmWith(w.pcBody(w.farmA2, "1.00"), "code", code)},
		{"same code with spaces", w.tokA2, fmWith(w.pcBody(w.farmA2, "1.00"), "code", " "+code+" ")},
	} {
		res := env.Do(t, c.token, http.MethodPost, "/api/v1/parcels", c.body)
		if res.Status != http.StatusConflict {
			t.Errorf("%s: status %d, want 409: %s", c.what, res.Status, res.Body)
		} else if p := res.Problem(t); p.Type != "urn:tuoguan:problem:conflict" {
			t.Errorf("%s: problem %+v", c.what, p)
		}
	}
	if n := fmCount(t, env, "parcels"); n != before {
		t.Errorf("conflicting parcels wrote %d rows", n-before)
	}
	// Another county has codes of its own; parcels without a code never conflict.
	inB := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmB, "1.00"), "code", code))
	n1 := w.parcel(t, env.Admin, w.pcBody(w.farmA2, "1.00"))
	n2 := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmA2, "1.00"), "code", "  "))
	if n1.Code != nil || n2.Code != nil {
		t.Errorf("parcels without a code answered %v and %v", n1.Code, n2.Code)
	}
	res := env.Do(t, env.Admin, http.MethodPatch, "/api/v1/parcels/"+itoa(n1.Id), map[string]any{"code": code})
	if res.Status != http.StatusConflict {
		t.Errorf("change to a taken code: status %d, want 409: %s", res.Status, res.Body)
	}
	w.patch(t, p1, map[string]any{"code": code, "name": "改名地块"})
	moved := w.patch(t, p1, map[string]any{"code": "6106311002010100002"})
	if moved.Code == nil || *moved.Code != "6106311002010100002" {
		t.Errorf("code changed to %v", moved.Code)
	}
	w.patch(t, n1, map[string]any{"code": code})
	if got := pcList(t, env, env.Admin, url.Values{"code": {code}}); !slices.Equal(got, pcIDs(inB, n1)) {
		t.Errorf("code=%s lists %v", code, got)
	}
	if got := pcList(t, env, w.bureauA, url.Values{"code": {code}}); !slices.Equal(got, pcIDs(n1)) {
		t.Errorf("bureau A: code=%s lists %v", code, got)
	}
}

func TestParcelsFarmMustBeTheCallers(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	env := w.env
	before := fmCount(t, env, "parcels")
	for _, c := range []struct {
		what string
		farm int64
	}{{"a farm of another collective of the county", w.farmA2.Id}, {"a farm of another county", w.farmB.Id}, {"no farm", w.farmB.Id + 1000}} {
		body := map[string]any{"farm_id": c.farm, "name": "越界地块", "area_mu": "1.00", "land_type": "dry"}
		fmInvalid(t, c.what, env.Do(t, w.tokA1, http.MethodPost, "/api/v1/parcels", body), "farm_id")
	}
	a := env.Do(t, w.tokA1, http.MethodPost, "/api/v1/parcels", w.pcBody(w.farmA2, "1.00")).Problem(t)
	b := env.Do(t, w.tokA1, http.MethodPost, "/api/v1/parcels", w.pcBody(api.Farm{Id: w.farmB.Id + 1000}, "1.00")).Problem(t)
	if (*a.Errors)[0].Message != (*b.Errors)[0].Message {
		t.Errorf("another collective's farm (%q) is told apart from a missing one (%q)", (*a.Errors)[0].Message, (*b.Errors)[0].Message)
	}
	env.Expect(t, http.StatusForbidden, w.bureauA, http.MethodPost, "/api/v1/parcels", w.pcBody(w.farmA1, "1.00"))
	if n := fmCount(t, env, "parcels"); n != before {
		t.Errorf("refused parcels wrote %d rows", n-before)
	}

	// The parcel lies where its farm does.
	own := w.parcel(t, w.tokA1, w.pcBody(w.farmA1, "1.00"))
	other := w.parcel(t, env.Admin, w.pcBody(w.farmA2, "1.00"))
	if own.FarmId != w.farmA1.Id || own.CollectiveId != w.collA1.Id || own.RegionCode != fmVillA1 ||
		other.CollectiveId != w.collA2.Id || other.RegionCode != fmVillA2 {
		t.Errorf("parcels registered as %+v and %+v", own, other)
	}
	env.Expect(t, http.StatusNotFound, w.tokA1, http.MethodGet, "/api/v1/parcels/"+itoa(other.Id), nil)
	env.Expect(t, http.StatusNotFound, w.tokA1, http.MethodPatch, "/api/v1/parcels/"+itoa(other.Id), map[string]any{"name": "越权"})
	env.Expect(t, http.StatusForbidden, w.bureauA, http.MethodPatch, "/api/v1/parcels/"+itoa(other.Id), map[string]any{"name": "越权"})
	env.Expect(t, http.StatusNotFound, w.bureauB, http.MethodGet, "/api/v1/parcels/"+itoa(other.Id), nil)
	fmRefused(t, "moving a parcel to another farm",
		env.Do(t, env.Admin, http.MethodPatch, "/api/v1/parcels/"+itoa(own.Id), map[string]any{"farm_id": w.farmA2.Id}), "farm_id")
	if got := pcList(t, env, w.tokA1, url.Values{}); !slices.Equal(got, pcIDs(own)) {
		t.Errorf("collective A1 lists %v", got)
	}
}

func TestParcelsBoundaryIsMeasured(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	env := w.env

	rects := []pcRect{
		{109.8, 35.6, 109.801, 35.6008},
		{109.812, 35.615, 109.8171, 35.6193},
		{109.75, 35.55, 109.7505, 35.5504},
	}
	for _, r := range rects {
		ref := r.refMu()
		if num := pcRectM2Numeric(r.lon1, r.lat1, r.lon2, r.lat2) * pcMuPerM2; math.Abs(num-ref)/ref > 1e-9 {
			t.Fatalf("reference areas disagree: closed form %.9f mu, numeric %.9f mu", ref, num)
		}
		declared := decimal.NewFromFloat(ref).Round(2).StringFixed(2)
		p := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmA1, declared), "boundary", r.geo()))
		if p.MeasuredAreaMu == nil {
			t.Fatalf("parcel with a boundary has no measured area: %+v", p)
		}
		got, _ := p.MeasuredAreaMu.Decimal().Float64()
		rel := math.Abs(got-ref) / ref
		t.Logf("rectangle %v: measured %s mu, reference %.6f mu, relative error %.2e", r, p.MeasuredAreaMu.String(), ref, rel)
		if rel > 0.005 {
			t.Errorf("rectangle %v measured %s mu, reference %.4f mu: off by %.3f %%", r, p.MeasuredAreaMu.String(), ref, rel*100)
		}
		if p.AreaMismatch {
			t.Errorf("declared %s and measured %s flagged as a mismatch", declared, p.MeasuredAreaMu.String())
		}
		if p.Boundary == nil || (*p.Boundary)["type"] != "Polygon" || (*p.Boundary)["coordinates"] == nil {
			t.Errorf("boundary answered as %v", p.Boundary)
		}
	}

	// A MultiPolygon measures the sum of its polygons; a hole is taken out; the orientation does not matter;
	// a Feature counts as its geometry.
	a, b := rects[0], rects[1]
	multi := map[string]any{"type": "MultiPolygon", "coordinates": [][][][]float64{{a.ring()}, {b.ring()}}}
	hole := pcRect{109.8002, 35.6002, 109.8005, 35.6004}
	holed := pcPolygon(a.ring(), hole.ring())
	cw := slices.Clone(a.ring())
	slices.Reverse(cw)
	feature := map[string]any{"type": "Feature", "properties": map[string]any{"名称": "东坡地"}, "geometry": b.geo()}
	for _, c := range []struct {
		what     string
		boundary map[string]any
		ref      float64
		typ      string
	}{
		{"multipolygon", multi, a.refMu() + b.refMu(), "MultiPolygon"},
		{"polygon with a hole", holed, a.refMu() - hole.refMu(), "Polygon"},
		{"clockwise ring", pcPolygon(cw), a.refMu(), "Polygon"},
		{"feature", feature, b.refMu(), "Polygon"},
	} {
		p := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmA1, "100.00"), "boundary", c.boundary))
		if p.MeasuredAreaMu == nil {
			t.Errorf("%s: no measured area", c.what)
			continue
		}
		got, _ := p.MeasuredAreaMu.Decimal().Float64()
		if math.Abs(got-c.ref)/c.ref > 0.005 {
			t.Errorf("%s measured %s mu, reference %.4f mu", c.what, p.MeasuredAreaMu.String(), c.ref)
		}
		if p.Boundary == nil || (*p.Boundary)["type"] != c.typ {
			t.Errorf("%s answered as %v", c.what, p.Boundary)
		}
	}
}

func TestParcelsAreaMismatchIsSetAndCleared(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	env := w.env
	r, planned := pcFindRect(t)
	ref := r.refMu()

	p := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmA1, pcDec(planned)), "boundary", r.geo()))
	if p.MeasuredAreaMu == nil {
		t.Fatalf("no measured area: %+v", p)
	}
	m := pcCents(t, *p.MeasuredAreaMu)
	got, _ := p.MeasuredAreaMu.Decimal().Float64()
	t.Logf("rectangle %v: measured %s mu, reference %.6f mu (relative error %.2e)", r, p.MeasuredAreaMu.String(), ref, math.Abs(got-ref)/ref)
	if math.Abs(got-ref)/ref > 0.005 {
		t.Fatalf("measured %s mu, reference %.4f mu", p.MeasuredAreaMu.String(), ref)
	}
	if m != planned {
		t.Logf("measured %d cents, the reference rounds to %d: the exact 5 %% cases fall between cents", m, planned)
	}
	// The largest declared area at most 5 % above the measured one, and the smallest at most 5 % below:
	// |declared − measured| ≤ 5 % of declared.
	hiOK := m * 20 / 19
	loOK := (m*20 + 20) / 21
	if (m*20)%21 == 0 {
		loOK = m * 20 / 21
	}
	if p.AreaMismatch {
		t.Errorf("declared %s, measured %s: flagged", p.AreaMu.String(), p.MeasuredAreaMu.String())
	}
	steps := []struct {
		area     int64
		mismatch bool
	}{
		{hiOK, false}, {hiOK + 1, true}, {hiOK - 1, false}, {m * 11 / 10, true},
		{loOK, false}, {loOK - 1, true}, {loOK + 1, false}, {m * 9 / 10, true}, {m, false}, {m * 2, true},
	}
	for _, s := range steps {
		q := w.patch(t, p, map[string]any{"area_mu": pcDec(s.area)})
		if q.AreaMismatch != s.mismatch || q.MeasuredAreaMu == nil || pcCents(t, *q.MeasuredAreaMu) != m || pcCents(t, q.AreaMu) != s.area {
			t.Errorf("declared %s, measured %s: area_mismatch %v, want %v", q.AreaMu.String(), p.MeasuredAreaMu.String(), q.AreaMismatch, s.mismatch)
		}
		list := pcList(t, env, env.Admin, url.Values{"area_mismatch": {strconv.FormatBool(s.mismatch)}})
		if !slices.Contains(list, p.Id) {
			t.Errorf("declared %s: area_mismatch=%v does not list the parcel", q.AreaMu.String(), s.mismatch)
		}
	}

	// The boundary sets and clears the flag as well.
	q := w.parcel(t, env.Admin, w.pcBody(w.farmA2, pcDec(hiOK)))
	if q.Boundary != nil || q.MeasuredAreaMu != nil || q.AreaMismatch {
		t.Errorf("parcel without a boundary: %+v", q)
	}
	half := pcRect{r.lon1, r.lat1, r.lon2, pcCoord((r.lat1+r.lat2)/2, 7)}
	const none, whole, halved = 0, 1, 2
	for i, s := range []struct {
		body     map[string]any
		mismatch bool
		measured int
	}{
		{map[string]any{"boundary": r.geo()}, false, whole},
		{map[string]any{"boundary": half.geo()}, true, halved},
		{map[string]any{"name": "改名"}, true, halved},
		{map[string]any{"boundary": r.geo(), "area_mu": pcDec(hiOK + 1)}, true, whole},
		{map[string]any{"boundary": r.geo(), "area_mu": pcDec(hiOK)}, false, whole},
		{map[string]any{"area_mu": pcDec(loOK - 1)}, true, whole},
		{map[string]any{"boundary": nil}, false, none},
		{map[string]any{"area_mu": "999.00"}, false, none},
		{map[string]any{"boundary": half.geo(), "area_mu": pcDec(loOK)}, true, halved},
		{map[string]any{"boundary": nil, "area_mu": pcDec(m)}, false, none},
	} {
		q = w.patch(t, q, s.body)
		if q.AreaMismatch != s.mismatch || (q.MeasuredAreaMu != nil) != (s.measured != none) || (q.Boundary != nil) != (s.measured != none) {
			t.Errorf("step %d %v: area %s, boundary %v, measured %v, mismatch %v", i, s.body, q.AreaMu.String(), q.Boundary != nil, q.MeasuredAreaMu, q.AreaMismatch)
			continue
		}
		switch s.measured {
		case whole:
			if pcCents(t, *q.MeasuredAreaMu) != m {
				t.Errorf("step %d: measured %s, want %s", i, q.MeasuredAreaMu.String(), pcDec(m))
			}
		case halved:
			got, _ := q.MeasuredAreaMu.Decimal().Float64()
			if math.Abs(got-half.refMu())/half.refMu() > 0.005 {
				t.Errorf("step %d: half the rectangle measured %s mu, reference %.4f", i, q.MeasuredAreaMu.String(), half.refMu())
			}
		}
	}
	var raw struct {
		boundary, measured *string
		mismatch           bool
	}
	if err := env.DB.SQL.QueryRow(`SELECT boundary::text, measured_area_mu::text, area_mismatch FROM parcels WHERE id = $1`, q.Id).
		Scan(&raw.boundary, &raw.measured, &raw.mismatch); err != nil {
		t.Fatal(err)
	}
	if raw.boundary != nil || raw.measured != nil || raw.mismatch {
		t.Errorf("a removed boundary left boundary %v, measured %v, mismatch %v", raw.boundary, raw.measured, raw.mismatch)
	}

	// The flag filters the list, combined with the other filters and scope.
	flagged := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmA2, pcDec(m*2)), "boundary", r.geo()))
	if !flagged.AreaMismatch {
		t.Errorf("declared %s, measured %v: not flagged", flagged.AreaMu.String(), flagged.MeasuredAreaMu)
	}
	w.patch(t, p, map[string]any{"area_mu": pcDec(m)})
	if got := pcList(t, env, env.Admin, url.Values{"area_mismatch": {"true"}}); !slices.Equal(got, pcIDs(flagged)) {
		t.Errorf("area_mismatch=true lists %v, want %v", got, pcIDs(flagged))
	}
	if got := pcList(t, env, env.Admin, url.Values{"area_mismatch": {"false"}}); !slices.Equal(got, pcIDs(p, q)) {
		t.Errorf("area_mismatch=false lists %v, want %v", got, pcIDs(p, q))
	}
	if got := pcList(t, env, w.tokA1, url.Values{"area_mismatch": {"true"}}); len(got) != 0 {
		t.Errorf("collective A1 lists another collective's flagged parcel: %v", got)
	}
	if got := pcList(t, env, w.tokA2, url.Values{"area_mismatch": {"true"}, "limit": {"1"}}); !slices.Equal(got, pcIDs(flagged)) {
		t.Errorf("collective A2 lists %v", got)
	}
	if res := env.Do(t, env.Admin, http.MethodGet, "/api/v1/parcels?area_mismatch=maybe", nil); res.Status != http.StatusBadRequest {
		t.Errorf("area_mismatch=maybe: status %d, want 400", res.Status)
	}
}

func TestParcelsInvalidBoundaryIsRefusedByPath(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	env := w.env
	r := pcRect{109.8, 35.6, 109.801, 35.6008}
	ring := r.ring()
	open := slices.Clone(ring)
	open[4] = []float64{109.8, 35.6001}
	far := pcRect{109.805, 35.605, 109.806, 35.606}
	outside := pcRect{109.9, 35.7, 109.9002, 35.7002}
	cases := []struct {
		what     string
		boundary any
		field    string // the exact field, or a prefix ending in "*"
	}{
		{"unclosed ring", pcPolygon(open), "boundary.coordinates[0]"},
		{"3 positions", pcPolygon([][]float64{{109.8, 35.6}, {109.801, 35.6}, {109.8, 35.6}}), "boundary.coordinates[0]"},
		{"2 positions", pcPolygon([][]float64{{109.8, 35.6}, {109.8, 35.6}}), "boundary.coordinates[0]"},
		{"longitude 190", pcPolygon([][]float64{{109.8, 35.6}, {190, 35.6}, {109.801, 35.6008}, {109.8, 35.6008}, {109.8, 35.6}}), "boundary.coordinates[0][1]"},
		{"latitude -91", pcPolygon([][]float64{{109.8, 35.6}, {109.801, 35.6}, {109.801, -91}, {109.8, 35.6008}, {109.8, 35.6}}), "boundary.coordinates[0][2]"},
		{"latitude 90.5", pcPolygon([][]float64{{109.8, 90.5}, {109.801, 35.6}, {109.801, 35.6008}, {109.8, 90.5}}), "boundary.coordinates[0][0]"},
		{"a position of one number", pcPolygon([][]float64{{109.8, 35.6}, {109.801}, {109.801, 35.6008}, {109.8, 35.6008}, {109.8, 35.6}}), "boundary.coordinates[0][1]"},
		{"a coordinate that is a string", map[string]any{"type": "Polygon", "coordinates": []any{[]any{[]any{"109.8", 35.6}, []any{109.801, 35.6}, []any{109.801, 35.6008}, []any{109.8, 35.6}}}}, "boundary.coordinates[0][0]"},
		{"wrong type", map[string]any{"type": "LineString", "coordinates": ring}, "boundary.type"},
		{"a Point", map[string]any{"type": "Point", "coordinates": []float64{109.8, 35.6}}, "boundary.type"},
		{"an unknown type", map[string]any{"type": "Polygonal", "coordinates": []any{ring}}, "boundary.type"},
		{"no type", map[string]any{"coordinates": []any{ring}}, "boundary.type"},
		{"no coordinates", map[string]any{"type": "Polygon"}, "boundary.coordinates"},
		{"a Feature of a Point", map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point", "coordinates": []float64{109.8, 35.6}}}, "boundary.geometry.type"},
		{"a self-crossing ring", pcPolygon([][]float64{{109.8, 35.6}, {109.801, 35.6008}, {109.801, 35.6}, {109.8, 35.6008}, {109.8, 35.6}}), "boundary.coordinates[0]"},
		{"a degenerate ring", pcPolygon([][]float64{{109.8, 35.6}, {109.8005, 35.6004}, {109.801, 35.6008}, {109.8, 35.6}}), "boundary.coordinates[0]"},
		{"more than a degree across", pcPolygon(pcRing(109.8, 35.6, 111.0, 35.7)), "boundary.coordinates"},
		{"a MultiPolygon's second polygon unclosed", map[string]any{"type": "MultiPolygon", "coordinates": []any{[]any{far.ring()}, []any{open}}}, "boundary.coordinates[1][0]"},
		{"overlapping polygons", map[string]any{"type": "MultiPolygon", "coordinates": []any{[]any{ring}, []any{pcRing(109.8005, 35.6004, 109.802, 35.601)}}}, "boundary.coordinates*"},
		{"a hole outside its polygon", pcPolygon(ring, outside.ring()), "boundary.coordinates*"},
		{"an empty polygon", map[string]any{"type": "Polygon", "coordinates": []any{}}, "boundary.coordinates"},
		{"a string", "POLYGON((109.8 35.6, 109.801 35.6, 109.801 35.6008, 109.8 35.6))", "boundary*"},
		{"an array", []any{ring}, "boundary*"},
	}
	before := fmCount(t, env, "parcels")
	p := w.parcel(t, env.Admin, fmWith(w.pcBody(w.farmA1, "12.00"), "boundary", r.geo()))
	check := func(what string, res *apitest.Response, field string) {
		t.Helper()
		if res.Status != http.StatusUnprocessableEntity && !(strings.HasSuffix(field, "*") && res.Status == http.StatusBadRequest) {
			t.Errorf("%s: status %d, want 422: %s", what, res.Status, res.Body)
			return
		}
		fields := res.Fields(t)
		ok := len(fields) == 1 && fields[0] == field
		if prefix, found := strings.CutSuffix(field, "*"); found {
			ok = len(fields) >= 1 && strings.HasPrefix(fields[0], prefix)
		}
		if !ok {
			t.Errorf("%s: problem names %v, want %s", what, fields, field)
		}
	}
	for _, c := range cases {
		check(c.what, env.Do(t, env.Admin, http.MethodPost, "/api/v1/parcels", fmWith(w.pcBody(w.farmA1, "12.00"), "boundary", c.boundary)), c.field)
		check("PATCH "+c.what, env.Do(t, w.tokA1, http.MethodPatch, "/api/v1/parcels/"+itoa(p.Id), map[string]any{"boundary": c.boundary}), c.field)
	}
	if n := fmCount(t, env, "parcels"); n != before+1 {
		t.Errorf("refused boundaries wrote %d parcels", n-before-1)
	}
	var read api.Parcel
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/parcels/"+itoa(p.Id), nil).JSON(t, &read)
	if !fmSameJSON(t, read, p) {
		t.Errorf("refused boundaries changed the parcel to %+v", read)
	}
	// Every field at fault is named at once.
	res := env.Do(t, env.Admin, http.MethodPost, "/api/v1/parcels", fmWith(w.pcBody(w.farmA1, "0"), "boundary", pcPolygon(open), "land_type", "forest"))
	fmInvalid(t, "three faults", res, "area_mu", "land_type", "boundary.coordinates[0]")
}

func TestParcelsAreaCannotDropBelowWhatActiveContractsHold(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	env := w.env
	var prov api.Provider
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/providers", map[string]any{
		"name": "黄龙县丰收农机专业合作社", "kind": "cooperative", "credit_code": fmCredit("610631", w.next()), "region_code": fmCountyA,
		"operation_types": []string{"ploughing", "harvesting"}, "contact_name": "张三", "contact_phone": "13700001111"}).JSON(t, &prov)
	p := w.parcel(t, w.tokA1, w.pcBody(w.farmA1, "10.50"))
	other := w.parcel(t, w.tokA1, w.pcBody(w.farmA1, "10.50"))
	contract := func(op, area string, start, end int) api.Contract {
		var c api.Contract
		env.Expect(t, http.StatusCreated, w.tokA1, http.MethodPost, "/api/v1/contracts", map[string]any{
			"farm_id": w.farmA1.Id, "provider_id": prov.Id, "crop": "corn", "season_year": today().Year(), "mode": "partial",
			"start_date": today().AddDate(0, 0, start).Format(time.DateOnly), "end_date": today().AddDate(0, 0, end).Format(time.DateOnly),
			"parcels":               []map[string]any{{"parcel_id": p.Id, "area_mu": area}, {"parcel_id": other.Id, "area_mu": "1.00"}},
			"services":              []map[string]any{{"op_type": op, "passes": 1, "price_per_mu": "60.00", "subsidy_per_mu": "20.00", "baseline_cost_per_mu": "80.00"}},
			"collective_fee_per_mu": "5.00", "baseline_yield_kg_per_mu": "500.00", "price_per_kg": "2.3000",
		}).JSON(t, &c)
		return c
	}
	c := contract("ploughing", "8.00", -30, 60)

	// A draft holds nothing.
	w.patch(t, p, map[string]any{"area_mu": "7.00"})
	w.patch(t, p, map[string]any{"area_mu": "10.50"})
	env.Expect(t, http.StatusOK, w.tokA1, http.MethodPost, "/api/v1/contracts/"+itoa(c.Id)+"/activate", nil)

	events := fmCount(t, env, "audit_events")
	for _, area := range []string{"7.99", "0.01", "1"} {
		fmInvalid(t, "area "+area+" under an active contract of 8.00",
			env.Do(t, w.tokA1, http.MethodPatch, "/api/v1/parcels/"+itoa(p.Id), map[string]any{"area_mu": area}), "area_mu")
	}
	fmInvalid(t, "area 7.99 with a new name",
		env.Do(t, env.Admin, http.MethodPatch, "/api/v1/parcels/"+itoa(p.Id), map[string]any{"area_mu": "7.99", "name": "新名"}), "area_mu")
	if n := fmCount(t, env, "audit_events"); n != events {
		t.Errorf("refused changes wrote %d audit events", n-events)
	}
	var read api.Parcel
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/parcels/"+itoa(p.Id), nil).JSON(t, &read)
	if read.AreaMu.String() != "10.50" || read.Name != p.Name {
		t.Errorf("refused changes left %+v", read)
	}
	if q := w.patch(t, p, map[string]any{"area_mu": "8.00"}); q.AreaMu.String() != "8.00" {
		t.Errorf("area 8.00 answered %s", q.AreaMu.String())
	}
	w.patch(t, p, map[string]any{"area_mu": "12.00"})

	// Another operation type on the parcel holds its own area; the largest decides.
	h := contract("harvesting", "9.50", -10, 30)
	env.Expect(t, http.StatusOK, w.tokA1, http.MethodPost, "/api/v1/contracts/"+itoa(h.Id)+"/activate", nil)
	fmInvalid(t, "area 9.49 under an active harvesting contract of 9.50",
		env.Do(t, w.tokA1, http.MethodPatch, "/api/v1/parcels/"+itoa(p.Id), map[string]any{"area_mu": "9.49"}), "area_mu")
	w.patch(t, p, map[string]any{"area_mu": "9.50"})

	// Once the contracts end, the area is free again.
	for _, id := range []int64{c.Id, h.Id} {
		env.Expect(t, http.StatusOK, w.tokA1, http.MethodPost, "/api/v1/contracts/"+itoa(id)+"/terminate", map[string]any{"reason": "双方协商解除"})
	}
	if q := w.patch(t, p, map[string]any{"area_mu": "1.00"}); q.AreaMu.String() != "1.00" {
		t.Errorf("area 1.00 after termination answered %s", q.AreaMu.String())
	}
}

func TestParcelsListFiltersAndSort(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	env := w.env
	farmA1b := w.create(t, env.Admin, w.household(w.collA1, fmID(t, "19700101", 4), "13900004444"))
	mk := func(f api.Farm, name, area, lt string) api.Parcel {
		return w.parcel(t, env.Admin, map[string]any{"farm_id": f.Id, "name": name, "area_mu": area, "land_type": lt})
	}
	p1 := mk(w.farmA1, "东坡地", "10.50", "dry")
	p2 := mk(w.farmA1, "西坡地", "2.00", "irrigated")
	p3 := mk(farmA1b, "河滩水田", "10.50", "paddy")
	p4 := mk(w.farmA2, "苹果园", "30.25", "orchard")
	p5 := mk(w.farmB, "东坡地", "0.75", "dry")
	p6 := mk(w.farmA2, "100%_地", "5.00", "other")
	all := []api.Parcel{p1, p2, p3, p4, p5, p6}
	cases := []struct {
		query url.Values
		want  []int64
	}{
		{url.Values{}, pcIDs(all...)},
		{url.Values{"farm_id": {itoa(w.farmA1.Id)}}, pcIDs(p1, p2)},
		{url.Values{"farm_id": {itoa(farmA1b.Id)}}, pcIDs(p3)},
		{url.Values{"collective_id": {itoa(w.collA1.Id)}}, pcIDs(p1, p2, p3)},
		{url.Values{"collective_id": {itoa(w.collA2.Id)}}, pcIDs(p4, p6)},
		{url.Values{"region_code": {fmCountyA}}, pcIDs(p1, p2, p3, p4, p6)},
		{url.Values{"region_code": {fmVillA2}}, pcIDs(p4, p6)},
		{url.Values{"region_code": {fmTownB}}, pcIDs(p5)},
		{url.Values{"land_type": {"dry"}}, pcIDs(p1, p5)},
		{url.Values{"name": {"坡地"}}, pcIDs(p1, p2, p5)},
		{url.Values{"name": {"东坡"}, "region_code": {fmCountyA}}, pcIDs(p1)},
		{url.Values{"name": {"园"}}, pcIDs(p4)},
		{url.Values{"name": {"%"}}, pcIDs(p6)},
		{url.Values{"name": {"0%_"}}, pcIDs(p6)},
		{url.Values{"name": {"_坡"}}, nil},
		{url.Values{"area_mismatch": {"false"}}, pcIDs(all...)},
		{url.Values{"area_mismatch": {"true"}}, nil},
	}
	for _, c := range cases {
		for _, limit := range []string{"500", "2", "1"} {
			q := url.Values{"limit": {limit}}
			for k, v := range c.query {
				q[k] = v
			}
			if got := pcList(t, env, env.Admin, q); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", q.Encode(), got, c.want)
			}
		}
	}
	area := func(p api.Parcel) decimal.Decimal { return p.AreaMu.Decimal() }
	less := map[string]func(a, b api.Parcel) bool{
		"id":      func(a, b api.Parcel) bool { return a.Id < b.Id },
		"-id":     func(a, b api.Parcel) bool { return a.Id > b.Id },
		"area_mu": func(a, b api.Parcel) bool { return area(a).LessThan(area(b)) || area(a).Equal(area(b)) && a.Id < b.Id },
		"-area_mu": func(a, b api.Parcel) bool {
			return area(a).GreaterThan(area(b)) || area(a).Equal(area(b)) && a.Id > b.Id
		},
	}
	for s, l := range less {
		want := slices.Clone(all)
		sort.SliceStable(want, func(i, j int) bool { return l(want[i], want[j]) })
		for _, limit := range []string{"500", "4", "1"} {
			if got := pcList(t, env, env.Admin, url.Values{"sort": {s}, "limit": {limit}}); !slices.Equal(got, pcIDs(want...)) {
				t.Errorf("sort=%s limit=%s: %v, want %v", s, limit, got, pcIDs(want...))
			}
		}
	}
	// Sorting by name pairs equal names by id.
	for _, s := range []string{"name", "-name"} {
		got := pcList(t, env, env.Admin, url.Values{"sort": {s}, "limit": {"1"}})
		i1, i5 := slices.Index(got, p1.Id), slices.Index(got, p5.Id)
		if len(got) != len(all) || i5-i1 != map[string]int{"name": 1, "-name": -1}[s] {
			t.Errorf("sort=%s: %v", s, got)
		}
		full := pcList(t, env, env.Admin, url.Values{"sort": {s}, "limit": {"500"}})
		if !slices.Equal(got, full) {
			t.Errorf("sort=%s pages %v, in one page %v", s, got, full)
		}
	}
	if res := env.Do(t, env.Admin, http.MethodGet, "/api/v1/parcels?sort=land_type", nil); res.Status != http.StatusBadRequest {
		t.Errorf("sort=land_type: status %d, want 400", res.Status)
	}
}

func TestParcelsConcurrentRegistrationsOfOneCode(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	statuses := fmRace(t, w.env, 8, func(i int) apitest.Request {
		f := []api.Farm{w.farmA1, w.farmA2}[i%2]
		return apitest.Request{Method: http.MethodPost, Path: "/api/v1/parcels", Token: w.env.Admin,
			Body: fmWith(w.pcBody(f, "1.00"), "code", "610631100201-RACE")}
	})
	fmOneWins(t, "one code registered 8 times at once in a county", statuses)
}

// A region filter takes a region code: anything else is refused or finds nothing, and is never a pattern.
func TestParcelsRegionFilterTakesRegionCodesOnly(t *testing.T) {
	t.Parallel()
	w := pcSetup(t)
	w.parcel(t, w.env.Admin, w.pcBody(w.farmA1, "1.00"))
	w.parcel(t, w.env.Admin, w.pcBody(w.farmB, "1.00"))
	for _, code := range []string{"%", "6106%", "61063_100201", "6106", "610631", "_"} {
		res := w.env.Do(t, w.env.Admin, http.MethodGet, "/api/v1/parcels?"+url.Values{"region_code": {code}}.Encode(), nil)
		if res.Status == http.StatusBadRequest {
			continue
		}
		var l api.ParcelList
		res.JSON(t, &l)
		if res.Status != http.StatusOK || len(l.Items) != 0 {
			t.Errorf("region_code=%q: status %d, %d parcels; want 400 or none", code, res.Status, len(l.Items))
		}
	}
}
