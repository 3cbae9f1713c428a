package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/account"
)

// The targets of PERFORMANCE.md for operation logging, as ratios to the database's own limits measured in
// the same run.
const (
	singleTarget = 0.7 // single-operation logging ÷ pgbench running the same transaction, at 16 clients
	batchTarget  = 0.5 // batch sync ÷ COPY of every row it writes: operations, audit events, idempotency keys
)

type opsParams struct {
	clients            []int
	requests           int
	duration           time.Duration
	batches, batchSize int
	pgbench            string
	showSQL            bool
	rounds             int // alternated rounds of the API and the database
}

func runOps(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ops", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	var p opsParams
	sizes := Sizes{Counties: 1, TownshipsPerCounty: 7, VillagesPerTownship: 10}
	fs.IntVar(&sizes.Contracts, "contracts", 4700, "custody contracts over three seasons (about 43 % of them active in the current season)")
	fs.IntVar(&sizes.Farms, "farms", 6000, "farms to generate")
	fs.IntVar(&sizes.Parcels, "parcels", 18000, "parcels to generate")
	fs.IntVar(&sizes.Providers, "providers", 12, "service providers to generate")
	fs.IntVar(&sizes.Counties, "counties", 1, "counties, each with 7 townships of about 10 villages")
	clients := fs.String("clients", "16,64", "concurrent clients of single-operation logging, for the API and pgbench alike")
	fs.IntVar(&p.requests, "requests", 40_000, "most single-operation POSTs measured per client count")
	fs.DurationVar(&p.duration, "duration", 15*time.Second, "most time measured per client count, for the API and pgbench alike")
	fs.IntVar(&o.warmup, "warmup", 500, "unmeasured POSTs before each client count")
	fs.IntVar(&p.batches, "batches", 20, "batch sync requests measured per round, one at a time")
	fs.IntVar(&p.rounds, "rounds", 3, "alternated rounds of the API and the database (pgbench, COPY) per comparison")
	fs.IntVar(&p.batchSize, "batch-size", 1000, "operations per batch sync request (at most 1000)")
	fs.StringVar(&p.pgbench, "pgbench", "", "pgbench binary (default: pgbench on PATH, else /usr/lib/postgresql/*/bin/pgbench)")
	fs.BoolVar(&p.showSQL, "show-sql", false, "print the statements one single-operation POST runs")
	fs.BoolVar(&o.verify, "verify", false, "recompute the running totals from the operations after loading and after the measurements")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurements (server and clients) to this file")
	commonFlags(fs, &o, "tuoguan_bench_ops")
	if done, err := parseFlags(fs, &o, args); done {
		return err
	}
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 80 {
			return fmt.Errorf("-clients %q: a comma-separated list of numbers from 1 to 80 (pgbench and the pool share max_connections)", *clients)
		}
		p.clients = append(p.clients, n)
	}
	switch {
	case p.requests < 1 || p.duration <= 0 || o.warmup < 0:
		return errors.New("-requests and -duration must be positive, -warmup at least 0")
	case p.batches < 0 || p.batchSize < 1 || p.batchSize > 1000:
		return errors.New("-batches must be at least 0, -batch-size from 1 to 1000")
	case p.rounds < 1:
		return errors.New("-rounds must be at least 1")
	}
	w, err := custodyWorld(o.seed, sizes)
	if err != nil {
		return err
	}
	return ops(ctx, o, p, w, stdout)
}

// capTarget is a delivery cap with room that the measurements log operations against.
type capTarget struct {
	contract, parcel int64
	opType           string
	provider, user   int64
	county           string
	date             time.Time
	season           int32 // the contract's, with its village and collective
	region           string
	collective       int64
	yield            string // of benchArea, for harvesting; "" otherwise
	username         string // the provider's account
	response         string // the operation's JSON, as its audit event and its key keep it
	room             atomic.Int64
}

// benchArea is the area every measured operation logs, in mu and in hundredths.
const (
	benchArea      = "0.02"
	benchAreaCents = 2
)

func ops(ctx context.Context, o options, p opsParams, w *World, out io.Writer) (err error) {
	fmt.Fprintf(out, "loading %s: %d regions, %d collectives, %d farms, %d parcels, %d providers, %d contracts (seed %d, as of %s)\n",
		o.dbName, len(w.Regions), len(w.Collectives), w.Sizes.Farms, w.Sizes.Parcels, w.Sizes.Providers, w.Sizes.Contracts,
		o.seed, w.Today.Format(time.DateOnly))
	e, err := setUp(ctx, o, w, benchAccounts, out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := e.Close(ctx, out); cerr != nil && err == nil {
			err = cerr
		}
	}()
	c := newClient("http://"+e.addr, slices.Max(p.clients))
	if _, err := e.svc.Accounts.Bootstrap(ctx, benchPassword); err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	admin, err := c.login(ctx, "admin")
	if err != nil {
		return err
	}
	var active []int64
	for _, pr := range w.providers {
		if pr.Status == "active" {
			active = append(active, pr.ID)
		}
	}
	tokens, err := providerAccounts(ctx, c, admin, active)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	b, err := newOpsBench(ctx, c, conn, e.dbURL, w, tokens, o.seed)
	if err != nil {
		return err
	}
	if p.showSQL {
		if err := showSQL(ctx, e, out, "one single-operation POST", 0, func() error { return b.single(ctx, b.rng) }); err != nil {
			return err
		}
		err := showSQL(ctx, e, out, fmt.Sprintf("one batch of %d", p.batchSize), 160, func() error {
			_, err := b.batch(ctx, -1, p.batchSize)
			return err
		})
		if err != nil {
			return err
		}
	}
	e.header(ctx, out)
	fmt.Fprintf(out, "data:     %d villages, %d farms, %d parcels, %d providers, %d contracts, %d of them active;\n",
		len(w.Collectives), w.Sizes.Farms, w.Sizes.Parcels, w.Sizes.Providers, w.Sizes.Contracts, b.active)
	stop, err := profile(o.cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	res, err := measureOps(ctx, b, p, o, out)
	if err != nil {
		return err
	}
	stop()
	if o.verify {
		fmt.Fprintln(out)
		if err := verifyTotals(ctx, conn, out); err != nil {
			return err
		}
	}
	if res.failed > 0 {
		return fmt.Errorf("%d cases had failed requests", res.failed)
	}
	return ctx.Err()
}

// benchAccounts lets the benchmark log in as many accounts as it needs from one address.
var benchAccounts = account.Config{AddrEvery: time.Millisecond, AddrBurst: 10_000}

// opsBench is what the operation logging measurements need: the API's client, the providers' sessions, a
// connection of their own to the database, and the delivery caps with room to log on.
type opsBench struct {
	c                *client
	conn             *pgx.Conn
	dbURL            string
	tokens           map[int64]string // by provider id
	targets          []*capTarget
	busy             int64        // the provider with the most targets, whose batches are measured
	busyTargets      []*capTarget // and its targets
	active, withRoom int64        // contracts active, and of them with caps in targets
	seed             uint64
	rng              *rand.Rand // the batches' picks
	keys             atomic.Int64
	run              string // names this run's idempotency keys apart from those of runs before on a kept database
	noCheckpoint     bool   // the database refused CHECKPOINT
}

// checkpoint has the database write out what the rounds before left dirty (CHECKPOINT) before a round of either
// side, so that each starts from the same state and none has a checkpoint fall inside it: one of ten seconds
// ends long before the next is due (checkpoint_timeout, max_wal_size). A database that refuses (CHECKPOINT
// needs a superuser or pg_checkpoint) is told once, and the rounds go on without.
func (b *opsBench) checkpoint(ctx context.Context, out io.Writer) {
	if b.noCheckpoint {
		return
	}
	if _, err := b.conn.Exec(ctx, "CHECKPOINT"); err != nil {
		fmt.Fprintf(out, "          CHECKPOINT refused, the rounds go on without: %v\n", err)
		b.noCheckpoint = true
	}
}

// newOpsBench makes the targets of the providers that have tokens.
func newOpsBench(ctx context.Context, c *client, conn *pgx.Conn, dbURL string, w *World, tokens map[int64]string, seed uint64) (*opsBench, error) {
	b := &opsBench{c: c, conn: conn, dbURL: dbURL, tokens: tokens, seed: seed, rng: rand.New(rand.NewPCG(seed, 7)),
		run: strconv.FormatInt(time.Now().UnixNano(), 36)}
	var err error
	if b.targets, err = makeTargets(ctx, conn, w); err != nil {
		return nil, err
	}
	if len(b.targets) == 0 {
		return nil, errors.New("no active contract has a delivery cap with room: generate more contracts")
	}
	b.busy, b.busyTargets = busiest(b.targets)
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM contracts WHERE status = 'active'),
		(SELECT count(DISTINCT contract_id) FROM bench_targets)`).Scan(&b.active, &b.withRoom)
	return b, err
}

// pick takes benchArea of room on a random target among, or returns nil when it finds none with room.
func (b *opsBench) pick(rng *rand.Rand, among []*capTarget) *capTarget {
	for range 1000 {
		t := among[rng.IntN(len(among))]
		if t.room.Add(-benchAreaCents) >= 0 {
			return t
		}
		t.room.Add(benchAreaCents)
	}
	return nil
}

// single logs one operation on a random target, as its provider, with a fresh Idempotency-Key.
func (b *opsBench) single(ctx context.Context, rng *rand.Rand) error {
	t := b.pick(rng, b.targets)
	if t == nil {
		return errors.New("no delivery cap has room left")
	}
	key := "bench-" + b.run + "-" + strconv.FormatInt(b.keys.Add(1), 10)
	return b.c.postOperation(ctx, b.tokens[t.provider], t, key)
}

// busiest is the provider with the most of targets, and its targets.
func busiest(targets []*capTarget) (int64, []*capTarget) {
	byProvider := map[int64][]*capTarget{}
	var busiest int64
	for _, t := range targets {
		byProvider[t.provider] = append(byProvider[t.provider], t)
		if len(byProvider[t.provider]) > len(byProvider[busiest]) {
			busiest = t.provider
		}
	}
	return busiest, byProvider[busiest]
}

// batch syncs size operations on random targets of the busiest provider, as that provider, and returns
// the targets logged on; i numbers the batch's keys.
func (b *opsBench) batch(ctx context.Context, i, size int) ([]*capTarget, error) {
	provider, among := b.busy, b.busyTargets
	items := make([]*capTarget, size)
	keys := make([]string, size)
	for k := range items {
		if items[k] = b.pick(b.rng, among); items[k] == nil {
			return nil, errors.New("no delivery cap of the provider has room left")
		}
		keys[k] = fmt.Sprintf("bench-batch-%s-%d-%d", b.run, i, k)
	}
	_, err := b.c.postBatch(ctx, b.tokens[provider], items, keys)
	return items, err
}

// opsResult is what measureOps measured.
type opsResult struct {
	single []singleLevel
	batch  batchRun
	failed int // cases with failed requests
}

// singleLevel is single-operation logging at one client count, through the API and with pgbench, in
// alternated rounds.
type singleLevel struct {
	clients int
	api     []Result
	pgbench []pgbenchResult // none when pgbench is missing
	ratios  ratios          // API's requests per second ÷ pgbench's transactions per second, per round
}

// failed reports whether a round of either side had failures.
func (l singleLevel) failed() bool {
	return slices.ContainsFunc(l.api, Result.Failed) || slices.ContainsFunc(l.pgbench, func(r pgbenchResult) bool { return r.failed > 0 })
}

// batchRun is batch sync against COPY, in alternated rounds.
type batchRun struct {
	rounds []batchRound
	ratios ratios // batch sync's operations per second ÷ COPY's operations per second, per round
}

// batchRound is one round: batches through the API, then a COPY of every row they wrote.
type batchRound struct {
	api      Result
	ops      int64   // operations the measured batches created
	posted   int     // operations posted in the round, the warm-up's included
	opsRate  float64 // operations per second through batch sync
	copyRate float64 // operations per second of a COPY of their rows, audit events and idempotency keys
	copyTook time.Duration
	apiWAL   walUse // written while the batches ran, the warm-up's included
	copyWAL  walUse // written while the COPY ran
}

// walUse is how many bytes the server wrote to its write-ahead log (on a Citus coordinator, the coordinator's
// alone): from the log's start in a reading (wal), over a stretch between two readings (since); known is false
// where it could not be read.
type walUse struct {
	bytes int64
	known bool
}

// wal reads the server's write-ahead log insert position.
func (b *opsBench) wal(ctx context.Context) walUse {
	var w walUse
	w.known = b.conn.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint
		WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')`).Scan(&w.bytes) == nil
	return w
}

// since is what was written between the readings before and w.
func (w walUse) since(before walUse) walUse {
	return walUse{bytes: w.bytes - before.bytes, known: w.known && before.known}
}

// per describes w per thousand of ops operations.
func (w walUse) per(ops int) string {
	if !w.known || ops == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f MB", float64(w.bytes)/(float64(ops)/1000)/1e6)
}

// failed reports whether a round had failed requests.
func (b batchRun) failed() bool {
	return slices.ContainsFunc(b.rounds, func(r batchRound) bool { return r.api.Failed() })
}

// measureOps measures single-operation logging at each client count of p, alternating the API with pgbench
// running the same transaction for as long, p.rounds times each; then batch sync against a COPY of every row
// the batches wrote, alternated as often; printing the tables.
func measureOps(ctx context.Context, b *opsBench, p opsParams, o options, out io.Writer) (res opsResult, err error) {
	pgbench, pgbenchErr := findPgbench(p.pgbench)
	var script, dir string
	if pgbenchErr == nil {
		if dir, err = os.MkdirTemp("", "tuoguan-bench-pgbench-"); err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
		script = dir + "/operation.sql"
		text, err := pgbenchScript()
		if err != nil {
			return res, err
		}
		if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
			return res, err
		}
	}
	rounds := max(p.rounds, 1)
	fmt.Fprintf(out, "          %d delivery caps with ≥ 2 mu of room on %d active contracts of %d providers with accounts\n",
		len(b.targets), b.withRoom, len(b.tokens))
	fmt.Fprintf(out, "load:     each POST logs %s mu on a random cap with room, as the cap's provider, with a fresh Idempotency-Key;\n", benchArea)
	fmt.Fprintf(out, "          at most %d POSTs or %s per client count and round after %d warm-up, over HTTP on %s\n", p.requests, p.duration,
		o.warmup, strings.TrimPrefix(b.c.base, "http://"))
	if pgbenchErr != nil {
		fmt.Fprintf(out, "pgbench:  %v — the pgbench comparison is skipped\n", pgbenchErr)
	} else {
		fmt.Fprintf(out, "pgbench:  %s -M prepared, for %s per client count and round, running %s (the same transaction)\n", pgbench, p.duration, script)
	}
	fmt.Fprintf(out, "rounds:   %d, the API and the database alternating (A B A B …), each after a CHECKPOINT; ratios are min / median / max\n", rounds)
	fmt.Fprintln(out, "          over the rounds")
	fmt.Fprintln(out)

	const row = "%-44s %7v %5v %9v %9v %8v %8v  %s\n"
	fmt.Fprintln(out, "single-operation logging: POST /api/v1/contracts/{id}/operations vs pgbench running the same transaction")
	fmt.Fprintf(out, row, "case", "clients", "round", "requests", "req/s", "p50 ms", "p99 ms", "")
	for level, n := range p.clients {
		l := singleLevel{clients: n}
		for round := range rounds {
			warmup := 0
			if round == 0 {
				warmup = o.warmup
			}
			seed := b.seed + uint64(level)*1000 + uint64(round)
			b.checkpoint(ctx, out)
			r := runLoad(ctx, "API: POST one operation", warmup, p.requests, n, p.duration, func(ctx context.Context, i int) error {
				return b.single(ctx, rand.New(rand.NewPCG(seed, uint64(i))))
			})
			l.api = append(l.api, r)
			note := ""
			if r.Failed() {
				note = fmt.Sprintf("FAILED: %d errors, first: %s", r.Errors, r.FirstError)
			}
			fmt.Fprintf(out, row, r.Case, n, round+1, r.Requests, fmt.Sprintf("%.0f", r.PerSecond), fmt.Sprintf("%.2f", ms(r.P50)),
				fmt.Sprintf("%.2f", ms(r.P99)), note)
			if pgbenchErr == nil {
				b.checkpoint(ctx, out)
				pr, err := runPgbench(ctx, pgbench, b.dbURL, script, dir, n, p.duration, len(b.targets))
				if err != nil {
					return res, err
				}
				note = ""
				if pr.failed > 0 {
					note = fmt.Sprintf("FAILED: %d transactions, %s", pr.failed, pr.firstError)
				}
				if err := refreshRoom(ctx, b.conn, b.targets); err != nil {
					return res, err
				}
				fmt.Fprintf(out, row, "pgbench: the same transaction", n, round+1, pr.txns, fmt.Sprintf("%.0f", pr.tps),
					fmt.Sprintf("%.2f", ms(pr.p50)), fmt.Sprintf("%.2f", ms(pr.p99)), note)
				l.pgbench = append(l.pgbench, pr)
				if pr.tps > 0 {
					l.ratios = append(l.ratios, r.PerSecond/pr.tps)
				}
			}
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
		}
		if l.failed() {
			res.failed++
		}
		res.single = append(res.single, l)
	}
	for _, l := range res.single {
		if len(l.ratios) == 0 {
			continue
		}
		verdict := "(no target)"
		if l.clients == 16 {
			verdict = fmt.Sprintf("target ≥ %.2f at the median: %s", singleTarget, passMiss(l.ratios.median() >= singleTarget))
		}
		fmt.Fprintf(out, "  API ÷ pgbench at %2d clients, min / median / max: %s  %s\n", l.clients, l.ratios, verdict)
	}
	if p.batches == 0 {
		return res, nil
	}

	fmt.Fprintf(out, "\nbatch sync: POST /api/v1/operations/batch of %d operations, one request at a time, vs one COPY of every row they\n", p.batchSize)
	fmt.Fprintf(out, "wrote (the operations, their audit events and their idempotency keys, rolled back), alternated %d times, each\n", rounds)
	fmt.Fprintln(out, "after a CHECKPOINT; WAL is what the server wrote to its write-ahead log per 1,000 operations")
	const brow = "%-44s %5v %9v %11v %9v %8v %8v  %-13s %s\n"
	fmt.Fprintf(out, brow, "case", "round", "requests", "operations", "ops/s", "p50 ms", "p99 ms", "WAL per 1,000", "")
	batches := 0
	for round := range rounds {
		var copied []*capTarget
		var created atomic.Int64
		var mu sync.Mutex
		warmup := 0
		if round == 0 {
			warmup = 1
		}
		b.checkpoint(ctx, out)
		walBefore := b.wal(ctx)
		r := runLoad(ctx, "API: POST a batch", warmup, p.batches, 1, 0, func(ctx context.Context, i int) error {
			items, err := b.batch(ctx, batches+i, p.batchSize)
			if i >= warmup && err == nil {
				created.Add(int64(len(items)))
				mu.Lock()
				copied = append(copied, items...)
				mu.Unlock()
			}
			return err
		})
		batches += warmup + p.batches
		br := batchRound{api: r, ops: created.Load(), posted: (warmup + p.batches) * p.batchSize, apiWAL: b.wal(ctx).since(walBefore)}
		br.opsRate = float64(br.ops) / max(float64(r.Requests)/r.PerSecond, 1e-9)
		note := ""
		if r.Failed() {
			note = fmt.Sprintf("FAILED: %d errors, first: %s", r.Errors, r.FirstError)
		}
		fmt.Fprintf(out, brow, r.Case, round+1, r.Requests, br.ops, fmt.Sprintf("%.0f", br.opsRate), fmt.Sprintf("%.1f", ms(r.P50)),
			fmt.Sprintf("%.1f", ms(r.P99)), br.apiWAL.per(br.posted), note)
		b.checkpoint(ctx, out)
		walBefore = b.wal(ctx)
		if br.copyTook, err = copyRolledBack(ctx, b.conn, copied, round); err != nil {
			return res, err
		}
		br.copyWAL = b.wal(ctx).since(walBefore)
		br.copyRate = float64(len(copied)) / max(br.copyTook.Seconds(), 1e-9)
		fmt.Fprintf(out, brow, "COPY of the rows, events, keys; rolled back", round+1, 1, len(copied), fmt.Sprintf("%.0f", br.copyRate),
			fmt.Sprintf("%.1f", ms(br.copyTook)), "", br.copyWAL.per(len(copied)), "")
		res.batch.rounds = append(res.batch.rounds, br)
		if br.copyRate > 0 && br.ops > 0 {
			res.batch.ratios = append(res.batch.ratios, br.opsRate/br.copyRate)
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	if res.batch.failed() {
		res.failed++
	}
	rs := res.batch.ratios
	fmt.Fprintf(out, "  batch ÷ COPY, min / median / max: %s  target ≥ %.2f at the median: %s\n", rs, batchTarget, passMiss(rs.median() >= batchTarget))
	return res, nil
}

func passMiss(ok bool) string {
	if ok {
		return "pass"
	}
	return "miss"
}
