// Package synth is the synthetic farming world the demo data set and the benchmark's generator are drawn
// from: the crops with their yields, prices and harvest figures, the operations of a season in their order
// with their stages, windows, prices, subsidies and baseline costs, the fees collectives charge and the
// service bundles contracts are made of. It holds the model and the draws made from it, not the rows: the
// demo (internal/demo) narrates one county in full, the benchmark (cmd/tuoguan-bench) streams a province of
// rows, and both take their terms from here, so a change to the model reaches both.
//
// Every draw takes the caller's *rand.Rand and consumes it in a fixed order, so a generator that seeds its
// streams the same way draws the same world.
package synth

import (
	"math"
	"math/rand/v2"
	"time"
)

// Range is a closed-open interval of a continuous quantity.
type Range struct{ Lo, Hi float64 }

// Draw returns a value in [Lo, Hi).
func (g Range) Draw(r *rand.Rand) float64 { return g.Lo + r.Float64()*(g.Hi-g.Lo) }

// Weighted returns an index into weights, drawn in proportion to them.
func Weighted(r *rand.Rand, weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := r.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// Crop is what a crop yields and fetches, and what its harvest records.
type Crop struct {
	Name string
	// Yield is the range a farmer's baseline yield is drawn from, kg per mu; IrrigatedYield replaces it on
	// a farm with irrigated land when it is set.
	Yield, IrrigatedYield Range
	// Price is the range of the crop's price per kg, yuan; from season LaterFrom on, LaterPrice when set.
	Price, LaterPrice Range
	LaterFrom         int
	// Gain is how much custody lifts the yield, as a share of the baseline yield, before the demo
	// calibrates it to the county's reported benefit.
	Gain Range
	// Moisture is the grain moisture measured at harvest, percent; zero: not measured.
	Moisture Range
	// Seed is what sowing puts in the ground and SeedPerMu how much of it, kg per mu; empty: no seed recorded.
	Seed      string
	SeedPerMu float64
}

// Orchard is the crop of custody on orchard land.
const Orchard = "apple"

// Crops are the crops of the model.
var Crops = map[string]Crop{
	"corn": {Name: "corn", Yield: Range{480, 560}, IrrigatedYield: Range{580, 660}, Price: Range{2.15, 2.28},
		LaterPrice: Range{2.18, 2.32}, LaterFrom: 2026, Gain: Range{0.09, 0.15}, Moisture: Range{24, 32},
		Seed: "玉米种子（陕单650）", SeedPerMu: 2.5},
	"soybean": {Name: "soybean", Yield: Range{125, 165}, Price: Range{4.70, 5.10}, Gain: Range{0.07, 0.12},
		Moisture: Range{12, 16}, Seed: "大豆种子（中黄301）", SeedPerMu: 5},
	"millet": {Name: "millet", Yield: Range{210, 270}, Price: Range{4.00, 4.60}, Gain: Range{0.06, 0.11},
		Moisture: Range{11, 14}, Seed: "谷子种子（晋谷21号）", SeedPerMu: 0.6},
	"potato": {Name: "potato", Yield: Range{1600, 2100}, Price: Range{1.10, 1.35}, Gain: Range{0.07, 0.12},
		Seed: "马铃薯种薯（冀张薯12号）", SeedPerMu: 150},
	"sorghum": {Name: "sorghum", Yield: Range{330, 400}, Price: Range{2.60, 3.00}, Gain: Range{0.06, 0.11},
		Moisture: Range{14, 18}, Seed: "高粱种子（晋杂22号）", SeedPerMu: 1},
	Orchard: {Name: Orchard, Yield: Range{1800, 2400}, Price: Range{3.80, 4.60}},
}

// FieldCrops are the crops of field contracts, drawn with FieldCropWeights.
var (
	FieldCrops       = []string{"corn", "soybean", "millet", "potato", "sorghum"}
	FieldCropWeights = []float64{62, 22, 8, 5, 3}
)

// FieldCrop draws the crop of a field contract.
func FieldCrop(r *rand.Rand) string { return FieldCrops[Weighted(r, FieldCropWeights)] }

// Terms are the ranges a contract on crop draws its baseline yield and price from.
func (c Crop) Terms(irrigated bool, season int) (yield, price Range) {
	yield, price = c.Yield, c.Price
	if irrigated && c.IrrigatedYield != (Range{}) {
		yield = c.IrrigatedYield
	}
	if c.LaterFrom > 0 && season >= c.LaterFrom {
		price = c.LaterPrice
	}
	return yield, price
}

// DrawTerms draws a contract's baseline yield, kg per mu in hundredths (whole kilograms), and its crop price,
// yuan per kg in ten-thousandths (whole fen).
func DrawTerms(r *rand.Rand, crop string, irrigated bool, season int) (yieldCents, priceKg int64) {
	yield, price := Crops[crop].Terms(irrigated, season)
	yieldCents = int64(math.Round(yield.Draw(r))) * 100
	priceKg = int64(math.Round(price.Draw(r)*100)) * 100
	return yieldCents, priceKg
}

// MonthDay is a day of the year.
type MonthDay struct{ Month, Day int }

// In is the day in year, at midnight UTC.
func (d MonthDay) In(year int) time.Time {
	return time.Date(year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
}

// Window is the days of the year an operation is done in, both included.
type Window struct{ From, To MonthDay }

// Draw returns a day of the window in year.
func (w Window) Draw(r *rand.Rand, year int) time.Time {
	from, to := w.From.In(year), w.To.In(year)
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, r.IntN(days+1))
}

// Operation is an operation type of the model.
type Operation struct {
	Name string
	// Stage is the stage of the season its first pass belongs to (0 tillage, 1 sowing, 2 and 3 tending,
	// 4 harvest); each further pass is a stage later, up to the harvest.
	Stage int
	// Price is the range a provider's base price per mu and pass is drawn from, yuan: within what the
	// county reports.
	Price Range
	// Reported clamps a line's price to what counties report, in cents; zero: not clamped.
	Reported [2]int64
	// Baseline is how much more the operation costs a farmer alone than the provider charges: retail
	// machinery hire, inputs bought singly, his own labour.
	Baseline Range
	// Windows are when it is done, by crop ("" for any crop) and pass; none for the operations done after
	// the harvest of the same parcel (AfterHarvest).
	Windows map[string][]Window
	// AfterHarvest is how many days after the parcel's harvest it is done, from and to.
	AfterHarvest [2]int
}

func md(m, d int) MonthDay { return MonthDay{m, d} }

// Operations are the operation types of the model in the order of a season's work.
var Operations = []Operation{
	{Name: "ploughing", Stage: 0, Price: Range{48, 72}, Reported: [2]int64{40_00, 80_00}, Baseline: Range{1.25, 1.45},
		Windows: map[string][]Window{"": {{md(3, 25), md(4, 25)}}, "potato": {{md(3, 20), md(4, 10)}}}},
	{Name: "sowing", Stage: 1, Price: Range{32, 46}, Reported: [2]int64{30_00, 50_00}, Baseline: Range{1.2, 1.4},
		Windows: map[string][]Window{
			"corn": {{md(4, 20), md(5, 10)}}, "soybean": {{md(5, 5), md(5, 25)}}, "millet": {{md(5, 10), md(5, 30)}},
			"potato": {{md(4, 10), md(4, 30)}}, "sorghum": {{md(5, 1), md(5, 20)}},
		}},
	{Name: "fertilising", Stage: 1, Price: Range{15, 25}, Baseline: Range{1.20, 1.50},
		Windows: map[string][]Window{"": {{md(6, 1), md(6, 25)}}, Orchard: {{md(3, 20), md(4, 10)}}}},
	{Name: "weeding", Stage: 2, Price: Range{10, 16}, Baseline: Range{1.30, 1.60},
		Windows: map[string][]Window{"": {{md(5, 25), md(6, 15)}}}},
	{Name: "plant_protection", Stage: 2, Price: Range{12, 20}, Reported: [2]int64{10_00, 25_00}, Baseline: Range{1.5, 1.9},
		Windows: map[string][]Window{
			"":      {{md(6, 10), md(7, 5)}, {md(7, 20), md(8, 15)}},
			Orchard: {{md(4, 10), md(4, 25)}, {md(5, 15), md(5, 30)}, {md(6, 20), md(7, 5)}, {md(7, 25), md(8, 10)}},
		}},
	{Name: "harvesting", Stage: 4, Price: Range{68, 92}, Reported: [2]int64{60_00, 100_00}, Baseline: Range{1.18, 1.36},
		Windows: map[string][]Window{
			"corn": {{md(9, 28), md(10, 28)}}, "soybean": {{md(9, 25), md(10, 15)}}, "millet": {{md(9, 20), md(10, 10)}},
			"potato": {{md(9, 5), md(9, 30)}}, "sorghum": {{md(10, 1), md(10, 20)}},
		}},
	{Name: "transport", Stage: 4, Price: Range{8, 14}, Baseline: Range{1.10, 1.40}, AfterHarvest: [2]int{0, 3}},
	{Name: "drying", Stage: 4, Price: Range{30, 45}, Baseline: Range{1.05, 1.20}, AfterHarvest: [2]int{1, 5}},
	{Name: "straw", Stage: 4, Price: Range{22, 35}, Baseline: Range{1.10, 1.30}, AfterHarvest: [2]int{2, 12}},
}

// Harvest is the operation type whose yield is recorded.
const Harvest = "harvesting"

// Op returns the operation type called name; it panics on a name the model does not have.
func Op(name string) Operation {
	for _, o := range Operations {
		if o.Name == name {
			return o
		}
	}
	panic("synth: no operation type " + name)
}

// Order is the position of operation type name in the season's work, -1 for none.
func Order(name string) int {
	for i, o := range Operations {
		if o.Name == name {
			return i
		}
	}
	return -1
}

// LateHarvest is when the work after a harvest is dated when the parcel's harvest is not known.
var LateHarvest = md(10, 10)

// WindowOf is when pass (from 1) of operation type op is done on crop: the crop's own windows, else
// those of any crop, the last one for the passes beyond; ok is false for the operations dated after the
// harvest, and for an operation the crop has no window for.
func WindowOf(crop, op string, pass int) (w Window, ok bool) {
	o := Op(op)
	ws := o.Windows[crop]
	if ws == nil {
		ws = o.Windows[""]
	}
	if len(ws) == 0 {
		return Window{}, false
	}
	return ws[min(pass, len(ws))-1], true
}

// Stages is the number of stages of a season.
const Stages = 5

// StageOf is the stage pass (from 1) of operation type op belongs to.
func StageOf(op string, pass int) int { return min(Stages-1, Op(op).Stage+pass-1) }

// stageEnds are the last day of each stage's windows.
var stageEnds = func() (ends [Stages]MonthDay) {
	for _, o := range Operations {
		for _, ws := range o.Windows {
			for k, w := range ws {
				s := min(Stages-1, o.Stage+k)
				if w.To.Month > ends[s].Month || (w.To.Month == ends[s].Month && w.To.Day > ends[s].Day) {
					ends[s] = w.To
				}
			}
		}
	}
	return ends
}()

// StageEnd is the last day of stage's work in a season.
func StageEnd(stage int) MonthDay { return stageEnds[stage] }

// Subsidies are the county's subsidy per mu and pass for custody work, in cents, by season; individuals
// get none.
var Subsidies = map[int]map[string]int64{
	2025: {"ploughing": 10_00, "sowing": 8_00, "plant_protection": 3_00, "harvesting": 15_00, "fertilising": 3_00, "straw": 6_00},
	2026: {"ploughing": 12_00, "sowing": 10_00, "plant_protection": 4_00, "harvesting": 18_00, "fertilising": 4_00, "straw": 8_00},
	2027: {"ploughing": 12_00, "sowing": 10_00, "plant_protection": 4_00, "harvesting": 18_00, "fertilising": 4_00, "straw": 8_00},
}

// firstSubsidyYear and lastSubsidyYear bound the seasons Subsidies covers: a season before or after takes the nearest one's.
const firstSubsidyYear, lastSubsidyYear = 2025, 2027

// LineSubsidy is the subsidy per mu and pass of a line of op at price (cents) in season: the county's, but
// at most 30 % of the price, in half yuan.
func LineSubsidy(season int, op string, price int64) int64 {
	season = min(lastSubsidyYear, max(firstSubsidyYear, season))
	return min(Subsidies[season][op], price*30/100/50*50)
}

// PriceYear is the season base prices are quoted for; prices rise 2 % a season from it.
const PriceYear = 2025

// BasePrices draws a provider's base price per mu and pass of every operation type, yuan, in the order of
// Operations; discount is what smaller providers take off (individuals and family farms 0.95, else 1).
func BasePrices(r *rand.Rand, discount float64) map[string]float64 {
	prices := make(map[string]float64, len(Operations))
	for _, o := range Operations {
		prices[o.Name] = o.Price.Draw(r) * discount
	}
	return prices
}

// Discount is what a provider of kind takes off its prices.
func Discount(kind string) float64 {
	if kind == "individual" || kind == "family_farm" {
		return 0.95
	}
	return 1
}

// LinePrice draws the price per mu and pass (cents, in half yuan) a provider with base price base asks for op
// in season, within what counties report.
func LinePrice(r *rand.Rand, base float64, op string, season int) int64 {
	price := base * math.Pow(1.02, float64(season-PriceYear)) * Range{0.97, 1.03}.Draw(r)
	cents := HalfYuan(price)
	if rg := Op(op).Reported; rg != [2]int64{} {
		cents = min(rg[1], max(rg[0], cents))
	}
	return cents
}

// BaselineCost draws what a pass of op over a mu costs a farmer alone, cents in whole yuan, given the
// provider's price in cents.
func BaselineCost(r *rand.Rand, op string, price int64) int64 {
	return int64(math.Round(float64(price)/100*Op(op).Baseline.Draw(r))) * 100
}

// HalfYuan rounds yuan to the half yuan, as prices are quoted, in cents.
func HalfYuan(v float64) int64 { return int64(math.Round(v*2)) * 50 }

// Fee draws the collective's fee per mu, cents: family farms pay less than households.
func Fee(r *rand.Rand, familyFarm bool) int64 {
	if familyFarm {
		return []int64{0, 2_00, 3_00}[Weighted(r, []float64{50, 30, 20})]
	}
	return []int64{5_00, 3_00, 8_00, 0}[Weighted(r, []float64{60, 20, 10, 10})]
}

// The service bundles of contracts.
var (
	// FullCustody are the operation types full custody always includes.
	FullCustody = []string{"ploughing", "sowing", "plant_protection", "harvesting"}
	// FullExtras are what full custody adds when the provider offers it, how often, and on which crop only
	// ("" for any).
	FullExtras = []Extra{{"fertilising", 0.25, ""}, {"straw", 0.2, ""}, {"transport", 0.08, ""}, {"drying", 0.05, "corn"}}
	// PartialSets are the bundles of partial custody, drawn with PartialWeights.
	PartialSets = [][]string{
		{"ploughing", "sowing"}, {"harvesting"}, {"plant_protection"}, {"plant_protection", "harvesting"},
		{"ploughing", "sowing", "harvesting"},
	}
	PartialWeights = []float64{25, 20, 20, 15, 20}
	// SecondSpray is how often a field crop's plant protection takes a second pass; many settle for one
	// pass of the county's "one spray, many gains".
	SecondSpray = map[string]float64{"corn": 0.5, "soybean": 0.3, "potato": 0.5}
)

// Extra is an operation type full custody adds with probability P, on Crop only when it is set.
type Extra struct {
	Op   string
	P    float64
	Crop string
}

// PartialShare is how often a field contract is partial custody: family farms keep more of the work.
func PartialShare(familyFarm bool) float64 {
	if familyFarm {
		return 0.55
	}
	return 0.4
}

// The orchard bundle: plant protection, four sprayings a season, and fertilising on some contracts.
const (
	OrchardSprays      = 4
	OrchardFertilising = 0.4
)

// FieldPasses draws how many passes a field contract on crop buys of op.
func FieldPasses(r *rand.Rand, crop, op string) int {
	if op == "plant_protection" && r.Float64() < SecondSpray[crop] {
		return 2
	}
	return 1
}
