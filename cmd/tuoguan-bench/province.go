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
		ops: opsParams{clients: []int{16, 64}, requests: 40_000, duration: 15 * time.Second, batches: 20,
			batchSize: 1000},
		opsWarm: 500,
		lists:   options{requests: 300, warmup: 20, concurrency: 4, maxTime: 10 * time.Second},
		stats:   options{requests: 200, warmup: 10, concurrency: 4, maxTime: 20 * time.Second},
		command: "tuoguan-bench " + strings.Join(append([]string{"province"}, args...), " "),
	}
	scale := fs.Float64("scale", 1, "size of the province: 1 is 100 counties, 5,000 villages, 1,000,000 contracts and about 10,000,000 operations; 0.1 a tenth of that")
	serverFlags(fs, &p.server)
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
	w, err := custodyWorld(o.seed, provinceSizes(*scale))
	if err != nil {
		return err
	}
	start := time.Now()
	return withData(ctx, o, given(fs, "database"), w, stdout, func(e *env) error { return province(ctx, e, p, start, stdout) })
}

// provinceRun is what one province run measured, for the summary.
type provinceRun struct {
	lists   []Result
	stats   statsRun
	subsidy []Result // a county's field sample drawn, the largest provider's statement read
	ops     opsResult
	exports []exportResult
	load    Result
	phases  []phase
	spans   []runSpan // where the run's time went
	ops0    int64     // operations before the run
	started time.Time
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

// province makes the accounts through the handler served in-process, starts the real server as a process
// of its own and runs every measurement against it in turn, each a phase whose server memory is read, then
// prints the summary.
func province(ctx context.Context, e *env, p provinceParams, start time.Time, out io.Writer) error {
	w := e.w
	run := provinceRun{started: start}
	last := start
	// mark ends the part of the run called name.
	mark := func(name string) {
		now := time.Now()
		run.spans = append(run.spans, runSpan{name, now.Sub(last)})
		last = now
	}
	mark("generation")
	if err := e.db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM operations").Scan(&run.ops0); err != nil {
		return err
	}
	// Accounts: the admin, a bureau of the first county, a collective and the first active provider offering
	// full custody in each county. The in-process handler lets one address log in that often.
	if err := e.serve(benchAccounts); err != nil {
		return err
	}
	c := newClient("http://"+e.addr, 1)
	tokens, err := accounts(ctx, c, e.svc, w)
	if err != nil {
		return err
	}
	providerTokens, err := providerAccounts(ctx, c, tokens.Admin, countyProviders(w))
	if err != nil {
		return err
	}
	e.stopServing(ctx)

	if err := buildServer(ctx, p.server, out); err != nil {
		return err
	}
	sv, err := newServers(p.server.server, e.dbURL, e.o.dataKey, p.server.serverLog)
	if err != nil {
		return err
	}
	defer sv.close(out)
	proc, err := sv.start(ctx)
	if err != nil {
		return err
	}
	defer proc.stop()
	server := liveServer{sv, proc}
	measure := func(name string, do func(base string) error) error {
		mem, err := server.run(ctx, do)
		run.phases = append(run.phases, phase{name, mem})
		return err
	}

	fmt.Fprintln(out)
	e.header(ctx, out)
	fmt.Fprintf(out, "data:     %d counties, %d townships, %d villages, %d farms, %d parcels, %d providers, %d contracts, %d operations\n",
		len(w.Counties), len(w.Townships), len(w.Collectives), w.Sizes.Farms, w.Sizes.Parcels, w.Sizes.Providers, w.Sizes.Contracts, run.ops0)
	fmt.Fprintf(out, "server:   %s serve, one process for the whole run (GODEBUG=gctrace=1); %s\n\n", p.server.server, memoryNote(sv))

	mark("accounts and server")
	fmt.Fprintln(out, "== lists")
	err = measure("lists", func(base string) error {
		var err error
		run.lists, err = measureLists(ctx, newClient(base, p.lists.concurrency), e, tokens, p.lists, out)
		return err
	})
	if err != nil {
		return err
	}

	mark("lists")
	fmt.Fprintln(out, "\n== statistics")
	fmt.Fprintf(out, "load:     at most %d requests or %s per case after %d warm-up, %d at a time, as admin; season %d, the county cases\n",
		p.stats.requests, p.stats.maxTime, p.stats.warmup, p.stats.concurrency, w.Seasons[1])
	fmt.Fprintf(out, "          take the counties in turn\n\n")
	err = measure("statistics", func(base string) error {
		cases, targets := statsCases(w, tokens.Admin)
		var err error
		run.stats, err = measureStats(ctx, newClient(base, p.stats.concurrency), tokens.Admin, w, cases, targets, p.stats, out)
		return err
	})
	if err != nil {
		return err
	}

	mark("statistics")
	fmt.Fprintln(out, "\n== subsidies")
	err = measure("subsidies", func(base string) error {
		var err error
		run.subsidy, err = measureSubsidies(ctx, newClient(base, 1), e.db.SQL, tokens.Admin, w.Seasons[0], 20, 40, out)
		return err
	})
	if err != nil {
		return err
	}

	mark("subsidies")
	fmt.Fprintln(out, "\n== operation logging")
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = measure("operation logging", func(base string) error {
		b, err := newOpsBench(ctx, newClient(base, slices.Max(p.ops.clients)), conn, e.dbURL, w, providerTokens, e.o.seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "data:     %d contracts active;\n", b.active)
		run.ops, err = measureOps(ctx, b, p.ops, options{warmup: p.opsWarm}, out)
		return err
	})
	if err != nil {
		return err
	}

	mark("operation logging")
	fmt.Fprintln(out, "\n== exports")
	lg, err := readLedger(ctx, e.db.SQL)
	if err != nil {
		return err
	}
	run.exports = exportLedgers(ctx, server, tokens.Admin, lg.selections(), out)
	for _, r := range run.exports {
		run.phases = append(run.phases, phase{"export " + strings.ToUpper(r.format) + " " + r.sel.label, r.mem})
	}

	mark("exports")
	var loadMem phaseMemory
	run.load, loadMem, err = loadPhase(ctx, server, tokens.Admin, lg, p.server, out)
	if err != nil {
		return err
	}
	run.phases = append(run.phases, phase{fmt.Sprintf("%d clients of statistics and lists", p.server.clients), loadMem})
	if err := proc.stop(); err != nil {
		return err
	}
	mark("load")

	if e.o.verify {
		fmt.Fprintln(out)
		run.verified = true
		run.verifyErr = verifyTotals(ctx, conn, out)
	}
	fmt.Fprintln(out)
	printSummary(ctx, e, p, run, out)
	if run.verifyErr != nil {
		return run.verifyErr
	}
	if n := run.failures(); n > 0 {
		return fmt.Errorf("%d measurements failed", n)
	}
	return ctx.Err()
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
	n := countFailed(r.lists) + countFailed(r.stats.results) + countFailed(r.subsidy) + r.ops.failed
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
