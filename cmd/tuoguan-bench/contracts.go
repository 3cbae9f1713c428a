package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/synth"
)

// Custody contracts are spread over three seasons: two fifths in the season before Today's (completed or
// terminated), half in Today's season (mostly active) and a tenth of drafts for the next season. Within a
// season every contract is on a farm of its own, so no parcel is sold twice for one operation type.
//
// Every contract, with its parcels, lines, caps and operations, is a pure function of the seed and its
// index, like farms and parcels: the loader regenerates a contract for each table it writes, and never holds
// more than one contract's operations.

// layOutContracts sets the date the data set is as of, divides the contracts over the seasons and picks the
// stride of the walk over the farms.
func (w *World) layOutContracts() {
	today := w.Sizes.Today
	if today.IsZero() {
		today = calendar.Today(time.Now())
	}
	w.Today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	y := w.Today.Year()
	w.Seasons = [3]int{y - 1, y, y + 1}
	n := w.Sizes.Contracts
	w.seasonStart = [4]int{0, n * 4 / 10, n*4/10 + n/2, n}
	f := w.Sizes.Farms
	w.farmStride = 1
	if f > 2 {
		w.farmStride = f * 618 / 1000
		for gcd(w.farmStride, f) != 1 {
			w.farmStride++
		}
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// MaxSeasonContracts is the most contracts one season holds: its share of Sizes.Contracts.
func (w *World) MaxSeasonContracts() int {
	return max(w.seasonStart[1]-w.seasonStart[0], w.seasonStart[2]-w.seasonStart[1], w.seasonStart[3]-w.seasonStart[2])
}

// parcelRange is the parcel indexes [lo, hi) of farm index k: those FarmOfParcel maps to it.
func (w *World) parcelRange(k int) (lo, hi int) {
	p, f := int64(w.Sizes.Parcels), int64(w.Sizes.Farms)
	ceil := func(a int64) int { return int((a + f - 1) / f) }
	return ceil(int64(k) * p), ceil(int64(k+1) * p)
}

// ContractSpec is a generated contract with its parcels, service lines, delivery caps, operations and the
// running totals the operations make.
type ContractSpec struct {
	Index, Season      int // Season: index in World.Seasons
	ID                 int64
	Collective         *Collective
	FarmID             int64
	Provider           *ProviderSpec
	Crop, Mode, Status string
	TerminationReason  string
	Start, End         time.Time
	FeeCents           int64 // collective fee per mu
	BaselineYieldCents int64 // kg per mu, in hundredths
	PricePerKg         decimal.Decimal
	Parcels            []ContractParcel
	Lines              []LineSpec
	Caps               []CapSpec // none for drafts
	Ops                []OpSpec
	ContractedArea     decimal.Decimal
	CreatedAt          time.Time
	ActivatedAt        *time.Time
	ClosedAt           *time.Time
}

// ContractParcel is a parcel on a contract and the area of it the contract covers.
type ContractParcel struct {
	ID        int64
	AreaCents int64
}

// LineSpec is a service line with its running totals: the area not voided, confirmed and voided, and the
// confirmed yield (harvesting only).
type LineSpec struct {
	OpType                              string
	Passes                              int
	PriceCents, SubsidyCents, BaseCents int64
	ActiveArea, ConfirmedArea, VoidArea decimal.Decimal
	ConfirmedYield                      decimal.Decimal
}

// CapSpec is a delivery cap: a parcel's contracted area times a line's passes, and the area not voided.
type CapSpec struct {
	ParcelID int64
	OpType   string
	Cap      decimal.Decimal
	Active   decimal.Decimal
}

// OpSpec is a logged operation, before the details the operations table alone needs.
type OpSpec struct {
	ParcelID      int64
	OpType        string
	Date          time.Time
	AreaCents     int64
	Yield         *decimal.Decimal // harvesting only
	MoistureCents int64            // 0: not measured
	Status        string
	Disputed      bool // it was disputed once: it carries a reason
}

// Contract statuses and operation statuses as the schema names them.
const (
	stDraft, stActive, stCompleted, stTerminated  = "draft", "active", "completed", "terminated"
	opRecorded, opConfirmed, opDisputed, opVoided = "recorded", "confirmed", "disputed", "voided"
)

var terminationReasons = []string{"农户土地流转给他人经营", "服务方农机故障无法继续作业", "遭受冰雹灾害，双方协商解除", "农户外出务工，收回自种"}

// crop draws the crop of a contract whose first parcel is of land type land: apples on orchards, a field
// crop elsewhere.
func crop(r *rand.Rand, land string) string {
	if land == "orchard" {
		return synth.Orchard
	}
	return synth.FieldCrop(r)
}

// between is a random value from lo to hi inclusive.
func between(r *rand.Rand, lo, hi int64) int64 { return lo + r.Int64N(hi-lo+1) }

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func dec(cents int64) decimal.Decimal { return decimal.New(cents, -2) }

// seasonOf is the season index of contract i and its position in the season.
func (w *World) seasonOf(i int) (season, q int) {
	for s := 2; s >= 0; s-- {
		if i >= w.seasonStart[s] {
			return s, i - w.seasonStart[s]
		}
	}
	return 0, i
}

// Contract returns contract index i (id i+1); its delivery caps, operations and running totals only when
// work is set. Its parts are drawn in order from one stream of its own, so the same world always has the
// same contract i.
func (w *World) Contract(i int, work bool) ContractSpec {
	r := rowRand(w.Seed, saltContract, i)
	season, q := w.seasonOf(i)
	f := w.Sizes.Farms
	k := int((mix(w.Seed, saltSeason, season)%uint64(f) + uint64(q)*uint64(w.farmStride)) % uint64(f))
	col := &w.Collectives[w.farmCollective[k]]
	c := ContractSpec{Index: i, Season: season, ID: int64(i + 1), Collective: col, FarmID: int64(k + 1)}
	year := w.Seasons[season]
	land := w.contractParcels(r, &c, k)
	family := w.familyFarm(k)
	c.Crop = crop(r, land)
	yield, price := synth.DrawTerms(r, c.Crop, land == "irrigated", year)
	c.BaselineYieldCents, c.PricePerKg = yield, decimal.New(price, -4)
	c.FeeCents = synth.Fee(r, family)
	w.contractLines(r, &c, col.CountyIndex, family, year)
	activated, asOf := w.contractDates(r, &c, season, year)
	if c.Status == stDraft {
		return c
	}
	progress, limit := w.contractClosing(r, &c, i, year, activated, asOf)
	if work {
		w.contractWork(r, &c, season, year, progress, limit)
	}
	return c
}

// contractParcels puts one to three of farm k's parcels on c, most of them whole, and returns the land type
// of the first.
func (w *World) contractParcels(r *rand.Rand, c *ContractSpec, k int) (land string) {
	lo, hi := w.parcelRange(k)
	n := min(hi-lo, 1+r.IntN(3))
	first := lo + r.IntN(hi-lo-n+1)
	for j := first; j < first+n; j++ {
		area, lt := w.parcelLand(j)
		if j == first {
			land = lt
		}
		if r.IntN(4) == 0 {
			area = max(1, area*between(r, 60, 99)/100)
		}
		c.Parcels = append(c.Parcels, ContractParcel{ID: int64(j + 1), AreaCents: area})
		c.ContractedArea = c.ContractedArea.Add(dec(area))
	}
	return land
}

// contractLines draws c's mode, its provider among those of county and its service lines, priced for year:
// an orchard takes the orchard bundle, a field full custody or one of the partial bundles, as the model
// draws them for a family farm or a household.
func (w *World) contractLines(r *rand.Rand, c *ContractSpec, county int, family bool, year int) {
	var ops []string
	full := w.fullProviders[county]
	switch {
	case c.Crop == synth.Orchard:
		c.Mode = contract.ModePartial
		ops = []string{"plant_protection"}
		if r.Float64() < synth.OrchardFertilising {
			ops = append(ops, "fertilising")
		}
		ops = w.contractProvider(r, c, county, ops)
	case len(full) > 0 && r.Float64() >= synth.PartialShare(family):
		c.Mode = contract.ModeFull
		c.Provider = &w.providers[full[r.IntN(len(full))]]
		ops = slices.Clone(synth.FullCustody)
		for _, extra := range synth.FullExtras {
			if slices.Contains(c.Provider.Offers, extra.Op) && r.Float64() < extra.P && (extra.Crop == "" || extra.Crop == c.Crop) {
				ops = append(ops, extra.Op)
			}
		}
	default:
		c.Mode = contract.ModePartial
		ops = w.contractProvider(r, c, county, slices.Clone(synth.PartialSets[synth.Weighted(r, synth.PartialWeights)]))
	}
	for _, o := range synth.Operations {
		if !slices.Contains(ops, o.Name) {
			continue
		}
		passes := synth.FieldPasses(r, c.Crop, o.Name)
		if c.Crop == synth.Orchard && o.Name == "plant_protection" {
			passes = synth.OrchardSprays
		}
		base := o.Price.Draw(r) * synth.Discount(c.Provider.Kind)
		l := LineSpec{OpType: o.Name, Passes: passes, PriceCents: synth.LinePrice(r, base, o.Name, year)}
		if c.Provider.Kind != "individual" {
			l.SubsidyCents = synth.LineSubsidy(year, o.Name, l.PriceCents)
		}
		l.BaseCents = synth.BaselineCost(r, o.Name, l.PriceCents)
		c.Lines = append(c.Lines, l)
	}
}

// contractProvider picks c's provider among the county's that offer every operation type of ops and
// returns ops; when none does, a provider of the county and what it offers of ops (its first operation
// type when nothing).
func (w *World) contractProvider(r *rand.Rand, c *ContractSpec, county int, ops []string) []string {
	all := w.countyProviders[county]
	var able []int
	for _, i := range all {
		if w.providers[i].offersAll(ops) {
			able = append(able, i)
		}
	}
	if len(able) > 0 {
		c.Provider = &w.providers[able[r.IntN(len(able))]]
		return ops
	}
	c.Provider = &w.providers[all[r.IntN(len(all))]]
	ops = slices.DeleteFunc(ops, func(op string) bool { return !slices.Contains(c.Provider.Offers, op) })
	if len(ops) == 0 {
		ops = c.Provider.Offers[:1]
	}
	return ops
}

// contractDates draws c's status and dates: when it was created and, unless it is a draft, activated; asOf
// is the end of the world's yesterday in China.
func (w *World) contractDates(r *rand.Rand, c *ContractSpec, season, year int) (activated, asOf time.Time) {
	harvests := slices.ContainsFunc(c.Lines, func(l LineSpec) bool { return l.OpType == "harvesting" })

	switch x := r.IntN(100); season {
	case 0:
		c.Status = stCompleted
		if x < 10 {
			c.Status = stTerminated
		}
	case 1:
		switch {
		case x < 85:
			c.Status = stActive
		case x < 89 && harvests:
			c.Status = stCompleted
		case x < 89:
			c.Status = stActive
		case x < 93:
			c.Status = stTerminated
		default:
			c.Status = stDraft
		}
	default:
		c.Status = stDraft
	}
	c.Start = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(60))
	c.End = time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -r.IntN(20))
	if season == 1 && c.Start.After(w.Today) {
		c.Start = w.Today
	}
	asOf = w.Today.Add(-16 * time.Hour) // midnight in China, as UTC
	created := c.Start.Add(time.Duration(-5-r.IntN(30))*24*time.Hour + time.Duration(r.IntN(600))*time.Minute)
	if created.After(asOf) {
		created = asOf.Add(-time.Duration(1+r.IntN(20*24*60)) * time.Minute)
	}
	c.CreatedAt = created
	if c.Status == stTerminated {
		c.TerminationReason = terminationReasons[r.IntN(len(terminationReasons))]
	}
	if c.Status == stDraft {
		return time.Time{}, asOf
	}
	activated = earliest(created.Add(time.Duration(1+r.IntN(5*24*60))*time.Minute), asOf)
	c.ActivatedAt = &activated
	return activated, asOf
}

// contractClosing draws how far c's season went, in hundredths of stages, and closes a completed or terminated
// contract after the last stage worked on; limit is the last day work may be dated.
func (w *World) contractClosing(r *rand.Rand, c *ContractSpec, i, year int, activated, asOf time.Time) (progress int, limit time.Time) {
	progress = 500
	switch c.Status {
	case stTerminated:
		progress = r.IntN(400)
	case stActive:
		progress = 100 + r.IntN(400)
	}
	limit = earliest(c.End, w.Today.AddDate(0, 0, -1))
	if c.Status == stCompleted || c.Status == stTerminated {
		// Closed after the last stage worked on, drawn from a stream of its own so that it needs no operations.
		rc := rowRand(w.Seed, saltClose, i)
		last := activated.Truncate(24 * time.Hour)
		if progress > 0 {
			end := synth.StageEnd(min(synth.Stages-1, (progress-1)/100)).In(year)
			last = latest(last, earliest(end, limit))
		}
		closed := earliest(last.AddDate(0, 0, 1+rc.IntN(20)).Add(time.Duration(rc.IntN(600))*time.Minute), asOf)
		c.ClosedAt = &closed
	}
	return progress, limit
}

// contractWork draws c's delivery caps and the operations logged on them, with their running totals.
func (w *World) contractWork(r *rand.Rand, c *ContractSpec, season, year, progress int, limit time.Time) {
	closedSeason := season == 0 || c.Status == stCompleted
	c.Caps = make([]CapSpec, 0, len(c.Parcels)*len(c.Lines))
	for _, pc := range c.Parcels {
		for li := range c.Lines {
			l := &c.Lines[li]
			cp := CapSpec{ParcelID: pc.ID, OpType: l.OpType, Cap: dec(pc.AreaCents * int64(l.Passes))}
			for pass := range l.Passes {
				stage := synth.StageOf(l.OpType, pass+1)
				area := pc.AreaCents
				switch {
				case progress >= (stage+1)*100:
				case progress > stage*100:
					area = area * int64(progress-stage*100) / 100
				default:
					area = 0
				}
				if area == 0 {
					continue
				}
				from, to := passDays(c.Crop, l.OpType, pass+1, year)
				if from.After(limit) {
					continue
				}
				date := from.AddDate(0, 0, r.IntN(int(to.Sub(from).Hours()/24)+1))
				date = earliest(latest(date, c.Start), limit)
				for _, a := range w.passParts(r, area) {
					op := OpSpec{ParcelID: pc.ID, OpType: l.OpType, Date: date, AreaCents: a}
					if l.OpType == synth.Harvest {
						crop := synth.Crops[c.Crop]
						perMu := int64(math.Round(float64(c.BaselineYieldCents) * (1 + crop.Gain.Draw(r))))
						y := dec(a).Mul(dec(perMu)).Round(2)
						op.Yield = &y
						if m := crop.Moisture; m != (synth.Range{}) {
							op.MoistureCents = int64(math.Round(m.Draw(r) * 100))
						}
					}
					if r.IntN(100) < 3 {
						twin := op
						twin.Status, twin.Disputed = opVoided, r.IntN(2) == 0
						c.add(&cp, l, twin)
					}
					x := r.IntN(100)
					switch {
					case closedSeason && x < 96, !closedSeason && x < 55:
						op.Status = opConfirmed
						op.Disputed = x < 2
					case closedSeason && x < 98, !closedSeason && x < 93:
						op.Status = opRecorded
					default:
						op.Status, op.Disputed = opDisputed, true
					}
					if c.Status == stCompleted && l.OpType == "harvesting" {
						op.Status = opConfirmed
					}
					c.add(&cp, l, op)
				}
			}
			c.Caps = append(c.Caps, cp)
		}
	}
}

// passDays are the first and last day pass (from 1) of operation type op is done on crop in year: its
// window, or for the work after the harvest the harvest's window moved by the days it follows it.
func passDays(crop, op string, pass, year int) (from, to time.Time) {
	if w, ok := synth.WindowOf(crop, op, pass); ok {
		return w.From.In(year), w.To.In(year)
	}
	from, to = synth.LateHarvest.In(year), synth.LateHarvest.In(year)
	if w, ok := synth.WindowOf(crop, synth.Harvest, 1); ok {
		from, to = w.From.In(year), w.To.In(year)
	}
	after := synth.Op(op).AfterHarvest
	return from.AddDate(0, 0, after[0]), to.AddDate(0, 0, after[1])
}

// passParts divides a pass over area hundredths of a mu into the operations it is logged in: with Sizes.Parts
// above 1, into 1 to Parts operations of (nearly) equal area; otherwise a fifth of the passes of 0.02 mu or
// more into two.
func (w *World) passParts(r *rand.Rand, area int64) []int64 {
	if w.Sizes.Parts <= 1 {
		if area >= 2 && r.IntN(5) == 0 {
			a := max(1, min(area-1, area*between(r, 30, 70)/100))
			return []int64{a, area - a}
		}
		return []int64{area}
	}
	n := 1 + r.Int64N(min(int64(w.Sizes.Parts), area))
	parts := make([]int64, n)
	for k := range parts {
		parts[k] = area / n
	}
	parts[0] += area % n
	return parts
}

// add appends op to the contract's operations and moves the running totals it counts in.
func (c *ContractSpec) add(cp *CapSpec, l *LineSpec, op OpSpec) {
	c.Ops = append(c.Ops, op)
	a := dec(op.AreaCents)
	switch op.Status {
	case opVoided:
		l.VoidArea = l.VoidArea.Add(a)
		return
	case opConfirmed:
		l.ConfirmedArea = l.ConfirmedArea.Add(a)
		if op.Yield != nil {
			l.ConfirmedYield = l.ConfirmedYield.Add(*op.Yield)
		}
	}
	l.ActiveArea = l.ActiveArea.Add(a)
	cp.Active = cp.Active.Add(a)
}

// Number is the contract's number: <village>-<year>-<sequence>, the sequence counted per village and season.
func (c ContractSpec) Number(w *World, seq int) string {
	return fmt.Sprintf("%s-%d-%04d", c.Collective.Village.Code, w.Seasons[c.Season], seq)
}

// UpdatedAt is when the contract last changed.
func (c ContractSpec) UpdatedAt() time.Time {
	switch {
	case c.ClosedAt != nil:
		return *c.ClosedAt
	case c.ActivatedAt != nil:
		return *c.ActivatedAt
	}
	return c.CreatedAt
}
