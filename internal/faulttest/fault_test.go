package faulttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/httpapi"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/internal/rollup"
	"github.com/tuoguan/tuoguan/migrations"
)

// The load: providers on phones logging single operations, and phones back online syncing batches, against
// a database that crashes this many times.
const (
	crashes       = 4
	singleClients = 6
	batchClients  = 2
	readers       = 2 // a bureau reading statistics and contracts meanwhile
	maxBatch      = 120
	// upFor and downFor are how long the database runs between crashes and stays down after one.
	upFor   = 1500 * time.Millisecond
	downFor = 700 * time.Millisecond
)

// opTypes are the contracts' service lines; harvesting carries a yield.
var opTypes = []string{"ploughing", "sowing", "plant_protection", "harvesting"}

// TestDatabaseCrashesLoseAndDoubleNothing runs the real server over a PostgreSQL cluster of its own and
// crashes the cluster (pg_ctl stop -m immediate) and restarts it several times while clients log single
// operations with idempotency keys and sync batches, each client retrying a request as a phone does until it
// is answered, and a bureau reads statistics. It then checks that:
//   - every answer during an outage, to a write or a read, was a 503 problem with Retry-After: no 500, no
//     other failure;
//   - /readyz said not ready while the database was down and ready once it was back, and the same server,
//     never restarted, went on creating operations after every restart;
//   - every operation acknowledged with a 2xx is stored exactly once, under its key, with what was sent,
//     and nothing else is stored;
//   - sending every request again, with the same keys, creates nothing and answers the original operations;
//   - the running totals equal their recomputation from the operations, and the statistics rollups their
//     rebuild (rollup.Verify).
func TestDatabaseCrashesLoseAndDoubleNothing(t *testing.T) {
	began := time.Now()
	ctx := context.Background()
	cluster := pgtest.NewCluster(t)
	db, err := postgres.Open(ctx, cluster.URL("tuoguan"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := postgres.Migrate(ctx, db.SQL, migrations.FS); err != nil {
		t.Fatal(err)
	}
	env := apitest.On(t, db)
	f := custodytest.On(t, env.DB, env.Services)
	w := &workload{t: t, ids: map[string]int64{}, sent: map[string]string{}, today: f.Today.Format(time.DateOnly)}
	for i := range singleClients + batchClients {
		w.phones = append(w.phones, newPhone(t, f, env, i, i >= singleClients))
	}
	// The server as cmd/tuoguan builds it, logging its errors into the test's log: the warning every outage
	// answer logs would drown them.
	handler := httpapi.New(f.Services, httpapi.Config{Log: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})),
		DB: db.SQL, Migrations: migrations.FS, Version: "fault-test"})
	srv := httptest.NewServer(handler)
	defer srv.Close()
	w.base = srv.URL
	w.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	setup := time.Since(began)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range w.phones {
		wg.Add(1)
		go func() { defer wg.Done(); w.run(p, stop) }()
	}
	for i := range readers {
		wg.Add(1)
		go func() { defer wg.Done(); w.read(i, env.Admin, stop) }()
	}
	var recovery []time.Duration
	for i := range crashes {
		time.Sleep(upFor)
		if err := cluster.Crash(); err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		w.crashes.Add(1)
		w.expectNotReady(i)
		time.Sleep(downFor)
		before := w.created.Load()
		restarted := time.Now()
		if err := cluster.Start(); err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		recovery = append(recovery, w.awaitRecovery(i, restarted, before))
		if w.failed() {
			break // the phones that failed have stopped; what they saw is reported below
		}
	}
	time.Sleep(upFor)
	close(stop)
	wg.Wait()
	chaos := time.Since(began) - setup

	if n := w.unavailable.Load(); n == 0 {
		t.Errorf("no client saw a 503 in %d outages: the outages did not happen under load", crashes)
	}
	for _, p := range w.failures() {
		t.Error(p)
	}
	if t.Failed() {
		t.FailNow()
	}
	stored := w.checkStoredOnce(ctx, db)
	sends, ok := w.sends.Load(), w.ok.Load()
	w.replayAll()
	if again := w.checkStoredOnce(ctx, db); again != stored {
		t.Errorf("the replays changed the operations stored from %d to %d", stored, again)
	}
	for _, p := range w.failures() {
		t.Error(p)
	}
	for _, d := range totalsDisagree(t, ctx, db) {
		t.Error(d)
	}
	t.Logf("fault test: %d crashes under %d requests (%d single operations, %d batches) sent %d times: %d answered 2xx, "+
		"%d answered 503 with Retry-After, none anything else; %d reads meanwhile, %d of them 503; %d operations stored, "+
		"each once; %d of them committed by a send answered 503 and returned by its retry; %d requests replayed, nothing created; "+
		"/readyz 503 in every outage; first operation after a restart within %v; setup %v, crashes %v, total %v",
		w.crashes.Load(), w.singles.Load()+w.batches.Load(), w.singles.Load(), w.batches.Load(), sends, ok,
		w.unavailable.Load(), w.reads.Load(), w.readsUnavailable.Load(), stored, w.lateAcks.Load(), w.replayed.Load(), slowest(recovery),
		setup.Round(time.Millisecond), chaos.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// phone is one client: a provider's account and the contracts it logs on.
type phone struct {
	id        int
	batch     bool
	token     string
	contracts []contract.Contract
	rng       *rand.Rand
}

// newPhone gives client i a provider of its own with two active contracts, each on a 5,000-mu parcel with
// every service line: room for tens of thousands of operations before a delivery cap refuses one.
func newPhone(t *testing.T, f *custodytest.Fixture, env *apitest.Env, i int, batch bool) *phone {
	t.Helper()
	s := f.Scene(t, opTypes...)
	p := &phone{id: i, batch: batch, rng: rand.New(rand.NewPCG(uint64(i), 2027))}
	for range 2 {
		parcel := s.Parcel(t, "5000.00")
		p.contracts = append(p.contracts, f.Active(t, s.Terms([]contract.ParcelInput{custodytest.Area(t, parcel.ID, "5000.00")},
			custodytest.Line("ploughing", 1), custodytest.Line("sowing", 1),
			custodytest.Line("plant_protection", 2), custodytest.Line("harvesting", 1))))
	}
	p.token = env.Login(t, s.ProviderUser.Username, custodytest.Password)
	return p
}

// request is one request as a phone sends it, and sends it again, byte for byte, until it is answered.
type request struct {
	path string
	// key is the Idempotency-Key of a single operation; batch items carry theirs in the body, listed in keys.
	key   string
	keys  []string
	body  []byte
	token string
}

// workload drives the phones and keeps what the server answered.
type workload struct {
	t      *testing.T
	base   string
	http   *http.Client
	phones []*phone
	today  string

	mu       sync.Mutex
	ids      map[string]int64  // idempotency key → the operation its first 2xx answered
	sent     map[string]string // idempotency key → the area it carried
	requests []*request
	problems []string

	sends, singles, batches, ok, unavailable, created, lateAcks, replayed, crashes, reads, readsUnavailable atomic.Int64
}

func (w *workload) fail(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.problems) < 20 {
		w.problems = append(w.problems, fmt.Sprintf(format, args...))
	}
}

func (w *workload) failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.problems) > 0
}

func (w *workload) failures() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.problems
	w.problems = nil
	return p
}

// run sends p's requests one after the other until stop is closed.
func (w *workload) run(p *phone, stop <-chan struct{}) {
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		r := w.newRequest(p, n)
		w.mu.Lock()
		w.requests = append(w.requests, r)
		w.mu.Unlock()
		if !w.deliver(r) {
			return
		}
	}
}

// read reads, as the admin, what a bureau reads — the county's statistics by township, the operations of a
// contract, a contract's benefit — until stop is closed: each answer must be a 200 or a well-formed 503.
func (w *workload) read(i int, token string, stop <-chan struct{}) {
	var paths []string
	for _, p := range w.phones {
		for _, c := range p.contracts {
			id := strconv.FormatInt(c.ID, 10)
			paths = append(paths, "/api/v1/contracts/"+id+"/operations?limit=100", "/api/v1/contracts/"+id+"/benefit")
		}
	}
	paths = append(paths, fmt.Sprintf("/api/v1/stats/regions/%s?season_year=%s&group_by=township", custodytest.County, w.today[:4]))
	for n := i; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		path := paths[n%len(paths)]
		res, err := w.get(path, token)
		w.reads.Add(1)
		switch {
		case err != nil:
			w.fail("GET %s: %v", path, err)
			return
		case res.status == http.StatusOK:
		case res.status == http.StatusServiceUnavailable:
			w.readsUnavailable.Add(1)
			if msg := outageAnswer(res); msg != "" {
				w.fail("GET %s: %s", path, msg)
				return
			}
		default:
			w.fail("GET %s: %d %s", path, res.status, res.body)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// operation is a random operation of p on one of its contracts: 0.01 to 0.20 mu, today.
func (w *workload) operation(p *phone) (c contract.Contract, body map[string]any) {
	c = p.contracts[p.rng.IntN(len(p.contracts))]
	op := opTypes[p.rng.IntN(len(opTypes))]
	body = map[string]any{"parcel_id": c.Parcels[0].ParcelID, "op_type": op, "op_date": w.today,
		"area_mu": fmt.Sprintf("0.%02d", 1+p.rng.IntN(20))}
	if op == "harvesting" {
		body["yield_kg"] = fmt.Sprintf("%d.%02d", 1+p.rng.IntN(300), p.rng.IntN(100))
	}
	return c, body
}

// newRequest is p's n-th request: a single operation, or a batch of 1 to maxBatch.
func (w *workload) newRequest(p *phone, n int) *request {
	r := &request{token: p.token}
	if !p.batch {
		c, body := w.operation(p)
		r.path = "/api/v1/contracts/" + strconv.FormatInt(c.ID, 10) + "/operations"
		r.key = fmt.Sprintf("phone%d-op%d", p.id, n)
		r.body = mustJSON(body)
		w.remember(r.key, body)
		w.singles.Add(1)
		return r
	}
	items := make([]any, 1+p.rng.IntN(maxBatch))
	for i := range items {
		c, body := w.operation(p)
		key := fmt.Sprintf("phone%d-batch%d-%d", p.id, n, i)
		body["contract_id"], body["idempotency_key"] = c.ID, key
		items[i] = body
		r.keys = append(r.keys, key)
		w.remember(key, body)
	}
	r.path = "/api/v1/operations/batch"
	r.body = mustJSON(map[string]any{"operations": items})
	w.batches.Add(1)
	return r
}

func (w *workload) remember(key string, body map[string]any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent[key] = body["area_mu"].(string)
}

// response is what the server answered to one send.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (w *workload) send(r *request) (*response, error) {
	req, err := http.NewRequest(http.MethodPost, w.base+r.path, bytes.NewReader(r.body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	res, err := w.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	w.sends.Add(1)
	return &response{status: res.StatusCode, header: res.Header, body: body}, err
}

// deliver sends r until it is answered with a 2xx, as a phone does, and records the answer; it waits a
// tenth of a second between sends rather than the Retry-After, to keep the test short. It reports false
// after an answer that is neither a 2xx nor a well-formed 503.
func (w *workload) deliver(r *request) bool {
	giveUp := time.Now().Add(45 * time.Second)
	for attempt := 0; ; attempt++ {
		sent := time.Now()
		res, err := w.send(r)
		switch {
		case err != nil:
			w.fail("POST %s: %v", r.path, err)
			return false
		case res.status/100 == 2:
			w.ok.Add(1)
			return w.record(r, res, sent, attempt > 0, false)
		case res.status == http.StatusServiceUnavailable:
			w.unavailable.Add(1)
			if msg := outageAnswer(res); msg != "" {
				w.fail("POST %s: %s", r.path, msg)
				return false
			}
		default:
			w.fail("POST %s (key %q): %d %s", r.path, r.key+firstOf(r.keys), res.status, res.body)
			return false
		}
		if time.Now().After(giveUp) {
			w.fail("POST %s: still 503 after 45 s", r.path)
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// record keeps the operations a 2xx to the send of r at sent answered for r's keys. A key answered before must
// be answered with the same operation; a batch item is "exists" only when its request was sent before
// (retried, or replayed). An operation created before a retry that was answered is one an earlier send
// committed although it was answered 503.
func (w *workload) record(r *request, res *response, sent time.Time, retried, replay bool) bool {
	answered := map[string]api.Operation{}
	if r.key != "" {
		var op api.Operation
		if err := json.Unmarshal(res.body, &op); err != nil || res.status != http.StatusCreated {
			w.fail("POST %s (key %q): %d %s", r.path, r.key, res.status, res.body)
			return false
		}
		answered[r.key] = op
	} else {
		var out api.OperationBatchResults
		if err := json.Unmarshal(res.body, &out); err != nil || len(out.Results) != len(r.keys) {
			w.fail("POST %s: %d results for %d items: %s", r.path, len(out.Results), len(r.keys), res.body)
			return false
		}
		for i, it := range out.Results {
			key := r.keys[i]
			switch {
			case it.Operation == nil || it.Status == api.Refused:
				w.fail("batch item %s: %s %s", key, it.Status, mustJSON(it.Error))
				return false
			case it.Status == api.Exists && !retried && !replay:
				w.fail("batch item %s exists on its first send", key)
				return false
			case it.Status == api.Created && replay:
				w.fail("batch item %s created again by a replay", key)
				return false
			}
			answered[key] = *it.Operation
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, op := range answered {
		if op.AreaMu.String() != w.sent[key] {
			w.problems = append(w.problems, fmt.Sprintf("key %s: answered %s mu, sent %s", key, op.AreaMu, w.sent[key]))
		}
		if id, ok := w.ids[key]; ok {
			if id != op.Id {
				w.problems = append(w.problems, fmt.Sprintf("key %s answered operation %d, first %d", key, op.Id, id))
			}
			continue
		}
		w.ids[key] = op.Id
		w.created.Add(1)
		if retried && op.CreatedAt.Before(sent) {
			w.lateAcks.Add(1)
		}
	}
	return true
}

// outageAnswer says what is wrong with a 503, "" when it is a problem+json with a Retry-After of whole
// seconds.
func outageAnswer(res *response) string {
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Sprintf("503 with Content-Type %q: %s", ct, res.body)
	}
	if n, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || n < 1 {
		return fmt.Sprintf("503 with Retry-After %q", res.header.Get("Retry-After"))
	}
	var p api.Problem
	if err := json.Unmarshal(res.body, &p); err != nil || p.Status != http.StatusServiceUnavailable || p.Code != "unavailable" {
		return fmt.Sprintf("503 with body %s", res.body)
	}
	return ""
}

func (w *workload) get(path, token string) (*response, error) {
	req, err := http.NewRequest(http.MethodGet, w.base+path, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := w.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return &response{status: res.StatusCode, header: res.Header, body: body}, err
}

// expectNotReady checks /readyz while the database is down.
func (w *workload) expectNotReady(crash int) {
	res, err := w.get("/readyz", "")
	switch {
	case err != nil:
		w.fail("/readyz in outage %d: %v", crash, err)
	case res.status != http.StatusServiceUnavailable:
		w.fail("/readyz in outage %d: %d %s", crash, res.status, res.body)
	default:
		if msg := outageAnswer(res); msg != "" {
			w.fail("/readyz in outage %d: %s", crash, msg)
		}
	}
}

// awaitRecovery waits, after restart number crash, for /readyz to say ready and for the phones to create
// an operation more than the before they had created; it returns how long that took.
func (w *workload) awaitRecovery(crash int, restarted time.Time, before int64) time.Duration {
	deadline := restarted.Add(20 * time.Second)
	ready := false
	for time.Now().Before(deadline) && !w.failed() {
		if !ready {
			res, err := w.get("/readyz", "")
			ready = err == nil && res.status == http.StatusOK
		}
		if ready && w.created.Load() > before {
			return time.Since(restarted)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !w.failed() {
		w.fail("the server did not recover within 20 s of restart %d (ready: %v)", crash, ready)
	}
	return time.Since(restarted)
}

// replayAll sends every request once more, eight at a time: each must answer the operations it answered.
func (w *workload) replayAll() {
	w.mu.Lock()
	reqs := w.requests
	w.mu.Unlock()
	work := make(chan *request)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				sent := time.Now()
				res, err := w.send(r)
				switch {
				case err != nil:
					w.fail("replay POST %s: %v", r.path, err)
				case res.status/100 != 2:
					w.fail("replay POST %s (key %q): %d %s", r.path, r.key+firstOf(r.keys), res.status, res.body)
				default:
					w.record(r, res, sent, true, true)
				}
				w.replayed.Add(1)
			}
		}()
	}
	for _, r := range reqs {
		work <- r
	}
	close(work)
	wg.Wait()
}

// checkStoredOnce checks the operations and idempotency keys stored against the answers: every key
// answered has its operation, with the area sent, each operation belongs to one key, and nothing else is
// stored. It returns the number of operations.
func (w *workload) checkStoredOnce(ctx context.Context, db *postgres.DB) int {
	t := w.t
	t.Helper()
	areas := map[int64]string{}
	rows, err := db.SQL.QueryContext(ctx, "SELECT id, area_mu::text FROM operations")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var area string
		if err := rows.Scan(&id, &area); err != nil {
			t.Fatal(err)
		}
		areas[id] = area
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	keyOf := map[int64]string{}
	rows, err = db.SQL.QueryContext(ctx, "SELECT key, operation_id FROM idempotency_keys")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int64{}
	for rows.Next() {
		var key string
		var id int64
		if err := rows.Scan(&key, &id); err != nil {
			t.Fatal(err)
		}
		stored[key] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	bad := 0
	report := func(format string, args ...any) {
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	for key, id := range w.ids {
		switch area, ok := areas[id]; {
		case !ok:
			report("key %s was answered with operation %d, which is not stored", key, id)
		case area != w.sent[key]:
			report("operation %d of key %s holds %s mu, %s were sent", id, key, area, w.sent[key])
		}
		if other, ok := keyOf[id]; ok {
			report("operation %d answers both key %s and key %s", id, key, other)
		}
		keyOf[id] = key
		if stored[key] != id {
			report("key %s is stored for operation %d, answered %d", key, stored[key], id)
		}
	}
	if len(areas) != len(w.ids) || len(stored) != len(w.ids) {
		report("%d operations and %d keys stored for %d keys answered", len(areas), len(stored), len(w.ids))
	}
	if len(w.sent) != len(w.ids) {
		report("%d keys sent, %d answered", len(w.sent), len(w.ids))
	}
	return len(areas)
}

// totalsDisagree recomputes every running total and rollup with rollup.Verify and describes every check
// that disagrees with what is stored.
func totalsDisagree(t *testing.T, ctx context.Context, db *postgres.DB) []string {
	t.Helper()
	checks, err := rollup.Verify(ctx, db.SQL)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range checks {
		if c.Disagree > 0 {
			out = append(out, fmt.Sprintf("%s: %d rows disagree, such as %v", c.Name, c.Disagree, c.Examples))
		}
	}
	var rows int64
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM stats_rollup").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows == 0 {
		out = append(out, "stats_rollup is empty: the rollups were not checked")
	}
	return out
}

// testLog writes the server's log into the test's.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func firstOf(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return keys[0] + "…"
}

func slowest(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m.Round(time.Millisecond)
}
