package stats

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Service computes statistics.
type Service struct{ db *gorm.DB }

// NewService returns a Service over db.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }

// Benefit returns every figure of contract id from its confirmed operations, plus its pending area; NotFound
// when p may not read the contract.
func (s *Service) Benefit(ctx context.Context, p scope.Principal, id int64) (contract.Contract, Figures, error) {
	c, err := contract.Lookup(ctx, s.db, p, id, "")
	if err != nil {
		return c, Figures{}, err
	}
	b := &pgx.Batch{}
	ts, err := queueAggregate(ctx, s.db, b, p, Selection{ContractID: id, CountyCode: c.CountyCode}, ByNothing, false)
	if err != nil {
		return c, Figures{}, err
	}
	var w Weights
	queueWeights(b, c.RegionCode, &w)
	if err := send(ctx, s.db, b); err != nil {
		return c, Figures{}, err
	}
	return c, ts[""].Present(w), nil
}

// Row is one line of a statistics table: a key (a collective's id, a township's code, a crop or an
// operation type code), its name and its figures.
type Row struct {
	Key    string
	Name   string
	Totals Totals
}

// Report is an aggregate over a region with its groups, presented with the region's weights.
type Report struct {
	Region  region.Region
	Totals  Totals
	Groups  []Row
	Weights Weights
}

// Collectives returns one row per collective of the selected region that p may see — a collective's own
// account its own row only, a provider the collectives it works for, with its own contracts only — in
// order of id, collectives without contracts included with zero figures, and in Totals their sum. A region
// outside p's scope has no rows. The standard-area weights are those of the selected region, or of p's own
// region.
func (s *Service) Collectives(ctx context.Context, p scope.Principal, sel Selection) (Report, error) {
	var rep Report
	// The rollups, the collectives' names and the weights in one round trip; a provider's figures come from
	// its contracts first, and name the collectives to read.
	b := &pgx.Batch{}
	ts, err := queueAggregate(ctx, s.db, b, p, sel, ByCollective, true)
	if err != nil {
		return rep, err
	}
	var collectives []Row
	queueCollectives(b, p, sel, ts, &collectives)
	weightsOf := sel.RegionCode
	if weightsOf == "" {
		weightsOf = p.RegionCode
	}
	queueWeights(b, weightsOf, &rep.Weights)
	if err := send(ctx, s.db, b); err != nil {
		return rep, err
	}
	whole := ts[""]
	for _, row := range collectives {
		if t := ts[row.Key]; t != nil {
			row.Totals = *t
		}
		rep.Totals.add(row.Totals)
		rep.Groups = append(rep.Groups, row)
	}
	if whole != nil {
		// The counts are of distinct contracts, farms and providers, which do not add up over collectives
		// (a provider works for several): they come from the aggregate of the whole selection.
		rep.Totals.Contracts, rep.Totals.Farms, rep.Totals.Households, rep.Totals.Providers =
			whole.Contracts, whole.Farms, whole.Households, whole.Providers
	}
	return rep, nil
}

// queueCollectives queues on b the reading into *out of the collectives of sel that p may see, in order of id,
// with their names and no figures: a provider's are those its figures ts name.
func queueCollectives(b *pgx.Batch, p scope.Principal, sel Selection, ts map[string]*Totals, out *[]Row) {
	where, args := "true", []any{}
	and := func(c string, a []any) {
		where, args = where+" AND "+c, append(args, a...)
	}
	switch p.Role {
	case scope.Provider:
		ids := []int64{}
		for key := range ts {
			if id, err := strconv.ParseInt(key, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		and("id = ANY (?)", []any{ids})
	case scope.Collective:
		and(scope.OfCollective("collectives", "id", p))
	case scope.Bureau:
		and(scope.Within("collectives", p.RegionPrefix()))
	}
	if sel.RegionCode != "" {
		and(scope.Within("collectives", scope.Prefix(sel.RegionCode)))
	}
	b.Queue(postgres.Numbered(`SELECT id::text, name FROM collectives WHERE `+where+` ORDER BY id`), args...).Query(func(rows pgx.Rows) error {
		var row Row
		_, err := pgx.ForEachRow(rows, []any{&row.Key, &row.Name}, func() error {
			*out = append(*out, row)
			return nil
		})
		return err
	})
}

// Region returns the totals of the selected region — NotFound when p may not see it — split by g. The region,
// its figures (from the rollups) and its weights are read in one round trip, the groups' names in a second.
func (s *Service) Region(ctx context.Context, p scope.Principal, sel Selection, g Grouping) (Report, error) {
	var rep Report
	b := &pgx.Batch{}
	region.QueueGet(b, p, sel.RegionCode, &rep.Region)
	groups, err := queueAggregate(ctx, s.db, b, p, sel, g, true)
	if err != nil {
		return rep, err
	}
	var whole map[string]*Totals
	if g == ByOpType {
		if whole, err = queueAggregate(ctx, s.db, b, p, sel, ByNothing, false); err != nil {
			return rep, err
		}
	}
	queueWeights(b, sel.RegionCode, &rep.Weights)
	if err := send(ctx, s.db, b); err != nil {
		return rep, err
	}
	if rep.Region.Code == "" {
		return rep, fault.NotFoundf("No region %s.", sel.RegionCode)
	}
	if g == ByOpType {
		groups[""] = whole[""]
	}
	if t := groups[""]; t != nil {
		rep.Totals = *t
	}
	delete(groups, "")
	if g != ByNothing {
		names, err := s.names(ctx, g, slices.Sorted(maps.Keys(groups)))
		if err != nil {
			return rep, err
		}
		for _, key := range slices.Sorted(maps.Keys(groups)) {
			rep.Groups = append(rep.Groups, Row{Key: key, Name: names[key], Totals: *groups[key]})
		}
	}
	return rep, nil
}

// names returns the display names of group keys.
func (s *Service) names(ctx context.Context, g Grouping, keys []string) (map[string]string, error) {
	query := map[Grouping]string{
		ByTownship:   "SELECT code AS key, name FROM regions WHERE code IN ?",
		ByCollective: "SELECT id::text AS key, name FROM collectives WHERE id::text IN ?",
		ByCrop:       "SELECT code AS key, name_zh AS name FROM crops WHERE code IN ?",
		ByOpType:     "SELECT code AS key, name_zh AS name FROM operation_types WHERE code IN ?",
	}[g]
	var rows []struct{ Key, Name string }
	if len(keys) > 0 {
		if err := s.db.WithContext(ctx).Raw(query, keys).Scan(&rows).Error; err != nil {
			return nil, err
		}
	}
	names := map[string]string{}
	for _, r := range rows {
		names[r.Key] = r.Name
	}
	return names, nil
}

// CheckSelection validates what a client may choose of a selection.
func CheckSelection(sel Selection) error {
	var errs fault.Fields
	if sel.SeasonYear < 2000 || sel.SeasonYear > 2100 {
		errs.Add("season_year", "must be a year between 2000 and 2100")
	}
	if sel.RegionCode != "" {
		if _, err := scope.Level(sel.RegionCode); err != nil {
			errs.Add("region_code", "%s", err.Error())
		}
	}
	if len(errs) > 0 {
		return &fault.Error{Kind: fault.Malformed, Message: "The request is malformed.", Fields: errs}
	}
	return nil
}
