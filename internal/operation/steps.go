package operation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/parallel"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/provider"
	"github.com/tuoguan/tuoguan/internal/rollup"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// duplicate marks, until settle decides it, an item whose key an earlier item of the batch carries.
const duplicate = "duplicate"

// run logs the live items on conn in one transaction of three pipelines: the first opens it, sends the check ctx
// carries (postgres.CheckOf), which must pass before it goes on, reads the keys already taken, the county and
// provider of each contract (without a lock) and allocates the operations' ids; the second reads the contracts,
// share-locked, county by county, holds their providers' statuses and locks the delivery caps, county by county in
// key order; the third writes the keys of the created operations with their responses, the operations, the audit
// events and the running totals, and commits. Every statement finds a handful of rows by key and runs under
// postgres.GenericPlans: planned anew at each execution, the transaction's rate would halve. Each locking read and
// each write of a tenant table names one county, the key those tables are distributed by, so that on Citus it runs
// on the one shard that holds the county's rows; a batch that spans counties takes one statement per county and
// step, in county order, so that the locks are taken in the same order as before.
//
// A key is written only with the operation it answers. When a concurrent request writes one of this batch's
// keys first, the key's insert fails on its primary key once that request commits, and the transaction
// with it: errKeyRace tells Log to run the transaction again, which then finds the key taken.
func (b *batch) run(ctx context.Context, conn *pgx.Conn) error {
	keys := b.prepareKeys()
	// The requests' fingerprints are taken while the first round trip is under way, the operations' JSON
	// while the second is: a thousand of each take milliseconds the database would otherwise wait for.
	hashed := parallel.Go(b.hash)
	defer hashed()
	opening := &pgx.Batch{}
	opening.Queue("BEGIN")
	opening.Queue(postgres.GenericPlans)
	check := postgres.CheckOf(ctx)
	if check != nil {
		check.Queue(opening)
	}
	if len(keys) > 0 {
		b.queueTaken(opening, keys)
	}
	b.queueHomes(opening)
	var ids []int64
	// The sequence is named once (OFFSET 0 keeps the subquery from being pulled up): looked up for each id, it
	// took ten times as long as drawing the ids.
	opening.Queue(`SELECT now(), ARRAY(SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence('operations', 'id')::regclass AS seq OFFSET 0) AS s,
		generate_series(1, $1::int))`,
		b.count()).QueryRow(func(row pgx.Row) error { return row.Scan(&b.now, &ids) })
	if err := conn.SendBatch(ctx, opening).Close(); err != nil {
		return err
	}
	if check != nil && !check.Passed() {
		return check.Failure()
	}
	hashed()
	b.answerTaken()
	b.ids = map[int]int64{}
	for i := range b.items {
		if b.live(i) {
			b.ids[i], ids = ids[0], ids[1:]
		}
	}
	drafted := parallel.Go(b.draft)
	defer drafted()
	loads := &pgx.Batch{}
	b.queueLoads(loads)
	if err := conn.SendBatch(ctx, loads).Close(); err != nil {
		return err
	}
	drafted()
	b.checkContracts()
	b.checkCaps()
	writes := &pgx.Batch{}
	if err := b.queueWrites(ctx, writes); err != nil {
		return err
	}
	// The totals come last: the rollup rows of a county are the ones every writer of its crop and operation
	// type waits for, so they are held for as short a time as the commit allows.
	if len(b.ops) > 0 {
		work := make([]rollup.Work, len(b.ops))
		for i, op := range b.ops {
			work[i] = op.work()
		}
		if err := rollup.MoveActive(queue(writes), work, +1, true); err != nil {
			return err
		}
	}
	writes.Queue("COMMIT")
	if err := conn.SendBatch(ctx, writes).Close(); err != nil {
		if c, ok := postgres.UniqueViolation(err); ok && c == "idempotency_keys_pkey" {
			return errKeyRace
		}
		return err
	}
	return nil
}

// errKeyRace is a batch that lost one of its keys to a concurrent request: run again, it answers the key
// from what that request stored. A client sees it only when that kept happening.
var errKeyRace = fault.Conflictf("An idempotency key of this request was written by a concurrent request; try again.")

// count is the number of live items.
func (b *batch) count() int {
	n := 0
	for i := range b.items {
		if b.live(i) {
			n++
		}
	}
	return n
}

// prepareKeys returns the keys of the live items, to look up. A key repeated inside the batch is marked
// duplicate, to be settled against its first item once that one is decided.
func (b *batch) prepareKeys() (keys []string) {
	b.first = map[string]int{}
	for i, it := range b.items {
		if !b.live(i) || it.Key == "" {
			continue
		}
		if _, dup := b.first[it.Key]; dup {
			b.results[i].Status = duplicate
			continue
		}
		b.first[it.Key] = i
		keys = append(keys, it.Key)
	}
	return keys
}

// hash fingerprints every item with a key (hashes).
func (b *batch) hash() {
	b.hashes = make([][]byte, len(b.items))
	for i, it := range b.items {
		if it.Key != "" {
			b.hashes[i] = hash(it)
		}
	}
}

// queueTaken queues the read of the keys a committed request took (stored), which answerTaken answers.
func (b *batch) queueTaken(q *pgx.Batch, keys []string) {
	b.stored = map[string]storedKey{}
	// Each key is looked up on its own, by the whole primary key (the LIMIT keeps the lookup a subquery the
	// planner cannot turn around): a generic plan made while the account had few keys would otherwise read
	// every key the account stored, for each key asked.
	q.Queue(`SELECT q.key, k.request_hash, k.response FROM unnest($2::text[]) AS q (key),
		LATERAL (SELECT k.request_hash, k.response FROM idempotency_keys k WHERE k.user_id = $1 AND k.key = q.key LIMIT 1) AS k`,
		b.p.UserID, keys).Query(func(rows pgx.Rows) error {
		var key string
		var st storedKey
		var response []byte
		_, err := pgx.ForEachRow(rows, []any{&key, &st.hash, &response}, func() error {
			st.op = &Operation{}
			if err := json.Unmarshal(response, st.op); err != nil {
				return fmt.Errorf("stored response of key %q: %w", key, err)
			}
			b.stored[key] = st
			return nil
		})
		return err
	})
}

// answerTaken answers the items whose key a committed request took: from the stored response when the
// request is the same, as a Conflict when it is not.
func (b *batch) answerTaken() {
	for key, st := range b.stored {
		i := b.first[key]
		b.results[i] = st.answer(key, b.hashes[i])
	}
}

// storedKey is a key a committed request took: its request's hash and its operation.
type storedKey struct {
	hash []byte
	op   *Operation
}

// answer is the result for an item with this key and request hash: the original operation for the same
// request, a Conflict for another one.
func (st storedKey) answer(key string, hash []byte) Result {
	if !bytes.Equal(st.hash, hash) {
		return Result{Status: Refused, Err: fault.Conflictf("The idempotency key %q was used for another request.", key)}
	}
	return Result{Status: Exists, Operation: st.op}
}

// target is what logging needs of a contract.
type target struct {
	county, number, status, region string
	id, provider, collective       int64
	season                         int
	start, end                     time.Time
	parcels                        []int64
	lines                          []string
}

// home is where a contract lives and who works it, as read before any lock: its county, which the locking
// reads name, and its provider, whose status they hold. Neither changes once the contract is active.
type home struct {
	county   string
	provider int64
}

// room is a delivery cap: its area and the area not voided drawn on it.
type room struct{ cap, used decimal.Decimal }

// visibleContracts is the condition, over contracts aliased c, and the arguments that narrow them to those
// p may log on: every one for admin, its own for a provider (no other role logs operations).
func visibleContracts(p scope.Principal) (string, []any) {
	switch p.Role {
	case scope.Admin:
		return "true", nil
	case scope.Provider:
		return "c.provider_id = ?", []any{p.ProviderID}
	}
	return "false", nil
}

// queueHomes queues the read, without a lock, of the county and provider of each live item's contract that
// p may log on; an item whose contract is not found there is refused as not found.
func (b *batch) queueHomes(q *pgx.Batch) {
	var ids []int64
	for i, it := range b.items {
		if b.live(i) && !slices.Contains(ids, it.ContractID) {
			ids = append(ids, it.ContractID)
		}
	}
	cond, args := visibleContracts(b.p)
	b.homes = map[int64]home{}
	q.Queue(postgres.Numbered(`SELECT c.id, c.county_code, c.provider_id FROM contracts c WHERE c.id = ANY (?::bigint[]) AND `+cond),
		append([]any{ids}, args...)...).
		Query(func(rows pgx.Rows) error {
			var id int64
			var h home
			_, err := pgx.ForEachRow(rows, []any{&id, &h.county, &h.provider}, func() error {
				b.homes[id] = h
				return nil
			})
			return err
		})
}

// countyItems are the live items of one county: their contracts, and the delivery caps they draw on.
type countyItems struct {
	county                   string
	contracts                []int64
	capContracts, capParcels []int64
	capOps                   []string
}

// byCounty groups the live items whose contract has a home by its county, the counties in order.
func (b *batch) byCounty() []countyItems {
	groups := map[string]*countyItems{}
	for i, it := range b.items {
		h, ok := b.homes[it.ContractID]
		if !b.live(i) || !ok {
			continue
		}
		g := groups[h.county]
		if g == nil {
			g = &countyItems{county: h.county}
			groups[h.county] = g
		}
		if !slices.Contains(g.contracts, it.ContractID) {
			g.contracts = append(g.contracts, it.ContractID)
		}
		g.capContracts, g.capParcels, g.capOps = append(g.capContracts, it.ContractID), append(g.capParcels, it.Input.ParcelID), append(g.capOps, it.Input.OpType)
	}
	out := make([]countyItems, 0, len(groups))
	for _, county := range slices.Sorted(maps.Keys(groups)) {
		out = append(out, *groups[county])
	}
	return out
}

// queueLoads queues, county by county, the reads of the live items' contracts that p may log on, with
// their parcels and lines, under a share lock (a termination waits for this batch); then holds their
// providers' statuses (a suspension waits too) and reads them; then locks the delivery caps the items draw
// on, county by county in key order.
func (b *batch) queueLoads(q *pgx.Batch) {
	counties := b.byCounty()
	b.contracts, b.providers, b.caps = map[int64]target{}, map[int64]string{}, map[capKey]*room{}
	for _, g := range counties {
		b.queueContracts(q, g)
	}
	b.queueProviders(q, counties)
	for _, g := range counties {
		b.queueCaps(q, g)
	}
}

// queueContracts queues the read of g's contracts that p may log on, share-locked in id order, naming
// their county in every table it reads.
func (b *batch) queueContracts(q *pgx.Batch, g countyItems) {
	cond, args := visibleContracts(b.p)
	q.Queue(postgres.Numbered(`SELECT c.id, c.county_code, c.number, c.status, c.provider_id, c.collective_id, c.season_year,
		c.region_code, c.start_date, c.end_date,
		ARRAY(SELECT cp.parcel_id FROM contract_parcels cp WHERE cp.county_code = ? AND cp.contract_id = c.id),
		ARRAY(SELECT s.op_type FROM contract_services s WHERE s.county_code = ? AND s.contract_id = c.id)
		FROM contracts c WHERE c.county_code = ? AND c.id = ANY (?::bigint[]) AND `+cond+` ORDER BY c.id FOR SHARE OF c`),
		append([]any{g.county, g.county, g.county, g.contracts}, args...)...).
		Query(func(rows pgx.Rows) error {
			var t target
			_, err := pgx.ForEachRow(rows, []any{&t.id, &t.county, &t.number, &t.status, &t.provider, &t.collective, &t.season,
				&t.region, &t.start, &t.end, &t.parcels, &t.lines},
				func() error {
					b.contracts[t.id] = t
					return nil
				})
			return err
		})
}

// queueProviders queues the hold on the statuses of the providers of the counties' contracts, then the
// read of those statuses.
func (b *batch) queueProviders(q *pgx.Batch, counties []countyItems) {
	var providers []int64
	for _, g := range counties {
		for _, id := range g.contracts {
			if pr := b.homes[id].provider; !slices.Contains(providers, pr) {
				providers = append(providers, pr)
			}
		}
	}
	q.Queue(postgres.Numbered(provider.HoldStatuses), providers)
	q.Queue(`SELECT p.id, p.status FROM providers p WHERE p.id = ANY ($1::bigint[])`, providers).
		Query(func(rows pgx.Rows) error {
			var id int64
			var status string
			_, err := pgx.ForEachRow(rows, []any{&id, &status}, func() error {
				b.providers[id] = status
				return nil
			})
			return err
		})
}

// queueCaps queues the lock of the delivery caps g's items draw on, in key order, and the read of each
// one's cap and area not voided.
func (b *batch) queueCaps(q *pgx.Batch, g countyItems) {
	q.Queue(postgres.Numbered(rollup.LockCaps), g.capContracts, g.capParcels, g.capOps, g.county).
		Query(func(rows pgx.Rows) error {
			k := capKey{county: g.county}
			var capArea, used string
			_, err := pgx.ForEachRow(rows, []any{&k.contract, &k.parcel, &k.opType, &capArea, &used}, func() error {
				b.caps[k] = &room{decimal.RequireFromString(capArea), decimal.RequireFromString(used)}
				return nil
			})
			return err
		})
}

// checkContracts refuses items whose contract is unknown, not active, of a suspended provider, or does not
// hold the item's parcel, operation type or date.
func (b *batch) checkContracts() {
	for i, it := range b.items {
		if !b.live(i) {
			continue
		}
		c, ok := b.contracts[it.ContractID]
		if !ok {
			b.refuse(i, fault.NotFoundf("No contract %d.", it.ContractID))
			continue
		}
		in := it.Input
		var errs fault.Fields
		switch {
		case c.status != contract.StatusActive:
			b.refuse(i, fault.Conflictf("Contract %s is %s; operations are logged on active contracts only.", c.number, c.status))
			continue
		case c.provider != b.homes[c.id].provider:
			b.refuse(i, fault.Conflictf("Contract %s changed while the operation was logged; try again.", c.number))
			continue
		case b.providers[c.provider] != provider.StatusActive:
			b.refuse(i, fault.Conflictf("The provider of contract %s is suspended and cannot log operations.", c.number))
			continue
		}
		if !slices.Contains(c.parcels, in.ParcelID) {
			errs.Add("parcel_id", "the parcel is not on the contract")
		}
		if !slices.Contains(c.lines, in.OpType) {
			errs.Add("op_type", "the contract has no %s service line", in.OpType)
		}
		if in.OpDate.Before(c.start) || in.OpDate.After(c.end) {
			errs.Add("op_date", "must be within the contract's dates, %s to %s", c.start.Format(time.DateOnly), c.end.Format(time.DateOnly))
		}
		if err := errs.Err(); err != nil {
			b.refuse(i, err)
		}
	}
}

// capKey names a delivery cap row.
type capKey struct {
	county   string
	contract int64
	parcel   int64
	opType   string
}

// checkCaps admits items in request order while their cap allows: the area not voided of a contract ×
// parcel × operation type stays within the contracted area of the parcel times the passes.
func (b *batch) checkCaps() {
	for i, it := range b.items {
		if !b.live(i) {
			continue
		}
		r := b.caps[b.capOf(it)]
		area := it.Input.AreaMu.Decimal()
		if r == nil || r.used.Add(area).GreaterThan(r.cap) {
			left := decimal.Zero
			if r != nil {
				left = r.cap.Sub(r.used)
			}
			b.refuse(i, &fault.Error{Kind: fault.Conflict, Message: fmt.Sprintf(
				"The area would exceed what the contract sells of this parcel for %s (%s mu left).", it.Input.OpType, left.StringFixed(2)),
				Fields: []fault.FieldError{{Field: "area_mu", Message: "exceeds the contracted area of the parcel times the passes"}}})
			continue
		}
		r.used = r.used.Add(area)
	}
}

func (b *batch) capOf(it Item) capKey {
	c := b.contracts[it.ContractID]
	return capKey{c.county, c.id, it.Input.ParcelID, it.Input.OpType}
}

// draft builds, for every live item whose contract has a home, the operation it would create and its JSON,
// before the contracts are read: what goes into either is known once the first round trip is back.
func (b *batch) draft() {
	b.drafts = make([]*draft, len(b.items))
	for i, it := range b.items {
		h, ok := b.homes[it.ContractID]
		if !b.live(i) || !ok {
			continue
		}
		in := it.Input
		op := Operation{CountyCode: h.county, ID: b.ids[i], ContractID: it.ContractID, ParcelID: in.ParcelID, OpType: in.OpType,
			OpDate: in.OpDate, AreaMu: in.AreaMu, YieldKg: in.YieldKg, MoisturePct: in.MoisturePct, Machine: in.Machine,
			Operator: in.Operator, Inputs: in.Inputs, Note: in.Note, Status: StatusRecorded, CreatedAt: b.now, UpdatedAt: b.now}
		if op.Inputs == nil {
			op.Inputs = []Material{}
		}
		if len(in.Location) > 0 && string(in.Location) != "null" {
			op.Location = in.Location
		}
		if b.p.UserID != 0 {
			op.CreatedBy = &b.p.UserID
		}
		d := &draft{op: op}
		d.body, d.err = json.Marshal(op)
		if d.err == nil {
			d.inputs, d.err = json.Marshal(op.Inputs)
		}
		b.drafts[i] = d
	}
}

// draft is the operation an item would create, with its JSON and that of its inputs, or the error encoding
// them.
type draft struct {
	op           Operation
	body, inputs []byte
	err          error
}

// queueWrites queues the keys that answer the admitted operations, their rows and their audit events. Each
// operation was encoded once (draft), for its key's response and its event alike.
func (b *batch) queueWrites(ctx context.Context, q *pgx.Batch) error {
	var changes []audit.Change
	var keys, responses []string
	var hashes [][]byte
	var keyOps []int64
	var inputs []string
	for i, it := range b.items {
		if !b.live(i) {
			continue
		}
		d := b.drafts[i]
		if d.err != nil {
			return d.err
		}
		b.ops = append(b.ops, d.op)
		b.opItem = append(b.opItem, i)
		inputs = append(inputs, string(d.inputs))
		changes = append(changes, audit.Change{Action: "operation.create", ObjectType: "operation", ObjectID: d.op.ID,
			RegionCode: b.contracts[it.ContractID].region, After: json.RawMessage(d.body)})
		if it.Key != "" {
			keys, hashes, responses = append(keys, it.Key), append(hashes, b.hashes[i]), append(responses, string(d.body))
			keyOps = append(keyOps, d.op.ID)
		}
	}
	if len(b.ops) == 0 {
		return nil
	}
	// The keys go first, so that a batch that lost one to a concurrent request stops before writing the rest.
	if len(keys) > 0 {
		q.Queue(`INSERT INTO idempotency_keys (user_id, key, request_hash, operation_id, response)
			SELECT $1, k.key, k.hash, k.operation_id, k.response::jsonb
			FROM unnest($2::text[], $3::bytea[], $4::bigint[], $5::text[]) AS k (key, hash, operation_id, response)
			ORDER BY k.key`, b.p.UserID, keys, hashes, keyOps, responses)
	}
	query, args := insertOperations(b.ops, inputs, b.contracts)
	q.Queue(query, args...)
	for j := range b.ops {
		b.results[b.opItem[j]] = Result{Status: Created, Operation: &b.ops[j]}
	}
	query, args, err := audit.Append(ctx, b.p, changes)
	if err != nil || query == "" {
		return err
	}
	q.Queue(postgres.Numbered(query), args...)
	return nil
}

// queue is a statement runner that adds each statement to q.
func queue(q *pgx.Batch) func(query string, args ...any) error {
	return func(query string, args ...any) error {
		q.Queue(postgres.Numbered(query), args...)
		return nil
	}
}

// insertOperations is the statement that writes ops, one array per column, each with the JSON of its inputs
// and the season, village, collective and provider of its contract in contracts. It reads no table, so that
// Citus sends each row to the shard of its county.
func insertOperations(ops []Operation, inputs []string, contracts map[int64]target) (string, []any) {
	n := len(ops)
	counties, opTypes, areas, regions := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ids, contractIDs, parcels, collectives, providers := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	seasons := make([]int32, n)
	dates := make([]time.Time, n)
	yields, moistures, machines, operators, locations, notes := make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
	for i, op := range ops {
		counties[i], ids[i], contractIDs[i], parcels[i], opTypes[i], dates[i] = op.CountyCode, op.ID, op.ContractID, op.ParcelID, op.OpType, op.OpDate
		areas[i], machines[i], operators[i], notes[i] = op.AreaMu.String(), op.Machine, op.Operator, op.Note
		c := contracts[op.ContractID]
		seasons[i], regions[i], collectives[i], providers[i] = int32(c.season), c.region, c.collective, c.provider
		if op.YieldKg != nil {
			yields[i] = new(op.YieldKg.String())
		}
		if op.MoisturePct != nil {
			moistures[i] = new(op.MoisturePct.String())
		}
		if op.Location != nil {
			locations[i] = new(string(op.Location))
		}
	}
	return `INSERT INTO operations (county_code, id, contract_id, parcel_id, op_type, op_date, area_mu, yield_kg, moisture_pct,
			machine, operator, inputs, location, note, season_year, region_code, collective_id, provider_id,
			status, created_by, created_at, updated_at)
		SELECT o.county_code, o.id, o.contract_id, o.parcel_id, o.op_type, o.op_date, o.area_mu::numeric, o.yield_kg::numeric,
		       o.moisture_pct::numeric, o.machine, o.operator, o.inputs::jsonb, o.location::jsonb, o.note,
		       o.season_year, o.region_code, o.collective_id, o.provider_id, 'recorded', $19::bigint, now(), now()
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::date[], $7::text[], $8::text[], $9::text[],
		            $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::text[], $17::bigint[], $18::bigint[])
		  AS o (county_code, id, contract_id, parcel_id, op_type, op_date, area_mu, yield_kg, moisture_pct, machine, operator, inputs,
		        location, note, season_year, region_code, collective_id, provider_id)`,
		[]any{counties, ids, contractIDs, parcels, opTypes, dates, areas, yields, moistures, machines, operators, inputs, locations, notes,
			seasons, regions, collectives, providers, ops[0].CreatedBy}
}
