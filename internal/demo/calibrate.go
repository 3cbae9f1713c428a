package demo

import (
	"slices"

	"github.com/shopspring/decimal"
)

// targets are the benefit per mu (节支增收, docs/figures.md) each season's yields are calibrated to: the county
// reports about 180 yuan per mu.
var targets = map[int]decimal.Decimal{2025: decimal.NewFromInt(172), 2026: decimal.NewFromInt(180)}

// seasonFigures are a season's county aggregate of docs/figures.md over the contracts that count (active,
// completed, terminated).
type seasonFigures struct {
	Contracts  int
	AreaMu     decimal.Decimal // Σ A
	CostSaving decimal.Decimal
	IncomeGain decimal.Decimal
	Benefit    decimal.Decimal
	// YieldFactor is how far the drawn yield gains had to be stretched to reach the target.
	YieldFactor decimal.Decimal
}

// BenefitPerMu is Σ benefit ÷ Σ A, rounded half away from zero to fen.
func (f seasonFigures) BenefitPerMu() decimal.Decimal {
	if f.AreaMu.IsZero() {
		return decimal.Zero
	}
	return f.Benefit.DivRound(f.AreaMu, 8).Round(2)
}

// settle drops the work that would lie after today and lets a contract whose harvest has not been
// confirmed yet stay active.
func (p *plan) settle() {
	for _, v := range p.villages {
		for _, c := range v.contracts {
			c.ops = slices.DeleteFunc(c.ops, func(o *opPlan) bool { return o.date.After(p.today) })
			if c.final != "completed" {
				continue
			}
			harvested := slices.ContainsFunc(c.ops, func(o *opPlan) bool { return o.op == "harvesting" && o.confirmed() })
			if !harvested && !c.end.Before(p.today) {
				c.final = "active" // completion needs a confirmed harvest or the end date passed
			}
		}
	}
}

// counts reports whether c is in the aggregates of docs/figures.md.
func (c *contractPlan) counts() bool { return c.final != "draft" }

func (c *contractPlan) area() int64 {
	var a int64
	for _, cp := range c.parcels {
		a += cp.areaCents
	}
	return a
}

// calibrate turns the harvests' yield gains into kilograms so that each season's county benefit per mu
// comes out at its target: the cost side is fixed by prices and confirmed areas, and the income side grows
// in proportion to a common factor k on the gains, worked out exactly from (target × A − cost saving) ÷ Σ
// confirmed harvest area × gain × price; each yield is then rounded to hundredths of a kg, as stored.
func (p *plan) calibrate() {
	p.figures = map[int]seasonFigures{}
	for _, season := range seasons {
		target, ok := targets[season]
		if !ok {
			continue
		}
		area, cost, coef := decimal.Zero, decimal.Zero, decimal.Zero
		for _, v := range p.villages {
			for _, c := range v.contracts {
				if c.season != season || !c.counts() {
					continue
				}
				area = area.Add(decimal.New(c.area(), -2))
				cost = cost.Add(costSaving(c))
				for _, o := range c.ops {
					if o.op == "harvesting" && o.confirmed() {
						coef = coef.Add(decimal.New(o.areaCents, -2).Mul(decimal.New(o.gainCents, -2)).Mul(decimal.New(c.priceKg, -4)))
					}
				}
			}
		}
		k := decimal.NewFromInt(1)
		if coef.IsPositive() {
			k = decimal.Max(decimal.Zero, target.Mul(area).Sub(cost).DivRound(coef, 12))
		}
		for _, v := range p.villages {
			for _, c := range v.contracts {
				if c.season != season {
					continue
				}
				for _, o := range c.ops {
					if o.op == "harvesting" {
						perMu := decimal.New(c.yieldCents, -2).Add(k.Mul(decimal.New(o.gainCents, -2)))
						o.yieldCents = perMu.Mul(decimal.NewFromInt(o.areaCents)).Round(0).IntPart()
					}
				}
			}
		}
		f := p.aggregate(season)
		f.YieldFactor = k
		p.figures[season] = f
	}
}

// aggregate computes the season's county figures exactly, as docs/figures.md defines them.
func (p *plan) aggregate(season int) seasonFigures {
	var f seasonFigures
	for _, v := range p.villages {
		for _, c := range v.contracts {
			if c.season != season || !c.counts() {
				continue
			}
			f.Contracts++
			f.AreaMu = f.AreaMu.Add(decimal.New(c.area(), -2))
			saving := costSaving(c)
			gain := incomeGain(c)
			f.CostSaving = f.CostSaving.Add(saving)
			f.IncomeGain = f.IncomeGain.Add(gain)
			f.Benefit = f.Benefit.Add(saving).Add(gain)
		}
	}
	return f
}

// costSaving is baseline_cost − farmer_cost over c's confirmed operations.
func costSaving(c *contractPlan) decimal.Decimal {
	delivered := map[string]int64{}
	for _, o := range c.ops {
		if o.confirmed() {
			delivered[o.op] += o.areaCents
		}
	}
	s := decimal.Zero
	for _, l := range c.lines {
		d := decimal.New(delivered[l.op], -2)
		s = s.Add(d.Mul(decimal.New(l.baseline-l.price+l.subsidy, -2)))
	}
	return s.Sub(decimal.New(c.area(), -2).Mul(decimal.New(c.feeCents, -2)))
}

// incomeGain is (Y − baseline yield × H) × price per kg over c's confirmed harvests.
func incomeGain(c *contractPlan) decimal.Decimal {
	var h, y int64
	for _, o := range c.ops {
		if o.op == "harvesting" && o.confirmed() {
			h += o.areaCents
			y += o.yieldCents
		}
	}
	if h == 0 {
		return decimal.Zero
	}
	base := decimal.New(c.yieldCents, -2).Mul(decimal.New(h, -2))
	return decimal.New(y, -2).Sub(base).Mul(decimal.New(c.priceKg, -4))
}
