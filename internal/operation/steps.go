package operation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/provider"
)

// duplicate marks, until release settles it, an item whose key an earlier item of the batch carries.
const duplicate = "duplicate"

// claimKeys records the keys of the live items as taken by this transaction. A key already taken by a
// committed request (or one that commits while we wait on it) is not ours: its item is answered from the
// stored response when the request is the same, and refused as a Conflict when it is not. A key repeated
// inside the batch is settled against its first item once that one is decided (release).
func (b *batch) claimKeys() error {
	b.hashes = make([][]byte, len(b.items))
	b.first, b.claimed = map[string]int{}, map[string]int{}
	var keys postgres.TextArray
	var hashes postgres.ByteaArray
	for i, it := range b.items {
		b.hashes[i] = hash(it)
		if !b.live(i) || it.Key == "" {
			continue
		}
		if _, dup := b.first[it.Key]; dup {
			b.results[i].Status = duplicate
			continue
		}
		b.first[it.Key], b.claimed[it.Key] = i, i
		keys, hashes = append(keys, it.Key), append(hashes, b.hashes[i])
	}
	if len(keys) == 0 {
		return nil
	}
	var got []string
	err := b.tx.Raw(`INSERT INTO idempotency_keys (user_id, key, request_hash)
		SELECT ?, k.key, k.hash FROM unnest(?::text[], ?::bytea[]) AS k (key, hash)
		ON CONFLICT (user_id, key) DO NOTHING RETURNING key`, b.p.UserID, keys, hashes).Find(&got).Error
	if err != nil {
		return err
	}
	ours := map[string]bool{}
	for _, k := range got {
		ours[k] = true
	}
	var taken []string
	for k := range b.claimed {
		if !ours[k] {
			taken = append(taken, k)
		}
	}
	if len(taken) == 0 {
		return nil
	}
	var stored []struct {
		Key         string
		RequestHash []byte
		Response    []byte
	}
	err = b.tx.Raw(`SELECT k.key, k.request_hash, a.after AS response FROM idempotency_keys k
		JOIN audit_events a ON a.object_type = 'operation' AND a.object_id = k.operation_id::text AND a.action = 'operation.create'
		WHERE k.user_id = ? AND k.key = ANY (?::text[])`, b.p.UserID, postgres.TextArray(taken)).Find(&stored).Error
	if err != nil {
		return err
	}
	b.stored = map[string]storedKey{}
	for _, st := range stored {
		i := b.claimed[st.Key]
		delete(b.claimed, st.Key)
		var op Operation
		if err := json.Unmarshal(st.Response, &op); err != nil {
			return fmt.Errorf("stored response of key %q: %w", st.Key, err)
		}
		b.stored[st.Key] = storedKey{hash: st.RequestHash, op: &op}
		b.results[i] = b.stored[st.Key].answer(st.Key, b.hashes[i])
	}
	return nil
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

// loadContracts reads the live items' contracts that p may read, with their parcels and lines, under a
// share lock (a termination waits for this batch), and their providers' statuses under a share lock (a
// suspension waits too).
func (b *batch) loadContracts() error {
	ids := map[int64]bool{}
	for i, it := range b.items {
		if b.live(i) {
			ids[it.ContractID] = true
		}
	}
	b.contracts = map[int64]contract.Contract{}
	b.providers = map[int64]string{}
	if len(ids) == 0 {
		return nil
	}
	cs, err := contract.LookupAll(b.tx, b.p, keys(ids))
	if err != nil {
		return err
	}
	prov := map[int64]bool{}
	for _, c := range cs {
		b.contracts[c.ID] = c
		prov[c.ProviderID] = true
	}
	var ps []provider.Provider
	if err := b.tx.Select("id", "status").Clauses(clause.Locking{Strength: clause.LockingStrengthShare}).
		Where("id = ANY (?::bigint[])", postgres.Int64Array(keys(prov))).Order("id").Find(&ps).Error; err != nil {
		return err
	}
	for _, pr := range ps {
		b.providers[pr.ID] = pr.Status
	}
	return nil
}

// checkContracts refuses items whose contract is unknown, not active, of a suspended provider, or does not
// hold the item's parcel, operation type or date.
func (b *batch) checkContracts() error {
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
		case c.Status != contract.StatusActive:
			b.refuse(i, fault.Conflictf("Contract %s is %s; operations are logged on active contracts only.", c.Number, c.Status))
			continue
		case b.providers[c.ProviderID] != provider.StatusActive:
			b.refuse(i, fault.Conflictf("The provider of contract %s is suspended and cannot log operations.", c.Number))
			continue
		}
		if _, ok := c.AreaOf(in.ParcelID); !ok {
			errs.Add("parcel_id", "the parcel is not on the contract")
		}
		if _, ok := c.LineOf(in.OpType); !ok {
			errs.Add("op_type", "the contract has no %s service line", in.OpType)
		}
		if in.OpDate.Before(c.StartDate) || in.OpDate.After(c.EndDate) {
			errs.Add("op_date", "must be within the contract's dates, %s to %s", c.StartDate.Format(time.DateOnly), c.EndDate.Format(time.DateOnly))
		}
		if err := errs.Err(); err != nil {
			b.refuse(i, err)
		}
	}
	return nil
}

// capKey names a delivery cap row.
type capKey struct {
	county   string
	contract int64
	parcel   int64
	opType   string
}

// checkCaps locks the delivery caps the live items draw on, in key order, and admits items in request
// order while their cap allows: the area not voided of a contract × parcel × operation type stays within the
// contracted area of the parcel times the passes.
func (b *batch) checkCaps() error {
	need := map[capKey]bool{}
	for i, it := range b.items {
		if b.live(i) {
			need[b.capOf(it)] = true
		}
	}
	if len(need) == 0 {
		return nil
	}
	ks := make([]capKey, 0, len(need))
	for k := range need {
		ks = append(ks, k)
	}
	var rows []struct {
		CountyCode   string
		ContractID   int64
		ParcelID     int64
		OpType       string
		CapAreaMu    string
		ActiveAreaMu string
	}
	counties, contracts, parcels, ops := capColumns(ks)
	err := b.tx.Raw(`SELECT d.county_code, d.contract_id, d.parcel_id, d.op_type, d.cap_area_mu::text, d.active_area_mu::text
		FROM delivery_caps d
		JOIN unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[]) AS k (county_code, contract_id, parcel_id, op_type)
		  USING (county_code, contract_id, parcel_id, op_type)
		ORDER BY 1, 2, 3, 4 FOR UPDATE OF d`, counties, contracts, parcels, ops).Find(&rows).Error
	if err != nil {
		return err
	}
	type room struct{ cap, used decimal.Decimal }
	caps := map[capKey]*room{}
	for _, r := range rows {
		caps[capKey{r.CountyCode, r.ContractID, r.ParcelID, r.OpType}] = &room{decimal.RequireFromString(r.CapAreaMu), decimal.RequireFromString(r.ActiveAreaMu)}
	}
	for i, it := range b.items {
		if !b.live(i) {
			continue
		}
		r := caps[b.capOf(it)]
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
	return nil
}

func (b *batch) capOf(it Item) capKey {
	c := b.contracts[it.ContractID]
	return capKey{c.CountyCode, c.ID, it.Input.ParcelID, it.Input.OpType}
}

// write creates the admitted operations and moves the running totals, the audit log and the keys' responses
// along with them.
func (b *batch) write() error {
	var n int
	for i := range b.items {
		if b.live(i) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	var alloc []struct {
		ID  int64
		Now time.Time
	}
	if err := b.tx.Raw("SELECT nextval(pg_get_serial_sequence('operations', 'id')) AS id, now() AS now FROM generate_series(1, ?)", n).Find(&alloc).Error; err != nil {
		return err
	}
	ids, now := make([]int64, len(alloc)), alloc[0].Now
	changes := make([]audit.Change, 0, n)
	for i, it := range b.items {
		if !b.live(i) {
			continue
		}
		c := b.contracts[it.ContractID]
		in := it.Input
		ids[len(b.ops)] = alloc[len(b.ops)].ID
		op := Operation{CountyCode: c.CountyCode, ID: ids[len(b.ops)], ContractID: c.ID, ParcelID: in.ParcelID, OpType: in.OpType,
			OpDate: in.OpDate, AreaMu: in.AreaMu, YieldKg: in.YieldKg, MoisturePct: in.MoisturePct, Machine: in.Machine,
			Operator: in.Operator, Inputs: in.Inputs, Note: in.Note, Status: StatusRecorded, CreatedAt: now, UpdatedAt: now}
		if op.Inputs == nil {
			op.Inputs = []Material{}
		}
		if len(in.Location) > 0 && string(in.Location) != "null" {
			op.Location = in.Location
		}
		if b.p.UserID != 0 {
			op.CreatedBy = &b.p.UserID
		}
		b.ops = append(b.ops, op)
		b.opItem = append(b.opItem, i)
		changes = append(changes, audit.Change{Action: "operation.create", ObjectType: "operation", ObjectID: op.ID, RegionCode: c.RegionCode, After: op})
	}
	if err := b.tx.CreateInBatches(&b.ops, 500).Error; err != nil {
		return err
	}
	for j := range b.ops {
		b.results[b.opItem[j]] = Result{Status: Created, Operation: &b.ops[j]}
	}
	if err := moveActive(b.tx, b.ops, +1, true); err != nil {
		return err
	}
	return audit.RecordAll(b.tx.Statement.Context, b.tx, b.p, changes)
}

// release ties the keys this batch claimed to their operations and gives back those of refused items, so a
// corrected retry with the same key is not mistaken for a replay; repeated keys inside the batch are then
// settled against their first item.
func (b *batch) release() error {
	var storeKeys, give postgres.TextArray
	var ops postgres.Int64Array
	for key, i := range b.claimed {
		if b.results[i].Status != Created {
			give = append(give, key)
			continue
		}
		storeKeys, ops = append(storeKeys, key), append(ops, b.results[i].Operation.ID)
	}
	if len(storeKeys) > 0 {
		if err := b.tx.Exec(`UPDATE idempotency_keys k SET operation_id = v.operation_id
			FROM unnest(?::text[], ?::bigint[]) AS v (key, operation_id) WHERE k.user_id = ? AND k.key = v.key`,
			storeKeys, ops, b.p.UserID).Error; err != nil {
			return err
		}
	}
	if len(give) > 0 {
		if err := b.tx.Exec("DELETE FROM idempotency_keys WHERE user_id = ? AND key = ANY (?::text[])", b.p.UserID, give).Error; err != nil {
			return err
		}
	}
	for i, it := range b.items {
		if b.results[i].Status != duplicate {
			continue
		}
		if st, ok := b.stored[it.Key]; ok {
			b.results[i] = st.answer(it.Key, b.hashes[i])
			continue
		}
		first := b.first[it.Key]
		switch {
		case !bytes.Equal(b.hashes[first], b.hashes[i]):
			b.refuse(i, fault.Conflictf("The idempotency key %q was used for another request.", it.Key))
		case b.results[first].Status == Created:
			b.results[i] = Result{Status: Exists, Operation: b.results[first].Operation}
		default:
			b.results[i] = b.results[first]
		}
	}
	return nil
}

func keys[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
