package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/pii"
)

// provinceSizes are the dimensions of a province at scale: at 1, 100 counties of 5 townships of about 10
// villages (5,000 villages), 600,000 farms on 1,520,000 parcels, 12 providers a county and 1,000,000
// contracts over three seasons, each pass over a parcel logged in one to three operations: about 10,000,000
// operations. Every count scales with scale, the counties to at least one.
func provinceSizes(scale float64) Sizes {
	n := func(base int) int { return max(1, int(math.Round(float64(base)*scale))) }
	counties := n(100)
	return Sizes{Counties: counties, TownshipsPerCounty: 5, VillagesPerTownship: 10, Farms: n(600_000), Parcels: n(1_520_000),
		Providers: 12 * counties, Contracts: n(1_000_000), Parts: 3}
}

// provinceParams are the measurements' loads: those of the separate commands, each bounded in time.
type provinceParams struct {
	server  exportsParams
	ops     opsParams
	opsWarm int     // unmeasured single-operation POSTs before each client count
	lists   options // requests, warm-up, concurrency and time per list case
	stats   options // the same per statistics case
	command string  // the command line, for the summary
	scale   float64
}

func runProvince(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("province", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	p := provinceParams{
		server: exportsParams{clients: 64, loadTime: 20 * time.Second},
		ops: opsParams{clients: []int{16, 64}, requests: 40_000, duration: 10 * time.Second, batches: 20,
			batchSize: 1000},
		opsWarm: 500,
		lists:   options{requests: 300, warmup: 20, concurrency: 4, maxTime: 10 * time.Second},
		stats:   options{requests: 200, warmup: 10, concurrency: 4, maxTime: 20 * time.Second},
		command: "tuoguan-bench " + strings.Join(append([]string{"province"}, args...), " "),
	}
	scale := fs.Float64("scale", 1, "size of the province: 1 is 100 counties, 5,000 villages, 1,000,000 contracts and about 10,000,000 operations; 0.1 a tenth of that")
	serverFlags(fs, &p.server)
	fs.IntVar(&p.server.rounds, "rounds", 3, "alternated rounds of the API and the database (pgbench, COPY) in each comparison")
	fs.StringVar(&p.ops.pgbench, "pgbench", "", "pgbench binary (default: pgbench on PATH, else /usr/lib/postgresql/*/bin/pgbench)")
	fs.BoolVar(&o.verify, "verify", false, "recompute the running totals from the operations after loading and after the measurements")
	commonFlags(fs, &o, "tuoguan_bench_province")
	fs.Lookup("database").Usage = "name of the benchmark database: reused when it was given and holds operations (then kept; it must " +
		"have been loaded with the same -scale and -seed, and " + pii.KeyEnv + " must hold its key), else dropped and recreated"
	if done, err := parseFlags(fs, &o, args); done {
		return err
	}
	if *scale <= 0 || *scale > 3.7 {
		return errors.New("-scale must be above 0 and at most 3.7 (370 counties)")
	}
	p.scale = *scale
	if p.server.rounds < 1 {
		return errors.New("-rounds must be at least 1")
	}
	p.ops.rounds = p.server.rounds
	w, err := custodyWorld(o.seed, provinceSizes(*scale))
	if err != nil {
		return err
	}
	start := time.Now()
	return withData(ctx, o, given(fs, "database"), w, stdout, func(e *env) error { return province(ctx, e, p, start, stdout) })
}

// provinceRun is what one province run measured, for the summary.
type provinceRun struct {
	lists     []Result
	stats     statsRun
	subsidy   []Result // a county's field sample drawn, the largest provider's statement read
	dashboard []Result // the calls of the web app's county dashboard
	ops       opsResult
	exports   []exportResult
	load      Result
	phases    []phase
	spans     []runSpan // where the run's time went
	ops0      int64     // operations before the run
	started   time.Time
	// verified reports whether the running totals were recomputed after the measurements, verifyErr how
	// that went.
	verified  bool
	verifyErr error
}

// runSpan is how long one part of the run took.
type runSpan struct {
	name string
	took time.Duration
}

// phase is the server's memory over one part of the run.
type phase struct {
	name string
	mem  phaseMemory
}

// provinceRunner is one province run under way: the data set, the accounts made on it, the real server and
// what has been measured so far.
type provinceRunner struct {
	e              *env
	p              provinceParams
	out            io.Writer
	tokens         Tokens
	providerTokens map[int64]string
	server         liveServer
	conn           *pgx.Conn // the benchmark's own connection, for pgbench's targets, COPY and -verify
	ledger         ledger    // the operations by season, county and day, read before the exports
	run            provinceRun
	last           time.Time // when the previous part of the run ended
}

// province makes the accounts through the handler served in-process, starts the real server as a process
// of its own and runs every measurement against it in turn, each a phase whose server memory is read, then
// prints the summary.
func province(ctx context.Context, e *env, p provinceParams, start time.Time, out io.Writer) error {
	r := &provinceRunner{e: e, p: p, out: out, run: provinceRun{started: start}, last: start}
	r.mark("generation")
	if err := e.db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM operations").Scan(&r.run.ops0); err != nil {
		return err
	}
	if err := r.makeAccounts(ctx); err != nil {
		return err
	}
	stop, err := r.startServer(ctx)
	if err != nil {
		return err
	}
	defer stop()
	r.mark("accounts and server")
	phases := []struct {
		name string
		do   func(context.Context) error
	}{
		{"lists", r.lists}, {"statistics", r.statistics}, {"dashboard", r.dashboard}, {"subsidies", r.subsidies},
		{"operation logging", r.operationLogging}, {"exports", r.exports}, {"load", r.load},
	}
	for _, ph := range phases {
		if err := ph.do(ctx); err != nil {
			return err
		}
		r.mark(ph.name)
	}
	if err := r.server.p.stop(); err != nil {
		return err
	}
	if e.o.verify {
		fmt.Fprintln(out)
		r.run.verified = true
		r.run.verifyErr = verifyTotals(ctx, r.conn, out)
	}
	fmt.Fprintln(out)
	printSummary(ctx, e, p, r.run, out)
	if r.run.verifyErr != nil {
		return r.run.verifyErr
	}
	if n := r.run.failures(); n > 0 {
		return fmt.Errorf("%d measurements failed", n)
	}
	return ctx.Err()
}

// mark ends the part of the run called name.
func (r *provinceRunner) mark(name string) {
	now := time.Now()
	r.run.spans = append(r.run.spans, runSpan{name, now.Sub(r.last)})
	r.last = now
}

// makeAccounts makes, through the handler served in-process, the admin, a bureau of the first county, a
// collective and the first active provider offering full custody in each county. The in-process handler
// lets one address log in that often.
func (r *provinceRunner) makeAccounts(ctx context.Context) error {
	if err := r.e.serve(benchAccounts); err != nil {
		return err
	}
	defer r.e.stopServing(ctx)
	c := newClient("http://"+r.e.addr, 1)
	var err error
	if r.tokens, err = accounts(ctx, c, r.e.svc, r.e.w); err != nil {
		return err
	}
	r.providerTokens, err = providerAccounts(ctx, c, r.tokens.Admin, countyProviders(r.e.w))
	return err
}

// startServer builds and starts the real server, opens the benchmark's own connection and prints the run's
// header; stop stops the server and closes the connection.
func (r *provinceRunner) startServer(ctx context.Context) (stop func(), err error) {
	e, p, out := r.e, r.p, r.out
	if err := buildServer(ctx, p.server, out); err != nil {
		return nil, err
	}
	sv, err := newServers(p.server.server, e.dbURL, e.o.dataKey, p.server.serverLog)
	if err != nil {
		return nil, err
	}
	proc, err := sv.start(ctx)
	if err != nil {
		sv.close(out)
		return nil, err
	}
	r.server = liveServer{sv, proc}
	if r.conn, err = pgx.Connect(ctx, e.dbURL); err != nil {
		proc.stop()
		sv.close(out)
		return nil, err
	}
	stop = func() {
		r.conn.Close(context.WithoutCancel(ctx))
		proc.stop()
		sv.close(out)
	}
	w := e.w
	fmt.Fprintln(out)
	e.header(ctx, out)
	fmt.Fprintf(out, "data:     %d counties, %d townships, %d villages, %d farms, %d parcels, %d providers, %d contracts, %d operations\n",
		len(w.Counties), len(w.Townships), len(w.Collectives), w.Sizes.Farms, w.Sizes.Parcels, w.Sizes.Providers, w.Sizes.Contracts, r.run.ops0)
	fmt.Fprintf(out, "server:   %s serve, one process for the whole run (GODEBUG=gctrace=1); %s\n\n", p.server.server, memoryNote(sv))
	return stop, nil
}

// measure runs do against the server as the phase called name, and keeps the server's memory over it.
func (r *provinceRunner) measure(ctx context.Context, name string, do func(base string) error) error {
	mem, err := r.server.run(ctx, do)
	r.run.phases = append(r.run.phases, phase{name, mem})
	return err
}

func (r *provinceRunner) lists(ctx context.Context) error {
	fmt.Fprintln(r.out, "== lists")
	return r.measure(ctx, "lists", func(base string) error {
		var err error
		r.run.lists, err = measureLists(ctx, newClient(base, r.p.lists.concurrency), r.e, r.tokens, r.p.lists, r.out)
		return err
	})
}

func (r *provinceRunner) statistics(ctx context.Context) error {
	w, o, out := r.e.w, r.p.stats, r.out
	fmt.Fprintln(out, "\n== statistics")
	fmt.Fprintf(out, "load:     at most %d requests or %s per case after %d warm-up, %d at a time, as admin; season %d, the county cases\n",
		o.requests, o.maxTime, o.warmup, o.concurrency, w.Seasons[1])
	fmt.Fprintf(out, "          take the counties in turn\n\n")
	return r.measure(ctx, "statistics", func(base string) error {
		cases, targets := statsCases(w, r.tokens.Admin)
		var err error
		r.run.stats, err = measureStats(ctx, newClient(base, o.concurrency), r.tokens.Admin, w, cases, targets, o, out)
		return err
	})
}

// dashboard measures the calls of the web app's county dashboard, as the bureau of the first county.
func (r *provinceRunner) dashboard(ctx context.Context) error {
	w, o, out := r.e.w, r.p.stats, r.out
	county := r.tokens.BureauCounty + "000000"
	fmt.Fprintln(out, "\n== the web app's county dashboard")
	fmt.Fprintf(out, "load:     each call at most %d requests or %s after %d warm-up, %d at a time, as the bureau of %s; season %d\n\n",
		o.requests, o.maxTime, o.warmup, o.concurrency, county, w.Seasons[1])
	return r.measure(ctx, "dashboard", func(base string) error {
		cases := dashboardCases(r.tokens.Bureau, county, w.Seasons[1])
		r.run.dashboard = measureCases(ctx, newClient(base, o.concurrency), cases,
			slices.Repeat([]time.Duration{dashboardTarget}, len(cases)), o, out)
		return ctx.Err()
	})
}

func (r *provinceRunner) subsidies(ctx context.Context) error {
	fmt.Fprintln(r.out, "\n== subsidies")
	return r.measure(ctx, "subsidies", func(base string) error {
		var err error
		r.run.subsidy, err = measureSubsidies(ctx, newClient(base, 1), r.e.db.SQL, r.tokens.Admin, r.e.w.Seasons[0], 20, 40, r.out)
		return err
	})
}

func (r *provinceRunner) operationLogging(ctx context.Context) error {
	fmt.Fprintln(r.out, "\n== operation logging")
	return r.measure(ctx, "operation logging", func(base string) error {
		b, err := newOpsBench(ctx, newClient(base, slices.Max(r.p.ops.clients)), r.conn, r.e.dbURL, r.e.w, r.providerTokens, r.e.o.seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(r.out, "data:     %d contracts active;\n", b.active)
		r.run.ops, err = measureOps(ctx, b, r.p.ops, options{warmup: r.p.opsWarm}, r.out)
		return err
	})
}

func (r *provinceRunner) exports(ctx context.Context) error {
	fmt.Fprintln(r.out, "\n== exports")
	var err error
	if r.ledger, err = readLedger(ctx, r.e.db.SQL); err != nil {
		return err
	}
	lc, err := newLedgerCopy(ctx, r.e, r.tokens.Admin, r.ledger.selections())
	if err != nil {
		return err
	}
	defer lc.conn.Close(context.WithoutCancel(ctx))
	r.run.exports = exportLedgers(ctx, r.server, r.tokens.Admin, r.ledger.selections(), lc, r.p.server.rounds, r.out)
	for _, x := range r.run.exports {
		r.run.phases = append(r.run.phases, phase{"export " + strings.ToUpper(x.format) + " " + x.sel.label, x.mem})
	}
	return nil
}

func (r *provinceRunner) load(ctx context.Context) error {
	var mem phaseMemory
	var err error
	r.run.load, mem, err = loadPhase(ctx, r.server, r.tokens.Admin, r.ledger, r.p.server, r.out)
	if err != nil {
		return err
	}
	r.run.phases = append(r.run.phases, phase{fmt.Sprintf("%d clients of statistics and lists", r.p.server.clients), mem})
	return nil
}

// countyProviders are, for each county, its first active provider that offers full custody, or else its
// first active provider: the providers whose caps the operation logging measurements log on.
func countyProviders(w *World) []int64 {
	var ids []int64
	for county := range w.Counties {
		among := w.fullProviders[county]
		if len(among) == 0 {
			among = w.countyProviders[county]
		}
		if len(among) > 0 {
			ids = append(ids, w.providers[among[0]].ID)
		}
	}
	return ids
}

// failures counts the measurements with failed requests.
func (r provinceRun) failures() int {
	n := countFailed(r.lists) + countFailed(r.stats.results) + countFailed(r.dashboard) + countFailed(r.subsidy) + r.ops.failed
	for _, x := range r.exports {
		if x.failed() {
			n++
		}
	}
	if r.load.Failed() {
		n++
	}
	return n
}
