package main

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm/logger"

	"github.com/tuoguan/tuoguan/internal/httpapi"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
)

// exportSizes are four counties of 5 townships of about 10 villages with 316,000 contracts over three seasons:
// the completed season holds about 1,020,000 operations, more than a million and fewer than the 1,048,575 data
// rows an Excel sheet holds, and each county about a quarter of them.
var exportSizes = Sizes{Counties: 4, TownshipsPerCounty: 5, VillagesPerTownship: 10, Farms: 160_000, Parcels: 400_000,
	Providers: 48, Contracts: 316_000}

// csvTarget is the CSV ledger export's rows per second ÷ those of the database's own COPY of the same rows.
const csvTarget = 0.3

// memoryTarget is the most resident memory the server should take, exporting or under load.
const memoryTarget = 150_000_000

type exportsParams struct {
	server    string // the tuoguan binary
	build     bool   // build it first
	serverLog string // keep the server's output here
	clients   int
	loadTime  time.Duration
	rounds    int // alternated rounds of each export and the database's COPY of its rows
}

func runExports(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("exports", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	var p exportsParams
	sizes := exportSizes
	fs.IntVar(&sizes.Counties, "counties", sizes.Counties, "counties, each with 5 townships of about 10 villages")
	fs.IntVar(&sizes.Contracts, "contracts", sizes.Contracts, "custody contracts over three seasons; the completed season has 40 % of them, about 8 operations each")
	fs.IntVar(&sizes.Farms, "farms", sizes.Farms, "farms to generate (at least half the contracts)")
	fs.IntVar(&sizes.Parcels, "parcels", sizes.Parcels, "parcels to generate")
	fs.IntVar(&sizes.Providers, "providers", sizes.Providers, "service providers to generate")
	serverFlags(fs, &p)
	fs.IntVar(&p.clients, "clients", 64, "concurrent clients of the load of statistics and lists")
	fs.DurationVar(&p.loadTime, "load-time", 20*time.Second, "how long the load runs")
	fs.IntVar(&p.rounds, "rounds", 3, "alternated rounds of each export and the database's COPY of the same rows")
	fs.BoolVar(&o.verify, "verify", false, "recompute the running totals from the operations after loading and compare")
	commonFlags(fs, &o, "tuoguan_bench_exports")
	fs.Lookup("database").Usage = "name of the benchmark database: reused when it was given and holds operations (then kept), " +
		"else dropped and recreated (needs " + pii.KeyEnv + " to reuse a database)"
	if done, err := parseFlags(fs, &o, args); done {
		return err
	}
	if p.clients < 1 || p.loadTime <= 0 || p.rounds < 1 {
		return errors.New("-clients and -rounds must be at least 1 and -load-time positive")
	}
	w, err := custodyWorld(o.seed, sizes)
	if err != nil {
		return err
	}
	return withData(ctx, o, given(fs, "database"), w, stdout, func(e *env) error { return exports(ctx, e, p, stdout) })
}

// withData runs measure on the data set of w, loaded or reused by loadOrReuse, and closes it afterwards.
func withData(ctx context.Context, o options, reuse bool, w *World, out io.Writer, measure func(e *env) error) (err error) {
	e, err := loadOrReuse(ctx, o, reuse, w, out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := e.Close(ctx, out); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return measure(e)
}

// serverFlags registers the flags of the server process.
func serverFlags(fs *flag.FlagSet, p *exportsParams) {
	fs.StringVar(&p.server, "server", "bin/tuoguan", "the tuoguan binary to run as the server")
	fs.BoolVar(&p.build, "build", true, "build -server from ./cmd/tuoguan first (run from the module's root)")
	fs.StringVar(&p.serverLog, "server-log", "", "write the server's output (JSON log and GODEBUG=gctrace=1 lines) to this file")
}

// given reports whether the flag name was set on the command line.
func given(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// loadOrReuse reopens the database o names when it was given on the command line and holds a data set,
// which is then kept (TUOGUAN_DATA_KEY must be the key it was loaded with, and w the world it was loaded
// from); otherwise it loads w into it afresh.
func loadOrReuse(ctx context.Context, o options, given bool, w *World, out io.Writer) (*env, error) {
	key := os.Getenv(pii.KeyEnv)
	if key != "" {
		if _, err := pii.ParseKey(key); err != nil {
			return nil, fmt.Errorf("%s: %w", pii.KeyEnv, err)
		}
	}
	reuse := false
	if given {
		var err error
		if reuse, err = holdsOperations(ctx, o.serverURL, o.dbName); err != nil {
			return nil, err
		}
	}
	if reuse {
		if key == "" {
			return nil, fmt.Errorf("-database %s holds a data set: set %s to the key it was loaded with to reuse it", o.dbName, pii.KeyEnv)
		}
		o.dataKey, o.keep = key, true
		e, err := reopen(ctx, o)
		if err != nil {
			return nil, err
		}
		e.w = w
		fmt.Fprintf(out, "reusing %s (kept afterwards)\n", o.dbName)
		return e, nil
	}
	o.dataKey = cmp.Or(key, pii.GenerateKey())
	fmt.Fprintf(out, "loading %s: %d counties, %d collectives, %d farms, %d parcels, %d providers, %d contracts (seed %d, as of %s)\n",
		o.dbName, len(w.Counties), len(w.Collectives), w.Sizes.Farms, w.Sizes.Parcels, w.Sizes.Providers, w.Sizes.Contracts, o.seed,
		w.Today.Format(time.DateOnly))
	return prepare(ctx, o, w, out)
}

// holdsOperations reports whether the database name exists on server and has operations.
func holdsOperations(ctx context.Context, server, name string) (bool, error) {
	u, err := postgres.WithDatabase(server, name)
	if err != nil {
		return false, err
	}
	exists := false
	if err := adminQueryRow(ctx, server, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", []any{name}, &exists); err != nil || !exists {
		return false, err
	}
	found := false
	err = adminQueryRow(ctx, u, "SELECT to_regclass('operations') IS NOT NULL AND EXISTS (SELECT 1 FROM operations)", nil, &found)
	return found, err
}

func adminQueryRow(ctx context.Context, url, q string, args []any, dest any) error {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(url), err)
	}
	defer db.Close()
	return db.SQL.QueryRowContext(ctx, q, args...).Scan(dest)
}

// reopen connects to a loaded benchmark database and checks that o.dataKey is the key it was sealed with.
func reopen(ctx context.Context, o options) (e *env, err error) {
	e = &env{o: o}
	if e.dbURL, err = postgres.WithDatabase(o.serverURL, o.dbName); err != nil {
		return nil, err
	}
	if e.keys, err = dataKey(o.dataKey); err != nil {
		return nil, err
	}
	if e.db, err = postgres.Open(ctx, e.dbURL); err != nil {
		return nil, err
	}
	var stored []byte
	err = e.db.SQL.QueryRowContext(ctx, "SELECT fingerprint FROM data_key_fingerprint WHERE id = 1").Scan(&stored)
	if err == nil && !bytes.Equal(stored, e.keys.Lookup("key_fingerprint", "tuoguan")) {
		err = fmt.Errorf("%s is not the key %s was loaded with", pii.KeyEnv, o.dbName)
	}
	if err != nil {
		e.db.Close()
		return nil, err
	}
	return e, nil
}

// ledgerSelection is what a ledger export selects and how many operations the database says it holds.
type ledgerSelection struct {
	label, query string
	want         int64
}

// exportResult is what one export measured: the figures of its median round, the server's memory in the
// round that took the most, and its ratio to the database's own COPY of the same rows in each round.
type exportResult struct {
	format          string
	sel             ledgerSelection
	rows, bytes     int64
	took, firstByte time.Duration
	mem             phaseMemory
	countTook       time.Duration // counting the rows of a workbook afterwards, on the client
	err             error
	copyRate        float64 // rows per second of COPY in the median round
	ratios          ratios  // the export's rows per second ÷ COPY's, per round
}

func (r exportResult) failed() bool { return r.err != nil || r.rows != r.sel.want }

func (r exportResult) rate() float64 { return float64(r.rows) / max(r.took.Seconds(), 1e-9) }

// ledgerCopy is the database exporting a selection by itself: COPY (the export's query) TO STDOUT as CSV
// with a header, over a connection of the benchmark's own.
type ledgerCopy struct {
	conn    *pgx.Conn
	queries map[string]string // by selection label
}

// copyResult is what one COPY of a selection measured.
type copyResult struct {
	rows, bytes int64
	took        time.Duration
}

func (c copyResult) rate() float64 { return float64(c.rows) / max(c.took.Seconds(), 1e-9) }

// run copies the rows of sel out of the database and counts them.
func (lc ledgerCopy) run(ctx context.Context, sel ledgerSelection) (copyResult, error) {
	q, ok := lc.queries[sel.label]
	if !ok {
		return copyResult{}, fmt.Errorf("no query for the export of %s", sel.label)
	}
	var sink byteCounter
	start := time.Now()
	tag, err := lc.conn.PgConn().CopyTo(ctx, &sink, "COPY ("+q+") TO STDOUT (FORMAT csv, HEADER)")
	r := copyResult{rows: tag.RowsAffected(), bytes: int64(sink), took: time.Since(start)}
	if err != nil {
		return r, fmt.Errorf("COPY the export of %s: %w", sel.label, err)
	}
	if r.rows != sel.want {
		return r, fmt.Errorf("COPY the export of %s: %d rows of the %d selected", sel.label, r.rows, sel.want)
	}
	return r, nil
}

// byteCounter counts what is written to it.
type byteCounter int64

func (b *byteCounter) Write(p []byte) (int, error) {
	*b += byteCounter(len(p))
	return len(p), nil
}

// newLedgerCopy captures the statement each selection's export runs, as the handler builds it for the admin
// (the in-process handler over the same database starts each export while gorm's logger records its
// statements, with their arguments written in), and connects to the database to COPY with them.
func newLedgerCopy(ctx context.Context, e *env, admin string, sels []ledgerSelection) (lc ledgerCopy, err error) {
	lc.queries = map[string]string{}
	if e.srv == nil {
		if err := e.serve(benchAccounts); err != nil {
			return lc, err
		}
		defer e.stopServing(ctx)
	}
	for _, sel := range sels {
		if lc.queries[sel.label], err = ledgerQuery(ctx, e, admin, sel); err != nil {
			return lc, err
		}
	}
	lc.conn, err = pgx.Connect(ctx, e.dbURL)
	return lc, err
}

// ledgerQuery is the statement the export of sel runs: the one that joins the operations to their parcels,
// recorded while the in-process handler writes its first rows; the export is then cancelled.
func ledgerQuery(ctx context.Context, e *env, admin string, sel ledgerSelection) (string, error) {
	capture := &sqlCapture{Interface: logger.Discard}
	saved := e.db.Gorm.Logger
	e.db.Gorm.Logger = capture
	defer func() { e.db.Gorm.Logger = saved }()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	path := "/api/v1/operations?" + sel.query + "&format=csv"
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, "http://"+e.addr+path, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return "", fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	// The header may come before the query runs; the second line is a row, read from the query's cursor.
	lines := &tokenCounter{token: []byte("\r\n")}
	buf := make([]byte, 4096)
	for lines.n < 2 {
		n, err := resp.Body.Read(buf)
		lines.Write(buf[:n])
		if err != nil {
			break
		}
	}
	cancel()
	resp.Body.Close()
	capture.mu.Lock()
	defer capture.mu.Unlock()
	for i := len(capture.stmts) - 1; i >= 0; i-- {
		if q := capture.stmts[i].sql; strings.HasPrefix(q, "SELECT operations.*") && strings.Contains(q, "JOIN parcels") {
			return q, nil
		}
	}
	return "", fmt.Errorf("the export of %s ran no statement on the operations and their parcels", sel.label)
}

func exports(ctx context.Context, e *env, p exportsParams, out io.Writer) (err error) {
	lg, err := readLedger(ctx, e.db.SQL)
	if err != nil {
		return err
	}
	var ops, contracts int64
	if err := e.db.SQL.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM operations), (SELECT count(*) FROM contracts)").Scan(&ops, &contracts); err != nil {
		return err
	}
	if err := buildServer(ctx, p, out); err != nil {
		return err
	}
	sv, err := newServers(p.server, e.dbURL, e.o.dataKey, p.serverLog)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := sv.close(out); cerr != nil && err == nil {
			err = cerr
		}
	}()

	// The admin logs in on a server of its own: the session outlives it, and the password hash's memory does
	// not count in the cases.
	var admin string
	if _, err := sv.run(ctx, func(base string) error {
		var err error
		admin, err = newClient(base, 1).login(ctx, "admin")
		return err
	}); err != nil {
		return err
	}

	fmt.Fprintln(out)
	e.header(ctx, out)
	small := lg.counties[0]
	fmt.Fprintf(out, "data:     %d counties, %d contracts, %d operations; season %d holds %d operations, county %s %d of them\n",
		len(lg.counties), contracts, ops, lg.season, lg.total, small.code, small.ops)
	fmt.Fprintf(out, "server:   %s serve as a process of its own, started afresh for each case (GODEBUG=gctrace=1), admin's\n", p.server)
	fmt.Fprintf(out, "          session reused; %s\n", memoryNote(sv))
	fmt.Fprintf(out, "load:     one export at a time as admin, then %d clients of statistics and lists for %s\n\n", p.clients, p.loadTime)

	lc, err := newLedgerCopy(ctx, e, admin, lg.selections())
	if err != nil {
		return err
	}
	defer lc.conn.Close(context.WithoutCancel(ctx))
	results := exportLedgers(ctx, sv, admin, lg.selections(), lc, p.rounds, out)
	lr, loadMem, err := loadPhase(ctx, sv, admin, lg, p, out)
	if err != nil {
		return err
	}
	for _, r := range results {
		if r.format == "csv" && len(r.ratios) > 0 {
			fmt.Fprintf(out, "\ntarget: CSV %s ≥ %.2f× COPY of the same rows at the median — %s: %s", r.sel.label, csvTarget, r.ratios,
				passMiss(r.ratios.median() >= csvTarget))
		}
	}
	fmt.Fprintf(out, "\ntarget: export memory flat, ≤ 150 MB peak whatever the row count — %s\n", exportSummary(results))
	fmt.Fprintf(out, "target: server peak memory under load ≤ 150 MB — %s MB: %s\n", mb(loadMem.peak),
		memVerdict(loadMem.peak, lr.Failed(), "requests failed"))
	failed := 0
	for _, r := range results {
		if r.failed() {
			failed++
		}
	}
	if lr.Failed() {
		failed++
	}
	if failed > 0 {
		return fmt.Errorf("%d measurements failed", failed)
	}
	return ctx.Err()
}

// buildServer builds p.server from ./cmd/tuoguan when p.build is set.
func buildServer(ctx context.Context, p exportsParams, out io.Writer) error {
	if !p.build {
		return nil
	}
	start := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", p.server, "./cmd/tuoguan")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build -o %s ./cmd/tuoguan (run from the module's root, or give -build=false -server <binary>): %w", p.server, err)
	}
	fmt.Fprintf(out, "built %s in %s\n", p.server, round(time.Since(start)))
	return nil
}

// memoryNote says how the server's memory is read.
func memoryNote(sv *servers) string {
	how := "since the start (clear_refs could not reset it) and VmRSS sampled every 100 ms;"
	if sv.resettable {
		how = "reset at the start of each phase (clear_refs) and read at its end, VmRSS sampled every 100 ms besides;"
	}
	return "memory from /proc/<pid>/status: RSS before is VmRSS at the start of a phase, peak is VmHWM\n" +
		"          " + how + "\n          heap is the largest Go heap a GC started at. 1 MB = 10⁶ bytes"
}

// exportLedgers exports each selection as CSV, then each as Excel, one at a time as admin, each export in a
// phase of runner, alternating rounds times with the database's own COPY of the same rows, and prints a line
// for each.
func exportLedgers(ctx context.Context, runner phaseRunner, admin string, sels []ledgerSelection, lc ledgerCopy, rounds int, out io.Writer) []exportResult {
	dl := &http.Client{Timeout: httpapi.ExportTimeout + time.Minute}
	const row = "%-34s %5v %9v %8v %8v %8v %8v %7v %7v %7v  %s\n"
	fmt.Fprintf(out, "rounds:   %d, each export alternating with COPY (the export's query) TO STDOUT of the same rows as CSV\n", rounds)
	fmt.Fprintf(out, row, "export /api/v1/operations", "round", "rows", "MB", "seconds", "rows/s", "1st byte", "RSS MB", "peak", "heap", "target: peak ≤ 150 MB")
	fmt.Fprintf(out, row, "", "", "", "", "", "", "s", "before", "MB", "MB", "")
	var results []exportResult
	for _, format := range []string{"csv", "xlsx"} {
		for _, sel := range sels {
			var each []exportResult
			var copies []copyResult
			var rs ratios
			for round := range max(rounds, 1) {
				var r exportResult
				mem, err := runner.run(ctx, func(base string) error {
					r = exportLedger(ctx, dl, base, admin, format, sel)
					return nil
				})
				r.mem, r.err = mem, cmp.Or(r.err, err)
				r.format, r.sel = format, sel
				fmt.Fprintf(out, row, strings.ToUpper(r.format)+"  "+r.sel.label, round+1, r.rows, fmt.Sprintf("%.1f", float64(r.bytes)/1e6),
					fmt.Sprintf("%.1f", r.took.Seconds()), fmt.Sprintf("%.0f", r.rate()),
					fmt.Sprintf("%.1f", r.firstByte.Seconds()), mb(r.mem.before), mb(r.mem.peak), mb(r.mem.heap), exportVerdict(r))
				c, err := lc.run(ctx, sel)
				if err != nil && r.err == nil {
					r.err = err
				}
				fmt.Fprintf(out, row, "  COPY of the same rows", round+1, c.rows, fmt.Sprintf("%.1f", float64(c.bytes)/1e6),
					fmt.Sprintf("%.1f", c.took.Seconds()), fmt.Sprintf("%.0f", c.rate()), "", "", "", "", "")
				each, copies = append(each, r), append(copies, c)
				if !r.failed() && c.rows > 0 {
					rs = append(rs, r.rate()/c.rate())
				}
				if ctx.Err() != nil {
					break
				}
			}
			results = append(results, combineRounds(each, copies, rs))
			r := results[len(results)-1]
			fmt.Fprintf(out, "  %s %s ÷ COPY, min / median / max: %s\n", strings.ToUpper(format), sel.label, r.ratios)
			if ctx.Err() != nil {
				return results
			}
		}
	}
	for _, r := range results {
		if r.countTook > 0 {
			fmt.Fprintf(out, "  the workbook of %s: rows counted in %s on the client\n", r.sel.label, round(r.countTook))
		}
	}
	return results
}

// combineRounds is one export's result over its rounds: the figures of the median round, the memory of the
// round whose peak was highest, the first error of any.
func combineRounds(each []exportResult, copies []copyResult, rs ratios) exportResult {
	k := 0
	if len(rs) == len(each) {
		k = max(rs.medianRound(), 0)
	}
	r := each[k]
	r.ratios, r.copyRate = rs, copies[k].rate()
	for _, x := range each {
		if x.mem.peak > r.mem.peak {
			r.mem = x.mem
		}
		if r.err == nil && x.failed() {
			r.err = cmp.Or(x.err, fmt.Errorf("%d rows of the %d selected", x.rows, x.sel.want))
		}
	}
	return r
}

// loadPhase runs p.clients clients of county statistics and lists, over the counties in turn, for
// p.loadTime in a phase of runner, and prints its line.
func loadPhase(ctx context.Context, runner phaseRunner, admin string, lg ledger, p exportsParams, out io.Writer) (Result, phaseMemory, error) {
	year := strconv.Itoa(lg.season)
	county := func(i int) string { return lg.counties[i%len(lg.counties)].code + "000000" }
	paths := []func(i int) string{
		func(i int) string {
			return "/api/v1/stats/regions/" + county(i) + "?season_year=" + year + "&group_by=township"
		},
		func(i int) string { return "/api/v1/stats/regions/" + county(i) + "?season_year=" + year },
		func(i int) string {
			return "/api/v1/operations?limit=50&season_year=" + year + "&region_code=" + county(i)
		},
		func(i int) string { return "/api/v1/contracts?limit=50&region_code=" + county(i) },
		func(i int) string { return "/api/v1/farms?limit=50&region_code=" + county(i) },
	}
	loadCase := Case{Name: fmt.Sprintf("%d clients: county stats and lists", p.clients), Token: admin,
		Path: func(i int) string { return paths[(i/len(lg.counties))%len(paths)](i) }}
	var lr Result
	mem, err := runner.run(ctx, func(base string) error {
		lr = newClient(base, p.clients).MeasureFor(ctx, loadCase, 0, 10_000_000, p.clients, p.loadTime)
		return nil
	})
	if err != nil {
		return lr, mem, err
	}
	fmt.Fprintln(out)
	const lrow = "%-34s %9v %8v %8v %8v %8v %7v %7v %7v  %s\n"
	fmt.Fprintf(out, lrow, "load", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "RSS MB", "peak", "heap", "target: peak ≤ 150 MB")
	fmt.Fprintf(out, lrow, "", "", "", "", "", "", "before", "MB", "MB", "")
	fmt.Fprintf(out, lrow, lr.Case, lr.Requests, fmt.Sprintf("%.0f", lr.PerSecond), fmt.Sprintf("%.1f", ms(lr.P50)),
		fmt.Sprintf("%.1f", ms(lr.P95)), fmt.Sprintf("%.1f", ms(lr.P99)), mb(mem.before), mb(mem.peak), mb(mem.heap),
		memVerdict(mem.peak, lr.Failed(), fmt.Sprintf("%d errors: %s", lr.Errors, lr.FirstError)))
	return lr, mem, nil
}

// exportLedger downloads the ledger of sel in format once, counting its rows as they come for CSV and from
// the saved workbook afterwards for Excel.
func exportLedger(ctx context.Context, hc *http.Client, base, token, format string, sel ledgerSelection) (r exportResult) {
	r.format, r.sel = format, sel
	path := "/api/v1/operations?" + sel.query + "&format=" + format
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		r.err = err
		return r
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		r.err = err
		return r
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		r.err = fmt.Errorf("GET %s: status %d: %s", path, resp.StatusCode, b)
		return r
	}
	var sink io.Writer
	var lines *tokenCounter
	var file *os.File
	if format == "csv" {
		lines = &tokenCounter{token: []byte("\r\n")}
		sink = lines
	} else {
		if file, err = os.CreateTemp("", "tuoguan-bench-*.xlsx"); err != nil {
			r.err = err
			return r
		}
		defer os.Remove(file.Name())
		defer file.Close()
		sink = file
	}
	fb := &firstByte{r: resp.Body}
	r.bytes, r.err = io.Copy(sink, fb)
	r.took = time.Since(start)
	r.firstByte = fb.at.Sub(start)
	if r.err != nil {
		return r
	}
	if lines != nil {
		r.rows = max(lines.n-1, 0) // the header
		return r
	}
	countStart := time.Now()
	n, err := countSheetRows(file.Name())
	r.countTook = time.Since(countStart)
	r.rows, r.err = max(n-1, 0), err
	return r
}

// firstByte is a reader that notes when its first bytes arrived.
type firstByte struct {
	r  io.Reader
	at time.Time
}

func (f *firstByte) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 && f.at.IsZero() {
		f.at = time.Now()
	}
	return n, err
}

// tokenCounter counts the occurrences of token in what is written to it, across writes; token must not
// overlap itself.
type tokenCounter struct {
	token []byte
	tail  []byte // the last len(token)−1 bytes written
	n     int64
}

func (c *tokenCounter) Write(p []byte) (int, error) {
	k := len(c.token) - 1
	// A token across the last write and this one starts in the tail and ends in p's first k bytes.
	across := append(slices.Clone(c.tail), p[:min(len(p), k)]...)
	c.n += int64(bytes.Count(across, c.token) + bytes.Count(p, c.token))
	c.tail = append(c.tail, p[max(len(p)-k, 0):]...)
	c.tail = c.tail[max(len(c.tail)-k, 0):]
	return len(p), nil
}

// countSheetRows counts the rows of the first worksheet of the workbook at path by their <row> elements as
// they stream out of the zip: the count only, in a second or two where reading a million-row workbook with
// excelize takes half a minute.
func countSheetRows(path string) (int64, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return 0, err
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		sheet, err := f.Open()
		if err != nil {
			return 0, err
		}
		defer sheet.Close()
		rows := &tokenCounter{token: []byte("<row ")}
		_, err = io.Copy(rows, sheet)
		return rows.n, err
	}
	return 0, errors.New("the workbook has no xl/worksheets/sheet1.xml")
}

func exportVerdict(r exportResult) string {
	switch {
	case r.err != nil:
		return "FAILED: " + r.err.Error()
	case r.rows != r.sel.want:
		return fmt.Sprintf("FAILED: %d rows of the %d selected", r.rows, r.sel.want)
	}
	return memVerdict(r.mem.peak, false, "")
}

func memVerdict(peak int64, failed bool, why string) string {
	switch {
	case failed:
		return "FAILED (" + why + ")"
	case peak > memoryTarget:
		return "miss"
	}
	return "pass"
}

// exportSummary compares each format's peaks at its sizes.
func exportSummary(results []exportResult) string {
	var parts []string
	for _, format := range []string{"csv", "xlsx"} {
		var ok []exportResult
		for _, r := range results {
			if r.format == format && !r.failed() {
				ok = append(ok, r)
			}
		}
		if len(ok) == 0 {
			continue
		}
		lo, hi := ok[0], ok[0]
		pass := true
		for _, r := range ok {
			pass = pass && r.mem.peak <= memoryTarget
			if r.rows < lo.rows {
				lo = r
			}
			if r.rows > hi.rows {
				hi = r
			}
		}
		s := fmt.Sprintf("%s %s MB at %d rows", strings.ToUpper(format), mb(hi.mem.peak), hi.rows)
		if hi.rows > lo.rows {
			s = fmt.Sprintf("%s %s MB at %d rows, %s MB at %d (%.1f× the rows; %+.1f and %+.1f MB above the RSS before)",
				strings.ToUpper(format), mb(lo.mem.peak), lo.rows, mb(hi.mem.peak), hi.rows, float64(hi.rows)/float64(max(lo.rows, 1)),
				float64(max(lo.mem.peak-lo.mem.before, 0))/1e6, float64(max(hi.mem.peak-hi.mem.before, 0))/1e6)
		}
		parts = append(parts, s+": "+map[bool]string{true: "pass", false: "miss"}[pass])
	}
	return strings.Join(parts, "; ")
}

func mb(b int64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(b)/1e6)
}
