package operation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/geo"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/parallel"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// MaxBatch is the most operations one batch may carry.
const MaxBatch = 1000

// Input is one operation as a client sends it.
type Input struct {
	ParcelID    int64           `json:"parcel_id"`
	OpType      string          `json:"op_type"`
	OpDate      time.Time       `json:"op_date"`
	AreaMu      num.Dec2        `json:"area_mu"`
	YieldKg     *num.Dec2       `json:"yield_kg"`
	MoisturePct *num.Dec2       `json:"moisture_pct"`
	Machine     *string         `json:"machine"`
	Operator    *string         `json:"operator"`
	Inputs      []Material      `json:"inputs"`
	Location    json.RawMessage `json:"location"`
	Note        *string         `json:"note"`
}

// Item is one operation to log on a contract, with the client's idempotency key ("" for none). Refused is a
// failure found before Log, such as an item that did not decode: the item is refused with it, and the others
// go on.
type Item struct {
	ContractID int64
	Key        string
	Input      Input
	Refused    error
}

// The outcomes of one item of a batch.
const (
	Created = "created"
	Exists  = "exists"
	Refused = "refused"
)

// Result is the outcome of one item: Created or Exists with its operation, or Refused with the reason.
type Result struct {
	Status    string
	Operation *Operation
	Err       error
}

// Create logs one operation on contract contractID; key ("" for none) makes retries safe. replay reports
// that the key was seen before with the same request and the original operation is returned; the same key
// with another request is a Conflict. Every rule of docs/domain.md is checked; see Log.
func (s *Service) Create(ctx context.Context, p scope.Principal, contractID int64, key string, in Input) (op Operation, replay bool, err error) {
	rs, err := s.Log(ctx, p, []Item{{ContractID: contractID, Key: key, Input: in}})
	if err != nil {
		return Operation{}, false, err
	}
	if rs[0].Err != nil {
		return Operation{}, false, rs[0].Err
	}
	return *rs[0].Operation, rs[0].Status == Exists, nil
}

// Log logs items, each on its own: one refused item never refuses the others, and results come in the order
// of items. Its transactions read the keys already taken, lock the contracts (shared), hold their providers'
// statuses and lock the delivery caps involved (exclusive, in key order), then write the keys with their
// responses, the operations, the audit events and the running totals, in three round trips whatever the number
// of items. A batch of at least twice partLeast live items is split by contract into as many transactions as
// there are processors, run side by side, each on its own connection: the database then spreads the work
// over its processors too, where one transaction runs on one. Each item is decided and written with its
// running totals in one transaction either way, and every batch item carries its own key, so a batch that
// failed part way is answered in full when it is sent again. Only a provider for its own contracts, or admin,
// logs operations (Forbidden otherwise); a contract p cannot read is refused as not found. A check ctx
// carries (postgres.CheckOf: the session p comes from, say) goes in the first round trip of a single
// transaction, or in one of its own before the parts of a split batch, and must pass before anything else; no
// result is returned before it has. An error is returned only when the batch as a whole failed.
func (s *Service) Log(ctx context.Context, p scope.Principal, items []Item) ([]Result, error) {
	if p.Role != scope.Provider && p.Role != scope.Admin {
		return nil, fault.Forbiddenf("Only providers log operations.")
	}
	if len(items) == 0 || len(items) > MaxBatch {
		return nil, fault.Invalidf("operations", "must carry between 1 and %d operations", MaxBatch)
	}
	pool, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	b := &batch{p: p, items: items, results: make([]Result, len(items)), hashes: make([][]byte, len(items)),
		stored: map[string]storedKey{}, today: calendar.Today(s.now())}
	for i := range items {
		b.validate(i)
	}
	b.prepareKeys()
	split := b.split(runtime.GOMAXPROCS(0))
	if len(split) > 1 {
		if err := postgres.Settle(ctx, pool); err != nil {
			return nil, err
		}
	}
	parts, errs := make([]*batch, len(split)), make([]error, len(split))
	parallel.For(len(split), 2, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			parts[k], errs[k] = b.decide(ctx, pool, split[k])
		}
	})
	for k, part := range parts {
		if errs[k] != nil {
			return nil, errs[k]
		}
		b.absorb(part, split[k])
	}
	b.settle()
	if err := postgres.Settle(ctx, pool); err != nil {
		return nil, err
	}
	return b.results, nil
}

// partLeast is the fewest live items each transaction of a split batch takes: below a few hundred, a second
// transaction's round trips and commit cost about what it saves.
const partLeast = 250

// split divides the live items of b into at most n groups of item indices, one transaction's each: the items of
// one contract in one group, so that the groups lock disjoint contracts, delivery caps and service lines and
// meet only on the statistics rollups, which each locks last and in key order; the groups as even as whole
// contracts allow, each in request order. Fewer than twice partLeast live items, or one contract, make one
// group; none, none.
func (b *batch) split(n int) [][]int {
	var live []int
	for i := range b.items {
		if b.live(i) {
			live = append(live, i)
		}
	}
	n = min(n, len(live)/partLeast)
	if n < 2 {
		if len(live) == 0 {
			return nil
		}
		return [][]int{live}
	}
	byContract := map[int64][]int{}
	for _, i := range live {
		id := b.items[i].ContractID
		byContract[id] = append(byContract[id], i)
	}
	size := (len(live) + n - 1) / n
	var groups [][]int
	var group []int
	for _, id := range slices.Sorted(maps.Keys(byContract)) {
		group = append(group, byContract[id]...)
		if len(group) >= size && len(groups) < n-1 {
			groups, group = append(groups, group), nil
		}
	}
	if len(group) > 0 {
		groups = append(groups, group)
	}
	for _, g := range groups {
		slices.Sort(g)
	}
	return groups
}

// decide runs the items of b at idx as a batch of their own in one transaction, again when it lost a key to a
// concurrent request, and returns that batch.
func (b *batch) decide(ctx context.Context, pool *sql.DB, idx []int) (*batch, error) {
	for attempt := 1; ; attempt++ {
		part := &batch{p: b.p, items: make([]Item, len(idx)), results: make([]Result, len(idx)), today: b.today}
		for j, i := range idx {
			part.items[j] = b.items[i]
		}
		err := postgres.WithConn(ctx, pool, func(conn *pgx.Conn) error { return part.run(ctx, conn) })
		if errors.Is(err, errKeyRace) && attempt < maxAttempts {
			continue
		}
		return part, err
	}
}

// absorb takes the results and request fingerprints of part, the batch of b's items at idx, and the keys it
// found taken.
func (b *batch) absorb(part *batch, idx []int) {
	for j, i := range idx {
		b.results[i], b.hashes[i] = part.results[j], part.hashes[j]
	}
	maps.Copy(b.stored, part.stored)
}

// settle decides the items whose key an earlier item of the batch carries, once their transactions have
// decided the rest: the same request as the first is answered as it was, another one is a Conflict.
func (b *batch) settle() {
	for i, it := range b.items {
		if b.results[i].Status != duplicate {
			continue
		}
		h := hash(it)
		if st, ok := b.stored[it.Key]; ok {
			b.results[i] = st.answer(it.Key, h)
			continue
		}
		first := b.first[it.Key]
		switch {
		case !bytes.Equal(b.hashes[first], h):
			b.refuse(i, fault.Conflictf("The idempotency key %q was used for another request.", it.Key))
		case b.results[first].Status == Created:
			b.results[i] = Result{Status: Exists, Operation: b.results[first].Operation}
		default:
			b.results[i] = b.results[first]
		}
	}
}

// maxAttempts bounds how often a transaction runs again that keeps losing keys to concurrent requests; each
// request that wins commits, so a second attempt finds its key taken and answers from it.
const maxAttempts = 3

// batch is a set of items being logged and their state: all of a Log call's, which Log splits and settles, or
// the part of them one transaction decides (run).
type batch struct {
	p       scope.Principal
	items   []Item
	results []Result
	hashes  [][]byte
	first   map[string]int // key → index of the first live item that carries it
	stored  map[string]storedKey
	today   time.Time

	homes     map[int64]home // contract id → where it lives, read before any lock
	contracts map[int64]target
	providers map[int64]string // provider id → status
	caps      map[capKey]*room
	ids       map[int]int64 // item → the id of the operation it creates
	drafts    []*draft      // item → the operation it creates, if admitted
	now       time.Time     // the transaction's time
	ops       []Operation
	opItem    []int // index of the item of each op
}

// live reports whether item i is still to be decided.
func (b *batch) live(i int) bool { return b.results[i].Status == "" }

func (b *batch) refuse(i int, err error) { b.results[i] = Result{Status: Refused, Err: err} }

// validate checks what item i says about itself, before the database is asked anything.
func (b *batch) validate(i int) {
	if err := b.items[i].Refused; err != nil {
		b.refuse(i, err)
		return
	}
	in := b.items[i].Input
	var errs fault.Fields
	if utf8.RuneCountInString(b.items[i].Key) > 200 {
		errs.Add("idempotency_key", "must be at most 200 characters")
	}
	if in.ParcelID <= 0 {
		errs.Add("parcel_id", "is required")
	}
	if in.OpType == "" {
		errs.Add("op_type", "is required")
	}
	switch {
	case in.OpDate.IsZero():
		errs.Add("op_date", "is required")
	case in.OpDate.After(b.today):
		errs.Add("op_date", "must not be in the future")
	}
	if in.AreaMu.Sign() <= 0 {
		errs.Add("area_mu", "must be greater than 0")
	}
	switch {
	case in.OpType == Harvesting && in.YieldKg == nil:
		errs.Add("yield_kg", "is required for harvesting")
	case in.OpType != Harvesting && in.YieldKg != nil:
		errs.Add("yield_kg", "is only for harvesting")
	case in.YieldKg != nil && in.YieldKg.Sign() < 0:
		errs.Add("yield_kg", "must not be negative")
	}
	if m := in.MoisturePct; m != nil && (m.Sign() < 0 || m.Cmp(num.MustDec2("100")) > 0) {
		errs.Add("moisture_pct", "must be between 0 and 100")
	}
	if in.Machine != nil && utf8.RuneCountInString(*in.Machine) > 100 {
		errs.Add("machine", "must be at most 100 characters")
	}
	if in.Operator != nil && utf8.RuneCountInString(*in.Operator) > 100 {
		errs.Add("operator", "must be at most 100 characters")
	}
	if in.Note != nil && utf8.RuneCountInString(*in.Note) > 1000 {
		errs.Add("note", "must be at most 1000 characters")
	}
	if len(in.Inputs) > 50 {
		errs.Add("inputs", "must list at most 50 materials")
	}
	for j, m := range in.Inputs {
		if n := utf8.RuneCountInString(strings.TrimSpace(m.Material)); n < 1 || n > 100 {
			errs.Add(fmt.Sprintf("inputs[%d].material", j), "must be 1 to 100 characters")
		}
		if m.Quantity.Sign() <= 0 {
			errs.Add(fmt.Sprintf("inputs[%d].quantity", j), "must be greater than 0")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(m.Unit)); n < 1 || n > 20 {
			errs.Add(fmt.Sprintf("inputs[%d].unit", j), "must be 1 to 20 characters")
		}
	}
	if len(in.Location) > 0 && string(in.Location) != "null" {
		var ve *geo.ValidationError
		if _, err := geo.ParsePoint(in.Location); errors.As(err, &ve) {
			errs.Add(ve.Field("location"), "%s", ve.Message)
		} else if err != nil {
			errs.Add("location", "%s", err.Error())
		}
	}
	if err := errs.Err(); err != nil {
		b.refuse(i, err)
	}
}

// hash is the fingerprint of item i's request, so a replayed key can be told from a reused one.
func hash(it Item) []byte {
	body, _ := json.Marshal(struct {
		ContractID int64 `json:"contract_id"`
		Input
	}{it.ContractID, it.Input})
	h := sha256.Sum256(body)
	return h[:]
}
