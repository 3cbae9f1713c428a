package subsidy

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
)

// The rules a policy holds a contract's lines to at activation.
const (
	RuleMaxShare = "max_share"  // a line's subsidy per mu at most max_share_pct of its price per mu
	RuleMaxPerMu = "max_per_mu" // the key operations' subsidy per mu × passes at most max_per_mu in all
)

// Flag is a rule a contract breaks, as an activation under a policy that flags records it.
type Flag struct {
	Rule    string `json:"rule"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Line is what the rules read of a service line.
type Line struct {
	OpType       string
	Passes       int
	PricePerMu   num.Dec2
	SubsidyPerMu num.Dec2
}

var hundred = decimal.NewFromInt(100)

// Cap is the most a line priced price may be subsidised per mu under pol: price × max_share_pct / 100,
// exact (three or four places inside; rounded only when shown).
func (pol Policy) Cap(price num.Dec2) decimal.Decimal {
	return price.Decimal().Mul(pol.MaxSharePct.Decimal()).Div(hundred)
}

// Violations lists the rules lines break under pol, each naming the field at fault: services[i].subsidy_per_mu
// for a line over its share, services for key operations over the sum per mu.
func (pol Policy) Violations(lines []Line) []Flag {
	var flags []Flag
	key := decimal.Zero
	for i, l := range lines {
		if c := pol.Cap(l.PricePerMu); l.SubsidyPerMu.Decimal().GreaterThan(c) {
			flags = append(flags, Flag{Rule: RuleMaxShare, Field: fmt.Sprintf("services[%d].subsidy_per_mu", i),
				Message: fmt.Sprintf("must be at most %s%% of price_per_mu: %s", pol.MaxSharePct, show(c))})
		}
		if slices.Contains(pol.KeyOpTypes, l.OpType) {
			key = key.Add(l.SubsidyPerMu.Decimal().Mul(decimal.NewFromInt(int64(l.Passes))))
		}
	}
	if key.GreaterThan(pol.MaxPerMu.Decimal()) {
		flags = append(flags, Flag{Rule: RuleMaxPerMu, Field: "services",
			Message: fmt.Sprintf("the key operations' subsidy per mu × passes is %s; the policy allows at most %s", show(key), pol.MaxPerMu)})
	}
	return flags
}

// show writes an exact amount with two places, or with all it has when it has more (a cap of 13.332).
func show(d decimal.Decimal) string {
	if d.Equal(d.Round(2)) {
		return d.StringFixed(2)
	}
	return d.String()
}

// Apply holds an activation of a contract of county (six digits) and year with lines to the season's policy,
// in tx: without a policy it finds nothing; a policy that refuses answers Invalid naming each field at fault;
// one that flags returns what it found, for the contract to carry.
func Apply(tx *gorm.DB, county string, year int, lines []Line) ([]Flag, error) {
	pol, ok, err := Lookup(tx, county, year)
	if err != nil || !ok {
		return []Flag{}, err
	}
	flags := pol.Violations(lines)
	if len(flags) == 0 || pol.Enforcement == EnforceFlag {
		return append([]Flag{}, flags...), nil
	}
	errs := fault.Fields{}
	for _, f := range flags {
		errs.Add(f.Field, "%s", f.Message)
	}
	err = errs.Err()
	err.(*fault.Error).Message = fmt.Sprintf("The contract breaks the subsidy policy of %d.", year)
	return nil, err
}
