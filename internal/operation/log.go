package operation

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/geo"
	"github.com/tuoguan/tuoguan/internal/num"
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
// of items. It takes three round trips to the database whatever the number of items, in one transaction that
// reads the keys already taken, locks the contracts (shared), holds their providers' statuses and locks the
// delivery caps involved (exclusive, in key order), writes the keys with their responses, the operations,
// the audit events and the running totals. Only a provider for its own contracts, or admin, logs operations
// (Forbidden otherwise); a contract p cannot read is refused as not found. A check ctx carries
// (postgres.CheckOf: the session p comes from, say) goes in the first round trip and must pass before
// anything else, and no result is returned before it has. An error is returned only when the batch as a
// whole failed.
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
	for attempt := 1; ; attempt++ {
		b := &batch{p: p, items: items, results: make([]Result, len(items)), today: calendar.Today(s.now())}
		for i := range items {
			b.validate(i)
		}
		err = postgres.WithConn(ctx, pool, func(conn *pgx.Conn) error { return b.run(ctx, conn) })
		if errors.Is(err, errKeyRace) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := postgres.Settle(ctx, pool); err != nil {
			return nil, err
		}
		return b.results, nil
	}
}

// maxAttempts bounds how often Log runs a batch that keeps losing keys to concurrent requests; each request
// that wins commits, so a second attempt finds its key taken and answers from it.
const maxAttempts = 3

// batch is the state of one Log call.
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
