package subsidy

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Sample is a draw of a county's confirmed operations of a season to check in the field (抽查).
type Sample struct {
	CountyCode string    `gorm:"column:county_code"`
	ID         int64     `gorm:"column:id"`
	SeasonYear int       `gorm:"column:season_year"`
	SamplePct  num.Dec2  `gorm:"column:sample_pct"`
	Seed       int64     `gorm:"column:seed"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	Items      []Item    `gorm:"-"`
}

// TableName is the table samples live in.
func (Sample) TableName() string { return "verification_samples" }

// Item is an operation drawn, and what the field check found, once it is recorded.
type Item struct {
	OperationID    int64      `gorm:"column:operation_id"`
	ProviderID     int64      `gorm:"column:provider_id"`
	ContractID     int64      `gorm:"column:contract_id"`
	CollectiveID   int64      `gorm:"column:collective_id"`
	ParcelID       int64      `gorm:"column:parcel_id"`
	OpType         string     `gorm:"column:op_type"`
	OpDate         time.Time  `gorm:"column:op_date"`
	AreaMu         num.Dec2   `gorm:"column:area_mu"`
	VerifiedAreaMu *num.Dec2  `gorm:"column:verified_area_mu"`
	Note           *string    `gorm:"column:note"`
	CheckedBy      *int64     `gorm:"column:checked_by"`
	CheckedAt      *time.Time `gorm:"column:checked_at"`
}

// ProviderCheck sums a provider's checked items: discrepancy_pct = (sampled − verified) / sampled × 100, the
// verified area of an item counted at most as its logged area.
type ProviderCheck struct {
	ProviderID     int64
	Items, Checked int
	SampledAreaMu  decimal.Decimal
	VerifiedAreaMu decimal.Decimal
}

// DiscrepancyPct is (sampled − verified) / sampled × 100 over the checked items, rounded once; nil before any
// check.
func (c ProviderCheck) DiscrepancyPct() *num.Dec2 {
	v, ok := num.DivRound2(c.SampledAreaMu.Sub(c.VerifiedAreaMu).Mul(hundred), c.SampledAreaMu)
	if !ok {
		return nil
	}
	return &v
}

// Providers sums the sample's checked items per provider, every provider drawn in the order of its id.
func (s Sample) Providers() []ProviderCheck {
	by := map[int64]*ProviderCheck{}
	var ids []int64
	for _, it := range s.Items {
		c := by[it.ProviderID]
		if c == nil {
			c = &ProviderCheck{ProviderID: it.ProviderID}
			by[it.ProviderID] = c
			ids = append(ids, it.ProviderID)
		}
		c.Items++
		if it.VerifiedAreaMu != nil && it.CheckedAt != nil {
			c.Checked++
			c.SampledAreaMu = c.SampledAreaMu.Add(it.AreaMu.Decimal())
			c.VerifiedAreaMu = c.VerifiedAreaMu.Add(decimal.Min(it.VerifiedAreaMu.Decimal(), it.AreaMu.Decimal()))
		}
	}
	slices.Sort(ids)
	out := make([]ProviderCheck, len(ids))
	for i, id := range ids {
		out[i] = *by[id]
	}
	return out
}

// maxSeed keeps seeds within what every JSON client reads exactly.
const maxSeed = 1<<53 - 1

// Draw draws a sample of the operations confirmed now in county and year, on contracts that are not drafts
// (docs/subsidies.md): at least ceil(N × pct / 100) of the N, at most that plus the number of providers, every
// provider with confirmed work drawn at least once, no operation twice. The same seed over the same population
// draws the same operations; a seed is chosen when seed is nil, and pct defaults to the policy's (Invalid
// naming sample_pct without either). The county's own bureau or admin. Audited.
func (s *Service) Draw(ctx context.Context, p scope.Principal, county string, year int, pct *num.Dec2, seed *int64) (Sample, error) {
	if err := mayKeepSettlements(p, county); err != nil {
		return Sample{}, err
	}
	var errs fault.Fields
	if seed != nil && (*seed < 0 || *seed > maxSeed) {
		errs.Add("seed", "must be between 0 and %d", maxSeed)
	}
	if pct != nil && (pct.Sign() <= 0 || pct.Decimal().GreaterThan(hundred)) {
		errs.Add("sample_pct", "must be greater than 0 and at most 100")
	}
	if err := errs.Err(); err != nil {
		return Sample{}, err
	}
	if seed == nil {
		var b [8]byte
		_, _ = rand.Read(b[:])
		v := int64(binary.LittleEndian.Uint64(b[:]) & maxSeed)
		seed = &v
	}
	var out Sample
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if pct == nil {
			pol, ok, err := Lookup(tx, county[:6], year)
			if err != nil {
				return err
			}
			if !ok {
				return fault.Invalidf("sample_pct", "is required: the county has no subsidy policy for %d", year)
			}
			pct = &pol.SamplePct
		}
		var population []Item
		if err := tx.Raw(`SELECT o.id AS operation_id, o.provider_id, o.contract_id, o.collective_id, o.parcel_id, o.op_type, o.op_date, o.area_mu
			FROM operations o JOIN contracts c ON c.county_code = o.county_code AND c.id = o.contract_id
			WHERE o.county_code = ? AND o.season_year = ? AND o.status = 'confirmed' AND c.status <> 'draft'
			ORDER BY o.id`, county[:6], year).Scan(&population).Error; err != nil {
			return err
		}
		items := draw(population, *pct, *seed)
		var id int64
		if err := tx.Raw(`INSERT INTO verification_samples (county_code, season_year, sample_pct, seed, created_by) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			county[:6], year, pct, *seed, p.UserID).Scan(&id).Error; err != nil {
			return err
		}
		if len(items) > 0 {
			rows := make([]map[string]any, len(items))
			for i, it := range items {
				rows[i] = map[string]any{"county_code": county[:6], "sample_id": id, "operation_id": it.OperationID, "provider_id": it.ProviderID,
					"contract_id": it.ContractID, "collective_id": it.CollectiveID, "parcel_id": it.ParcelID, "op_type": it.OpType,
					"op_date": it.OpDate, "area_mu": it.AreaMu}
			}
			if err := tx.Table("verification_items").Create(rows).Error; err != nil {
				return err
			}
		}
		var err error
		if out, err = s.sample(tx, p, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "verification_sample.draw", ObjectType: "verification_sample", ObjectID: id,
			RegionCode: county, After: map[string]any{"sample_pct": out.SamplePct, "seed": out.Seed, "items": len(out.Items)}})
	})
	return out, err
}

// draw picks the sample from population (in operation id order) with a generator seeded by seed: first one
// operation of each provider, uniformly among its own, providers in id order; then, uniformly among the rest,
// as many more as ceil(N × pct / 100) asks beyond those.
func draw(population []Item, pct num.Dec2, seed int64) []Item {
	n := len(population)
	want := int(decimal.NewFromInt(int64(n)).Mul(pct.Decimal()).Div(hundred).Ceil().IntPart())
	rng := mrand.New(mrand.NewPCG(uint64(seed), 0x74756f6775616e))
	byProvider := map[int64][]int{}
	var providers []int64
	for i, it := range population {
		if _, ok := byProvider[it.ProviderID]; !ok {
			providers = append(providers, it.ProviderID)
		}
		byProvider[it.ProviderID] = append(byProvider[it.ProviderID], i)
	}
	slices.Sort(providers)
	taken := make([]bool, n)
	var picked []int
	for _, pr := range providers {
		own := byProvider[pr]
		i := own[rng.IntN(len(own))]
		taken[i] = true
		picked = append(picked, i)
	}
	var rest []int
	for i := range population {
		if !taken[i] {
			rest = append(rest, i)
		}
	}
	rng.Shuffle(len(rest), func(a, b int) { rest[a], rest[b] = rest[b], rest[a] })
	if more := want - len(picked); more > 0 {
		picked = append(picked, rest[:min(more, len(rest))]...)
	}
	slices.Sort(picked)
	out := make([]Item, len(picked))
	for j, i := range picked {
		out[j] = population[i]
	}
	return out
}

// GetSample returns sample id with its items: the county's bureau or admin (Forbidden for other roles,
// NotFound outside the bureau's region).
func (s *Service) GetSample(ctx context.Context, p scope.Principal, id int64) (Sample, error) {
	return s.sample(s.db.WithContext(ctx), p, id)
}

func (s *Service) sample(tx *gorm.DB, p scope.Principal, id int64) (Sample, error) {
	q, err := inCounties(tx.Model(&Sample{}), "verification_samples", p)
	if err != nil {
		return Sample{}, err
	}
	var out Sample
	if err := q.Where("verification_samples.id = ?", id).Take(&out).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return out, fault.NotFoundf("No field sample %d.", id)
	} else if err != nil {
		return out, err
	}
	err = tx.Raw(`SELECT operation_id, provider_id, contract_id, collective_id, parcel_id, op_type, op_date, area_mu, verified_area_mu, note,
			checked_by, checked_at
		FROM verification_items WHERE county_code = ? AND sample_id = ? ORDER BY operation_id`, out.CountyCode, id).Scan(&out.Items).Error
	return out, err
}

// Result is what inspectors measured of one operation of a sample.
type Result struct {
	OperationID    int64
	VerifiedAreaMu num.Dec2
	Note           *string
}

// Record records results on sample id, replacing earlier ones of the same operations: the county's bureau or
// admin. An operation not in the sample, one named twice, a negative area or a note over 500 characters is
// Invalid naming results[i]. Audited.
func (s *Service) Record(ctx context.Context, p scope.Principal, id int64, results []Result) (Sample, error) {
	var out Sample
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sm, err := s.sample(tx, p, id)
		if err != nil {
			return err
		}
		if err := mayKeepSettlements(p, sm.CountyCode+"000000"); err != nil {
			return err
		}
		in := map[int64]bool{}
		for _, it := range sm.Items {
			in[it.OperationID] = true
		}
		var errs fault.Fields
		if len(results) == 0 {
			errs.Add("results", "must list at least one result")
		}
		seen := map[int64]bool{}
		for i, r := range results {
			field := fmt.Sprintf("results[%d]", i)
			switch {
			case !in[r.OperationID]:
				errs.Add(field+".operation_id", "no such operation in the sample")
			case seen[r.OperationID]:
				errs.Add(field+".operation_id", "names an operation twice")
			}
			seen[r.OperationID] = true
			if r.VerifiedAreaMu.Sign() < 0 {
				errs.Add(field+".verified_area_mu", "must not be negative")
			}
			if r.Note != nil && utf8.RuneCountInString(*r.Note) > 500 {
				errs.Add(field+".note", "must be at most 500 characters")
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		for _, r := range results {
			if err := tx.Exec(`UPDATE verification_items SET verified_area_mu = ?, note = ?, checked_by = ?, checked_at = now()
				WHERE county_code = ? AND sample_id = ? AND operation_id = ?`,
				r.VerifiedAreaMu, r.Note, p.UserID, sm.CountyCode, id, r.OperationID).Error; err != nil {
				return err
			}
		}
		if out, err = s.sample(tx, p, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "verification_sample.results", ObjectType: "verification_sample", ObjectID: id,
			RegionCode: sm.CountyCode + "000000", Before: sm.Items, After: out.Items})
	})
	return out, err
}

// CheckRow is a line of the field-check sheet: an operation drawn, named for the inspector who goes to
// measure it, the farm masked.
type CheckRow struct {
	Village, Provider, Contract, Farm, Parcel string
	OpType                                    string
	OpDate                                    time.Time
	AreaMu                                    num.Dec2
}

// CheckSheet returns the rows of sample id's field-check sheet, village by village: the county's bureau or
// admin.
func (s *Service) CheckSheet(ctx context.Context, p scope.Principal, id int64) (Sample, []CheckRow, error) {
	sm, err := s.GetSample(ctx, p, id)
	if err != nil {
		return sm, nil, err
	}
	var rows []CheckRow
	err = s.db.WithContext(ctx).Raw(`SELECT r.name AS village, pr.name AS provider, c.number AS contract, f.name AS farm,
			coalesce(pc.name, pc.code, pc.id::text) AS parcel, v.op_type, v.op_date, v.area_mu
		FROM verification_items v
		JOIN contracts c ON c.county_code = v.county_code AND c.id = v.contract_id
		JOIN regions r ON r.code = c.region_code
		JOIN providers pr ON pr.id = v.provider_id
		JOIN farms f ON f.county_code = c.county_code AND f.id = c.farm_id
		JOIN parcels pc ON pc.county_code = v.county_code AND pc.id = v.parcel_id
		WHERE v.county_code = ? AND v.sample_id = ?
		ORDER BY c.region_code, pr.name, v.op_date, v.operation_id`, sm.CountyCode, id).Scan(&rows).Error
	for i := range rows {
		rows[i].Farm = maskName(rows[i].Farm)
	}
	return sm, rows, err
}

// maskName keeps the first character of a farm's name, which often is its operator's: 张** for 张三户.
func maskName(name string) string {
	r, n := utf8.DecodeRuneInString(name)
	if n == 0 {
		return ""
	}
	return string(r) + "**"
}
