package demo

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/parcel"
	"github.com/tuoguan/tuoguan/internal/provider"
	"github.com/tuoguan/tuoguan/internal/scope"
	"github.com/tuoguan/tuoguan/internal/services"
)

// The principals the load acts as: admin writes the regions and accounts, the county bureau the
// collectives and the provider directory; each village's collective and each provider act for themselves.
var (
	admin  = scope.Principal{Role: scope.Admin, Username: "demo"}
	bureau = scope.Principal{Role: scope.Bureau, Username: "demo", RegionCode: county.code}
)

func collectiveOf(v *village) scope.Principal {
	return scope.Principal{Role: scope.Collective, Username: "demo", CollectiveID: v.id, RegionCode: v.code}
}

func providerOf(pr *prov) scope.Principal {
	return scope.Principal{Role: scope.Provider, Username: "demo", ProviderID: pr.id, RegionCode: pr.region()}
}

// region is the provider's home region: its township, or the county.
func (pr *prov) region() string {
	if pr.def.township < 0 {
		return county.code
	}
	return townships[pr.def.township].code
}

type loader struct {
	svc     services.Services
	plan    *plan
	workers int
	prog    *progress
}

func (l *loader) load(ctx context.Context, adminPassword string) ([]Account, error) {
	var accounts []Account
	l.prog.begin("regions, providers")
	if adminPassword != "" {
		created, err := l.svc.Accounts.Bootstrap(ctx, adminPassword)
		if err != nil {
			return nil, fmt.Errorf("bootstrap admin: %w", err)
		}
		accounts = append(accounts, Account{Username: "admin", Password: adminPassword, Role: "admin", Scope: "everything", Existed: !created})
	}
	l.prog.step(1)
	if err := l.regions(ctx); err != nil {
		return nil, err
	}
	if err := l.providers(ctx); err != nil {
		return nil, err
	}
	l.prog.begin("collectives")
	err := parallel(ctx, l.workers, len(l.plan.villages), func(ctx context.Context, i int) error {
		return l.collective(ctx, l.plan.villages[i])
	})
	if err != nil {
		return nil, err
	}
	l.prog.begin("farms, contracts, work")
	order := slices.Clone(l.plan.villages)
	slices.SortStableFunc(order, func(a, b *village) int { return cmp.Compare(b.work(), a.work()) })
	err = parallel(ctx, l.workers, len(order), func(ctx context.Context, i int) error {
		if err := l.village(ctx, order[i]); err != nil {
			return fmt.Errorf("village %s %s: %w", order[i].code, order[i].name, err)
		}
		l.prog.village()
		return nil
	})
	if err != nil {
		return nil, err
	}
	l.prog.begin("subsidies, accounts")
	if err := l.subsidies(ctx); err != nil {
		return nil, err
	}
	if err := l.suspend(ctx); err != nil {
		return nil, err
	}
	more, err := l.accounts(ctx)
	return append(accounts, more...), err
}

// work estimates how long a village takes to load, so the largest start first.
func (v *village) work() int {
	n := len(v.farms)
	for _, c := range v.contracts {
		n += 2 + 2*len(c.ops)
	}
	return n
}

// parallel runs fn for 0 … n−1 on at most workers goroutines and returns the first error, after which no
// new call starts.
func parallel(ctx context.Context, workers, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// regions creates the region tree down to the villages; regions that exist already are kept.
func (l *loader) regions(ctx context.Context) error {
	defs := []regionDef{province, city, county}
	for _, t := range l.plan.towns {
		defs = append(defs, regionDef{t.def.code, t.def.name})
	}
	for _, v := range l.plan.villages {
		defs = append(defs, regionDef{v.code, v.name})
	}
	for _, d := range defs {
		if _, err := l.svc.Regions.Create(ctx, admin, d.code, d.name); err != nil && fault.KindOf(err) != fault.Conflict {
			return fmt.Errorf("region %s %s: %w", d.code, d.name, err)
		}
		l.prog.step(1)
	}
	return nil
}

func (l *loader) providers(ctx context.Context) error {
	for _, pr := range l.plan.providers {
		region := pr.region()
		ops := slices.Clone(pr.def.ops)
		ms := slices.Clone(pr.def.machinery)
		got, err := l.svc.Providers.Create(ctx, bureau, provider.Input{
			Name: &pr.def.name, Kind: &pr.def.kind, CreditCode: pr.creditCode, RegionCode: &region,
			OperationTypes: &ops, Machinery: &ms, ContactName: &pr.contact.name, ContactPhone: &pr.contact.phone,
		})
		if err != nil {
			return fmt.Errorf("provider %s: %w", pr.def.name, err)
		}
		pr.id = got.ID
		l.prog.step(1)
	}
	return nil
}

func (l *loader) collective(ctx context.Context, v *village) error {
	c := v.collective
	got, err := l.svc.Collectives.Create(ctx, bureau, collective.Input{
		Name: &c.name, CreditCode: &c.creditCode, RegionCode: &v.code, ContactName: &c.contact.name, ContactPhone: &c.contact.phone,
	})
	if err != nil {
		return fmt.Errorf("collective %s: %w", c.name, err)
	}
	v.id = got.ID
	l.prog.step(1)
	return nil
}

// village registers the village's farms and parcels and runs its custody seasons, as its collective and
// the providers working there.
func (l *loader) village(ctx context.Context, v *village) error {
	cp := collectiveOf(v)
	for _, f := range v.farms {
		in := farm.Input{Kind: &f.kind, Name: &f.name, OperatorName: &f.operator.name, IDNumber: &f.operator.idNumber, Phone: &f.operator.phone}
		if f.kind == farm.KindFamilyFarm {
			area := dec2(f.areaCents)
			in.RegisteredOn, in.CreditCode, in.DemonstrationLevel = f.registeredOn, f.creditCode, &f.level
			in.BusinessModels, in.OperatedAreaMu = &f.models, &area
		}
		got, err := l.svc.Farms.Create(ctx, cp, in)
		if err != nil {
			return fmt.Errorf("farm %s: %w", f.name, err)
		}
		f.id = got.ID
		l.prog.step(1)
		for _, pc := range f.parcels {
			area := dec2(pc.areaCents)
			got, err := l.svc.Parcels.Create(ctx, cp, parcel.Input{FarmID: &f.id, Name: &pc.name, AreaMu: &area,
				LandType: &pc.landType, Code: pc.code, CertificateNo: pc.cert, Boundary: pc.boundary})
			if err != nil {
				return fmt.Errorf("farm %s, parcel %s: %w", f.name, pc.name, err)
			}
			pc.id = got.ID
			l.prog.step(1)
		}
	}
	for _, season := range seasons {
		if err := l.season(ctx, v, cp, season); err != nil {
			return fmt.Errorf("season %d: %w", season, err)
		}
	}
	return nil
}

// season drafts and activates the village's contracts of season, has the providers log their work, the
// collective check it, the providers withdraw and log again what was wrong, and closes the contracts.
func (l *loader) season(ctx context.Context, v *village, cp scope.Principal, season int) error {
	var cs []*contractPlan
	var first, again []*opPlan
	for _, c := range v.contracts {
		if c.season != season {
			continue
		}
		cs = append(cs, c)
		for _, o := range c.ops {
			if o.relog {
				again = append(again, o)
			} else {
				first = append(first, o)
			}
		}
	}
	for _, c := range cs {
		if err := l.draft(ctx, cp, c); err != nil {
			return err
		}
	}
	if err := l.log(ctx, first); err != nil {
		return err
	}
	for _, o := range first {
		if err := l.check(ctx, cp, o); err != nil {
			return err
		}
	}
	if err := l.log(ctx, again); err != nil {
		return err
	}
	for _, o := range again {
		if err := l.check(ctx, cp, o); err != nil {
			return err
		}
	}
	for _, c := range cs {
		var err error
		switch c.final {
		case contract.StatusCompleted:
			_, err = l.svc.Contracts.Complete(ctx, cp, c.id)
		case contract.StatusTerminated:
			_, err = l.svc.Contracts.Terminate(ctx, cp, c.id, c.reason)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("close contract of %s (%s): %w", c.farm.name, c.final, err)
		}
		l.prog.step(1)
	}
	return nil
}

// draft creates contract c and, unless it stays a draft, activates it.
func (l *loader) draft(ctx context.Context, cp scope.Principal, c *contractPlan) error {
	parcels := make([]contract.ParcelInput, len(c.parcels))
	for i, p := range c.parcels {
		parcels[i] = contract.ParcelInput{ParcelID: p.parcel.id, AreaMu: dec2(p.areaCents)}
	}
	lines := make([]contract.LineInput, len(c.lines))
	for i, ln := range c.lines {
		lines[i] = contract.LineInput{OpType: ln.op, Passes: ln.passes, PricePerMu: dec2(ln.price),
			SubsidyPerMu: dec2(ln.subsidy), BaselineCostPerMu: dec2(ln.baseline)}
	}
	fee, yield, price := dec2(c.feeCents), dec2(c.yieldCents), dec4(c.priceKg)
	got, err := l.svc.Contracts.Create(ctx, cp, contract.Input{
		FarmID: &c.farm.id, ProviderID: &c.prov.id, Crop: &c.crop, SeasonYear: &c.season, Mode: &c.mode,
		StartDate: &c.start, EndDate: &c.end, Parcels: &parcels, Services: &lines,
		CollectiveFeePerMu: &fee, BaselineYieldKgPerMu: &yield, PricePerKg: &price,
	})
	if err != nil {
		return fmt.Errorf("contract of %s with %s: %w", c.farm.name, c.prov.def.name, err)
	}
	c.id = got.ID
	l.prog.step(1)
	if c.final == contract.StatusDraft {
		return nil
	}
	if _, err := l.svc.Contracts.Activate(ctx, cp, c.id); err != nil {
		return fmt.Errorf("activate %s: %w", got.Number, err)
	}
	l.prog.step(1)
	return nil
}

// log has each provider log its operations of ops in batches, as a phone syncing after a day in the
// fields would.
func (l *loader) log(ctx context.Context, ops []*opPlan) error {
	byProvider := map[*prov][]*opPlan{}
	for _, o := range ops {
		byProvider[o.contract.prov] = append(byProvider[o.contract.prov], o)
	}
	provs := make([]*prov, 0, len(byProvider))
	for pr := range byProvider {
		provs = append(provs, pr)
	}
	slices.SortFunc(provs, func(a, b *prov) int { return cmp.Compare(a.index, b.index) })
	for _, pr := range provs {
		todo := byProvider[pr]
		for len(todo) > 0 {
			batch := todo[:min(len(todo), operation.MaxBatch)]
			todo = todo[len(batch):]
			items := make([]operation.Item, len(batch))
			for i, o := range batch {
				items[i] = operation.Item{ContractID: o.contract.id, Input: o.input()}
			}
			results, err := l.svc.Operations.Log(ctx, providerOf(pr), items)
			if err != nil {
				return fmt.Errorf("%s logs %d operations: %w", pr.def.name, len(items), err)
			}
			for i, res := range results {
				if res.Status != operation.Created {
					o := batch[i]
					return fmt.Errorf("%s logs %s of %s on %s: %s: %v", pr.def.name, o.op, o.contract.farm.name,
						o.date.Format("2006-01-02"), res.Status, res.Err)
				}
				batch[i].id = res.Operation.ID
			}
			l.prog.step(len(batch))
		}
	}
	return nil
}

// input is what the provider's phone sends for o.
func (o *opPlan) input() operation.Input {
	in := operation.Input{ParcelID: o.parcel.id, OpType: o.op, OpDate: o.date, AreaMu: dec2(o.areaCents),
		Machine: &o.machine, Operator: &o.operator, Inputs: o.inputs}
	if o.machine == "" {
		in.Machine = nil
	}
	if o.op == operation.Harvesting {
		y := dec2(o.yieldCents)
		in.YieldKg = &y
	}
	if o.moisture != nil {
		m := dec2(*o.moisture)
		in.MoisturePct = &m
	}
	if o.parcel.boundary != nil {
		in.Location = json.RawMessage(`{"type":"Point","coordinates":[` +
			strconv.FormatFloat(o.parcel.lon, 'f', 7, 64) + "," + strconv.FormatFloat(o.parcel.lat, 'f', 7, 64) + "]}")
	}
	if o.note != "" {
		in.Note = &o.note
	}
	return in
}

// check is what the collective, and after a dispute the provider, do with a logged operation.
func (l *loader) check(ctx context.Context, cp scope.Principal, o *opPlan) error {
	pp := providerOf(o.contract.prov)
	var steps []func() error
	confirm := func() error { _, err := l.svc.Operations.Confirm(ctx, cp, o.id); return err }
	dispute := func() error { _, err := l.svc.Operations.Dispute(ctx, cp, o.id, o.reason); return err }
	void := func() error { _, err := l.svc.Operations.Void(ctx, pp, o.id); return err }
	switch o.fate {
	case fateConfirm:
		steps = append(steps, confirm)
	case fateDispute:
		steps = append(steps, dispute)
	case fateDisputeConfirm:
		steps = append(steps, dispute, confirm)
	case fateDisputeVoid:
		steps = append(steps, dispute, void)
	case fateVoid:
		steps = append(steps, void)
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("operation %d (%s of %s, %s): %w", o.id, o.op, o.contract.farm.name, o.fate, err)
		}
		l.prog.step(1)
	}
	return nil
}

// suspend suspends the provider whose licence lapsed after the 2025 season.
func (l *loader) suspend(ctx context.Context) error {
	for _, pr := range l.plan.providers {
		if pr.def.name != suspendedProvider {
			continue
		}
		status := provider.StatusSuspended
		if _, err := l.svc.Providers.Update(ctx, bureau, pr.id, provider.Input{Status: &status}); err != nil {
			return fmt.Errorf("suspend %s: %w", pr.def.name, err)
		}
	}
	l.prog.step(1)
	return nil
}

// accounts creates the demo accounts of the bureau, a collective and a provider.
func (l *loader) accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	for _, a := range demoAccounts {
		in := account.NewUser{Username: a.Username, Password: a.Password, Role: scope.Role(a.Role)}
		switch a.Role {
		case "bureau":
			in.RegionCode = county.code
		case "collective":
			v := l.plan.villages[0]
			in.CollectiveID, a.Scope = v.id, v.collective.name+" "+v.code
		case "provider":
			pr := l.plan.provider(a.Username)
			in.ProviderID, a.Scope = pr.id, pr.def.name
		}
		if _, err := l.svc.Accounts.Create(ctx, admin, in); err != nil {
			if fault.KindOf(err) != fault.Conflict {
				return nil, fmt.Errorf("account %s: %w", a.Username, err)
			}
			a.Existed = true
		}
		out = append(out, a)
		l.prog.step(1)
	}
	return out, nil
}

// provider returns the provider whose demo account is key.
func (p *plan) provider(key string) *prov {
	for _, pr := range p.providers {
		if pr.def.key == key {
			return pr
		}
	}
	panic("no provider " + key)
}

func dec4(tenThousandths int64) num.Dec4 {
	return num.MustDec4(itoa(tenThousandths/10000) + "." + fmt.Sprintf("%04d", tenThousandths%10000))
}
