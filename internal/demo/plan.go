package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/synth"
)

// The full county: what Huanglong reports (936 family farms on 228,500 mu) and the demo's own choices.
const (
	fullVillages       = 50
	fullFamilyFarms    = 936
	fullFamilyAreaCent = 228_500_00
	fullHouseholds     = 2200
	minFarmCents       = 80_00
	maxFarmCents       = 800_00
)

// The seasons the demo covers: two with work done, and the drafts of the next.
var seasons = []int{2025, 2026, 2027}

// The fates of a logged operation: what the collective and the provider do with it after it is logged.
const (
	fateConfirm        = "confirm"         // confirmed
	fateRecord         = "record"          // left recorded: work awaiting checking
	fateDispute        = "dispute"         // disputed, not settled yet
	fateDisputeConfirm = "dispute-confirm" // disputed, then confirmed after a check
	fateDisputeVoid    = "dispute-void"    // disputed, voided by the provider, logged again correctly
	fateVoid           = "void"            // voided by the provider (logged wrongly), logged again correctly
)

// plan is the whole data set, built in memory before anything is written.
type plan struct {
	seed      uint64
	scale     decimal.Decimal
	today     time.Time
	people    *people
	towns     []*township
	villages  []*village
	providers []*prov
	figures   map[int]seasonFigures
}

type township struct{ def *townshipDef }

type village struct {
	code, name string
	town       *township
	lon, lat   float64
	collective collectivePlan
	farms      []*farmPlan
	contracts  []*contractPlan
	pool       []*prov // the providers that work in the village
	id         int64   // the collective's id, once loaded
}

type collectivePlan struct {
	name, creditCode string
	contact          person
}

type farmPlan struct {
	kind         string
	name         string
	operator     person
	registeredOn *time.Time
	creditCode   *string
	level        string
	models       []string
	areaCents    int64 // family farms: the operated area
	parcels      []*parcelPlan
	id           int64
}

type parcelPlan struct {
	name       string
	areaCents  int64
	landType   string
	code, cert *string
	boundary   json.RawMessage
	lon, lat   float64 // a point in the field, where it has a boundary
	mismatch   bool
	id         int64
}

type prov struct {
	def        *providerDef
	index      int
	creditCode *string
	contact    person
	staff      []string
	prices     map[string]float64 // 2025 base price per mu per pass
	id         int64
}

func (p *prov) offers(ops []string) bool {
	for _, op := range ops {
		if !slices.Contains(p.def.ops, op) {
			return false
		}
	}
	return true
}

type contractPlan struct {
	farm       *farmPlan
	prov       *prov
	crop       string
	season     int
	mode       string
	start, end time.Time
	parcels    []contractParcel
	lines      []line
	feeCents   int64
	yieldCents int64 // baseline yield, kg per mu, in hundredths
	priceKg    int64 // crop price, yuan per kg, in ten-thousandths
	ops        []*opPlan
	final      string
	reason     string
	id         int64
}

type contractParcel struct {
	parcel    *parcelPlan
	areaCents int64
}

type line struct {
	op                       string
	passes                   int
	price, subsidy, baseline int64 // cents per mu per pass
}

type opPlan struct {
	contract   *contractPlan
	parcel     *parcelPlan
	op         string
	pass       int
	date       time.Time
	areaCents  int64
	gainCents  int64  // harvesting: kg per mu above the baseline, before calibration, in hundredths
	yieldCents int64  // harvesting: set by calibration
	moisture   *int64 // hundredths of a percent
	machine    string
	operator   string
	inputs     []operation.Material
	note       string
	fate       string
	relog      bool // logged after an earlier entry was voided
	reason     string
	id         int64
}

func (o *opPlan) confirmed() bool { return o.fate == fateConfirm || o.fate == fateDisputeConfirm }

// scaled returns round(n × scale), at least min.
func scaled(n int, scale decimal.Decimal, min int) int {
	return max(min, int(decimal.NewFromInt(int64(n)).Mul(scale).Round(0).IntPart()))
}

// newPlan builds the data set of seed at scale, with no operation dated after today.
func newPlan(seed uint64, scale decimal.Decimal, today time.Time) *plan {
	p := &plan{seed: seed, scale: scale, today: today, people: newPeople()}
	p.pickVillages()
	p.directory()
	p.registry()
	for _, v := range p.villages {
		p.custody(v)
	}
	p.settle()
	p.calibrate()
	return p
}

// pickVillages takes the first villages of each township in turn, as many as the scale asks for.
func (p *plan) pickVillages() {
	n := min(fullVillages, scaled(fullVillages, p.scale, len(townships)))
	counts := make([]int, len(townships))
	for k, taken := 0, 0; taken < n; k++ {
		for i := range townships {
			if k < len(townships[i].villages) && taken < n {
				counts[i]++
				taken++
			}
		}
	}
	for i := range townships {
		t := &township{def: &townships[i]}
		p.towns = append(p.towns, t)
		for j := range counts[i] {
			r := stream(p.seed, fmt.Sprintf("village/%s/%d", t.def.code, j))
			v := &village{
				code: fmt.Sprintf("%s2%02d", t.def.code[:9], j+1),
				name: t.def.villages[j],
				town: t,
				lon:  t.def.lon + r.between(-0.06, 0.06),
				lat:  t.def.lat + r.between(-0.05, 0.05),
			}
			p.villages = append(p.villages, v)
		}
	}
}

// directory draws the providers' credit codes, contacts, staff and prices, and the pools of providers
// that work in each village.
func (p *plan) directory() {
	r := stream(p.seed, "providers")
	for i := range providers {
		def := &providers[i]
		pr := &prov{def: def, index: i}
		switch def.kind {
		case "cooperative":
			pr.creditCode = ptr(p.people.creditCode(r, "93", "MA"))
		case "company":
			pr.creditCode = ptr(p.people.creditCode(r, "91", "MA"))
		case "family_farm", "machinery_team":
			pr.creditCode = ptr(p.people.creditCode(r, "92", "MA"))
		}
		if def.kind == "individual" {
			pr.contact = p.people.person(r, 1968, 1992, 1)
			pr.contact.name = def.name
			pr.staff = []string{def.name}
		} else {
			pr.contact = p.people.person(r, 1962, 1990, 0.85)
			for range r.intn(2, 5) {
				pr.staff = append(pr.staff, p.people.person(r, 1965, 1998, 0.95).name)
			}
		}
		pr.prices = synth.BasePrices(r.Rand, synth.Discount(def.kind))
		p.providers = append(p.providers, pr)
	}
	for _, v := range p.villages {
		for _, pr := range p.providers {
			if pr.def.township == -1 || p.towns[pr.def.township] == v.town || pr.def.key != "" {
				v.pool = append(v.pool, pr)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

// registry draws the collectives, the family farms with their exact total area, and the households with
// their parcels.
func (p *plan) registry() {
	r := stream(p.seed, "registry")
	nFamily := scaled(fullFamilyFarms, p.scale, 1)
	familyCents := int64(scaled(fullFamilyAreaCent, p.scale, 0))
	nHouseholds := scaled(fullHouseholds, p.scale, 1)
	areas := familyFarmAreas(r, nFamily, familyCents)

	weights := make([]float64, len(p.villages))
	for i := range weights {
		weights[i] = r.between(0.6, 1.5)
	}
	families := apportion(nFamily, weights)
	households := apportion(nHouseholds, weights)

	next := 0
	for i, v := range p.villages {
		vr := stream(p.seed, "registry/"+v.code)
		suffix := "股份经济合作联合社"
		if vr.chance(0.35) {
			suffix = "股份经济合作社"
		}
		v.collective = collectivePlan{
			name:       v.name + suffix,
			creditCode: p.people.creditCode(vr, "N2", "MF"),
			contact:    p.people.person(vr, 1962, 1988, 0.85),
		}
		grid := &fieldGrid{lon: v.lon, lat: v.lat}
		for range families[i] {
			v.farms = append(v.farms, p.familyFarm(vr, v, areas[next], grid))
			next++
		}
		for range households[i] {
			v.farms = append(v.farms, p.household(vr, v, grid))
		}
	}
}

// familyFarmAreas draws n operated areas between 80 and 800 mu, in half mu, that sum to exactly total.
func familyFarmAreas(r rng, n int, total int64) []int64 {
	raw := make([]float64, n)
	for i := range raw {
		raw[i] = math.Exp(math.Log(200) + 0.6*r.NormFloat64())
	}
	target := float64(total) / 100
	for range 30 {
		var sum float64
		for _, a := range raw {
			sum += a
		}
		f := target / sum
		for i := range raw {
			raw[i] = math.Min(800, math.Max(80, raw[i]*f))
		}
	}
	out := make([]int64, n)
	var sum int64
	for i, a := range raw {
		out[i] = int64(math.Round(a*2)) * 50
		sum += out[i]
	}
	diff := total - sum
	for i := 0; diff != 0 && i < 100*n; i++ {
		k := r.IntN(n)
		step := int64(50)
		if diff < 0 {
			step = -50
		}
		if diff > -50 && diff < 50 {
			step = diff
		}
		if v := out[k] + step; v >= minFarmCents && v <= maxFarmCents {
			out[k] = v
			diff -= step
		}
	}
	if diff != 0 {
		out[0] += diff
	}
	return out
}

// apportion splits n in proportion to weights by the largest remainder, so the parts sum to n exactly.
func apportion(n int, weights []float64) []int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	parts := make([]int, len(weights))
	rest := make([]float64, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(n) * w / sum
		parts[i] = int(exact)
		rest[i] = exact - float64(parts[i])
		given += parts[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rest[a] > rest[b]:
			return -1
		case rest[a] < rest[b]:
			return 1
		}
		return 0
	})
	for k := 0; given < n; k++ {
		parts[order[k%len(order)]]++
		given++
	}
	return parts
}

// sideModels are the business models family farms take up besides their main one, and how often.
var sideModels = []struct {
	model string
	p     float64
}{{"breeding", 0.08}, {"crop_livestock", 0.18}, {"eco_cycle", 0.08}, {"machinery", 0.10}, {"agritourism", 0.04}, {"courtyard", 0.05}}

var registrationYears = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 10} // 2014 … 2026

func (p *plan) familyFarm(r rng, v *village, areaCents int64, grid *fieldGrid) *farmPlan {
	op := p.people.person(r, 1962, 1993, 0.86)
	f := &farmPlan{kind: "family_farm", operator: op, areaCents: areaCents}
	if r.chance(0.55) {
		f.name = "黄龙县" + op.name + "家庭农场"
	} else {
		town := strings.TrimRight(v.town.def.name, "镇乡")
		f.name = "黄龙县" + town + pick(r, farmBrands) + "家庭农场"
	}
	year := 2014 + r.weighted(registrationYears)
	reg := r.date(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC))
	if reg.After(p.today) {
		reg = p.today.AddDate(0, 0, -r.intn(30, 300))
	}
	f.registeredOn = &reg
	switch x := r.Float64(); {
	case x < 0.65:
		f.creditCode = ptr(p.people.creditCode(r, "92", "MA"))
	case x < 0.70:
		f.creditCode = ptr(p.people.creditCode(r, "91", "MA"))
	}
	// Older and larger farms are the ones recognised as demonstration farms.
	merit := math.Sqrt(float64(areaCents)/244_00) * math.Sqrt(float64(2027-year)/6)
	switch x := r.Float64() / merit; {
	case x < 0.006:
		f.level = "national"
	case x < 0.03:
		f.level = "province"
	case x < 0.09:
		f.level = "city"
	case x < 0.22:
		f.level = "county"
	default:
		f.level = "none"
	}
	primary := "planting"
	if r.chance(0.1) {
		primary = "breeding"
	}
	f.models = []string{primary}
	for _, m := range sideModels {
		if m.model != primary && r.chance(m.p) {
			f.models = append(f.models, m.model)
		}
	}
	slices.Sort(f.models)
	// A quarter of the family farms register the parcels they farm; those are the ones that take custody.
	if r.chance(0.25) {
		budget := areaCents * 8 / 10
		for range r.intn(2, 4) {
			a := min(budget, cents(r.between(15, 120)))
			if a < 10_00 {
				break
			}
			budget -= a
			lt := "dry"
			if r.chance(0.25) {
				lt = "irrigated"
			}
			f.parcels = append(f.parcels, p.parcel(r, v, f, a, lt, 0.6, grid, true))
		}
	}
	return f
}

func (p *plan) household(r rng, v *village, grid *fieldGrid) *farmPlan {
	op := p.people.person(r, 1952, 1990, 0.8)
	f := &farmPlan{kind: "household", name: op.name, operator: op, level: "none"}
	n := 1 + r.weighted([]float64{40, 30, 20, 10})
	for range n {
		a := cents(1 + 14*math.Pow(r.Float64(), 1.6))
		lt := []string{"dry", "irrigated", "orchard", "other"}[r.weighted([]float64{72, 15, 8, 5})]
		f.parcels = append(f.parcels, p.parcel(r, v, f, a, lt, 0.3, grid, false))
	}
	return f
}

// parcel draws a parcel's name, code, certificate and, with probability pBoundary, a surveyed boundary; a
// few boundaries are deliberately 7–15 % off the declared area, as disputes are made of.
func (p *plan) parcel(r rng, v *village, f *farmPlan, areaCents int64, landType string, pBoundary float64, grid *fieldGrid, large bool) *parcelPlan {
	name := pick(r, parcelNames)
	for _, other := range f.parcels {
		if other.name == name {
			name = name + []string{"二", "三", "四", "五"}[min(3, len(f.parcels)-1)]
			break
		}
	}
	pc := &parcelPlan{name: name, areaCents: areaCents, landType: landType}
	if r.chance(0.7) {
		grid.seq++
		contractor := fmt.Sprintf("%s%02d", v.code, 1+grid.seq%6)
		pc.code = ptr(fmt.Sprintf("%s%05d", contractor, grid.seq))
		pc.cert = ptr(fmt.Sprintf("%s%04dJ", contractor, grid.seq))
	}
	if r.chance(pBoundary) {
		measured := float64(areaCents) / 100 * (1 + r.between(-0.025, 0.025))
		if r.chance(0.06) {
			pc.mismatch = true
			off := r.between(0.07, 0.15)
			if r.chance(0.5) {
				off = -off
			}
			measured = float64(areaCents) / 100 * (1 + off)
		}
		pc.boundary, pc.lon, pc.lat = grid.field(r, measured, large)
	}
	return pc
}

// custody drafts the contracts of a village, season by season, with their operations and fates.
func (p *plan) custody(v *village) {
	r := stream(p.seed, "custody/"+v.code)
	last := map[*farmPlan]*prov{}
	inCustody := map[*farmPlan]bool{}
	for _, season := range seasons {
		for _, f := range v.farms {
			fields, orchards := splitParcels(f.parcels)
			var pIn float64
			switch {
			case season == 2027:
				pIn = 0.015
				if !inCustody[f] {
					pIn = 0
				}
			case f.kind == "family_farm":
				pIn = map[int]float64{2025: 0.6, 2026: 0.8}[season]
			case season == 2025:
				pIn = 0.28
			case inCustody[f]:
				pIn = 0.85
			default:
				pIn = 0.1
			}
			took := false
			if len(fields) > 0 && r.chance(pIn) {
				if c := p.fieldContract(r, v, f, fields, season, last[f]); c != nil {
					v.contracts = append(v.contracts, c)
					last[f], took = c.prov, true
				}
			}
			if len(orchards) > 0 && season != 2027 && r.chance(pIn*0.4) {
				if c := p.appleContract(r, v, f, orchards, season); c != nil {
					v.contracts = append(v.contracts, c)
					took = true
				}
			}
			if season != 2027 {
				inCustody[f] = took
			}
		}
	}
}

func splitParcels(ps []*parcelPlan) (fields, orchards []*parcelPlan) {
	for _, pc := range ps {
		if pc.landType == "orchard" {
			orchards = append(orchards, pc)
		} else {
			fields = append(fields, pc)
		}
	}
	return fields, orchards
}

func (p *plan) fieldContract(r rng, v *village, f *farmPlan, fields []*parcelPlan, season int, before *prov) *contractPlan {
	crop := synth.FieldCrop(r.Rand)
	mode := "full"
	var ops []string
	if r.chance(synth.PartialShare(f.kind == "family_farm")) {
		mode = "partial"
		ops = slices.Clone(synth.PartialSets[synth.Weighted(r.Rand, synth.PartialWeights)])
	} else {
		ops = slices.Clone(synth.FullCustody)
	}
	pr := p.choose(r, v, ops, before, season)
	if pr == nil {
		return nil
	}
	if mode == "full" {
		for _, extra := range synth.FullExtras {
			if pr.offers([]string{extra.Op}) && r.chance(extra.P) && (extra.Crop == "" || crop == extra.Crop) {
				ops = append(ops, extra.Op)
			}
		}
	}
	c := p.contract(r, v, f, pr, crop, season, mode)
	chosen := fields
	if len(fields) > 1 && r.chance(0.35) {
		chosen = nil
		for _, pc := range fields {
			if r.chance(0.5) {
				chosen = append(chosen, pc)
			}
		}
		if len(chosen) == 0 {
			chosen = fields[:1]
		}
	}
	for _, pc := range chosen {
		a := pc.areaCents
		if r.chance(0.1) {
			a = max(1, a*int64(r.intn(60, 95))/100)
		}
		c.parcels = append(c.parcels, contractParcel{parcel: pc, areaCents: a})
	}
	if !slices.Contains(ops, "harvesting") {
		c.end = time.Date(season, 9, 30, 0, 0, 0, 0, time.UTC) // the service is over before the harvest
	}
	for _, op := range ops {
		c.lines = append(c.lines, p.line(r, pr, op, synth.FieldPasses(r.Rand, crop, op), season))
	}
	p.operations(r, c)
	return c
}

func (p *plan) appleContract(r rng, v *village, f *farmPlan, orchards []*parcelPlan, season int) *contractPlan {
	ops := []string{"plant_protection"}
	if r.chance(synth.OrchardFertilising) {
		ops = append(ops, "fertilising")
	}
	pr := p.choose(r, v, ops, nil, season)
	if pr == nil {
		return nil
	}
	c := p.contract(r, v, f, pr, synth.Orchard, season, "partial")
	c.end = time.Date(season, 10, 31, 0, 0, 0, 0, time.UTC)
	for _, pc := range orchards {
		c.parcels = append(c.parcels, contractParcel{parcel: pc, areaCents: pc.areaCents})
	}
	for _, op := range ops {
		passes := 1
		if op == "plant_protection" {
			passes = synth.OrchardSprays
		}
		c.lines = append(c.lines, p.line(r, pr, op, passes, season))
	}
	p.operations(r, c)
	return c
}

// choose picks a provider of the village's pool that offers ops, keeping last season's when it can. The
// provider whose licence lapsed after 2025 takes no later work.
func (p *plan) choose(r rng, v *village, ops []string, before *prov, season int) *prov {
	lapsed := func(pr *prov) bool { return pr.def.name == suspendedProvider && season > 2025 }
	if before != nil && before.offers(ops) && !lapsed(before) && r.chance(0.75) {
		return before
	}
	var able []*prov
	var weights []float64
	for _, pr := range v.pool {
		if !pr.offers(ops) || lapsed(pr) {
			continue
		}
		w := pr.def.weight
		if pr.def.key != "" && (pr.def.township < 0 || p.towns[pr.def.township] != v.town) {
			w *= 0.25 // a big cooperative from the next township takes some work here too
		}
		able = append(able, pr)
		weights = append(weights, w)
	}
	if len(able) == 0 {
		return nil
	}
	return able[r.weighted(weights)]
}

// contract fills the terms of a contract that do not depend on its lines.
func (p *plan) contract(r rng, v *village, f *farmPlan, pr *prov, crop string, season int, mode string) *contractPlan {
	c := &contractPlan{farm: f, prov: pr, crop: crop, season: season, mode: mode,
		start: time.Date(season, 3, 1+r.intn(0, 12), 0, 0, 0, 0, time.UTC),
		end:   time.Date(season, 11, 30, 0, 0, 0, 0, time.UTC)}
	c.feeCents = synth.Fee(r.Rand, f.kind == "family_farm")
	irrigated := false
	for _, pc := range f.parcels {
		irrigated = irrigated || pc.landType == "irrigated"
	}
	c.yieldCents, c.priceKg = synth.DrawTerms(r.Rand, crop, irrigated, season)
	return c
}

func (p *plan) line(r rng, pr *prov, op string, passes int, season int) line {
	l := line{op: op, passes: passes, price: synth.LinePrice(r.Rand, pr.prices[op], op, season)}
	if pr.def.kind != "individual" {
		l.subsidy = synth.LineSubsidy(season, op, l.price)
	}
	l.baseline = synth.BaselineCost(r.Rand, op, l.price)
	return l
}
