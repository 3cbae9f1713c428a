package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tuoguan/tuoguan/internal/synth"
)

// custodyTables are the tables of contracts and their work, in the order they are loaded.
var custodyTables = []string{"contracts", "contract_parcels", "contract_services", "delivery_caps", "operations"}

// custody copies the contracts with their parcels, lines, caps and operations, each table on a copyStream of
// g: every contract is generated once, and its rows go to the five tables.
func (l *loader) custody(ctx context.Context, g *group) error {
	w := l.w
	l.numbers = make([]int32, len(w.Collectives)*len(w.Seasons))
	columns := [][]string{contractColumns, contractParcelColumns, contractServiceColumns, deliveryCapColumns, operationColumns}
	streams := make([]*copyStream, len(custodyTables))
	for k, table := range custodyTables {
		s, err := openStream(ctx, l.dbURL, table, columns[k], g.fail)
		if err != nil {
			return err
		}
		defer s.close(ctx)
		streams[k] = s
	}
	contracts, parcels, services, caps, ops := streams[0], streams[1], streams[2], streams[3], streams[4]
	n := w.Sizes.Contracts
	var id int64
	for i := range n {
		l.progress("custody", i, n, "contracts")
		c := w.Contract(i, true)
		if err := contracts.add(ctx, l.contractRow(&c)); err != nil {
			return err
		}
		for _, p := range c.Parcels {
			if err := parcels.add(ctx, []any{c.Collective.CountyCode, c.ID, p.ID, numeric(p.AreaCents)}); err != nil {
				return err
			}
		}
		for _, s := range c.Lines {
			if err := services.add(ctx, serviceRow(&c, s)); err != nil {
				return err
			}
		}
		for _, cp := range c.Caps {
			row := []any{c.Collective.CountyCode, c.ID, cp.ParcelID, cp.OpType, numericOf(cp.Cap), numericOf(cp.Active)}
			if err := caps.add(ctx, row); err != nil {
				return err
			}
		}
		r := rowRand(w.Seed, saltOperation, i)
		for _, op := range c.Ops {
			id++
			if err := ops.add(ctx, w.operationRow(r, &c, op, id)); err != nil {
				return err
			}
		}
	}
	for _, s := range streams {
		st, err := s.finish(ctx)
		if err != nil {
			return err
		}
		l.copied(s, st)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// contractColumns are the columns of a contract row, as contractRow fills them.
var contractColumns = []string{"county_code", "id", "number", "collective_id", "farm_id", "provider_id", "region_code", "crop",
	"season_year", "mode", "start_date", "end_date", "collective_fee_per_mu", "baseline_yield_kg_per_mu", "price_per_kg",
	"contracted_area_mu", "status", "termination_reason", "activated_at", "closed_at", "created_at", "updated_at"}

// contractRow is the row of c, numbered after the contracts of its collective and season before it.
func (l *loader) contractRow(c *ContractSpec) []any {
	w := l.w
	seq := &l.numbers[(c.Collective.ID-1)*int64(len(w.Seasons))+int64(c.Season)]
	*seq++
	var activated, closed any
	if c.ActivatedAt != nil {
		activated = *c.ActivatedAt
	}
	if c.ClosedAt != nil {
		closed = *c.ClosedAt
	}
	return []any{c.Collective.CountyCode, c.ID, c.Number(w, int(*seq)), c.Collective.ID, c.FarmID, c.Provider.ID,
		c.Collective.Village.Code, c.Crop, w.Seasons[c.Season], c.Mode, c.Start, c.End, numeric(c.FeeCents),
		numeric(c.BaselineYieldCents), numericOf(c.PricePerKg.Round(4)), numericOf(c.ContractedArea), c.Status,
		nullable(c.TerminationReason), activated, closed, c.CreatedAt, c.UpdatedAt()}
}

var (
	contractParcelColumns  = []string{"county_code", "contract_id", "parcel_id", "area_mu"}
	contractServiceColumns = []string{"county_code", "contract_id", "op_type", "passes", "price_per_mu", "subsidy_per_mu",
		"baseline_cost_per_mu", "active_area_mu", "confirmed_area_mu", "voided_area_mu", "confirmed_yield_kg"}
	deliveryCapColumns = []string{"county_code", "contract_id", "parcel_id", "op_type", "cap_area_mu", "active_area_mu"}
)

// serviceRow is the row of c's service line s, with its running totals.
func serviceRow(c *ContractSpec, s LineSpec) []any {
	return []any{c.Collective.CountyCode, c.ID, s.OpType, s.Passes, numeric(s.PriceCents), numeric(s.SubsidyCents),
		numeric(s.BaseCents), numericOf(s.ActiveArea), numericOf(s.ConfirmedArea), numericOf(s.VoidArea),
		numericOf(s.ConfirmedYield)}
}

// operationColumns are the columns of an operation row, as operationRow fills them.
var operationColumns = []string{"county_code", "id", "contract_id", "parcel_id", "op_type", "op_date", "area_mu", "yield_kg",
	"moisture_pct", "machine", "operator", "inputs", "location", "note", "status", "dispute_reason", "created_by", "created_at", "updated_at",
	"season_year", "region_code", "collective_id", "provider_id"}

// cst is China's time zone, where the day's work is logged.
var cst = time.FixedZone("CST", 8*3600)

// machineOf is the machine an operation type is done with.
var machineOf = map[string]string{"ploughing": "旋耕机", "sowing": "播种机", "plant_protection": "植保无人机",
	"harvesting": "联合收割机", "straw": "秸秆打捆机"}

var disputeReasons = []string{"实际作业面积与记录不符", "播种深度不够，出苗不齐", "漏喷，需复查", "收获损失偏高"}

// inputsOf are the materials an operation of opType uses on area hundredths of a mu, as the service stores them.
func inputsOf(r *rand.Rand, opType, crop string, areaCents int64) string {
	var material, unit string
	var perMu int64 // hundredths of the unit per mu
	switch opType {
	case "sowing":
		seed := synth.Crops[crop]
		material, unit = seed.Seed, "kg"
		perMu = int64(math.Round(seed.SeedPerMu * float64(between(r, 95, 105))))
		if material == "" {
			material, perMu = "种子", between(r, 150, 300)
		}
	case "fertilising":
		material, unit, perMu = "复合肥", "kg", between(r, 3000, 5000)
	case "plant_protection":
		material, unit, perMu = []string{"吡虫啉", "戊唑醇", "阿维菌素"}[r.IntN(3)], "L", between(r, 3, 8)
	default:
		return "[]"
	}
	q := max(1, areaCents*perMu/100)
	return fmt.Sprintf(`[{"material":%q,"quantity":"%d.%02d","unit":%q}]`, material, q/100, q%100, unit)
}

// operationRow is the row of op, the n-th operation of contract c, with id id; r draws its details.
func (w *World) operationRow(r *rand.Rand, c *ContractSpec, op OpSpec, id int64) []any {
	var yield, moisture, location, reason any
	if op.Yield != nil {
		yield = numericOf(*op.Yield)
	}
	if op.MoistureCents > 0 {
		moisture = numeric(op.MoistureCents)
	}
	if r.IntN(4) == 0 {
		lon := 108_500_000 + int64(c.Collective.CountyIndex%5)*200_000 + r.Int64N(150_000)
		lat := 35_500_000 + int64(c.Collective.CountyIndex/5%40)*200_000 + r.Int64N(150_000)
		location = fmt.Sprintf(`{"type":"Point","coordinates":[%d.%06d,%d.%06d]}`, lon/1e6, lon%1e6, lat/1e6, lat%1e6)
	}
	if op.Disputed {
		reason = disputeReasons[r.IntN(len(disputeReasons))]
	}
	day := time.Date(op.Date.Year(), op.Date.Month(), op.Date.Day(), 0, 0, 0, 0, cst)
	created := day.Add(time.Duration(7*60+r.IntN(11*60)) * time.Minute)
	updated := created
	if op.Status != opRecorded {
		updated = earliest(created.Add(time.Duration(1+r.IntN(5*24*60))*time.Minute), w.Today.Add(-8*time.Hour).In(cst))
		updated = latest(updated, created)
	}
	machine := machineOf[op.OpType]
	if machine == "" {
		machine = "拖拉机"
	}
	return []any{c.Collective.CountyCode, id, c.ID, op.ParcelID, op.OpType, op.Date, numeric(op.AreaCents), yield, moisture,
		machine, personName(r), inputsOf(r, op.OpType, c.Crop, op.AreaCents), location, nil, op.Status, reason, nil, created, updated,
		w.Seasons[c.Season], c.Collective.Village.Code, c.Collective.ID, c.Provider.ID}
}

// contractNumbers writes the counters the contracts' numbers were taken from.
func (l *loader) contractNumbers(ctx context.Context) error {
	type counter struct {
		col    *Collective
		season int
		last   int32
	}
	var cs []counter
	for k, last := range l.numbers {
		if last > 0 {
			cs = append(cs, counter{&l.w.Collectives[k/len(l.w.Seasons)], l.w.Seasons[k%len(l.w.Seasons)], last})
		}
	}
	return l.copyRows(ctx, "contract_numbers", []string{"county_code", "region_code", "season_year", "last"}, len(cs),
		func(i int) ([]any, error) {
			return []any{cs[i].col.CountyCode, cs[i].col.Village.Code, cs[i].season, cs[i].last}, nil
		})
}
