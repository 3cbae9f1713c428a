package operation_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/provider"
	"github.com/tuoguan/tuoguan/internal/rollup"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// input is an operation of op on parcel dated today.
func input(f *custodytest.Fixture, parcel int64, op, area string) operation.Input {
	in := operation.Input{ParcelID: parcel, OpType: op, OpDate: f.Today, AreaMu: num.MustDec2(area)}
	if op == operation.Harvesting {
		in.YieldKg = new(num.MustDec2("100.00"))
	}
	return in
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// count runs a counting query.
func count(t *testing.T, f *custodytest.Fixture, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.DB.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// run starts n goroutines at once, each calling fn with its index, and fails t unless all return within
// a minute.
func run(t *testing.T, n int, fn func(i int)) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { <-start; fn(i) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	close(start)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("concurrent calls did not finish within 60 s: deadlock")
	}
}

// totals are the running totals as stored, or as recomputed from the operations, keyed by row.
type totals struct {
	caps      map[string]decimal.Decimal // contract/parcel/op: area not voided
	capLimits map[string]decimal.Decimal // contract/parcel/op: cap
	lines     map[string][3]decimal.Decimal
	harvest   map[int64][2]decimal.Decimal // contract: harvested area, yield
}

// String renders x in a stable order, for comparing two readings.
func (x totals) String() string {
	var parts []string
	for k, v := range x.caps {
		parts = append(parts, fmt.Sprintf("cap %s %s/%s", k, v.StringFixed(2), x.capLimits[k].StringFixed(2)))
	}
	for k, v := range x.lines {
		parts = append(parts, fmt.Sprintf("line %s %s %s %s", k, v[0].StringFixed(2), v[1].StringFixed(2), v[2].StringFixed(2)))
	}
	for k, v := range x.harvest {
		parts = append(parts, fmt.Sprintf("contract %d %s %s", k, v[0].StringFixed(2), v[1].StringFixed(2)))
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// stored reads the running totals of contracts ids.
func stored(t *testing.T, f *custodytest.Fixture, ids []int64) totals {
	t.Helper()
	out := totals{caps: map[string]decimal.Decimal{}, capLimits: map[string]decimal.Decimal{},
		lines: map[string][3]decimal.Decimal{}, harvest: map[int64][2]decimal.Decimal{}}
	var caps []struct {
		ContractID         int64
		ParcelID           int64
		OpType, Cap, Usage string
	}
	if err := f.DB.Raw(`SELECT contract_id, parcel_id, op_type, cap_area_mu::text AS cap, active_area_mu::text AS usage
		FROM delivery_caps WHERE contract_id IN ?`, ids).Scan(&caps).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range caps {
		k := fmt.Sprint(c.ContractID, "/", c.ParcelID, "/", c.OpType)
		out.caps[k], out.capLimits[k] = dec(c.Usage), dec(c.Cap)
	}
	var lines []struct {
		ContractID                        int64
		OpType, Active, Confirmed, Voided string
	}
	if err := f.DB.Raw(`SELECT contract_id, op_type, active_area_mu::text AS active, confirmed_area_mu::text AS confirmed,
		voided_area_mu::text AS voided FROM contract_services WHERE contract_id IN ?`, ids).Scan(&lines).Error; err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		out.lines[fmt.Sprint(l.ContractID, "/", l.OpType)] = [3]decimal.Decimal{dec(l.Active), dec(l.Confirmed), dec(l.Voided)}
	}
	var cs []struct {
		ID          int64
		Area, Yield string
	}
	if err := f.DB.Raw(`SELECT contract_id AS id, confirmed_area_mu::text AS area, confirmed_yield_kg::text AS yield
		FROM contract_services WHERE op_type = 'harvesting' AND contract_id IN ?`, ids).Scan(&cs).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		out.harvest[c.ID] = [2]decimal.Decimal{dec(c.Area), dec(c.Yield)}
	}
	return out
}

// recomputed sums the operations of contracts ids by status, over the rows that stored found.
func recomputed(t *testing.T, f *custodytest.Fixture, ids []int64, like totals) totals {
	t.Helper()
	out := totals{caps: map[string]decimal.Decimal{}, lines: map[string][3]decimal.Decimal{}, harvest: map[int64][2]decimal.Decimal{}}
	for k := range like.caps {
		out.caps[k] = decimal.Zero
	}
	for k := range like.lines {
		out.lines[k] = [3]decimal.Decimal{}
	}
	for k := range like.harvest {
		out.harvest[k] = [2]decimal.Decimal{}
	}
	var ops []struct {
		ContractID             int64
		ParcelID               int64
		OpType, Status, AreaMu string
		YieldKg                *string
	}
	if err := f.DB.Raw(`SELECT contract_id, parcel_id, op_type, status, area_mu::text AS area_mu, yield_kg::text AS yield_kg
		FROM operations WHERE contract_id IN ?`, ids).Scan(&ops).Error; err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		area := dec(op.AreaMu)
		ck, lk := fmt.Sprint(op.ContractID, "/", op.ParcelID, "/", op.OpType), fmt.Sprint(op.ContractID, "/", op.OpType)
		l := out.lines[lk]
		if op.Status == operation.StatusVoided {
			l[2] = l[2].Add(area)
		} else {
			out.caps[ck] = out.caps[ck].Add(area)
			l[0] = l[0].Add(area)
		}
		if op.Status == operation.StatusConfirmed {
			l[1] = l[1].Add(area)
			if op.OpType == operation.Harvesting {
				h := out.harvest[op.ContractID]
				out.harvest[op.ContractID] = [2]decimal.Decimal{h[0].Add(area), h[1].Add(dec(*op.YieldKg))}
			}
		}
		out.lines[lk] = l
	}
	return out
}

// checkTotals fails t unless the running totals of contracts ids equal the sums of their operations by
// status, and no delivery cap is exceeded.
func checkTotals(t *testing.T, f *custodytest.Fixture, ids ...int64) {
	t.Helper()
	got := stored(t, f, ids)
	want := recomputed(t, f, ids, got)
	for k, w := range want.caps {
		if g, ok := got.caps[k]; !ok || !g.Equal(w) {
			t.Errorf("delivery cap %s: active %s, operations say %s", k, g, w)
		}
		if lim := got.capLimits[k]; got.caps[k].GreaterThan(lim) {
			t.Errorf("delivery cap %s: active %s exceeds the cap %s", k, got.caps[k], lim)
		}
	}
	for k, w := range want.lines {
		g, ok := got.lines[k]
		for i, name := range []string{"active", "confirmed", "voided"} {
			if !ok || !g[i].Equal(w[i]) {
				t.Errorf("service line %s: %s %s, operations say %s", k, name, g[i], w[i])
			}
		}
	}
	for k, w := range want.harvest {
		if g := got.harvest[k]; !g[0].Equal(w[0]) || !g[1].Equal(w[1]) {
			t.Errorf("contract %d: harvested %s mu / %s kg, operations say %s / %s", k, g[0], g[1], w[0], w[1])
		}
	}
}

// capContract is an active contract selling 10.00 mu of one parcel for one pass of ploughing.
func capContract(t *testing.T, f *custodytest.Fixture) (*custodytest.Scene, int64, contract.Contract) {
	t.Helper()
	s := f.Scene(t, "ploughing")
	pc := s.Parcel(t, "10.00")
	c := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "10.00")}, custodytest.Line("ploughing", 1)))
	return s, pc.ID, c
}

func TestLogConcurrentCap(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s, pc, c := capContract(t, f)
	errs := make([]error, 50)
	ids := make([]int64, 50)
	run(t, 50, func(i int) {
		op, _, err := f.Services.Operations.Create(context.Background(), s.ProviderUser, c.ID, fmt.Sprint("cap-", i), input(f, pc, "ploughing", "1.00"))
		errs[i], ids[i] = err, op.ID
	})
	created, conflicts := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case fault.KindOf(err) == fault.Conflict:
			conflicts++
		default:
			t.Errorf("call %d: %v (kind %d)", i, err, fault.KindOf(err))
		}
	}
	if created != 10 || conflicts != 40 {
		t.Errorf("%d created, %d conflicts; want 10 and 40", created, conflicts)
	}
	var capArea, lineArea string
	f.DB.Raw("SELECT active_area_mu::text FROM delivery_caps WHERE contract_id = ?", c.ID).Scan(&capArea)
	f.DB.Raw("SELECT active_area_mu::text FROM contract_services WHERE contract_id = ?", c.ID).Scan(&lineArea)
	if capArea != "10.00" || lineArea != "10.00" {
		t.Errorf("delivery_caps.active_area_mu = %s, contract_services.active_area_mu = %s; want 10.00", capArea, lineArea)
	}
	if n := count(t, f, "SELECT count(*) FROM operations WHERE contract_id = ?", c.ID); n != 10 {
		t.Errorf("%d operation rows, want 10", n)
	}
	if n := count(t, f, "SELECT count(*) FROM idempotency_keys WHERE user_id = ?", s.ProviderUser.UserID); n != 10 {
		t.Errorf("%d idempotency keys kept, want 10 (refused requests give theirs back)", n)
	}
	if n := count(t, f, "SELECT count(*) FROM audit_events WHERE action = 'operation.create'"); n != 10 {
		t.Errorf("%d operation.create audit events, want 10", n)
	}
	checkTotals(t, f, c.ID)
}

func TestLogConcurrentCapWithVoids(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s, pc, c := capContract(t, f)
	ctx := context.Background()
	// Ten operations fill the cap; while they are voided one by one, 40 more try to log 1.00 mu each.
	var first []int64
	for range 10 {
		op, _, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "", input(f, pc, "ploughing", "1.00"))
		if err != nil {
			t.Fatal(err)
		}
		first = append(first, op.ID)
	}
	errs := make([]error, 50)
	run(t, 50, func(i int) {
		if i < 10 {
			_, errs[i] = f.Services.Operations.Void(ctx, s.ProviderUser, first[i])
			return
		}
		_, _, errs[i] = f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "", input(f, pc, "ploughing", "1.00"))
	})
	created := 0
	for i, err := range errs {
		switch {
		case i < 10 && err != nil:
			t.Errorf("void %d: %v", first[i], err)
		case i >= 10 && err == nil:
			created++
		case i >= 10 && fault.KindOf(err) != fault.Conflict:
			t.Errorf("call %d: %v (kind %d)", i, err, fault.KindOf(err))
		}
	}
	if created > 10 {
		t.Errorf("%d created after the voids, at most 10 fit", created)
	}
	if n := count(t, f, "SELECT count(*) FROM operations WHERE contract_id = ? AND status <> 'voided'", c.ID); n != int64(created) {
		t.Errorf("%d live operations, want %d", n, created)
	}
	checkTotals(t, f, c.ID)
}

func TestCreateReplayConcurrent(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s, pc, c := capContract(t, f)
	ctx := context.Background()
	body := input(f, pc, "ploughing", "2.50")
	body.Note = new("east field")
	type answer struct {
		id     int64
		replay bool
		err    error
	}
	answers := make([]answer, 50)
	run(t, 50, func(i int) {
		op, replay, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "same-key", body)
		answers[i] = answer{op.ID, replay, err}
	})
	fresh := 0
	for i, a := range answers {
		if a.err != nil {
			t.Fatalf("call %d: %v", i, a.err)
		}
		if a.id != answers[0].id {
			t.Errorf("call %d got operation %d, call 0 got %d", i, a.id, answers[0].id)
		}
		if !a.replay {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d calls created the operation, want exactly 1 (the others replay)", fresh)
	}
	id := answers[0].id
	if n := count(t, f, "SELECT count(*) FROM operations WHERE contract_id = ?", c.ID); n != 1 {
		t.Errorf("%d operation rows, want 1", n)
	}
	if n := count(t, f, "SELECT count(*) FROM audit_events WHERE action = 'operation.create' AND object_id = ?", fmt.Sprint(id)); n != 1 {
		t.Errorf("%d operation.create audit events for operation %d, want 1", n, id)
	}
	if n := count(t, f, "SELECT count(*) FROM audit_events WHERE action = 'operation.create'"); n != 1 {
		t.Errorf("%d operation.create audit events in all, want 1", n)
	}

	// The same key with another body is refused and writes nothing.
	other := body
	other.AreaMu = num.MustDec2("2.40")
	if _, _, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "same-key", other); fault.KindOf(err) != fault.Conflict {
		t.Errorf("same key, other body: %v, want Conflict", err)
	}
	if n := count(t, f, "SELECT count(*) FROM operations"); n != 1 {
		t.Errorf("%d operation rows after a reused key, want 1", n)
	}

	// Keys belong to the account: another provider's account, on its own contract, and another account of
	// the same provider each get their own operation for the same key.
	s2, pc2, c2 := capContract(t, f)
	op2, replay, err := f.Services.Operations.Create(ctx, s2.ProviderUser, c2.ID, "same-key", input(f, pc2, "ploughing", "2.50"))
	if err != nil || replay || op2.ID == id || op2.ContractID != c2.ID {
		t.Errorf("other provider, same key: %+v replay=%v err=%v", op2, replay, err)
	}
	colleague := f.ProviderAccount(t, s.Provider.ID)
	op3, replay, err := f.Services.Operations.Create(ctx, colleague, c.ID, "same-key", body)
	if err != nil || replay || op3.ID == id {
		t.Errorf("other account of the provider, same key: %+v replay=%v err=%v", op3, replay, err)
	}
	if n := count(t, f, "SELECT count(*) FROM operations"); n != 3 {
		t.Errorf("%d operation rows, want 3", n)
	}
	if n := count(t, f, "SELECT count(*) FROM idempotency_keys WHERE key = 'same-key'"); n != 3 {
		t.Errorf("%d idempotency keys, want 3 (one per account)", n)
	}
	checkTotals(t, f, c.ID, c2.ID)
}

func TestCreateReplayConcurrentMixedBodies(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s, pc, c := capContract(t, f)
	ctx := context.Background()
	bodies := []operation.Input{input(f, pc, "ploughing", "1.00"), input(f, pc, "ploughing", "2.00")}
	type answer struct {
		body   int
		id     int64
		replay bool
		err    error
	}
	answers := make([]answer, 50)
	run(t, 50, func(i int) {
		op, replay, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "k", bodies[i%2])
		answers[i] = answer{i % 2, op.ID, replay, err}
	})
	var rows []struct {
		ID     int64
		AreaMu string
	}
	if err := f.DB.Raw("SELECT id, area_mu::text AS area_mu FROM operations").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d operation rows, want 1", len(rows))
	}
	winner := map[string]int{"1.00": 0, "2.00": 1}[rows[0].AreaMu]
	fresh := 0
	for i, a := range answers {
		switch {
		case a.body == winner && (a.err != nil || a.id != rows[0].ID):
			t.Errorf("call %d with the winning body: operation %d, %v", i, a.id, a.err)
		case a.body != winner && fault.KindOf(a.err) != fault.Conflict:
			t.Errorf("call %d with the other body: %v, want Conflict", i, a.err)
		case a.err == nil && !a.replay:
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d calls created, want 1", fresh)
	}
	checkTotals(t, f, c.ID)
}

// TestConcurrentLogAndConfirmHarvest logs harvests on a contract while its collective confirms earlier
// ones. Every call is within the cap and allowed, so every call must succeed.
func TestConcurrentLogAndConfirmHarvest(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "harvesting")
	pc := s.Parcel(t, "100.00")
	c := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "100.00")}, custodytest.Line("harvesting", 1)))
	ctx := context.Background()
	var earlier []int64
	for range 10 {
		op, _, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "", input(f, pc.ID, "harvesting", "1.00"))
		if err != nil {
			t.Fatal(err)
		}
		earlier = append(earlier, op.ID)
	}
	errs := make([]error, 20)
	run(t, 20, func(i int) {
		if i%2 == 0 {
			_, errs[i] = f.Services.Operations.Confirm(ctx, s.CollectiveUser, earlier[i/2])
		} else {
			_, _, errs[i] = f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "", input(f, pc.ID, "harvesting", "1.00"))
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d (%s): %v (kind %d)", i, map[bool]string{true: "confirm", false: "log"}[i%2 == 0], err, fault.KindOf(err))
		}
	}
	checkTotals(t, f, c.ID)
}

// TestConcurrentBatchesSharedLines sends batches that draw on disjoint delivery caps (different parcels)
// of the same two service lines. Every item fits, so every item must be created.
func TestConcurrentBatchesSharedLines(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "sowing")
	ctx := context.Background()
	var parcels []contract.ParcelInput
	for range 8 {
		parcels = append(parcels, custodytest.Area(t, s.Parcel(t, "100.00").ID, "100.00"))
	}
	c := f.Active(t, s.Terms(parcels, custodytest.Line("ploughing", 1), custodytest.Line("sowing", 1)))
	errs := make([]error, 8)
	run(t, 8, func(g int) {
		for round := range 10 {
			items := []operation.Item{
				{ContractID: c.ID, Input: input(f, parcels[g].ParcelID, "ploughing", "0.10")},
				{ContractID: c.ID, Input: input(f, parcels[g].ParcelID, "sowing", "0.10")},
			}
			if (g+round)%2 == 1 {
				items[0], items[1] = items[1], items[0]
			}
			rs, err := f.Services.Operations.Log(ctx, s.ProviderUser, items)
			if err == nil {
				for _, r := range rs {
					if r.Status != operation.Created {
						err = fmt.Errorf("item %s: %v", r.Status, r.Err)
					}
				}
			}
			if err != nil {
				errs[g] = fmt.Errorf("round %d: %w (kind %d)", round, err, fault.KindOf(err))
				return
			}
		}
	})
	for g, err := range errs {
		if err != nil {
			t.Errorf("batch sender %d: %v", g, err)
		}
	}
	checkTotals(t, f, c.ID)
}

// TestBatchKeyRepeatedAfterEarlierRequest sends, in one batch, a key an earlier request used: first with
// another body, then with the earlier request's own body. The first is refused; the second is the same
// request again and must be answered with the earlier operation.
func TestBatchKeyRepeatedAfterEarlierRequest(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s, pc, c := capContract(t, f)
	ctx := context.Background()
	body := input(f, pc, "ploughing", "1.00")
	op, _, err := f.Services.Operations.Create(ctx, s.ProviderUser, c.ID, "k", body)
	if err != nil {
		t.Fatal(err)
	}
	other := input(f, pc, "ploughing", "2.00")
	rs, err := f.Services.Operations.Log(ctx, s.ProviderUser, []operation.Item{
		{ContractID: c.ID, Key: "k", Input: other},
		{ContractID: c.ID, Key: "k", Input: body},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Status != operation.Refused || fault.KindOf(rs[0].Err) != fault.Conflict {
		t.Errorf("item 0 (other body): %s %v, want refused Conflict", rs[0].Status, rs[0].Err)
	}
	if rs[1].Status != operation.Exists || rs[1].Operation == nil || rs[1].Operation.ID != op.ID {
		t.Errorf("item 1 (the earlier request again): %s %v, want exists as operation %d", rs[1].Status, rs[1].Err, op.ID)
	}
	if n := count(t, f, "SELECT count(*) FROM operations"); n != 1 {
		t.Errorf("%d operation rows, want 1", n)
	}
}

func TestLogRefusals(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "harvesting")
	pc := s.Parcel(t, "10.00")
	ctx := context.Background()
	ops := f.Services.Operations
	terms := s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "5.00")}, custodytest.Line("ploughing", 1), custodytest.Line("harvesting", 1))
	draft := f.Draft(t, terms)
	terms.Start = f.DaysAgo(10)
	c := f.Active(t, terms)
	stranger := f.Scene(t, "ploughing")
	withYield := input(f, pc.ID, "ploughing", "1.00")
	withYield.YieldKg = new(num.MustDec2("1.00"))
	early := input(f, pc.ID, "ploughing", "1.00")
	early.OpDate = f.DaysAgo(11)
	wet := input(f, pc.ID, "harvesting", "1.00")
	wet.MoisturePct = new(num.MustDec2("100.01"))
	for _, tc := range []struct {
		name     string
		p        scope.Principal
		contract int64
		in       operation.Input
		want     fault.Kind
	}{
		{"a draft", s.ProviderUser, draft.ID, input(f, pc.ID, "ploughing", "1.00"), fault.Conflict},
		{"another provider's contract", stranger.ProviderUser, c.ID, input(f, pc.ID, "ploughing", "1.00"), fault.NotFound},
		{"by the collective", s.CollectiveUser, c.ID, input(f, pc.ID, "ploughing", "1.00"), fault.Forbidden},
		{"yield on ploughing", s.ProviderUser, c.ID, withYield, fault.Invalid},
		{"before the contract", s.ProviderUser, c.ID, early, fault.Invalid},
		{"moisture over 100", s.ProviderUser, c.ID, wet, fault.Invalid},
		{"zero area", s.ProviderUser, c.ID, input(f, pc.ID, "ploughing", "0.00"), fault.Invalid},
	} {
		if _, _, err := ops.Create(ctx, tc.p, tc.contract, "", tc.in); fault.KindOf(err) != tc.want {
			t.Errorf("%s: %v, want kind %d", tc.name, err, tc.want)
		}
	}
	op, _, err := ops.Create(ctx, s.ProviderUser, c.ID, "", input(f, pc.ID, "ploughing", "1.00"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ops.Void(ctx, s.CollectiveUser, op.ID); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("void by the collective: %v, want Forbidden", err)
	}
	if _, err := ops.Confirm(ctx, s.ProviderUser, op.ID); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("confirm by the provider: %v, want Forbidden", err)
	}
	if _, err := ops.Dispute(ctx, s.CollectiveUser, op.ID, " "); fault.KindOf(err) != fault.Invalid {
		t.Errorf("dispute without a reason: %v, want Invalid", err)
	}
	if _, err := ops.Confirm(ctx, stranger.CollectiveUser, op.ID); fault.KindOf(err) != fault.NotFound {
		t.Errorf("confirm by another collective: %v, want NotFound", err)
	}
	suspended := "suspended"
	if _, err := f.Services.Providers.Update(ctx, f.Admin, s.Provider.ID, provider.Input{Status: &suspended}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ops.Create(ctx, s.ProviderUser, c.ID, "", input(f, pc.ID, "ploughing", "1.00")); fault.KindOf(err) != fault.Conflict {
		t.Errorf("log by a suspended provider: %v, want Conflict", err)
	}
	if n := count(t, f, "SELECT count(*) FROM operations"); n != 1 {
		t.Errorf("%d operation rows, want 1", n)
	}
	checkTotals(t, f, c.ID, draft.ID)
}

// batchCase is one item of the big batch with the outcome it must get.
type batchCase struct {
	item   operation.Item
	status string
	kind   fault.Kind // of a refusal
	same   int        // for Exists: index of the batch item whose operation it is, or -1
	sameOp int64      // for Exists of an earlier request: its operation
}

func TestBatchMixed(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "plant_protection", "harvesting")
	ctx := context.Background()
	p1, p2, p3, p4 := s.Parcel(t, "100.00"), s.Parcel(t, "100.00"), s.Parcel(t, "10.00"), s.Parcel(t, "1.00")
	c := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, p1.ID, "100.00"), custodytest.Area(t, p2.ID, "100.00"),
		custodytest.Area(t, p4.ID, "1.00")}, custodytest.Line("ploughing", 1), custodytest.Line("plant_protection", 2),
		custodytest.Line("harvesting", 1)))
	prov := s.ProviderUser
	note := func(in operation.Input, format string, args ...any) operation.Input {
		in.Note = new(fmt.Sprintf(format, args...))
		return in
	}

	// Earlier requests whose keys the batch reuses.
	pre := make([]operation.Item, 20)
	preOp := make([]int64, 20)
	for i := range pre {
		pre[i] = operation.Item{ContractID: c.ID, Key: fmt.Sprint("pre-", i), Input: note(input(f, p1.ID, "ploughing", "0.50"), "pre %d", i)}
		op, _, err := f.Services.Operations.Create(ctx, prov, c.ID, pre[i].Key, pre[i].Input)
		if err != nil {
			t.Fatal(err)
		}
		preOp[i] = op.ID
	}

	ops := []string{"ploughing", "plant_protection", "harvesting"}
	cases := make([]batchCase, 1000)
	for i := range cases {
		key := fmt.Sprint("b-", i)
		round := i / 20
		bc := batchCase{status: operation.Refused, kind: fault.Invalid, same: -1}
		switch i % 20 {
		case 0, 1, 2, 3, 4, 5, 6, 7:
			parcel := []int64{p1.ID, p2.ID}[i%2]
			bc.item = operation.Item{ContractID: c.ID, Key: key, Input: note(input(f, parcel, ops[i%3], "0.10"), "item %d", i)}
			bc.status = operation.Created
		case 8:
			bc.item = operation.Item{ContractID: c.ID, Key: key, Input: input(f, p1.ID, "dancing", "0.10")}
		case 9:
			bc.item = operation.Item{ContractID: c.ID, Key: key, Input: input(f, p2.ID, "ploughing", "500.00")}
			bc.kind = fault.Conflict
		case 10:
			bc.item = operation.Item{ContractID: c.ID, Key: key, Input: input(f, p3.ID, "ploughing", "0.10")}
		case 11:
			in := input(f, p1.ID, "ploughing", "0.10")
			in.OpDate = f.Today.AddDate(0, 0, 1)
			bc.item = operation.Item{ContractID: c.ID, Key: key, Input: in}
		case 12:
			in := input(f, p1.ID, "harvesting", "0.10")
			in.YieldKg = nil
			bc.item = operation.Item{ContractID: c.ID, Key: key, Input: in}
		case 13: // the key and body of this round's item 0
			bc.item = cases[i-13].item
			bc.status, bc.same = operation.Exists, i-13
		case 14: // the key of this round's item 1 with another body
			bc.item = cases[i-13].item
			bc.item.Input = note(bc.item.Input, "changed %d", i)
			bc.kind = fault.Conflict
		case 15: // an earlier request, again
			bc.item = pre[round%10]
			bc.status, bc.sameOp = operation.Exists, preOp[round%10]
		case 16: // an earlier request's key with another body
			bc.item = pre[10+round%10]
			bc.item.Input.AreaMu = num.MustDec2("0.60")
			bc.kind = fault.Conflict
		case 17: // 0.30 mu of a 1.00 mu cap: the first three in request order fit
			bc.item = operation.Item{ContractID: c.ID, Key: key, Input: note(input(f, p4.ID, "ploughing", "0.30"), "item %d", i)}
			if round < 3 {
				bc.status = operation.Created
			} else {
				bc.kind = fault.Conflict
			}
		case 18: // no key
			bc.item = operation.Item{ContractID: c.ID, Input: note(input(f, p2.ID, "plant_protection", "0.10"), "item %d", i)}
			bc.status = operation.Created
		case 19: // the key and body of this round's over-cap item: refused as it was
			bc.item = cases[i-10].item
			bc.kind = fault.Conflict
		}
		cases[i] = bc
	}
	items := make([]operation.Item, len(cases))
	for i, bc := range cases {
		items[i] = bc.item
	}

	began := time.Now()
	results, err := f.Services.Operations.Log(ctx, prov, items)
	elapsed := time.Since(began)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("batch of %d items took %v", len(items), elapsed)
	if len(results) != len(cases) {
		t.Fatalf("%d results for %d items", len(results), len(cases))
	}
	created := map[int64]bool{}
	for i, r := range results {
		bc := cases[i]
		if r.Status != bc.status {
			t.Errorf("item %d (kind %d of the round): %s %v, want %s", i, i%20, r.Status, r.Err, bc.status)
			continue
		}
		switch r.Status {
		case operation.Refused:
			if r.Operation != nil || fault.KindOf(r.Err) != bc.kind {
				t.Errorf("item %d (kind %d of the round): refused with %v (kind %d), want kind %d", i, i%20, r.Err, fault.KindOf(r.Err), bc.kind)
			}
		case operation.Created:
			in := bc.item.Input
			if r.Err != nil || r.Operation == nil || r.Operation.ParcelID != in.ParcelID || r.Operation.OpType != in.OpType ||
				!r.Operation.AreaMu.Equal(in.AreaMu) || created[r.Operation.ID] {
				t.Errorf("item %d: created %+v, %v", i, r.Operation, r.Err)
				continue
			}
			created[r.Operation.ID] = true
		case operation.Exists:
			want := bc.sameOp
			if bc.same >= 0 && results[bc.same].Operation != nil {
				want = results[bc.same].Operation.ID
			}
			if r.Err != nil || r.Operation == nil || r.Operation.ID != want {
				t.Errorf("item %d: exists as %+v, want operation %d", i, r.Operation, want)
			}
		}
	}
	if len(created) != 50*8+3+50 {
		t.Errorf("%d operations created, want %d", len(created), 50*8+3+50)
	}
	// Refused items wrote nothing: no operation, no audit event, no idempotency key.
	if n := count(t, f, "SELECT count(*) FROM operations WHERE contract_id = ?", c.ID); n != int64(len(pre)+len(created)) {
		t.Errorf("%d operation rows, want %d", n, len(pre)+len(created))
	}
	if n := count(t, f, "SELECT count(*) FROM audit_events WHERE action = 'operation.create'"); n != int64(len(pre)+len(created)) {
		t.Errorf("%d operation.create audit events, want %d", n, len(pre)+len(created))
	}
	if n := count(t, f, "SELECT count(*) FROM idempotency_keys WHERE user_id = ?", prov.UserID); n != int64(len(pre)+len(created)-50) {
		t.Errorf("%d idempotency keys, want %d", n, len(pre)+len(created)-50)
	}
	var refusedKeys []string
	for i, bc := range cases {
		if bc.status == operation.Refused && bc.item.Key != "" && bc.item.Key[:2] == "b-" && i%20 != 14 && i%20 != 19 {
			refusedKeys = append(refusedKeys, bc.item.Key)
		}
	}
	if n := count(t, f, "SELECT count(*) FROM idempotency_keys WHERE key IN ?", refusedKeys); n != 0 {
		t.Errorf("%d keys of refused items are kept", n)
	}
	if n := count(t, f, "SELECT count(*) FROM operations WHERE parcel_id = ? OR op_date > ?", p3.ID, f.Today); n != 0 {
		t.Errorf("%d operations of refused items", n)
	}
	checkTotals(t, f, c.ID)

	// A refused item's key can be used again with a corrected body.
	for _, i := range []int{8, 9, 10, 11, 12} {
		in := input(f, p1.ID, "ploughing", "0.10")
		op, replay, err := f.Services.Operations.Create(ctx, prov, c.ID, cases[i].item.Key, in)
		if err != nil || replay {
			t.Errorf("corrected item %d: %+v replay=%v err=%v", i, op, replay, err)
		}
		again, replay, err := f.Services.Operations.Create(ctx, prov, c.ID, cases[i].item.Key, in)
		if err != nil || !replay || again.ID != op.ID {
			t.Errorf("replay of corrected item %d: %d replay=%v err=%v, want %d", i, again.ID, replay, err, op.ID)
		}
	}
	checkTotals(t, f, c.ID)
}

// TestBatchSplitByContract sends a batch large enough to be split into transactions by contract — items on
// five contracts interleaved, a key repeated with its body and another item's key with another body across
// contracts, an earlier request's key with its body and with another, a cap filled in request order, an
// invalid item — and finds each item decided as one transaction would decide it, each contract's operations
// written in one transaction, and the totals agreeing with the operations.
func TestBatchSplitByContract(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "sowing")
	ctx := context.Background()
	prov := s.ProviderUser
	var cs []contract.Contract
	var parcels []int64
	for range 4 {
		pc := s.Parcel(t, "100.00")
		parcels = append(parcels, pc.ID)
		cs = append(cs, f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, pc.ID, "100.00")},
			custodytest.Line("ploughing", 1), custodytest.Line("sowing", 1))))
	}
	small := s.Parcel(t, "1.00")
	capped := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, small.ID, "1.00")}, custodytest.Line("ploughing", 1)))
	pre := operation.Item{ContractID: cs[3].ID, Key: "pre", Input: input(f, parcels[3], "sowing", "0.50")}
	preOp, _, err := f.Services.Operations.Create(ctx, prov, pre.ContractID, pre.Key, pre.Input)
	if err != nil {
		t.Fatal(err)
	}

	const n = 800
	items := make([]operation.Item, n)
	want := make([]string, n)
	for i := range items {
		in := input(f, parcels[i%4], []string{"ploughing", "sowing"}[i/4%2], "0.10")
		in.Note = new(fmt.Sprint("item ", i))
		items[i], want[i] = operation.Item{ContractID: cs[i%4].ID, Key: fmt.Sprint("k-", i), Input: in}, operation.Created
	}
	items[101], want[101] = items[100], operation.Exists          // item 100 again, answered with its operation
	items[202].Key, want[202] = items[201].Key, operation.Refused // item 201's key, on another contract
	items[303], want[303] = pre, operation.Exists
	items[304].Key, want[304] = pre.Key, operation.Refused
	for i := 400; i < 405; i++ { // 0.30 mu of a 1.00 mu cap: the first three in request order fit
		items[i].ContractID, items[i].Input.ParcelID, items[i].Input.OpType, items[i].Input.AreaMu = capped.ID, small.ID, "ploughing", num.MustDec2("0.30")
		if i >= 403 {
			want[i] = operation.Refused
		}
	}
	items[500].Input.OpType, want[500] = "dancing", operation.Refused

	results, err := f.Services.Operations.Log(ctx, prov, items)
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for i, r := range results {
		if r.Status != want[i] {
			t.Errorf("item %d: %s %v, want %s", i, r.Status, r.Err, want[i])
			continue
		}
		switch {
		case r.Status == operation.Created:
			created++
			if r.Operation == nil || r.Operation.ContractID != items[i].ContractID || *r.Operation.Note != *items[i].Input.Note {
				t.Errorf("item %d: created %+v", i, r.Operation)
			}
		case i == 101 && (r.Operation == nil || results[100].Operation == nil || r.Operation.ID != results[100].Operation.ID):
			t.Errorf("item 101: exists as %+v, want item 100's operation", r.Operation)
		case i == 303 && (r.Operation == nil || r.Operation.ID != preOp.ID):
			t.Errorf("item 303: exists as %+v, want operation %d", r.Operation, preOp.ID)
		case r.Status == operation.Refused && fault.KindOf(r.Err) != map[int]fault.Kind{202: fault.Conflict, 304: fault.Conflict,
			403: fault.Conflict, 404: fault.Conflict, 500: fault.Invalid}[i]:
			t.Errorf("item %d: refused with %v (kind %d)", i, r.Err, fault.KindOf(r.Err))
		}
	}
	if want := n - 7; created != want {
		t.Errorf("%d operations created, want %d", created, want)
	}
	if got := count(t, f, "SELECT count(*) FROM operations WHERE id <> ?", preOp.ID); got != int64(created) {
		t.Errorf("%d operation rows, want %d", got, created)
	}
	if got := count(t, f, "SELECT count(*) FROM idempotency_keys WHERE key LIKE 'k-%'"); got != int64(created) {
		t.Errorf("%d idempotency keys, want %d", got, created)
	}
	// Each contract's operations in one transaction; the batch in more than one where it can be.
	if got := count(t, f, "SELECT count(*) FROM (SELECT contract_id FROM operations WHERE id <> ? GROUP BY 1 HAVING count(DISTINCT xmin::text) > 1) x",
		preOp.ID); got != 0 {
		t.Errorf("%d contracts' operations written by more than one transaction", got)
	}
	parts := count(t, f, "SELECT count(DISTINCT xmin::text) FROM operations WHERE id <> ?", preOp.ID)
	if runtime.GOMAXPROCS(0) > 1 && parts < 2 {
		t.Errorf("the batch was written by %d transaction, want one per processor", parts)
	}
	checkTotals(t, f, capped.ID, cs[0].ID, cs[1].ID, cs[2].ID, cs[3].ID)
}

// model is what the property test expects of one world: the operations and how much of each cap they use.
type model struct {
	ops  map[int64]*modelOp
	ids  []int64
	used map[string]decimal.Decimal // contract/parcel/op
	caps map[string]decimal.Decimal
	keys map[string]operation.Item // key → the item that created an operation
	opOf map[string]int64          // key → that operation
}

type modelOp struct {
	status string
	item   operation.Item
}

func capKey(it operation.Item) string {
	return fmt.Sprint(it.ContractID, "/", it.Input.ParcelID, "/", it.Input.OpType)
}

// propertyWorld is the setting of one seed: two contracts of one farm sharing a parcel, with several
// parcels and service lines, harvesting with yields and plant protection with several passes.
type propertyWorld struct {
	f          *custodytest.Fixture
	scene      *custodytest.Scene
	contracts  []contract.Contract
	parcels    []int64 // every parcel of the farm, one of them on no contract
	collective scope.Principal
	provider   scope.Principal
}

func newPropertyWorld(t *testing.T) *propertyWorld {
	t.Helper()
	f := custodytest.New(t)
	s := f.Scene(t, "ploughing", "sowing", "plant_protection", "harvesting")
	p1, p2, p3, p4 := s.Parcel(t, "5.00"), s.Parcel(t, "2.50"), s.Parcel(t, "4.25"), s.Parcel(t, "3.00")
	c1 := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, p1.ID, "3.00"), custodytest.Area(t, p2.ID, "2.50")},
		custodytest.Line("ploughing", 1), custodytest.Line("plant_protection", 2), custodytest.Line("harvesting", 1)))
	c2 := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, p1.ID, "2.00"), custodytest.Area(t, p3.ID, "4.25")},
		custodytest.Line("sowing", 1), custodytest.Line("plant_protection", 3), custodytest.Line("harvesting", 1)))
	return &propertyWorld{f: f, scene: s, contracts: []contract.Contract{c1, c2}, parcels: []int64{p1.ID, p2.ID, p3.ID, p4.ID},
		collective: s.CollectiveUser, provider: s.ProviderUser}
}

// cents is a random area of 0.01 up to max (at least 0.01).
func cents(r *rand.Rand, max decimal.Decimal) decimal.Decimal {
	n := max.Shift(2).IntPart()
	if n < 1 {
		n = 1
	}
	return decimal.New(1+r.Int64N(n), -2)
}

func TestTotalsProperty(t *testing.T) {
	t.Parallel()
	const seeds, steps = 20, 200
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			w := newPropertyWorld(t)
			property(t, w, rand.New(rand.NewPCG(seed, 0x7475_6f67_7561_6e)), steps)
		})
	}
}

// property runs steps random logs, confirmations, disputes and voids against w, checking each outcome
// against the model, then checks the running totals against the operations.
func property(t *testing.T, w *propertyWorld, r *rand.Rand, steps int) {
	m := &model{ops: map[int64]*modelOp{}, used: map[string]decimal.Decimal{}, caps: map[string]decimal.Decimal{},
		keys: map[string]operation.Item{}, opOf: map[string]int64{}}
	ids := make([]int64, len(w.contracts))
	for i, c := range w.contracts {
		ids[i] = c.ID
		for _, p := range c.Parcels {
			for _, l := range c.Services {
				m.caps[fmt.Sprint(c.ID, "/", p.ParcelID, "/", l.OpType)] = p.AreaMu.Decimal().Mul(decimal.NewFromInt(int64(l.Passes)))
			}
		}
	}
	counts := map[string]int{}
	for step := range steps {
		switch x := r.IntN(100); {
		case x < 55 || len(m.ids) == 0:
			counts[logStep(t, w, m, r, step)]++
		default:
			id := m.ids[r.IntN(len(m.ids))]
			counts[moveStep(t, w, m, id, []string{"confirm", "dispute", "void"}[r.IntN(3)])]++
		}
		if t.Failed() {
			t.Fatalf("stopped at step %d", step)
		}
	}
	t.Logf("outcomes: %v", counts)

	// The operations table holds exactly the model's operations in the model's statuses.
	var rows []struct {
		ID     int64
		Status string
	}
	if err := w.f.DB.Raw("SELECT id, status FROM operations WHERE contract_id IN ?", ids).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(m.ops) {
		t.Errorf("%d operations in the table, the model has %d", len(rows), len(m.ops))
	}
	for _, row := range rows {
		if mo, ok := m.ops[row.ID]; !ok || mo.status != row.Status {
			t.Errorf("operation %d is %s in the table, the model says %+v", row.ID, row.Status, mo)
		}
	}
	checkTotals(t, w.f, ids...)
	got := stored(t, w.f, ids)
	for k, u := range m.used {
		if !got.caps[k].Equal(u) {
			t.Errorf("delivery cap %s: %s used, the model says %s", k, got.caps[k], u)
		}
	}
}

// logStep logs a random operation, sometimes on a parcel or operation type off the contract, sometimes
// beyond the cap, sometimes replaying an earlier key with the same or another body.
func logStep(t *testing.T, w *propertyWorld, m *model, r *rand.Rand, step int) string {
	t.Helper()
	ctx := context.Background()
	if len(m.keys) > 0 && r.IntN(10) == 0 {
		key := fmt.Sprint("k", r.IntN(step))
		if it, ok := m.keys[key]; ok {
			body := it.Input
			if r.IntN(2) == 0 {
				body.AreaMu = num.Round2(body.AreaMu.Decimal().Add(decimal.New(1, -2)))
				_, _, err := w.f.Services.Operations.Create(ctx, w.provider, it.ContractID, key, body)
				if fault.KindOf(err) != fault.Conflict {
					t.Errorf("step %d: key %s with another body: %v, want Conflict", step, key, err)
				}
				return "reused key"
			}
			op, replay, err := w.f.Services.Operations.Create(ctx, w.provider, it.ContractID, key, body)
			if err != nil || !replay || op.ID != m.opOf[key] {
				t.Errorf("step %d: replay of %s: operation %d replay=%v %v, want %d", step, key, op.ID, replay, err, m.opOf[key])
			}
			return "replay"
		}
	}
	c := w.contracts[r.IntN(len(w.contracts))]
	parcel := c.Parcels[r.IntN(len(c.Parcels))].ParcelID
	if r.IntN(12) == 0 {
		parcel = w.parcels[r.IntN(len(w.parcels))]
	}
	op := c.Services[r.IntN(len(c.Services))].OpType
	if r.IntN(25) == 0 {
		op = "irrigation"
	}
	it := operation.Item{ContractID: c.ID, Key: fmt.Sprint("k", step), Input: operation.Input{ParcelID: parcel, OpType: op,
		OpDate: w.f.DaysAgo(r.IntN(custodytest.Window + 1))}}
	k := capKey(it)
	cp, onContract := m.caps[k]
	left := cp.Sub(m.used[k])
	var area decimal.Decimal
	switch x := r.IntN(10); {
	case !onContract:
		area = cents(r, decimal.NewFromInt(3))
	case x < 2 && left.IsPositive():
		area = left
	case x < 4:
		area = left.Add(cents(r, decimal.NewFromInt(2)))
	default:
		area = cents(r, decimal.Min(left.Div(decimal.NewFromInt(2)), cp))
	}
	it.Input.AreaMu = num.Round2(area)
	if op == operation.Harvesting {
		it.Input.YieldKg = new(num.Round2(cents(r, area.Mul(decimal.NewFromInt(700)))))
	}
	got, replay, err := w.f.Services.Operations.Create(ctx, w.provider, c.ID, it.Key, it.Input)
	switch {
	case !onContract:
		if fault.KindOf(err) != fault.Invalid {
			t.Errorf("step %d: %s on parcel %d of contract %d: %v, want Invalid", step, op, parcel, c.ID, err)
		}
		return "off contract"
	case area.GreaterThan(left):
		if fault.KindOf(err) != fault.Conflict {
			t.Errorf("step %d: %s mu with %s left on %s: %v, want Conflict", step, area, left, k, err)
		}
		return "over cap"
	case err != nil || replay:
		t.Errorf("step %d: %s mu with %s left on %s: replay=%v %v", step, area, left, k, replay, err)
		return "error"
	}
	m.ops[got.ID] = &modelOp{status: operation.StatusRecorded, item: it}
	m.ids = append(m.ids, got.ID)
	m.used[k] = m.used[k].Add(area)
	m.keys[it.Key], m.opOf[it.Key] = it, got.ID
	return "logged"
}

// allowed are the statuses each move starts from.
var allowed = map[string][]string{
	"confirm": {operation.StatusRecorded, operation.StatusDisputed},
	"dispute": {operation.StatusRecorded},
	"void":    {operation.StatusRecorded, operation.StatusDisputed},
}

// moveStep confirms, disputes or voids operation id; a move its status does not allow must be a Conflict
// that changes nothing.
func moveStep(t *testing.T, w *propertyWorld, m *model, id int64, move string) string {
	t.Helper()
	ctx := context.Background()
	svc := w.f.Services.Operations
	mo := m.ops[id]
	ok := false
	for _, s := range allowed[move] {
		ok = ok || s == mo.status
	}
	var before totals
	var beforeOp operation.Operation
	if !ok {
		before = stored(t, w.f, []int64{mo.item.ContractID})
		beforeOp, _ = svc.Get(ctx, w.f.Admin, id)
	}
	var got operation.Operation
	var err error
	switch move {
	case "confirm":
		got, err = svc.Confirm(ctx, w.collective, id)
	case "dispute":
		got, err = svc.Dispute(ctx, w.collective, id, "area looks smaller")
	case "void":
		got, err = svc.Void(ctx, w.provider, id)
	}
	if !ok {
		if fault.KindOf(err) != fault.Conflict {
			t.Errorf("%s operation %d (%s): %v, want Conflict", move, id, mo.status, err)
		}
		after := stored(t, w.f, []int64{mo.item.ContractID})
		afterOp, _ := svc.Get(ctx, w.f.Admin, id)
		if afterOp.Status != beforeOp.Status || !afterOp.UpdatedAt.Equal(beforeOp.UpdatedAt) || after.String() != before.String() {
			t.Errorf("refused %s of operation %d changed it: %s → %s, totals %v → %v", move, id, beforeOp.Status, afterOp.Status, before, after)
		}
		return move + " refused"
	}
	want := map[string]string{"confirm": operation.StatusConfirmed, "dispute": operation.StatusDisputed, "void": operation.StatusVoided}[move]
	if err != nil || got.Status != want {
		t.Errorf("%s operation %d (%s): %s %v", move, id, mo.status, got.Status, err)
		return "error"
	}
	mo.status = want
	if move == "void" {
		k := capKey(mo.item)
		m.used[k] = m.used[k].Sub(mo.item.Input.AreaMu.Decimal())
	}
	return move
}

// TestBatchAcrossCounties sends one batch on the contracts of one provider in two counties, interleaved, with
// an item over its cap in each: each county's items are decided as they are alone, the keys of refused items
// are given back, and every running total and rollup agrees with the operations.
func TestBatchAcrossCounties(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	ctx := context.Background()
	s := f.Scene(t, "ploughing", "harvesting")
	for _, r := range []struct{ code, name string }{{"610629000000", "洛川县"}, {"610629100000", "凤栖街道"}, {"610629100001", "村甲"}} {
		if _, err := f.Services.Regions.Create(ctx, f.Admin, r.code, r.name); err != nil {
			t.Fatal(err)
		}
	}
	other := f.Collective(t, "610629100001")
	otherFarm := f.Farm(t, other.ID)
	here, there := s.Parcel(t, "10.00"), f.Parcel(t, otherFarm.ID, "10.00")
	lines := []contract.LineInput{custodytest.Line("ploughing", 1), custodytest.Line("harvesting", 1)}
	c1 := f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, here.ID, "10.00")}, lines...))
	c2 := f.Active(t, custodytest.Terms{CollectiveID: other.ID, FarmID: otherFarm.ID, ProviderID: s.Provider.ID,
		Parcels: []contract.ParcelInput{custodytest.Area(t, there.ID, "10.00")}, Services: lines})
	items := []operation.Item{
		{ContractID: c2.ID, Key: "x-0", Input: input(f, there.ID, "ploughing", "6.00")},
		{ContractID: c1.ID, Key: "x-1", Input: input(f, here.ID, "ploughing", "6.00")},
		{ContractID: c2.ID, Key: "x-2", Input: input(f, there.ID, "ploughing", "6.00")},
		{ContractID: c1.ID, Key: "x-3", Input: input(f, here.ID, "harvesting", "3.00")},
		{ContractID: c2.ID, Key: "x-4", Input: input(f, there.ID, "harvesting", "3.00")},
		{ContractID: c1.ID, Key: "x-5", Input: input(f, here.ID, "ploughing", "5.00")},
	}
	want := []string{operation.Created, operation.Created, operation.Refused, operation.Created, operation.Created, operation.Refused}
	for round, again := range []string{"first", "replayed"} {
		results, err := f.Services.Operations.Log(ctx, s.ProviderUser, items)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range results {
			w := want[i]
			if round == 1 && w == operation.Created {
				w = operation.Exists
			}
			if r.Status != w {
				t.Errorf("%s batch, item %d: %s (%v), want %s", again, i, r.Status, r.Err, w)
			}
		}
	}
	if n := count(t, f, "SELECT count(*) FROM idempotency_keys WHERE key IN ('x-2', 'x-5')"); n != 0 {
		t.Errorf("%d keys of refused items kept; want them given back", n)
	}
	checkTotals(t, f, c1.ID, c2.ID)
	checks, err := rollup.Verify(ctx, f.Store.SQL)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if c.Disagree != 0 {
			t.Errorf("%s: %d rows disagree: %v", c.Name, c.Disagree, c.Examples)
		}
	}
}
