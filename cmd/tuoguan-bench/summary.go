package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// flatMargin is how much more the largest export may take above the server's resident memory before it than
// the smallest, for the exports' memory to count as flat.
const flatMargin = 20_000_000

// runTarget is how long make bench may take, at -scale 1.
const runTarget = 15 * time.Minute

// summaryRow is one figure of the summary: what was measured, the figure, its target and the verdict.
type summaryRow struct{ what, measured, target, verdict string }

// summaryRows collects the rows of the summary.
type summaryRows []summaryRow

func (rs *summaryRows) add(what, measured, target, verdict string) {
	*rs = append(*rs, summaryRow{what, measured, target, verdict})
}

// printSummary prints the machine, the date, the command and a Markdown table of every figure of run with
// its target and whether it passes.
func printSummary(ctx context.Context, e *env, p provinceParams, run provinceRun, out io.Writer) {
	summaryHeader(ctx, e, p, run, out)
	var rows summaryRows
	rows.ops(p, run)
	rows.statistics(e.w, run)
	rows.dashboard(run)
	rows.lists(run)
	rows.exports(run)
	rows.memory(run)
	rows.run(e, p, run)
	rows.print(out)
}

// summaryHeader prints the machine, the date, the command and the data set.
func summaryHeader(ctx context.Context, e *env, p provinceParams, run provinceRun, out io.Writer) {
	pgVersion := "?"
	_ = e.db.SQL.QueryRowContext(ctx, "SHOW server_version").Scan(&pgVersion)
	fmt.Fprintln(out, "summary")
	fmt.Fprintf(out, "machine:  %d CPUs, %s memory; Go %s; PostgreSQL %s (the machine is shared: compare ratios within a run)\n",
		runtime.NumCPU(), memTotal(), runtime.Version(), pgVersion)
	fmt.Fprintf(out, "date:     %s; load average %s\n", time.Now().Format(time.RFC3339), loadAverage())
	fmt.Fprintf(out, "command:  %s (seed %d, database %s)\n", p.command, e.o.seed, e.o.dbName)
	w := e.w
	fmt.Fprintf(out, "data:     %s counties, %s villages, %s farms, %s parcels, %s providers, %s contracts, %s operations\n\n",
		thousands(len(w.Counties)), thousands(len(w.Collectives)), thousands(w.Sizes.Farms), thousands(w.Sizes.Parcels),
		thousands(w.Sizes.Providers), thousands(w.Sizes.Contracts), thousands(run.ops0))
}

// ops adds single-operation logging against pgbench and batch sync against COPY: the median of the
// alternated rounds' ratios with their range, and the figures of the median round.
func (rows *summaryRows) ops(p provinceParams, run provinceRun) {
	for _, l := range run.ops.single {
		what := fmt.Sprintf("single-operation logging, %d clients", l.clients)
		target := ""
		if l.clients == 16 {
			target = fmt.Sprintf("≥ %.2f× pgbench", singleTarget)
		}
		if len(l.api) == 0 {
			continue
		}
		k := max(l.ratios.medianRound(), 0)
		a := l.api[k]
		api := fmt.Sprintf("%s req/s (p50 %.1f ms, p99 %.1f ms)", thousands(a.PerSecond), ms(a.P50), ms(a.P99))
		switch {
		case l.failed():
			rows.add(what, api, target, "FAILED")
		case len(l.ratios) == 0:
			rows.add(what, api+"; pgbench not found", target, "")
		default:
			verdict := ""
			if target != "" {
				verdict = passMiss(l.ratios.median() >= singleTarget)
			}
			pg := l.pgbench[k]
			rows.add(what, fmt.Sprintf("%s; median round %s vs pgbench %s tps (p50 %.1f ms, p99 %.1f ms)", l.ratios.spread(), api,
				thousands(pg.tps), ms(pg.p50), ms(pg.p99)), target, verdict)
		}
	}
	if b := run.ops.batch; len(b.rounds) > 0 {
		verdict := passMiss(b.ratios.median() >= batchTarget)
		if b.failed() {
			verdict = "FAILED"
		}
		r := b.rounds[max(b.ratios.medianRound(), 0)]
		wal := ""
		if api, copied := r.apiWAL.per(r.posted), r.copyWAL.per(int(r.ops)); api != "" && copied != "" {
			wal = fmt.Sprintf("; write-ahead log a 1,000 operations %s vs %s", api, copied)
		}
		rows.add(fmt.Sprintf("batch sync, %s operations a request", thousands(p.ops.batchSize)),
			fmt.Sprintf("%s; median round %s operations/s (p50 %.0f ms a batch) vs COPY of their operations, events and keys %s operations/s%s",
				b.ratios.spread(), thousands(r.opsRate), ms(r.api.P50), thousands(r.copyRate), wal),
			fmt.Sprintf("≥ %.2f× COPY", batchTarget), verdict)
	}
}

// statistics adds the subsidies' and the statistics' latencies, and the size of the province's statistics
// per collective.
func (rows *summaryRows) statistics(w *World, run provinceRun) {
	for i, r := range run.subsidy {
		target, verdict := "", ""
		if i == 1 {
			target, verdict = fmt.Sprintf("p95 ≤ %.0f ms", ms(settlementTarget)), resultVerdict(r, settlementTarget)
		}
		rows.add("subsidies: "+r.Case, latency(r), target, verdict)
	}
	for k, r := range run.stats.results {
		rows.add("statistics: "+strings.Join(strings.Fields(r.Case), " "), latency(r), fmt.Sprintf("p95 ≤ %.0f ms", ms(run.stats.targets[k])),
			resultVerdict(r, run.stats.targets[k]))
	}
	for _, x := range run.stats.exports {
		rows.add("statistics per collective of the province, "+strings.ToUpper(x.format),
			fmt.Sprintf("%s villages: %.1f MB in %.0f ms", thousands(len(w.Collectives)), float64(x.bytes)/1e6, ms(x.took)), "", "")
	}
}

// dashboard adds each call of the web app's county dashboard, and how many met the target.
func (rows *summaryRows) dashboard(run provinceRun) {
	passed := 0
	for _, r := range run.dashboard {
		if !r.Failed() && r.P95 <= dashboardTarget {
			passed++
		}
		rows.add(r.Case, latency(r), fmt.Sprintf("p95 ≤ %.0f ms", ms(dashboardTarget)), resultVerdict(r, dashboardTarget))
	}
	if len(run.dashboard) > 0 {
		rows.add("the web app's county dashboard", fmt.Sprintf("%d of %d calls within the target", passed, len(run.dashboard)),
			fmt.Sprintf("p95 ≤ %.0f ms each", ms(dashboardTarget)), passMiss(passed == len(run.dashboard)))
	}
}

// lists adds every list case and how many met the target.
func (rows *summaryRows) lists(run provinceRun) {
	passed := 0
	for _, r := range run.lists {
		if !r.Failed() && r.P95 <= target {
			passed++
		}
		rows.add("list: "+r.Case, latency(r), "p95 ≤ 20 ms", resultVerdict(r, target))
	}
	if len(run.lists) > 0 {
		rows.add("lists", fmt.Sprintf("%d of %d cases within the target", passed, len(run.lists)), "p95 ≤ 20 ms", passMiss(passed == len(run.lists)))
	}
}

// exports adds each export with the server's memory, and whether the memory stayed flat.
func (rows *summaryRows) exports(run provinceRun) {
	for _, r := range run.exports {
		target, verdict := "≤ 150 MB", exportVerdict(r)
		if r.format == "csv" {
			target = fmt.Sprintf("≥ %.2f× COPY, ≤ 150 MB", csvTarget)
			if verdict == "pass" {
				verdict = passMiss(r.ratios.median() >= csvTarget)
			}
		}
		rows.add(fmt.Sprintf("export %s, %s", strings.ToUpper(r.format), r.sel.label),
			fmt.Sprintf("%s vs COPY (its query) TO STDOUT; median round %s rows, %.1f MB in %.1f s: %s rows/s vs COPY %s rows/s; server peak %s MB (RSS before %s MB)",
				r.ratios.spread(), thousands(r.rows), float64(r.bytes)/1e6, r.took.Seconds(), thousands(r.rate()), thousands(r.copyRate),
				mb(r.mem.peak), mb(r.mem.before)),
			target, verdict)
	}
	if m, v := flatness(run.exports); m != "" {
		rows.add("export memory, smallest to largest", m, fmt.Sprintf("flat (within %d MB), ≤ 150 MB", flatMargin/1_000_000), v)
	}
}

// memory adds the load phase and the server's peak memory over the whole run.
func (rows *summaryRows) memory(run provinceRun) {
	if l := run.load; l.Requests > 0 {
		mem := run.phases[len(run.phases)-1].mem
		rows.add(l.Case, fmt.Sprintf("%s req/s, p95 %.0f ms; server peak %s MB", thousands(l.PerSecond), ms(l.P95), mb(mem.peak)),
			"≤ 150 MB", memVerdict(mem.peak, l.Failed(), "requests failed"))
	}
	var top phase
	for _, ph := range run.phases {
		if ph.mem.peak > top.mem.peak {
			top = ph
		}
	}
	if top.name != "" {
		rows.add("server peak resident memory, whole run", fmt.Sprintf("%s MB, during %s (%s MB once started)", mb(top.mem.peak), top.name,
			mb(run.phases[0].mem.before)), "≤ 150 MB", passMiss(top.mem.peak <= memoryTarget))
	}
}

// run adds the data generation, the check of the totals and where the run's time went.
func (rows *summaryRows) run(e *env, p provinceParams, run provinceRun) {
	if e.loadTook > 0 {
		rows.add("data generation", fmt.Sprintf("%s rows in %s: %s rows/s, indexes, keys, rollups and vacuum included",
			thousands(e.loaded), round(e.loadTook), thousands(float64(e.loaded)/e.loadTook.Seconds())), "", "")
	}
	if run.verified {
		measured, verdict := "all agree", "pass"
		if run.verifyErr != nil {
			measured, verdict = run.verifyErr.Error(), "FAILED"
		}
		rows.add("running totals and rollups recomputed after the run (-verify)", measured, "agree", verdict)
	}
	took := time.Since(run.started)
	parts := []string{round(took).String()}
	for _, s := range run.spans {
		parts = append(parts, fmt.Sprintf("%s %s", s.name, s.took.Round(time.Second)))
	}
	target, verdict := "", ""
	if p.scale == 1 {
		target, verdict = "make bench < 15 min", passMiss(took < runTarget)
	}
	rows.add("this run", strings.Join(parts, "; "), target, verdict)
}

// print writes the rows as a Markdown table, its columns padded to their widest cell.
func (rows summaryRows) print(out io.Writer) {
	header := summaryRow{"what", "measured", "target", ""}
	width := [3]int{len([]rune(header.what)), len([]rune(header.measured)), len([]rune(header.target))}
	for _, r := range rows {
		width[0] = max(width[0], len([]rune(r.what)))
		width[1] = max(width[1], len([]rune(r.measured)))
		width[2] = max(width[2], len([]rune(r.target)))
	}
	line := func(r summaryRow) {
		fmt.Fprintf(out, "| %s | %s | %s | %s |\n", pad(r.what, width[0]), pad(r.measured, width[1]), pad(r.target, width[2]), r.verdict)
	}
	line(header)
	fmt.Fprintf(out, "| %s | %s | %s | --- |\n", strings.Repeat("-", width[0]), strings.Repeat("-", width[1]), strings.Repeat("-", width[2]))
	for _, r := range rows {
		line(r)
	}
}

// latency is a case's p50 and p95 and how many requests they come from.
func latency(r Result) string {
	return fmt.Sprintf("p50 %.1f ms, p95 %.1f ms (%d requests)", ms(r.P50), ms(r.P95), r.Requests)
}

// resultVerdict is pass or miss against target at the 95th percentile, or FAILED.
func resultVerdict(r Result, target time.Duration) string {
	switch {
	case r.Failed():
		return "FAILED"
	case r.P95 > target:
		return "miss"
	}
	return "pass"
}

// flatness compares, for each format, how far the largest export's peak rose above the resident memory
// before it with how far the smallest's did.
func flatness(results []exportResult) (measured, verdict string) {
	var parts []string
	ok := true
	for _, format := range []string{"csv", "xlsx"} {
		var lo, hi *exportResult
		for i := range results {
			r := &results[i]
			if r.format != format || r.failed() {
				continue
			}
			if lo == nil || r.rows < lo.rows {
				lo = r
			}
			if hi == nil || r.rows > hi.rows {
				hi = r
			}
		}
		if lo == nil || lo == hi {
			continue
		}
		rise := func(r *exportResult) int64 { return max(r.mem.peak-r.mem.before, 0) }
		ok = ok && rise(hi) <= rise(lo)+flatMargin && hi.mem.peak <= memoryTarget
		parts = append(parts, fmt.Sprintf("%s +%.1f MB at %s rows, +%.1f MB at %s", strings.ToUpper(format), float64(rise(lo))/1e6,
			thousands(lo.rows), float64(rise(hi))/1e6, thousands(hi.rows)))
	}
	if len(parts) == 0 {
		return "", ""
	}
	return strings.Join(parts, "; ") + " (peak above the RSS before)", passMiss(ok)
}

// pad right-pads s with spaces to n characters.
func pad(s string, n int) string { return s + strings.Repeat(" ", max(n-len([]rune(s)), 0)) }

// thousands is n rounded to a whole number, its thousands separated by commas.
func thousands[N int | int64 | float64](n N) string {
	s := strconv.FormatInt(int64(float64(n)+0.5*sign(float64(n))), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}
