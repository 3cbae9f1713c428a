package stats

import (
	"context"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// weightsOf returns the standard-area weights in force for region code, read through db (a transaction's, when
// the caller has one), and the region they come from: its own, its nearest ancestor's, or the defaults (""
// as the source).
func (s *Service) weightsOf(ctx context.Context, db *gorm.DB, code string) (Weights, string, error) {
	chain := weightChain(code)
	if len(chain) == 0 {
		return DefaultWeights, "", nil
	}
	var rows []weightRow
	if err := db.WithContext(ctx).Raw(weightsQuery, chain).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	w, source := pickWeights(chain, rows)
	return w, source, nil
}

// queueWeights queues on b the reading of the weights in force for region code into *w, as weightsOf does.
func queueWeights(b *pgx.Batch, code string, w *Weights) {
	chain := weightChain(code)
	if len(chain) == 0 {
		*w = DefaultWeights
		return
	}
	b.Queue(postgres.Numbered(weightsQuery), []string(chain)).Query(func(rows pgx.Rows) error {
		var rs []weightRow
		var r weightRow
		if _, err := pgx.ForEachRow(rows, []any{&r.RegionCode, &r.OpType, &r.Weight}, func() error {
			rs = append(rs, r)
			return nil
		}); err != nil {
			return err
		}
		*w, _ = pickWeights(chain, rs)
		return nil
	})
}

// weightsQuery reads the weights of the regions of a chain, code and ancestors, in one statement.
const weightsQuery = `SELECT region_code, op_type, weight::text FROM standard_area_weights WHERE region_code = ANY (?::text[])`

type weightRow struct {
	RegionCode string
	OpType     string
	Weight     num.Dec4
}

// weightChain is region code and its ancestors, nearest first.
func weightChain(code string) postgres.TextArray {
	var chain postgres.TextArray
	for c, ok := code, code != ""; ok; c, ok = scope.Parent(c) {
		chain = append(chain, c)
	}
	return chain
}

// pickWeights returns the weights of the first region of chain that has any among rows, and that region;
// the defaults and "" when none has: the longest significant prefix wins.
func pickWeights(chain []string, rows []weightRow) (Weights, string) {
	for _, c := range chain {
		w := Weights{}
		for _, r := range rows {
			if r.RegionCode == c {
				w[r.OpType] = r.Weight
			}
		}
		if len(w) > 0 {
			return w, c
		}
	}
	return DefaultWeights, ""
}

// maxWeight is the largest standard-area weight.
var maxWeight = num.MustDec4("10")

// Weights returns the weights in force for region code and their source; NotFound when p may not see it.
func (s *Service) Weights(ctx context.Context, p scope.Principal, code string) (Weights, string, error) {
	if _, err := region.NewService(s.db).Get(ctx, p, code); err != nil {
		return nil, "", err
	}
	return s.weightsOf(ctx, s.db, code)
}

// SetWeights replaces the weights of region code: admin, or a bureau for a region inside its own (others:
// Forbidden; a region p cannot see: NotFound). An empty set removes them, so the region inherits again.
func (s *Service) SetWeights(ctx context.Context, p scope.Principal, code string, in map[string]num.Dec4) (Weights, string, error) {
	if _, err := region.NewService(s.db).Get(ctx, p, code); err != nil {
		return nil, "", err
	}
	if p.Role != scope.Admin && p.Role != scope.Bureau {
		return nil, "", fault.Forbiddenf("Only the bureau and admin set standard area weights.")
	}
	var errs fault.Fields
	ops := slices.Sorted(maps.Keys(in))
	for _, op := range ops {
		if w := in[op]; w.Sign() < 0 || w.Cmp(maxWeight) > 0 {
			errs.Add("weights."+op, "must be between 0 and 10")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, "", err
	}
	var w Weights
	var source string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Concurrent changes of one region's weights take turns on the region's row.
		if err := tx.Exec("SELECT 1 FROM regions WHERE code = ? FOR UPDATE", code).Error; err != nil {
			return err
		}
		unknown, err := reference.ValidOperationTypes(ctx, tx, ops)
		if err != nil {
			return err
		}
		for _, op := range unknown {
			errs.Add("weights."+op, "is not an operation type")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		before, _, err := s.weightsOf(ctx, tx, code)
		if err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM standard_area_weights WHERE region_code = ?", code).Error; err != nil {
			return err
		}
		for _, op := range ops {
			if err := tx.Exec("INSERT INTO standard_area_weights (region_code, op_type, weight) VALUES (?, ?, ?)", code, op, in[op]).Error; err != nil {
				return err
			}
		}
		if w, source, err = s.weightsOf(ctx, tx, code); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, audit.Change{Action: "standard_area_weights.set", ObjectType: "region", ObjectID: code,
			RegionCode: code, Before: map[string]any{"weights": before}, After: map[string]any{"weights": w}})
	})
	return w, source, err
}
