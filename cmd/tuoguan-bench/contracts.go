package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/contract"
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

// cropTerms are the baseline yield (kg per mu) and price (yuan per kg, in cents) ranges of each crop.
var cropTerms = map[string]struct{ yieldLo, yieldHi, priceLo, priceHi int64 }{
	"corn": {450, 600, 230, 270}, "wheat": {280, 380, 240, 280}, "soybean": {120, 180, 450, 550},
	"potato": {1500, 2500, 90, 140}, "millet": {200, 300, 400, 600}, "sorghum": {300, 450, 220, 300},
	"rice": {450, 550, 260, 320}, "rapeseed": {120, 180, 500, 600}, "apple": {1500, 3000, 300, 600},
	"other": {200, 400, 200, 400},
}

// lineTerms are each operation type's price range per mu per pass (yuan), its passes and its stage: the
// order of the season's work, which decides what an unfinished contract has done.
var lineTerms = map[string]struct {
	lo, hi int64
	passes int
	stage  int
}{
	"ploughing": {40, 80, 1, 0}, "sowing": {30, 50, 1, 1}, "fertilising": {15, 30, 1, 1},
	"plant_protection": {10, 25, 2, 2}, "irrigation": {20, 40, 1, 2}, "weeding": {10, 20, 1, 2},
	"harvesting": {60, 100, 1, 4}, "drying": {20, 40, 1, 4}, "straw": {15, 30, 1, 4}, "transport": {10, 20, 1, 4},
}

// stageWindows are the months and days each stage's work is done in.
var stageWindows = [5][2][2]int{{{3, 10}, {4, 30}}, {{4, 15}, {5, 31}}, {{6, 1}, {7, 15}}, {{7, 16}, {8, 31}}, {{9, 10}, {10, 31}}}

var terminationReasons = []string{"农户土地流转给他人经营", "服务方农机故障无法继续作业", "遭受冰雹灾害，双方协商解除", "农户外出务工，收回自种"}

func crop(r *rand.Rand, land string) string {
	x := r.IntN(100)
	switch land {
	case "dry":
		switch {
		case x < 45:
			return "corn"
		case x < 60:
			return "millet"
		case x < 75:
			return "potato"
		case x < 85:
			return "soybean"
		}
		return "wheat"
	case "irrigated":
		if x < 60 {
			return "corn"
		}
		return "wheat"
	case "paddy":
		return "rice"
	case "orchard":
		return "apple"
	}
	if x < 50 {
		return "sorghum"
	}
	return "rapeseed"
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
	c.Crop = crop(r, land)
	terms := cropTerms[c.Crop]
	c.BaselineYieldCents = between(r, terms.yieldLo, terms.yieldHi) * 100
	c.PricePerKg = decimal.New(between(r, terms.priceLo, terms.priceHi), -2)
	if r.IntN(3) > 0 {
		c.FeeCents = between(r, 10, 30) * 100
	}
	w.contractLines(r, &c, col.CountyIndex)
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

// contractLines draws c's mode, its provider among those of county and its service lines.
func (w *World) contractLines(r *rand.Rand, c *ContractSpec, county int) {
	var ops []string
	full := w.fullProviders[county]
	if c.Crop != "apple" && len(full) > 0 && r.IntN(10) < 6 {
		c.Mode = contract.ModeFull
		c.Provider = &w.providers[full[r.IntN(len(full))]]
		ops = append(ops, fullCustody...)
		for _, extra := range []string{"fertilising", "straw"} {
			if slices.Contains(c.Provider.Offers, extra) && r.IntN(10) < 3 {
				ops = append(ops, extra)
			}
		}
	} else {
		c.Mode = contract.ModePartial
		all := w.countyProviders[county]
		c.Provider = &w.providers[all[r.IntN(len(all))]]
		offers := c.Provider.Offers
		want := min(len(offers), 1+r.IntN(3))
		if c.Crop == "apple" && slices.Contains(offers, "plant_protection") {
			ops = append(ops, "plant_protection")
		}
		for _, x := range r.Perm(len(offers)) {
			if len(ops) >= want {
				break
			}
			if !slices.Contains(ops, offers[x]) {
				ops = append(ops, offers[x])
			}
		}
	}
	for _, op := range operationTypes {
		if !slices.Contains(ops, op) {
			continue
		}
		t := lineTerms[op]
		price := between(r, t.lo, t.hi) * 100
		if r.IntN(5) == 0 {
			price += 50
		}
		l := LineSpec{OpType: op, Passes: t.passes, PriceCents: price, BaseCents: price * between(r, 110, 135) / 100}
		if r.IntN(10) >= 4 {
			l.SubsidyCents = price * between(r, 10, 30) / 100
		}
		c.Lines = append(c.Lines, l)
	}
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
			win := stageWindows[min(4, (progress-1)/100)]
			last = latest(last, earliest(time.Date(year, time.Month(win[1][0]), win[1][1], 0, 0, 0, 0, time.UTC), limit))
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
				stage := lineTerms[l.OpType].stage + pass
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
				win := stageWindows[stage]
				from := time.Date(year, time.Month(win[0][0]), win[0][1], 0, 0, 0, 0, time.UTC)
				to := time.Date(year, time.Month(win[1][0]), win[1][1], 0, 0, 0, 0, time.UTC)
				if from.After(limit) {
					continue
				}
				date := from.AddDate(0, 0, r.IntN(int(to.Sub(from).Hours()/24)+1))
				date = earliest(latest(date, c.Start), limit)
				for _, a := range w.passParts(r, area) {
					op := OpSpec{ParcelID: pc.ID, OpType: l.OpType, Date: date, AreaCents: a}
					if l.OpType == "harvesting" {
						y := dec(a).Mul(dec(c.BaselineYieldCents)).Mul(decimal.New(between(r, 95, 130), -2)).Round(2)
						op.Yield = &y
						if c.Crop == "corn" || c.Crop == "rice" || c.Crop == "wheat" {
							op.MoistureCents = between(r, 1400, 2800)
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
