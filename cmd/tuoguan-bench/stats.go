package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tuoguan/tuoguan/internal/account"
)

// The latency targets of statistics at the 95th percentile: a county's and the province's figures are read
// from a few hundred rollup rows.
const (
	countyTarget   = 10 * time.Millisecond
	provinceTarget = 10 * time.Millisecond
)

// provinceCode is the province every generated county is in.
const provinceCode = "610000000000"

// countySizes are the dimensions of one county like the demo's: 5 townships of about 10 villages, 3,300 farms
// on 10,000 parcels, 12 providers and 3,000 contracts over three seasons.
var countySizes = Sizes{TownshipsPerCounty: 5, VillagesPerTownship: 10, Farms: 3300, Parcels: 10_000, Providers: 12, Contracts: 3000}

func runStats(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	scales := fs.String("scale", "1,100", "data sets to measure, in counties like the demo's (each ≈ 50 villages, 3,000 contracts)")
	fs.IntVar(&o.requests, "requests", 200, "most measured requests per case")
	fs.DurationVar(&o.maxTime, "case-time", 20*time.Second, "most time measured per case")
	fs.IntVar(&o.warmup, "warmup", 10, "unmeasured requests before each case")
	fs.IntVar(&o.concurrency, "concurrency", 4, "requests in flight at once")
	fs.BoolVar(&o.verify, "verify", false, "recompute the running totals from the operations in SQL after loading and compare")
	fs.BoolVar(&o.showSQL, "show-sql", false, "print the statements of one request of each case, with their durations")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurements (server and clients) of the last data set to this file")
	commonFlags(fs, &o, "tuoguan_bench_stats")
	if done, err := parseFlags(fs, &o, args); done {
		return err
	}
	if o.requests < 1 || o.concurrency < 1 || o.warmup < 0 {
		return errors.New("-requests and -concurrency must be at least 1, -warmup at least 0")
	}
	var worlds []*World
	for _, f := range strings.Split(*scales, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > maxCounties {
			return fmt.Errorf("-scale %q: a comma-separated list of county counts from 1 to %d", *scales, maxCounties)
		}
		s := countySizes
		s.Counties, s.Farms, s.Parcels, s.Providers, s.Contracts = n, n*s.Farms, n*s.Parcels, n*s.Providers, n*s.Contracts
		w, err := custodyWorld(o.seed, s)
		if err != nil {
			return err
		}
		worlds = append(worlds, w)
	}
	var summary []statsRun
	for i, w := range worlds {
		wo := o
		wo.dbName = fmt.Sprintf("%s_x%d", o.dbName, w.Sizes.Counties)
		if i < len(worlds)-1 {
			wo.cpuProfile = ""
		}
		run, err := statsScale(ctx, wo, w, stdout)
		if err != nil {
			return err
		}
		summary = append(summary, run)
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "summary: statistics p95 against the targets (county ≤ %.0f ms, province ≤ %.0f ms)\n", ms(countyTarget), ms(provinceTarget))
	const row = "%-10s %-44s %9v %9v  %s\n"
	fmt.Fprintf(stdout, row, "data set", "case", "p95 ms", "target", "")
	failed := 0
	for _, run := range summary {
		for k, r := range run.results {
			fmt.Fprintf(stdout, row, fmt.Sprintf("%d×", run.scale), r.Case, fmt.Sprintf("%.2f", ms(r.P95)), fmt.Sprintf("%.0f ms", ms(run.targets[k])), verdict(r, run.targets[k]))
			if r.Failed() {
				failed++
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d cases had failed requests", failed)
	}
	return ctx.Err()
}

// statsRun is what one data set measured.
type statsRun struct {
	scale   int
	results []Result
	targets []time.Duration
	exports []statsExport
}

// statsExport is one download of the province's statistics per collective.
type statsExport struct {
	format string
	bytes  int64
	took   time.Duration
}

func verdict(r Result, target time.Duration) string {
	switch {
	case r.Failed():
		return fmt.Sprintf("FAILED (%d errors: %s)", r.Errors, r.FirstError)
	case r.P95 > target:
		return "miss"
	}
	return "pass"
}

func statsScale(ctx context.Context, o options, w *World, out io.Writer) (run statsRun, err error) {
	fmt.Fprintf(out, "loading %s: %d counties, %d collectives, %d farms, %d parcels, %d providers, %d contracts (seed %d, as of %s)\n",
		o.dbName, len(w.Counties), len(w.Collectives), w.Sizes.Farms, w.Sizes.Parcels, w.Sizes.Providers, w.Sizes.Contracts, o.seed,
		w.Today.Format(time.DateOnly))
	e, err := setUp(ctx, o, w, account.Config{}, out)
	if err != nil {
		return run, err
	}
	defer func() {
		if cerr := e.Close(ctx, out); cerr != nil && err == nil {
			err = cerr
		}
	}()
	c := newClient("http://"+e.addr, o.concurrency)
	if _, err := e.svc.Accounts.Bootstrap(ctx, benchPassword); err != nil {
		return run, fmt.Errorf("bootstrap admin: %w", err)
	}
	admin, err := c.login(ctx, "admin")
	if err != nil {
		return run, err
	}
	var ops, season int64
	year := w.Seasons[1]
	if err := e.db.SQL.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM operations),
		(SELECT count(*) FROM contracts WHERE season_year = $1 AND status <> 'draft')`, year).Scan(&ops, &season); err != nil {
		return run, err
	}
	e.header(ctx, out)
	fmt.Fprintf(out, "data:     %d counties, %d villages, %d farms, %d contracts (%d counted in season %d), %d operations\n",
		len(w.Counties), len(w.Collectives), w.Sizes.Farms, w.Sizes.Contracts, season, year, ops)
	fmt.Fprintf(out, "load:     at most %d requests or %s per case after %d warm-up, %d at a time, as admin, over HTTP on %s;\n",
		o.requests, o.maxTime, o.warmup, o.concurrency, e.addr)
	fmt.Fprintf(out, "          season %d; the county cases take the counties in turn\n\n", year)

	cases, targets := statsCases(w, admin)
	if o.showSQL {
		for _, cs := range cases {
			err := showSQL(ctx, e, out, cs.Name, 200, func() error {
				status, err := c.get(ctx, admin, cs.Path(0), nil)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("GET %s: status %d", cs.Path(0), status)
				}
				return err
			})
			if err != nil {
				return run, err
			}
		}
	}
	stop, err := profile(o.cpuProfile)
	if err != nil {
		return run, err
	}
	defer stop()
	return measureStats(ctx, c, admin, w, cases, targets, o, out)
}

// statsCases are the statistics measured, as admin, in the current season: a county by township and per
// collective, the counties in turn, and the province; and the target of each.
func statsCases(w *World, admin string) ([]Case, []time.Duration) {
	county := func(i int) string { return w.Counties[i%len(w.Counties)].Code }
	q := "season_year=" + strconv.Itoa(w.Seasons[1])
	return []Case{
		{"county by township  /stats/regions/<county>", admin, func(i int) string {
			return "/api/v1/stats/regions/" + county(i) + "?" + q + "&group_by=township"
		}},
		{"county collectives  /stats/collectives", admin, func(i int) string {
			return "/api/v1/stats/collectives?" + q + "&region_code=" + county(i)
		}},
		{"province            /stats/regions/" + provinceCode, admin, func(int) string {
			return "/api/v1/stats/regions/" + provinceCode + "?" + q
		}},
	}, []time.Duration{countyTarget, countyTarget, provinceTarget}
}

// measureStats measures each case with o's requests, time, warm-up and concurrency, and downloads the
// province's statistics per collective as CSV and Excel once each, printing a line for each.
func measureStats(ctx context.Context, c *client, admin string, w *World, cases []Case, targets []time.Duration, o options, out io.Writer) (statsRun, error) {
	run := statsRun{scale: len(w.Counties), targets: targets, results: measureCases(ctx, c, cases, targets, o, out)}
	if ctx.Err() != nil {
		return run, ctx.Err()
	}
	q := "season_year=" + strconv.Itoa(w.Seasons[1])
	for _, format := range []string{"csv", "xlsx"} {
		path := "/api/v1/stats/collectives?" + q + "&region_code=" + provinceCode + "&format=" + format
		n, took, err := c.download(ctx, admin, path)
		if err != nil {
			return run, err
		}
		run.exports = append(run.exports, statsExport{format, n, took})
		fmt.Fprintf(out, "export %-4s of /stats/collectives for the province: %d rows' worth, %d bytes in %.1f ms\n",
			strings.ToUpper(format), len(w.Collectives), n, ms(took))
	}
	return run, nil
}

// download GETs path once and returns the size of the body and how long it took to read all of it.
func (c *client) download(ctx context.Context, token, path string) (int64, time.Duration, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return n, time.Since(start), nil
}

// dashboardTarget is the most each call of the web app's county dashboard may take at the 95th percentile.
const dashboardTarget = 50 * time.Millisecond

// dashboardCases are the calls the web app makes when a county's bureau opens its dashboard on season
// (web/src/views/bureau/Glance.vue, with the reference lists and the account it loads first): the season by
// township, by operation type and by crop, the season before, the family farms, the crops and operation
// types, and the account itself.
func dashboardCases(token, county string, season int) []Case {
	s := strconv.Itoa(season)
	stats := "/api/v1/stats/regions/" + county + "?season_year="
	path := func(p string) func(int) string { return func(int) string { return p } }
	return []Case{
		{"dashboard: /stats/regions by township", token, path(stats + s + "&group_by=township")},
		{"dashboard: /stats/regions, season before", token, path(stats + strconv.Itoa(season-1))},
		{"dashboard: /stats/regions by op_type", token, path(stats + s + "&group_by=op_type")},
		{"dashboard: /stats/regions by crop", token, path(stats + s + "&group_by=crop")},
		{"dashboard: /stats/family-farms", token, path("/api/v1/stats/family-farms?region_code=" + county)},
		{"dashboard: /reference/crops", token, path("/api/v1/reference/crops")},
		{"dashboard: /reference/operation-types", token, path("/api/v1/reference/operation-types")},
		{"dashboard: /auth/me", token, path("/api/v1/auth/me")},
	}
}

// measureCases measures each case with o's requests, time, warm-up and concurrency against its target
// (targets[k] for cases[k]), printing a line for each; it stops early when ctx ends.
func measureCases(ctx context.Context, c *client, cases []Case, targets []time.Duration, o options, out io.Writer) []Result {
	const row = "%-44s %8v %8v %8v %8v %7v  %s\n"
	fmt.Fprintf(out, row, "case", "requests", "p50 ms", "p95 ms", "p99 ms", "req/s", "target")
	var results []Result
	for k, cs := range cases {
		r := c.MeasureFor(ctx, cs, o.warmup, o.requests, o.concurrency, o.maxTime)
		results = append(results, r)
		fmt.Fprintf(out, row, r.Case, r.Requests, fmt.Sprintf("%.2f", ms(r.P50)), fmt.Sprintf("%.2f", ms(r.P95)),
			fmt.Sprintf("%.2f", ms(r.P99)), fmt.Sprintf("%.0f", r.PerSecond),
			fmt.Sprintf("p95 ≤ %.0f ms: %s", ms(targets[k]), verdict(r, targets[k])))
		if ctx.Err() != nil {
			break
		}
	}
	return results
}
