package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// custodyTables are the tables of contracts and their work, in the order they are loaded.
var custodyTables = []string{"contracts", "contract_parcels", "contract_services", "delivery_caps", "operations"}

// custody loads the contracts with their parcels, lines, caps, operations and numbers. The tables' secondary
// indexes and foreign keys are dropped first and restored after, the foreign keys validated as they are.
func (l *loader) custody(ctx context.Context) error {
	indexes := map[string][]string{}
	var fks []string
	for _, table := range custodyTables {
		defs, err := l.dropSecondaryIndexes(ctx, table)
		if err != nil {
			return err
		}
		indexes[table] = defs
		adds, err := l.dropForeignKeys(ctx, table)
		if err != nil {
			return err
		}
		fks = append(fks, adds...)
	}
	l.numbers = make([]int32, len(l.w.Collectives)*len(l.w.Seasons))
	l.unit = "contracts"
	steps := []func(context.Context) error{l.contracts, l.contractParcels, l.contractServices, l.deliveryCaps, l.operations}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	l.unit = ""
	if err := l.contractNumbers(ctx); err != nil {
		return err
	}
	for _, table := range custodyTables {
		if err := l.rebuild(ctx, table, indexes[table]); err != nil {
			return err
		}
	}
	start := time.Now()
	for _, add := range fks {
		if _, err := l.conn.Exec(ctx, add); err != nil {
			return fmt.Errorf("%s: %w", add, err)
		}
	}
	s := LoadStat{Table: "foreign keys", Took: time.Since(start), Note: fmt.Sprintf("%d validated", len(fks))}
	l.stats = append(l.stats, s)
	fmt.Fprintf(l.out, "  %-17s %9d validated in %s\n", "foreign keys", len(fks), round(s.Took))
	start = time.Now()
	var rows int64
	if _, err := l.conn.Exec(ctx, "SELECT stats_rebuild()"); err != nil {
		return fmt.Errorf("statistics rollups: %w", err)
	}
	if err := l.conn.QueryRow(ctx, "SELECT count(*) FROM stats_rollup").Scan(&rows); err != nil {
		return err
	}
	s = LoadStat{Table: "stats_rollup", Rows: rows, Took: time.Since(start), Note: "rebuilt from the running totals"}
	l.stats = append(l.stats, s)
	fmt.Fprintf(l.out, "  %-17s %9d rows in %s (%.0f rows/s)\n", "stats_rollup", rows, round(s.Took), s.rate())
	return nil
}

// dropForeignKeys drops table's foreign keys and returns the statements that add them back.
func (l *loader) dropForeignKeys(ctx context.Context, table string) ([]string, error) {
	rows, err := l.conn.Query(ctx, `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`, table)
	if err != nil {
		return nil, err
	}
	type fk struct{ name, def string }
	fks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (fk, error) {
		var f fk
		return f, row.Scan(&f.name, &f.def)
	})
	if err != nil {
		return nil, err
	}
	var adds []string
	for _, f := range fks {
		name := pgx.Identifier{f.name}.Sanitize()
		if _, err := l.conn.Exec(ctx, "ALTER TABLE "+table+" DROP CONSTRAINT "+name); err != nil {
			return nil, fmt.Errorf("drop %s of %s: %w", f.name, table, err)
		}
		adds = append(adds, "ALTER TABLE "+table+" ADD CONSTRAINT "+name+" "+f.def)
	}
	return adds, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (l *loader) contracts(ctx context.Context) error {
	cols := []string{"county_code", "id", "number", "collective_id", "farm_id", "provider_id", "region_code", "crop",
		"season_year", "mode", "start_date", "end_date", "collective_fee_per_mu", "baseline_yield_kg_per_mu", "price_per_kg",
		"contracted_area_mu", "status", "termination_reason", "activated_at", "closed_at", "created_at", "updated_at"}
	w := l.w
	return l.copyEach(ctx, "contracts", cols, w.Sizes.Contracts, func(i int, buf [][]any) ([][]any, error) {
		c := w.Contract(i, false)
		seq := &l.numbers[(c.Collective.ID-1)*int64(len(w.Seasons))+int64(c.Season)]
		*seq++
		var activated, closed any
		if c.ActivatedAt != nil {
			activated = *c.ActivatedAt
		}
		if c.ClosedAt != nil {
			closed = *c.ClosedAt
		}
		return append(buf, []any{c.Collective.CountyCode, c.ID, c.Number(w, int(*seq)), c.Collective.ID, c.FarmID, c.Provider.ID,
			c.Collective.Village.Code, c.Crop, w.Seasons[c.Season], c.Mode, c.Start, c.End, numeric(c.FeeCents),
			numeric(c.BaselineYieldCents), numericOf(c.PricePerKg.Round(4)), numericOf(c.ContractedArea), c.Status,
			nullable(c.TerminationReason), activated, closed, c.CreatedAt, c.UpdatedAt()}), nil
	}, "")
}

func (l *loader) contractParcels(ctx context.Context) error {
	w := l.w
	return l.copyEach(ctx, "contract_parcels", []string{"county_code", "contract_id", "parcel_id", "area_mu"}, w.Sizes.Contracts,
		func(i int, buf [][]any) ([][]any, error) {
			c := w.Contract(i, false)
			for _, p := range c.Parcels {
				buf = append(buf, []any{c.Collective.CountyCode, c.ID, p.ID, numeric(p.AreaCents)})
			}
			return buf, nil
		}, "")
}

func (l *loader) contractServices(ctx context.Context) error {
	cols := []string{"county_code", "contract_id", "op_type", "passes", "price_per_mu", "subsidy_per_mu", "baseline_cost_per_mu",
		"active_area_mu", "confirmed_area_mu", "voided_area_mu", "confirmed_yield_kg"}
	w := l.w
	return l.copyEach(ctx, "contract_services", cols, w.Sizes.Contracts, func(i int, buf [][]any) ([][]any, error) {
		c := w.Contract(i, true)
		for _, s := range c.Lines {
			buf = append(buf, []any{c.Collective.CountyCode, c.ID, s.OpType, s.Passes, numeric(s.PriceCents), numeric(s.SubsidyCents),
				numeric(s.BaseCents), numericOf(s.ActiveArea), numericOf(s.ConfirmedArea), numericOf(s.VoidArea),
				numericOf(s.ConfirmedYield)})
		}
		return buf, nil
	}, "")
}

func (l *loader) deliveryCaps(ctx context.Context) error {
	cols := []string{"county_code", "contract_id", "parcel_id", "op_type", "cap_area_mu", "active_area_mu"}
	w := l.w
	return l.copyEach(ctx, "delivery_caps", cols, w.Sizes.Contracts, func(i int, buf [][]any) ([][]any, error) {
		c := w.Contract(i, true)
		for _, cp := range c.Caps {
			buf = append(buf, []any{c.Collective.CountyCode, c.ID, cp.ParcelID, cp.OpType, numericOf(cp.Cap), numericOf(cp.Active)})
		}
		return buf, nil
	}, "")
}

// operationColumns are the columns of an operation row, as operationRow fills them.
var operationColumns = []string{"county_code", "id", "contract_id", "parcel_id", "op_type", "op_date", "area_mu", "yield_kg",
	"moisture_pct", "machine", "operator", "inputs", "location", "note", "status", "dispute_reason", "created_by", "created_at", "updated_at"}

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
		material, unit, perMu = map[string]string{"corn": "玉米种子", "wheat": "小麦种子", "potato": "马铃薯种薯", "millet": "谷子种子",
			"soybean": "大豆种子", "rice": "水稻秧苗", "rapeseed": "油菜种子", "sorghum": "高粱种子"}[crop], "kg", between(r, 150, 300)
		if material == "" {
			material = "种子"
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
		machine, personName(r), inputsOf(r, op.OpType, c.Crop, op.AreaCents), location, nil, op.Status, reason, nil, created, updated}
}

func (l *loader) operations(ctx context.Context) error {
	w := l.w
	var id int64
	return l.copyEach(ctx, "operations", operationColumns, w.Sizes.Contracts, func(i int, buf [][]any) ([][]any, error) {
		c := w.Contract(i, true)
		r := rowRand(w.Seed, saltOperation, i)
		for _, op := range c.Ops {
			id++
			buf = append(buf, w.operationRow(r, &c, op, id))
		}
		return buf, nil
	}, "")
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
		}, "")
}
