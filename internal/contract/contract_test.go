package contract_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// activation is the outcome of one goroutine's activation.
type activation struct {
	id      int64
	err     error
	retries int
}

// activateAll activates every contract of ids at once, one goroutine each, released together. A goroutine
// that is told the parcels are busy (Unavailable) tries again, as a client would.
func activateAll(t *testing.T, f *custodytest.Fixture, p scope.Principal, ids []int64) []activation {
	t.Helper()
	out := make([]activation, len(ids))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			<-start
			out[i].id = id
			for {
				_, err := f.Services.Contracts.Activate(context.Background(), p, id)
				out[i].err = err
				if fault.KindOf(err) != fault.Unavailable || out[i].retries == 20 {
					return
				}
				out[i].retries++
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	close(start)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("concurrent activations did not finish within 60 s: deadlock")
	}
	return out
}

// tally counts the successes and checks that every failure is a Conflict (a busy parcel after all retries
// would be Unavailable, which the caller counts as a failure to fit, never a 5xx).
func tally(t *testing.T, results []activation) (ok int) {
	t.Helper()
	retries := 0
	for _, r := range results {
		retries += r.retries
		switch k := fault.KindOf(r.err); {
		case r.err == nil:
			ok++
		case k == fault.Conflict:
		case k == fault.Unavailable:
			t.Errorf("contract %d: still Unavailable after %d retries: %v", r.id, r.retries, r.err)
		default:
			t.Errorf("contract %d: error of kind %d (would be a 5xx or a wrong status): %v", r.id, k, r.err)
		}
	}
	t.Logf("%d of %d activated, %d retries after Unavailable", ok, len(results), retries)
	return ok
}

// soldArea reads, per parcel and operation type, the area that active contracts sell.
func soldArea(t *testing.T, f *custodytest.Fixture) map[string]decimal.Decimal {
	t.Helper()
	var rows []struct {
		ParcelID int64
		OpType   string
		Area     string
	}
	err := f.DB.Raw(`SELECT cp.parcel_id, cs.op_type, sum(cp.area_mu)::text AS area
		FROM contract_parcels cp
		JOIN contracts c ON c.county_code = cp.county_code AND c.id = cp.contract_id
		JOIN contract_services cs ON cs.county_code = c.county_code AND cs.contract_id = c.id
		WHERE c.status = 'active' GROUP BY cp.parcel_id, cs.op_type`).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]decimal.Decimal{}
	for _, r := range rows {
		out[fmt.Sprint(r.ParcelID, "/", r.OpType)] = decimal.RequireFromString(r.Area)
	}
	return out
}

// count runs a counting query.
func count(t *testing.T, f *custodytest.Fixture, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.DB.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// checkActivated checks, from the database, that exactly the contracts that were reported activated are
// active with their delivery caps and an audit event, and the others are still drafts without caps.
func checkActivated(t *testing.T, f *custodytest.Fixture, results []activation) {
	t.Helper()
	for _, r := range results {
		var status string
		if err := f.DB.Raw("SELECT status FROM contracts WHERE id = ?", r.id).Scan(&status).Error; err != nil {
			t.Fatal(err)
		}
		caps := count(t, f, "SELECT count(*) FROM delivery_caps WHERE contract_id = ?", r.id)
		events := count(t, f, "SELECT count(*) FROM audit_events WHERE action = 'contract.activate' AND object_id = ?", fmt.Sprint(r.id))
		switch {
		case r.err == nil && (status != contract.StatusActive || caps == 0 || events != 1):
			t.Errorf("contract %d reported activated: status %s, %d caps, %d audit events", r.id, status, caps, events)
		case r.err != nil && (status != contract.StatusDraft || caps != 0 || events != 0):
			t.Errorf("contract %d refused (%v): status %s, %d caps, %d audit events", r.id, r.err, status, caps, events)
		}
	}
}

func TestActivateConcurrentSameParcel(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "sowing")
	pc := s.Parcel(t, "10.00")
	// All 50 contracts contain today, so any two overlap; each sells 3.00 of the 10.00 mu for ploughing:
	// exactly three fit.
	ids := make([]int64, 50)
	for i := range ids {
		terms := s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "3.00")}, custodytest.Line("ploughing", 1+i%3))
		terms.Start, terms.End = f.DaysAgo(10*(i%5)), f.Today.AddDate(0, 0, 10*(i%7))
		ids[i] = f.Draft(t, terms).ID
	}
	results := activateAll(t, f, f.Admin, ids)
	if ok := tally(t, results); ok != 3 {
		t.Errorf("%d contracts activated, want exactly 3", ok)
	}
	sold := soldArea(t, f)
	if got := sold[fmt.Sprint(pc.ID, "/ploughing")]; !got.Equal(decimal.RequireFromString("9.00")) {
		t.Errorf("active contracts sell %s mu of the parcel for ploughing, want 9.00", got)
	}
	for k, v := range sold {
		if v.GreaterThan(pc.AreaMu.Decimal()) {
			t.Errorf("%s over-allocated: %s mu of %s", k, v, pc.AreaMu)
		}
	}
	checkActivated(t, f, results)
}

func TestActivateConcurrentOppositeParcelOrder(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "harvesting")
	a, b := s.Parcel(t, "10.00"), s.Parcel(t, "10.00")
	// Contracts X list parcels A, B and contracts Y list B, A; each sells 4.00 of each: two fit in all.
	ids := make([]int64, 50)
	for i := range ids {
		parcels := []contract.ParcelInput{custodytest.Area(t, a.ID, "4.00"), custodytest.Area(t, b.ID, "4.00")}
		if i%2 == 1 {
			parcels[0], parcels[1] = parcels[1], parcels[0]
		}
		ids[i] = f.Draft(t, s.Terms(parcels, custodytest.Line("harvesting", 1))).ID
	}
	results := activateAll(t, f, s.CollectiveUser, ids)
	if ok := tally(t, results); ok != 2 {
		t.Errorf("%d contracts activated, want exactly 2", ok)
	}
	sold := soldArea(t, f)
	for _, pc := range []int64{a.ID, b.ID} {
		if got := sold[fmt.Sprint(pc, "/harvesting")]; !got.Equal(decimal.RequireFromString("8.00")) {
			t.Errorf("parcel %d: active contracts sell %s mu for harvesting, want 8.00", pc, got)
		}
	}
	checkActivated(t, f, results)
}

func TestActivateConcurrentMixedOperations(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "sowing", "harvesting")
	pc := s.Parcel(t, "10.00")
	// Two providers may share a parcel for different operations: 3.00 mu contracts for ploughing, sowing
	// and ploughing + sowing. Whatever wins, each operation type stays within the parcel.
	ids := make([]int64, 45)
	for i := range ids {
		lines := [][]contract.LineInput{
			{custodytest.Line("ploughing", 1)},
			{custodytest.Line("sowing", 1)},
			{custodytest.Line("ploughing", 1), custodytest.Line("sowing", 1)},
		}[i%3]
		ids[i] = f.Draft(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "3.00")}, lines...)).ID
	}
	results := activateAll(t, f, f.Admin, ids)
	ok := tally(t, results)
	sold := soldArea(t, f)
	for _, op := range []string{"ploughing", "sowing"} {
		got := sold[fmt.Sprint(pc.ID, "/", op)]
		if got.GreaterThan(decimal.RequireFromString("10.00")) {
			t.Errorf("%s over-allocated: %s mu of 10.00", op, got)
		}
		// Activation is refused only when something does not fit, so no operation type has room for
		// another 3.00 mu contract of its own.
		if got.LessThan(decimal.RequireFromString("9.00")) {
			t.Errorf("%s: only %s mu sold although single-%s contracts were refused", op, got, op)
		}
	}
	if ok < 3 || ok > 6 {
		t.Errorf("%d contracts activated, want 3 to 6", ok)
	}
	checkActivated(t, f, results)
}

func TestActivateOverlapRules(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "sowing")
	pc := s.Parcel(t, "10.00")
	ctx := context.Background()
	on := func(area string) []contract.ParcelInput {
		return []contract.ParcelInput{custodytest.Area(t, pc.ID, area)}
	}
	dated := func(terms custodytest.Terms, from, to int) custodytest.Terms {
		terms.Start, terms.End = f.DaysAgo(from), f.DaysAgo(to)
		return terms
	}
	activate := func(terms custodytest.Terms) error {
		c := f.Draft(t, terms)
		_, err := f.Services.Contracts.Activate(ctx, s.CollectiveUser, c.ID)
		return err
	}
	plough := custodytest.Line("ploughing", 1)
	steps := []struct {
		name  string
		terms custodytest.Terms
		want  fault.Kind // -1: activated
	}{
		{"first half of the year, all of it", dated(s.Terms(on("10.00"), plough), 300, 200), -1},
		{"second half, all of it", dated(s.Terms(on("10.00"), plough), 199, 100), -1},
		{"sowing shares the parcel", dated(s.Terms(on("10.00"), custodytest.Line("sowing", 1)), 300, 100), -1},
		{"overlapping by the end date alone", dated(s.Terms(on("0.01"), plough), 100, 50), fault.Conflict},
		{"overlapping by the start date alone", dated(s.Terms(on("0.01"), plough), 400, 300), fault.Conflict},
		{"after both", dated(s.Terms(on("10.00"), plough), 99, 0), -1},
	}
	for _, st := range steps {
		err := activate(st.terms)
		if st.want == -1 && err != nil || st.want != -1 && fault.KindOf(err) != st.want {
			t.Errorf("%s: got %v, want kind %d", st.name, err, st.want)
		}
	}
	if n := count(t, f, "SELECT count(*) FROM contracts WHERE status = 'active'"); n != 4 {
		t.Errorf("%d active contracts, want 4", n)
	}
	if _, err := f.Services.Contracts.Create(ctx, s.CollectiveUser, f.Input(s.Terms(on("10.01"), plough))); fault.KindOf(err) != fault.Invalid {
		t.Errorf("draft more than the parcel: %v, want Invalid", err)
	}
}

// TestActivateSeparateSeasonsShareParcel activates, on a 10.00 mu parcel, a spring contract and an autumn
// contract of 6.00 mu each, which never run at the same time, then a year-round contract of 4.00 mu: at no
// date is more than 10.00 mu of the parcel sold for ploughing, so all three must be active.
func TestActivateSeparateSeasonsShareParcel(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing")
	pc := s.Parcel(t, "10.00")
	ctx := context.Background()
	for _, c := range []struct {
		area     string
		from, to int
	}{{"6.00", 300, 240}, {"6.00", 120, 60}, {"4.00", 330, 30}} {
		terms := s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, c.area)}, custodytest.Line("ploughing", 1))
		terms.Start, terms.End = f.DaysAgo(c.from), f.DaysAgo(c.to)
		d := f.Draft(t, terms)
		if _, err := f.Services.Contracts.Activate(ctx, s.CollectiveUser, d.ID); err != nil {
			t.Errorf("activate %s mu from %d to %d days ago: %v", c.area, c.from, c.to, err)
		}
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "harvesting")
	pc := s.Parcel(t, "10.00")
	ctx := context.Background()
	svc := f.Services.Contracts
	terms := s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "6.00")}, custodytest.Line("ploughing", 1), custodytest.Line("harvesting", 1))
	c := f.Draft(t, terms)
	if c.Status != contract.StatusDraft || c.ContractedAreaMu.String() != "6.00" {
		t.Fatalf("draft = %+v", c)
	}
	if _, err := svc.Complete(ctx, s.CollectiveUser, c.ID); fault.KindOf(err) != fault.Conflict {
		t.Errorf("complete a draft: %v, want Conflict", err)
	}
	if _, err := svc.Activate(ctx, s.ProviderUser, c.ID); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider activates: %v, want Forbidden", err)
	}
	if _, err := svc.Activate(ctx, s.CollectiveUser, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Activate(ctx, s.CollectiveUser, c.ID); fault.KindOf(err) != fault.Conflict {
		t.Errorf("activate twice: %v, want Conflict", err)
	}
	if _, err := svc.Update(ctx, s.CollectiveUser, c.ID, contract.Input{Crop: new("wheat")}); fault.KindOf(err) != fault.Conflict {
		t.Errorf("update an active contract: %v, want Conflict", err)
	}
	if err := svc.Delete(ctx, s.CollectiveUser, c.ID); fault.KindOf(err) != fault.Conflict {
		t.Errorf("delete an active contract: %v, want Conflict", err)
	}
	if n := count(t, f, "SELECT count(*) FROM delivery_caps WHERE contract_id = ? AND cap_area_mu = 6.00", c.ID); n != 2 {
		t.Errorf("%d delivery caps of 6.00 mu, want 2", n)
	}
	// No confirmed harvest and the end date ahead: it cannot be completed yet.
	if _, err := svc.Complete(ctx, s.CollectiveUser, c.ID); fault.KindOf(err) != fault.Conflict {
		t.Errorf("complete without harvest: %v, want Conflict", err)
	}
	ops := f.Services.Operations
	op, _, err := ops.Create(ctx, s.ProviderUser, c.ID, "", operation.Input{ParcelID: pc.ID, OpType: "harvesting",
		OpDate: f.Today, AreaMu: custodytest.Dec2(t, "6.00"), YieldKg: new(custodytest.Dec2(t, "3100.00"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Complete(ctx, s.CollectiveUser, c.ID); fault.KindOf(err) != fault.Conflict {
		t.Errorf("complete with a recorded, unconfirmed harvest: %v, want Conflict", err)
	}
	if _, err := ops.Confirm(ctx, s.CollectiveUser, op.ID); err != nil {
		t.Fatal(err)
	}
	done, err := svc.Complete(ctx, s.CollectiveUser, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	harvest, _ := done.LineOf("harvesting")
	if done.Status != contract.StatusCompleted || done.ClosedAt == nil || harvest.ConfirmedAreaMu.String() != "6.00" || harvest.ConfirmedYieldKg.String() != "3100.00" {
		t.Errorf("completed = status %s closed %v harvested %s / %s", done.Status, done.ClosedAt, harvest.ConfirmedAreaMu, harvest.ConfirmedYieldKg)
	}
	if _, err := svc.Terminate(ctx, s.CollectiveUser, c.ID, "late"); fault.KindOf(err) != fault.Conflict {
		t.Errorf("terminate a completed contract: %v, want Conflict", err)
	}

	// A terminated contract frees its parcel and takes no more operations.
	c2 := f.Draft(t, terms)
	if _, err := svc.Activate(ctx, s.CollectiveUser, c2.ID); err != nil {
		t.Fatalf("activate on the parcel a completed contract held: %v", err)
	}
	if _, err := svc.Terminate(ctx, s.CollectiveUser, c2.ID, "  "); fault.KindOf(err) != fault.Invalid {
		t.Errorf("terminate without a reason: %v, want Invalid", err)
	}
	ended, err := svc.Terminate(ctx, s.CollectiveUser, c2.ID, "farmer moved away")
	if err != nil {
		t.Fatal(err)
	}
	if ended.Status != contract.StatusTerminated || ended.TerminationReason == nil || *ended.TerminationReason != "farmer moved away" {
		t.Errorf("terminated = %+v", ended)
	}
	_, _, err = ops.Create(ctx, s.ProviderUser, c2.ID, "", operation.Input{ParcelID: pc.ID, OpType: "ploughing",
		OpDate: f.Today, AreaMu: custodytest.Dec2(t, "1.00")})
	if fault.KindOf(err) != fault.Conflict {
		t.Errorf("log on a terminated contract: %v, want Conflict", err)
	}
	if n := count(t, f, "SELECT count(*) FROM operations WHERE contract_id = ?", c2.ID); n != 0 {
		t.Errorf("%d operations on the terminated contract", n)
	}
	c3 := f.Draft(t, terms)
	if _, err := svc.Activate(ctx, s.CollectiveUser, c3.ID); err != nil {
		t.Errorf("activate on the parcel a terminated contract held: %v", err)
	}
}
