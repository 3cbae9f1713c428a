package subsidy

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// The states of a settlement.
const (
	Draft    = "draft"
	Approved = "approved"
	Paid     = "paid"
)

// Settlement is a provider's statement for a county and season: a draft's figures are computed whenever it is
// read, an approved or paid one's are those frozen at approval.
type Settlement struct {
	CountyCode string     `gorm:"column:county_code" json:"-"`
	ID         int64      `gorm:"column:id" json:"id"`
	ProviderID int64      `gorm:"column:provider_id" json:"provider_id"`
	SeasonYear int        `gorm:"column:season_year" json:"season_year"`
	Status     string     `gorm:"column:status" json:"status"`
	Reference  *string    `gorm:"column:reference" json:"reference"`
	Frozen     []byte     `gorm:"column:statement" json:"-"`
	CreatedAt  time.Time  `gorm:"column:created_at" json:"created_at"`
	ApprovedAt *time.Time `gorm:"column:approved_at" json:"approved_at"`
	PaidAt     *time.Time `gorm:"column:paid_at" json:"paid_at"`
	Statement  Statement  `gorm:"-" json:"statement"`
}

// TableName is the table settlements live in.
func (Settlement) TableName() string { return "settlements" }

// Statement is the figures of a settlement (docs/subsidies.md): exact, rounded when presented.
type Statement struct {
	Operations           int64           `json:"operations"`
	AreaMu               decimal.Decimal `json:"area_mu"`
	CountedAreaMu        decimal.Decimal `json:"counted_area_mu"`
	Claimed              decimal.Decimal `json:"claimed"`
	Eligible             decimal.Decimal `json:"eligible"`
	Payable              decimal.Decimal `json:"payable"`
	HouseholdAreaMu      decimal.Decimal `json:"household_area_mu"`
	MinHouseholdSharePct *num.Dec2       `json:"min_household_share_pct"`
	Lines                []StatementLine `json:"lines"`
}

// StatementLine is a line of the ledger (台账): one village's work of one operation type.
type StatementLine struct {
	CollectiveID    int64           `json:"collective_id"`
	CollectiveName  string          `json:"collective_name"`
	OpType          string          `json:"op_type"`
	Operations      int64           `json:"operations"`
	AreaMu          decimal.Decimal `json:"area_mu"`
	CountedAreaMu   decimal.Decimal `json:"counted_area_mu"`
	Claimed         decimal.Decimal `json:"claimed"`
	Eligible        decimal.Decimal `json:"eligible"`
	HouseholdAreaMu decimal.Decimal `json:"household_area_mu"`
}

// HouseholdSharePct is the share of the counted area done for households, in per cent (nil when nothing was
// counted), rounded once to two places.
func (s Statement) HouseholdSharePct() *num.Dec2 {
	v, ok := num.DivRound2(s.HouseholdAreaMu.Mul(hundred), s.CountedAreaMu)
	if !ok {
		return nil
	}
	return &v
}

// statementSQL sums, per village and operation type, the provider's confirmed work in a county and season on
// contracts that are not drafts: its area, the area counted (what the latest field check of the operation in a
// sample of that season measured, where it is less), what was claimed (area × the line's subsidy) and what is
// eligible (counted × the subsidy capped at the policy's share of the price), and the counted area done for
// households. $4 is the policy's max_share_pct, NULL without a policy. The operations are summed per contract
// line first: a line's subsidy, price and farm are the same for all its operations, so each line is looked up
// once rather than once per operation, and area × subsidy summed per line is the same exact sum.
const statementSQL = `
WITH checked AS (
    SELECT DISTINCT ON (v.operation_id) v.operation_id, v.verified_area_mu
    FROM verification_items v
    JOIN verification_samples vs ON vs.county_code = v.county_code AND vs.id = v.sample_id
    WHERE v.county_code = $1 AND vs.season_year = $2 AND v.provider_id = $3 AND v.checked_at IS NOT NULL
    ORDER BY v.operation_id, v.checked_at DESC, v.sample_id DESC
), o AS (
    SELECT o.contract_id, o.op_type, o.collective_id, count(*) AS n, sum(o.area_mu) AS area,
           sum(least(o.area_mu, coalesce(ch.verified_area_mu, o.area_mu))) AS counted
    FROM operations o
    LEFT JOIN checked ch ON ch.operation_id = o.id
    WHERE o.county_code = $1 AND o.season_year = $2 AND o.provider_id = $3 AND o.status = 'confirmed'
    GROUP BY o.contract_id, o.op_type, o.collective_id
), l AS (
    SELECT o.collective_id, o.op_type, o.n, o.area, o.counted, s.subsidy_per_mu,
           CASE WHEN $4::numeric IS NULL THEN s.subsidy_per_mu
                ELSE least(s.subsidy_per_mu, s.price_per_mu * $4::numeric / 100) END AS capped,
           f.kind = 'household' AS household
    FROM o
    JOIN contracts c ON c.county_code = $1 AND c.id = o.contract_id
    JOIN contract_services s ON s.county_code = $1 AND s.contract_id = o.contract_id AND s.op_type = o.op_type
    JOIN farms f ON f.county_code = $1 AND f.id = c.farm_id
    WHERE c.status <> 'draft'
)
SELECT l.collective_id, k.name, l.op_type, sum(l.n)::bigint, sum(l.area)::text, sum(l.counted)::text,
       sum(l.area * l.subsidy_per_mu)::text, sum(l.counted * l.capped)::text,
       coalesce(sum(l.counted) FILTER (WHERE l.household), 0)::text
FROM l JOIN collectives k ON k.county_code = $1 AND k.id = l.collective_id
GROUP BY l.collective_id, k.name, l.op_type
ORDER BY l.collective_id, l.op_type`

// compute works out the statement of provider in county (six digits) and year from the operations as they
// are now, under the season's policy (if any); tx is the caller's.
func compute(ctx context.Context, tx *gorm.DB, county string, year int, provider int64) (Statement, error) {
	pol, hasPolicy, err := Lookup(tx, county, year)
	if err != nil {
		return Statement{}, err
	}
	var share any
	if hasPolicy {
		share = pol.MaxSharePct.Decimal().String()
	}
	rows, err := tx.WithContext(ctx).Raw(statementSQL, county, year, provider, share).Rows()
	if err != nil {
		return Statement{}, err
	}
	defer rows.Close()
	st := Statement{Lines: []StatementLine{}}
	for rows.Next() {
		var l StatementLine
		var area, counted, claimed, eligible, household string
		if err := rows.Scan(&l.CollectiveID, &l.CollectiveName, &l.OpType, &l.Operations, &area, &counted, &claimed, &eligible, &household); err != nil {
			return Statement{}, err
		}
		l.AreaMu, l.CountedAreaMu = decimal.RequireFromString(area), decimal.RequireFromString(counted)
		l.Claimed, l.Eligible = decimal.RequireFromString(claimed), decimal.RequireFromString(eligible)
		l.HouseholdAreaMu = decimal.RequireFromString(household)
		st.Lines = append(st.Lines, l)
		st.Operations += l.Operations
		st.AreaMu, st.CountedAreaMu = st.AreaMu.Add(l.AreaMu), st.CountedAreaMu.Add(l.CountedAreaMu)
		st.Claimed, st.Eligible = st.Claimed.Add(l.Claimed), st.Eligible.Add(l.Eligible)
		st.HouseholdAreaMu = st.HouseholdAreaMu.Add(l.HouseholdAreaMu)
	}
	if err := rows.Err(); err != nil {
		return Statement{}, err
	}
	st.Payable = st.Eligible
	if hasPolicy {
		st.Payable = decimal.Min(st.Eligible, pol.MaxPerProvider.Decimal())
		st.MinHouseholdSharePct = &pol.MinHouseholdSharePct
	}
	return st, nil
}

// mayKeepSettlements refuses a role that may not create, approve, pay or delete settlements of county.
func mayKeepSettlements(p scope.Principal, county string) error {
	if p.Role != scope.Admin && p.Role != scope.Bureau {
		return fault.Forbiddenf("Only the county's bureau settles its subsidies.")
	}
	return mayKeep(p, county)
}

// visibleSettlements narrows q to the settlements p may read: admin all, a bureau those of counties in its
// region, a provider its own. Collectives read none (Forbidden).
func visibleSettlements(q *gorm.DB, p scope.Principal) (*gorm.DB, error) {
	if p.Role == scope.Provider {
		return q.Where("settlements.provider_id = ?", p.ProviderID), nil
	}
	return inCounties(q, "settlements", p)
}

// inCounties narrows q to the rows of table in the counties a bureau's region holds (or lies in): admin all,
// other roles none (Forbidden).
func inCounties(q *gorm.DB, table string, p scope.Principal) (*gorm.DB, error) {
	switch p.Role {
	case scope.Admin:
		return q, nil
	case scope.Bureau:
		prefix := p.RegionPrefix()
		if len(prefix) > 6 {
			return q.Where(table+".county_code = ?", prefix[:6]), nil
		}
		return q.Where(table+".county_code LIKE ?", prefix+"%"), nil
	}
	return nil, fault.Forbiddenf("Only the county's bureau reads its subsidy records.")
}

// CreateSettlement opens a draft statement of provider in county and year: the county's bureau or admin. The
// provider must exist (Invalid naming provider_id otherwise). Audited.
func (s *Service) CreateSettlement(ctx context.Context, p scope.Principal, provider int64, county string, year int) (Settlement, error) {
	if err := mayKeepSettlements(p, county); err != nil {
		return Settlement{}, err
	}
	var out Settlement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw("SELECT count(*) FROM providers WHERE id = ?", provider).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fault.Invalidf("provider_id", "no such provider")
		}
		var id int64
		if err := tx.Raw(`INSERT INTO settlements (county_code, provider_id, season_year) VALUES (?, ?, ?) RETURNING id`,
			county[:6], provider, year).Scan(&id).Error; err != nil {
			return err
		}
		var err error
		if out, err = s.read(ctx, tx, p, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "settlement.create", ObjectType: "settlement", ObjectID: id, RegionCode: county, After: out})
	})
	return out, err
}

// GetSettlement returns settlement id with its statement: NotFound outside p's scope, Forbidden for a
// collective.
func (s *Service) GetSettlement(ctx context.Context, p scope.Principal, id int64) (Settlement, error) {
	return s.read(ctx, s.db.WithContext(ctx), p, id, false)
}

// read loads settlement id for p, locked for update when lock is set, with its statement: the frozen one,
// or a draft's computed now.
func (s *Service) read(ctx context.Context, tx *gorm.DB, p scope.Principal, id int64, lock bool) (Settlement, error) {
	q, err := visibleSettlements(tx.Model(&Settlement{}), p)
	if err != nil {
		return Settlement{}, err
	}
	var st Settlement
	if err := q.Where("settlements.id = ?", id).Take(&st).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return st, fault.NotFoundf("No settlement %d.", id)
	} else if err != nil {
		return st, err
	}
	if lock {
		// On Citus a row lock must name its shard: the settlement is locked, and read again, once its county is
		// known. A settlement never changes county or provider, so p may still read it.
		var locked Settlement
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
			Where("county_code = ? AND id = ?", st.CountyCode, id).Take(&locked).Error
		if err != nil {
			return st, err
		}
		st = locked
	}
	if st.Status == Draft {
		st.Statement, err = compute(ctx, tx, st.CountyCode, st.SeasonYear, st.ProviderID)
		return st, err
	}
	return st, json.Unmarshal(st.Frozen, &st.Statement)
}

// Approve freezes draft id's statement as computed now: the county's bureau or admin. Only one settlement per
// provider, county and season is ever approved (Conflict for a second, racing ones included); a settlement
// that is not a draft is a Conflict. Audited.
func (s *Service) Approve(ctx context.Context, p scope.Principal, id int64) (Settlement, error) {
	return s.change(ctx, p, id, "settlement.approve", Draft, func(tx *gorm.DB, st *Settlement) error {
		frozen, err := json.Marshal(st.Statement)
		if err != nil {
			return err
		}
		err = tx.Exec(`UPDATE settlements SET status = 'approved', statement = ?::jsonb, approved_at = now() WHERE county_code = ? AND id = ?`,
			string(frozen), st.CountyCode, st.ID).Error
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return fault.Conflictf("Another settlement of provider %d for %d is approved already.", st.ProviderID, st.SeasonYear)
		}
		return err
	})
}

// Pay marks approved settlement id paid with the payment's reference: the county's bureau or admin; a
// settlement that is not approved is a Conflict. Audited.
func (s *Service) Pay(ctx context.Context, p scope.Principal, id int64, reference string) (Settlement, error) {
	var errs fault.Fields
	reference = errs.Text("reference", reference, 100)
	if err := errs.Err(); err != nil {
		return Settlement{}, err
	}
	return s.change(ctx, p, id, "settlement.pay", Approved, func(tx *gorm.DB, st *Settlement) error {
		return tx.Exec(`UPDATE settlements SET status = 'paid', reference = ?, paid_at = now() WHERE county_code = ? AND id = ?`,
			reference, st.CountyCode, st.ID).Error
	})
}

// DeleteSettlement deletes draft id: the county's bureau or admin; a settlement that is not a draft is a
// Conflict. Audited.
func (s *Service) DeleteSettlement(ctx context.Context, p scope.Principal, id int64) error {
	_, err := s.change(ctx, p, id, "settlement.delete", Draft, func(tx *gorm.DB, st *Settlement) error {
		return tx.Exec(`DELETE FROM settlements WHERE county_code = ? AND id = ?`, st.CountyCode, st.ID).Error
	})
	return err
}

// change moves settlement id from status from through apply, in a transaction that locks it, and audits it.
func (s *Service) change(ctx context.Context, p scope.Principal, id int64, action, from string, apply func(tx *gorm.DB, st *Settlement) error) (Settlement, error) {
	var out Settlement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := s.read(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if err := mayKeepSettlements(p, before.CountyCode+"000000"); err != nil {
			return err
		}
		if before.Status != from {
			return fault.Conflictf("Settlement %d is %s, not %s.", id, before.Status, from)
		}
		if err := apply(tx, &before); err != nil {
			return err
		}
		ch := audit.Change{Action: action, ObjectType: "settlement", ObjectID: id, RegionCode: before.CountyCode + "000000", Before: before}
		if action != "settlement.delete" {
			if out, err = s.read(ctx, tx, p, id, false); err != nil {
				return err
			}
			ch.After = out
		}
		return audit.Record(ctx, tx, p, ch)
	})
	return out, err
}

// Filter narrows a list of settlements; zero fields do not filter.
type Filter struct {
	CountyCode string
	SeasonYear int
	ProviderID int64
	Status     string
}

// ListSettlements returns the settlements p may read, in the order they were opened, with their statements.
func (s *Service) ListSettlements(ctx context.Context, p scope.Principal, f Filter, r page.Request) ([]Settlement, *string, error) {
	q, err := visibleSettlements(s.db.WithContext(ctx).Model(&Settlement{}), p)
	if err != nil {
		return nil, nil, err
	}
	if f.CountyCode != "" {
		q = q.Where("settlements.county_code = ?", f.CountyCode[:6])
	}
	if f.SeasonYear != 0 {
		q = q.Where("settlements.season_year = ?", f.SeasonYear)
	}
	if f.ProviderID != 0 {
		q = q.Where("settlements.provider_id = ?", f.ProviderID)
	}
	if f.Status != "" {
		q = q.Where("settlements.status = ?", f.Status)
	}
	after, err := r.AfterID()
	if err != nil {
		return nil, nil, err
	}
	var list []Settlement
	if err := q.Where("settlements.id > ?", after).Order("settlements.id").Limit(r.Limit + 1).Find(&list).Error; err != nil {
		return nil, nil, err
	}
	list, next := page.Trim(list, r, func(s Settlement) string { return strconv.FormatInt(s.ID, 10) })
	for i := range list {
		if list[i].Status == Draft {
			if list[i].Statement, err = compute(ctx, s.db.WithContext(ctx), list[i].CountyCode, list[i].SeasonYear, list[i].ProviderID); err != nil {
				return nil, nil, err
			}
		} else if err := json.Unmarshal(list[i].Frozen, &list[i].Statement); err != nil {
			return nil, nil, err
		}
	}
	return list, next, nil
}
