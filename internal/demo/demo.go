// Package demo loads a realistic data set of Huanglong County (黄龙县, Yan'an, Shaanxi): its seven townships
// and fifty villages with their collectives, 936 family farms operating exactly 228,500.00 mu, 2,200
// households with their parcels, forty providers, and the custody contracts and field operations of the
// 2025 and 2026 seasons, with the county's 2026 benefit calibrated to about 180 yuan per mu.
//
// Everything is drawn from a seeded random source before anything is written, so one seed always gives the
// same data set, and is then written through the domain services with the same validation as the API:
// the bureau registers the collectives and providers, each village's collective its farms, parcels and
// contracts, each provider logs its work in batches, and the collectives confirm or dispute it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/services"
)

// DefaultSeed is the seed of the demo data set.
const DefaultSeed = 20260

// Options tune a load; the zero value loads the full county with the default seed.
type Options struct {
	// Seed selects the data set; 0 means DefaultSeed.
	Seed uint64
	// Scale shrinks (or grows) the county: the numbers of villages (at least one per township), family
	// farms, their total area and households are the full county's times Scale. 0 means 1, and it is at
	// least 0.01. The county's 936 family farms on 228,500.00 mu are what Scale 1 loads. It is exact, so that
	// the area it scales stays exact too.
	Scale decimal.Decimal
	// Workers is how many villages load at once; 0 means 4.
	Workers int
	// Today is the date no operation may come after; zero means today in China, and a later one makes
	// the services refuse the work dated after the real today.
	Today time.Time
	// AdminPassword, when set, creates the bootstrap account "admin" with it if no admin account exists.
	AdminPassword string
	// Progress receives progress reports, as a bar redrawn in place when Terminal is set and as plain
	// lines otherwise; nil reports nothing.
	Progress io.Writer
	Terminal bool
}

// minScale is the smallest Scale.
var minScale = decimal.New(1, -2)

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Scale.Sign() <= 0 {
		o.Scale = decimal.NewFromInt(1)
	}
	o.Scale = decimal.Max(o.Scale, minScale)
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Today.IsZero() {
		o.Today = calendar.Today(time.Now())
	}
	return o
}

// The demo accounts, one per role besides admin, with their fixed passwords.
var demoAccounts = []Account{
	{Username: "huanglong", Password: "huanglong-demo", Role: "bureau", Scope: "黄龙县 610631000000"},
	{Username: "shibao", Password: "shibao-demo-1", Role: "collective"},
	{Username: "fengshou", Password: "fengshou-demo", Role: "provider"},
}

// Account is a demo account and its password.
type Account struct {
	Username, Password, Role, Scope string
	// Existed is set when the account was there already: its password is then whatever it was.
	Existed bool
}

// SeasonFigures are a season's county aggregate of docs/figures.md (contracts active, completed or terminated).
type SeasonFigures struct {
	Contracts    int
	AreaMu       decimal.Decimal
	CostSaving   decimal.Decimal
	IncomeGain   decimal.Decimal
	Benefit      decimal.Decimal
	BenefitPerMu decimal.Decimal
}

// Summary is what a load wrote.
type Summary struct {
	Seed                                        uint64
	Scale                                       decimal.Decimal
	Townships, Villages, Collectives, Providers int
	FamilyFarms, Households                     int
	FamilyFarmAreaMu                            decimal.Decimal
	Parcels, SurveyedParcels, MismatchParcels   int
	Contracts                                   map[string]int // by status
	Operations                                  map[string]int // by final status
	Seasons                                     map[int]SeasonFigures
	Accounts                                    []Account
	Elapsed                                     time.Duration
}

// ErrNotEmpty is returned by Load when the database already holds collectives.
var ErrNotEmpty = errors.New("the database already holds collectives; the demo data set loads into an empty database only")

// Empty reports whether the database holds no collective yet.
func Empty(ctx context.Context, svc services.Services) (bool, error) {
	cs, _, err := svc.Collectives.List(ctx, admin, collective.Filter{}, page.Request{Limit: 1})
	if err != nil {
		return false, err
	}
	return len(cs) == 0, nil
}

// Load writes the demo data set through svc into a database that holds no collectives yet (ErrNotEmpty
// otherwise). It stops at the first refusal of a service, which would be a bug of the data set or of the
// service, and returns it.
func Load(ctx context.Context, svc services.Services, opt Options) (Summary, error) {
	opt = opt.withDefaults()
	start := time.Now()
	empty, err := Empty(ctx, svc)
	if err != nil {
		return Summary{}, err
	}
	if !empty {
		return Summary{}, ErrNotEmpty
	}
	p := newPlan(opt.Seed, opt.Scale, opt.Today)
	l := &loader{svc: svc, plan: p, workers: opt.Workers,
		prog: newProgress(opt.Progress, opt.Terminal, p.steps(), len(p.villages))}
	accounts, err := l.load(ctx, opt.AdminPassword)
	l.prog.finish()
	if err != nil {
		return Summary{}, err
	}
	s := p.summary()
	s.Accounts = accounts
	s.Elapsed = time.Since(start)
	return s, nil
}

// summary counts what the plan holds.
func (p *plan) summary() Summary {
	s := Summary{Seed: p.seed, Scale: p.scale, Townships: len(p.towns), Villages: len(p.villages),
		Collectives: len(p.villages), Providers: len(p.providers),
		Contracts: map[string]int{}, Operations: map[string]int{}, Seasons: map[int]SeasonFigures{}}
	area := int64(0)
	for _, v := range p.villages {
		for _, f := range v.farms {
			if f.kind == "family_farm" {
				s.FamilyFarms++
				area += f.areaCents
			} else {
				s.Households++
			}
			for _, pc := range f.parcels {
				s.Parcels++
				if pc.boundary != nil {
					s.SurveyedParcels++
				}
				if pc.mismatch {
					s.MismatchParcels++
				}
			}
		}
		for _, c := range v.contracts {
			s.Contracts[c.final]++
			for _, o := range c.ops {
				s.Operations[o.finalStatus()]++
			}
		}
	}
	s.FamilyFarmAreaMu = decimal.New(area, -2)
	for season, f := range p.figures {
		s.Seasons[season] = SeasonFigures{Contracts: f.Contracts, AreaMu: f.AreaMu, CostSaving: f.CostSaving,
			IncomeGain: f.IncomeGain, Benefit: f.Benefit, BenefitPerMu: f.BenefitPerMu()}
	}
	return s
}

// finalStatus is the status an operation ends the load in.
func (o *opPlan) finalStatus() string {
	switch o.fate {
	case fateConfirm, fateDisputeConfirm:
		return "confirmed"
	case fateRecord:
		return "recorded"
	case fateDispute:
		return "disputed"
	}
	return "voided"
}

// steps counts the service calls of a load, the unit of progress.
func (p *plan) steps() int64 {
	n := int64(3 + len(p.towns) + len(p.villages) + len(p.providers) + len(p.villages) + 1 + len(demoAccounts) + 1)
	for _, v := range p.villages {
		for _, f := range v.farms {
			n += 1 + int64(len(f.parcels))
		}
		for _, c := range v.contracts {
			n += 1
			if c.final != "draft" {
				n++
			}
			if c.final == "completed" || c.final == "terminated" {
				n++
			}
			for _, o := range c.ops {
				n += 1 + int64(movesOf(o.fate))
			}
		}
	}
	return n
}

// movesOf is the number of workflow calls after an operation of fate is logged.
func movesOf(fate string) int {
	switch fate {
	case fateConfirm, fateDispute, fateVoid:
		return 1
	case fateDisputeConfirm, fateDisputeVoid:
		return 2
	}
	return 0
}

// String writes the summary for people.
func (s Summary) String() string {
	var b []byte
	w := func(format string, args ...any) { b = fmt.Appendf(b, format, args...) }
	w("Huanglong County demo data set (seed %d, scale %s) loaded in %s:\n", s.Seed, s.Scale, s.Elapsed.Round(100*time.Millisecond))
	w("  %d townships, %d villages with their collectives, %d providers\n", s.Townships, s.Villages, s.Providers)
	w("  %d family farms operating %s mu, %d households\n", s.FamilyFarms, s.FamilyFarmAreaMu.StringFixed(2), s.Households)
	w("  %d parcels (%d surveyed, %d of them 5 %%+ off their declared area)\n", s.Parcels, s.SurveyedParcels, s.MismatchParcels)
	w("  contracts: %d completed, %d active, %d terminated, %d drafts\n",
		s.Contracts["completed"], s.Contracts["active"], s.Contracts["terminated"], s.Contracts["draft"])
	w("  operations: %d confirmed, %d recorded, %d disputed, %d voided\n",
		s.Operations["confirmed"], s.Operations["recorded"], s.Operations["disputed"], s.Operations["voided"])
	for _, season := range seasons {
		if f, ok := s.Seasons[season]; ok {
			w("  season %d: %d contracts on %s mu, benefit %s yuan per mu (cost saving %s, income gain %s)\n",
				season, f.Contracts, f.AreaMu.StringFixed(2), f.BenefitPerMu.StringFixed(2),
				f.CostSaving.StringFixed(2), f.IncomeGain.StringFixed(2))
		}
	}
	if len(s.Accounts) > 0 {
		w("Accounts (log in at POST /api/v1/auth/login):\n")
		for _, a := range s.Accounts {
			pw := a.Password
			if a.Existed {
				pw = "(existed already; password unchanged)"
			}
			w("  %-10s %-38s %-10s %s\n", a.Username, pw, a.Role, a.Scope)
		}
	}
	return string(b)
}
