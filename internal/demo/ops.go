package demo

import (
	"math"
	"slices"
	"time"

	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/synth"
)

// drawWindow draws a day of w in year.
func drawWindow(r rng, w synth.Window, year int) time.Time { return w.Draw(r.Rand, year) }

// Machines by operation type, and for sowing and harvesting by crop.
var (
	opMachines = map[string][]string{
		"ploughing":        {"东方红LX1004拖拉机+翻转犁", "雷沃M1104拖拉机+深松整地机", "约翰迪尔5E-954拖拉机+旋耕机"},
		"plant_protection": {"大疆T40植保无人机", "极飞P100植保无人机", "3WP-700自走式喷杆喷雾机"},
		"fertilising":      {"3ZF-4中耕追肥机"},
		"weeding":          {"大疆T40植保无人机"},
		"straw":            {"4Q-2000秸秆粉碎还田机"},
		"transport":        {"7C-5农用运输车"},
		"drying":           {"5H-30谷物烘干机"},
	}
	cropMachines = map[string]map[string]string{
		"sowing": {"corn": "2BYF-4玉米免耕施肥播种机", "soybean": "2BMZF-4大豆精量播种机", "millet": "2BFG-6谷子精量播种机",
			"potato": "2CM-2马铃薯播种机", "sorghum": "2BFG-4高粱播种机"},
		"harvesting": {"corn": "4YZ-4玉米收获机", "soybean": "4LZ-6谷物联合收割机", "millet": "4LZ-6谷物联合收割机",
			"potato": "4U-1.6马铃薯收获机", "sorghum": "4LZ-6谷物联合收割机"},
	}
)

// material is qty per mu of name on areaCents, at least 0.01.
func material(name string, perMu float64, areaCents int64, unit string) operation.Material {
	q := max(1, int64(math.Round(perMu*float64(areaCents))))
	return operation.Material{Material: name, Quantity: dec2(q), Unit: unit}
}

// operations plans the work of contract c, parcel by parcel and pass by pass, how it ends (completed,
// terminated or still active) and what happens to each logged operation.
func (p *plan) operations(r rng, c *contractPlan) {
	if c.season == 2027 {
		c.final = "draft"
		return
	}
	c.final = "completed"
	var cut time.Time
	switch x := r.Float64(); {
	case x < 0.03:
		c.final = "terminated"
		c.reason = pick(r, terminationReasons)
		cut = r.date(time.Date(c.season, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(c.season, 7, 20, 0, 0, 0, 0, time.UTC))
	case c.season == 2026 && x < 0.25:
		c.final = "active"
	}
	lines := slices.Clone(c.lines)
	slices.SortFunc(lines, func(a, b line) int { return synth.Order(a.op) - synth.Order(b.op) })
	harvested := map[*parcelPlan]time.Time{}
	for _, l := range lines {
		for pass := 1; pass <= l.passes; pass++ {
			var base time.Time
			if w, ok := synth.WindowOf(c.crop, l.op, pass); ok {
				base = drawWindow(r, w, c.season)
			}
			machine := cropMachines[l.op][c.crop]
			if ms := opMachines[l.op]; machine == "" && len(ms) > 0 {
				machine = pick(r, ms)
			}
			operator := pick(r, c.prov.staff)
			for _, cp := range c.parcels {
				d := base.AddDate(0, 0, r.intn(0, 2))
				if rel := synth.Op(l.op).AfterHarvest; rel != [2]int{} {
					h, done := harvested[cp.parcel]
					if !done {
						h = synth.LateHarvest.In(c.season)
					}
					d = h.AddDate(0, 0, r.intn(rel[0], rel[1]))
				}
				if d.After(c.end) {
					d = c.end
				}
				if l.op == "harvesting" {
					harvested[cp.parcel] = d
				}
				o := &opPlan{contract: c, parcel: cp.parcel, op: l.op, pass: pass, date: d, areaCents: cp.areaCents,
					machine: machine, operator: operator}
				p.details(r, o)
				c.ops = append(c.ops, o)
			}
		}
	}
	if !cut.IsZero() {
		c.ops = slices.DeleteFunc(c.ops, func(o *opPlan) bool { return !o.date.Before(cut) })
	}
	var relogs []*opPlan
	for _, o := range c.ops {
		late := o.op == synth.Harvest || synth.Op(o.op).AfterHarvest != [2]int{}
		switch x := r.Float64(); {
		case c.final == "active" && late && x < 0.70:
			o.fate = fateRecord
		case c.final == "active" && late && x < 0.78:
			o.fate, o.reason = fateDispute, pick(r, disputeReasons)
		case c.final == "active" && !late && x < 0.03:
			o.fate = fateRecord
		case x > 0.99:
			// Logged with a wrong area, withdrawn by the provider and logged again.
			o.fate = fateVoid
			again := *o
			again.fate, again.relog, again.date = fateConfirm, true, o.date.AddDate(0, 0, r.intn(1, 4))
			o.areaCents = max(1, o.areaCents*int64(r.intn(50, 80))/100)
			relogs = append(relogs, &again)
		case x > 0.975:
			// Disputed: the provider withdraws it and logs the area actually done.
			o.fate, o.reason = fateDisputeVoid, pick(r, disputeReasons)
			again := *o
			again.fate, again.relog, again.reason = fateConfirm, true, ""
			again.date = o.date.AddDate(0, 0, r.intn(2, 7))
			again.areaCents = max(1, o.areaCents*int64(r.intn(85, 97))/100)
			relogs = append(relogs, &again)
		case x > 0.955:
			o.fate, o.reason = fateDisputeConfirm, pick(r, disputeReasons)
		default:
			o.fate = fateConfirm
		}
	}
	for _, o := range relogs {
		if o.date.After(c.end) {
			o.date = c.end
		}
		if cut.IsZero() || o.date.Before(cut) {
			c.ops = append(c.ops, o)
		}
	}
}

// details draws what a provider writes down besides the area: inputs, moisture, location, a note; and for
// harvesting, the yield gain calibration later turns into kilograms.
func (p *plan) details(r rng, o *opPlan) {
	c := o.contract
	switch o.op {
	case "sowing":
		if s := synth.Crops[c.crop]; s.Seed != "" {
			o.inputs = append(o.inputs, material(s.Seed, s.SeedPerMu*r.between(0.95, 1.05), o.areaCents, "kg"))
		}
		if r.chance(0.5) {
			o.inputs = append(o.inputs, material("复合肥（15-15-15）", 40, o.areaCents, "kg"))
		}
	case "fertilising":
		o.inputs = append(o.inputs, material("尿素", 15, o.areaCents, "kg"))
	case "plant_protection":
		if c.crop == "apple" {
			o.inputs = append(o.inputs, material("甲基硫菌灵可湿性粉剂", 0.1, o.areaCents, "kg"))
		} else if o.pass == 1 {
			o.inputs = append(o.inputs, material("氯虫苯甲酰胺悬浮剂", 0.01, o.areaCents, "L"))
		} else {
			o.inputs = append(o.inputs, material("吡唑醚菌酯悬浮剂", 0.03, o.areaCents, "L"))
		}
	case "harvesting":
		crop := synth.Crops[c.crop]
		o.gainCents = cents(float64(c.yieldCents) / 100 * crop.Gain.Draw(r.Rand))
		if m := crop.Moisture; m != (synth.Range{}) {
			o.moisture = ptr(cents(m.Draw(r.Rand)))
		}
	}
	if r.chance(0.08) {
		o.note = pick(r, opNotes)
	}
}

func dec2(c int64) num.Dec2 { return num.MustDec2(centsText(c)) }

// centsText writes hundredths as a decimal with two places.
func centsText(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return sign + itoa(c/100) + "." + string([]byte{byte('0' + c%100/10), byte('0' + c%10)})
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
