package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Sorts are the orders a listing may take besides id.
var Sorts = map[string]string{"number": "number", "start_date": "start_date"}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	CollectiveID int64
	FarmID       int64
	ProviderID   int64
	RegionCode   string
	Crop         string
	SeasonYear   int
	Status       string
	Mode         string
	Number       string
}

// List returns the contracts p may read with their parcels and lines, in order o: the page in one round trip
// and its parcels and lines in a second, on one connection, each row scanned column by column. A page of 50
// contracts is a few hundred rows, and gorm's mapping of each onto a struct took a third of the server's time
// for the page.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, o page.Order, r page.Request) ([]Contract, *string, error) {
	q := Visible(s.db.WithContext(ctx), p)
	for col, v := range map[string]int64{"collective_id": f.CollectiveID, "farm_id": f.FarmID, "provider_id": f.ProviderID} {
		if v != 0 {
			q = q.Where("contracts."+col+" = ?", v)
		}
	}
	for col, v := range map[string]string{"crop": f.Crop, "status": f.Status, "mode": f.Mode, "number": f.Number} {
		if v != "" {
			q = q.Where("contracts."+col+" = ?", v)
		}
	}
	if f.RegionCode != "" {
		cond, args, err := scope.InsideByTownship("region_code", "contracts", f.RegionCode)
		if err != nil {
			return nil, nil, err
		}
		q = q.Where(cond, args...)
	}
	if f.SeasonYear != 0 {
		q = q.Where("contracts.season_year = ?", f.SeasonYear)
	}
	q, err := o.Apply(q.Select(contractColumns), "contracts", r)
	if err != nil {
		return nil, nil, err
	}
	stmt := q.Session(&gorm.Session{DryRun: true}).Find(&[]Contract{}).Statement
	if stmt.Error != nil {
		return nil, nil, stmt.Error
	}
	pool, err := s.db.DB()
	if err != nil {
		return nil, nil, err
	}
	var cs []Contract
	var next *string
	err = postgres.WithConn(ctx, pool, func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, stmt.SQL.String(), stmt.Vars...)
		if err != nil {
			return err
		}
		cs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Contract, error) {
			var c Contract
			err := row.Scan(c.columns()...)
			return c, err
		})
		if err != nil {
			return err
		}
		cs, next = page.Trim(cs, r, func(c Contract) string {
			if o.Column() == "start_date" {
				return o.Key(c.StartDate.Format("2006-01-02"), c.ID)
			}
			return o.Key(c.Number, c.ID)
		})
		b := &pgx.Batch{}
		for _, part := range partsOf(cs) {
			b.Queue(postgres.Numbered(part.query), part.args...).Query(func(rows pgx.Rows) error { return part.place(rows) })
		}
		return conn.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, nil, err
	}
	return cs, next, nil
}

// contractColumns are the columns of a contract that columns scans, in its order.
const contractColumns = `contracts.county_code, contracts.id, contracts.number, contracts.collective_id, contracts.farm_id,
	contracts.provider_id, contracts.region_code, contracts.crop, contracts.season_year, contracts.mode, contracts.start_date,
	contracts.end_date, contracts.collective_fee_per_mu, contracts.baseline_yield_kg_per_mu, contracts.price_per_kg,
	contracts.contracted_area_mu, contracts.status, contracts.termination_reason, contracts.policy_flags::text,
	contracts.activated_at, contracts.closed_at, contracts.created_at, contracts.updated_at`

// columns returns the destinations of contractColumns in c.
func (c *Contract) columns() []any {
	return []any{&c.CountyCode, &c.ID, &c.Number, &c.CollectiveID, &c.FarmID, &c.ProviderID, &c.RegionCode, &c.Crop,
		&c.SeasonYear, &c.Mode, &c.StartDate, &c.EndDate, &c.CollectiveFeePerMu, &c.BaselineYieldKgPerMu, &c.PricePerKg,
		&c.ContractedAreaMu, &c.Status, &c.TerminationReason, &jsonColumn{&c.PolicyFlags}, &c.ActivatedAt, &c.ClosedAt,
		&c.CreatedAt, &c.UpdatedAt}
}

// jsonColumn scans a column's JSON text into v.
type jsonColumn struct{ v any }

// Scan implements sql.Scanner.
func (j *jsonColumn) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("cannot scan %T as JSON", src)
	}
	return json.Unmarshal([]byte(s), j.v)
}

// loadAll fills the parcels and lines of cs with one query each, on tx, the caller's transaction or pool.
func loadAll(ctx context.Context, tx *gorm.DB, cs []Contract) error {
	for _, part := range partsOf(cs) {
		if err := part.read(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// part is a query for rows that belong to contracts, and how each of its rows is placed on its contract.
type part struct {
	query string
	args  []any
	scan  func(row) error
}

// row is one row of a result, as database/sql and pgx both hand it over.
type row interface{ Scan(...any) error }

// rows are a result as database/sql and pgx both read it.
type rows interface {
	row
	Next() bool
	Err() error
}

// read runs the part's query on tx and places its rows.
func (pt part) read(ctx context.Context, tx *gorm.DB) error {
	rs, err := tx.WithContext(ctx).Raw(pt.query, pt.args...).Rows()
	if err != nil {
		return err
	}
	defer rs.Close()
	return pt.place(rs)
}

// place places every row of rs.
func (pt part) place(rs rows) error {
	for rs.Next() {
		if err := pt.scan(rs); err != nil {
			return err
		}
	}
	return rs.Err()
}

// partsOf returns the queries of the parcels and of the lines of cs, each placing its rows on their contract
// in order of parcel and of operation type; none when cs is empty. Each names the counties of its contracts:
// a page of one county (a page is of one county but for an admin's) runs on Citus on the one shard that holds
// the county's rows.
func partsOf(cs []Contract) []part {
	if len(cs) == 0 {
		return nil
	}
	at := make(map[int64]*Contract, len(cs))
	counties, ids := make([]string, len(cs)), make([]int64, len(cs))
	for i := range cs {
		at[cs[i].ID] = &cs[i]
		counties[i], ids[i] = cs[i].CountyCode, cs[i].ID
	}
	parcels := ofContracts("contract_parcels", "parcel_id", "contract_id, parcel_id, area_mu", counties, ids)
	parcels.scan = func(r row) error {
		p := Parcel{}
		if err := r.Scan(&p.ContractID, &p.ParcelID, &p.AreaMu); err != nil {
			return err
		}
		c := at[p.ContractID]
		p.CountyCode = c.CountyCode
		c.Parcels = append(c.Parcels, p)
		return nil
	}
	lines := ofContracts("contract_services", "op_type", `contract_id, op_type, passes, price_per_mu, subsidy_per_mu,
		baseline_cost_per_mu, active_area_mu, confirmed_area_mu, confirmed_yield_kg`, counties, ids)
	lines.scan = func(r row) error {
		l := Line{}
		if err := r.Scan(&l.ContractID, &l.OpType, &l.Passes, &l.PricePerMu, &l.SubsidyPerMu, &l.BaselineCostPerMu,
			&l.ActiveAreaMu, &l.ConfirmedAreaMu, &l.ConfirmedYieldKg); err != nil {
			return err
		}
		c := at[l.ContractID]
		l.CountyCode = c.CountyCode
		c.Services = append(c.Services, l)
		return nil
	}
	return []part{parcels, lines}
}

// ofContracts is the query of columns of the rows of table that belong to the contracts ids, of counties (one
// county per id), ordered by column order: as an equality on the county when there is one, else by (county,
// contract) pairs.
func ofContracts(table, order, columns string, counties []string, ids []int64) part {
	if !slices.ContainsFunc(counties, func(c string) bool { return c != counties[0] }) {
		return part{query: "SELECT " + columns + " FROM " + table + " t WHERE t.county_code = ? AND t.contract_id = ANY (?::bigint[]) ORDER BY t." + order,
			args: []any{counties[0], postgres.Int64Array(ids)}}
	}
	return part{query: "SELECT " + columns + " FROM " + table + " t WHERE (t.county_code, t.contract_id) IN (SELECT * FROM unnest(?::text[], ?::bigint[])) ORDER BY t." + order,
		args: []any{postgres.TextArray(counties), postgres.Int64Array(ids)}}
}
