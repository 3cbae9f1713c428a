// Command tuoguan-bench measures the API against generated data sets, each loaded with COPY into a fresh
// database and served by the real handler over HTTP on 127.0.0.1.
//
//	tuoguan-bench lists [-farms 100000] [-parcels 300000] [-requests 300] [-concurrency 4] [-database-url …] [-keep]
//	tuoguan-bench ops [-contracts 4700] [-clients 16,64] [-duration 15s] [-batches 20] [-verify] [-show-sql] [-cpuprofile f]
//	tuoguan-bench stats [-scale 1,100] [-requests 200] [-concurrency 4] [-verify] [-cpuprofile f]
//	tuoguan-bench exports [-contracts 316000] [-clients 64] [-load-time 20s] [-server bin/tuoguan] [-database name] [-keep]
//	tuoguan-bench generate [-counties 1] [-contracts 3000] [-parts 0] [-verify] [-keep]
//
// lists reports the latency of list endpoints against the target of 20 ms at the 95th percentile. ops
// compares single-operation logging with pgbench running the same transaction (target 0.6× at 16 clients)
// and batch sync with a COPY of as many operation rows (target 0.5×). stats reports the latency of county
// statistics (target 20 ms at the 95th percentile) and province statistics (150 ms) on a county like the
// demo's and on one 100 times larger, and the size and time of the exports. exports runs the real server as
// a process of its own, measures the operations ledger as CSV and Excel over a season of more than a million
// operations and reports the server's peak resident memory while exporting and under a load of 64 clients
// (target 150 MB). generate loads a data set with contracts and operations and reports rows/s per table;
// -verify recomputes the running totals from the operations in SQL and compares. Each command fails only when
// requests fail or totals disagree, never on a missed target.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/httpapi"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/migrations"
)

// defaultServer is the PostgreSQL server used when DATABASE_URL is not set; the benchmark database is created
// next to the database it names.
const defaultServer = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"

// target is the 95th-percentile latency a list should stay under.
const target = 20 * time.Millisecond

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tuoguan-bench:", err)
		os.Exit(1)
	}
}

const usage = `usage: tuoguan-bench <command> [flags]   (tuoguan-bench <command> -h for the flags)

  lists     list latency over farms and parcels
  ops       operation logging: single POSTs and batch sync against pgbench and COPY
  stats     statistics latency on a county-sized data set and one 100 times larger, and exports
  exports   the operations ledger as CSV and Excel over a million rows, and the server's peak memory
  generate  load a data set with contracts and operations, and report rows/s per table`

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	commands := map[string]func(context.Context, []string, io.Writer) error{
		"lists": runLists, "ops": runOps, "stats": runStats, "exports": runExports, "generate": runGenerate,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return errors.New(usage)
	}
	return cmd(ctx, args[1:], stdout)
}

// commonFlags registers the flags every command takes.
func commonFlags(fs *flag.FlagSet, o *options, database string) {
	fs.StringVar(&o.serverURL, "database-url", "", "PostgreSQL server to create the benchmark database on (default $DATABASE_URL, else "+defaultServer+")")
	fs.StringVar(&o.dbName, "database", database, "name of the benchmark database; dropped and recreated")
	fs.Uint64Var(&o.seed, "seed", 20240601, "seed of the generated data set")
	fs.BoolVar(&o.keep, "keep", false, "keep the database afterwards")
}

// parseFlags parses args and checks the common flags; help is reported as done.
func parseFlags(fs *flag.FlagSet, o *options, args []string) (done bool, err error) {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return true, nil
	} else if err != nil {
		return true, err
	}
	if fs.NArg() > 0 {
		return true, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.serverURL == "" {
		o.serverURL = cmp.Or(os.Getenv("DATABASE_URL"), defaultServer)
	}
	if !strings.Contains(o.dbName, "bench") {
		return true, fmt.Errorf("-database %q: the benchmark drops its database, so its name must contain \"bench\"", o.dbName)
	}
	return false, nil
}

func runLists(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lists", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	sizes := Sizes{TownshipsPerCounty: 7, VillagesPerTownship: 10}
	fs.IntVar(&sizes.Farms, "farms", 100_000, "farms to generate")
	fs.IntVar(&sizes.Parcels, "parcels", 300_000, "parcels to generate")
	fs.IntVar(&sizes.Providers, "providers", 40, "service providers to generate")
	fs.IntVar(&sizes.Counties, "counties", 10, "counties (1 to 60), each with 7 townships of about 10 villages")
	fs.IntVar(&o.requests, "requests", 300, "measured requests per case")
	fs.IntVar(&o.warmup, "warmup", 20, "unmeasured requests before each case")
	fs.IntVar(&o.concurrency, "concurrency", 4, "requests in flight at once")
	commonFlags(fs, &o, "tuoguan_bench_lists")
	if done, err := parseFlags(fs, &o, args); done {
		return err
	}
	switch {
	case sizes.Farms < 1 || sizes.Parcels < 1 || sizes.Providers < 1:
		return errors.New("-farms, -parcels and -providers must be at least 1")
	case sizes.Counties < 1 || sizes.Counties > 60:
		return errors.New("-counties must be from 1 to 60")
	case o.requests < 1 || o.concurrency < 1 || o.warmup < 0:
		return errors.New("-requests and -concurrency must be at least 1, -warmup at least 0")
	}
	return lists(ctx, o, sizes, stdout)
}

type options struct {
	requests, warmup, concurrency int
	serverURL, dbName             string
	seed                          uint64
	keep                          bool
	verify                        bool   // recompute the running totals from the operations after loading
	cpuProfile                    string // write a CPU profile of the measurements here
	showSQL                       bool   // print the statements of one request of each case
	maxTime                       time.Duration
	dataKey                       string // the personal-data key to seal with, base64; empty: dataKey's default
}

// env is a loaded benchmark database and the API serving it on 127.0.0.1.
type env struct {
	o        options
	dbURL    string
	db       *postgres.DB
	keys     *pii.Keyring
	w        *World
	svc      httpapi.Services
	srv      *http.Server
	addr     string
	loaded   int64
	loadTook time.Duration
}

// setUp creates the benchmark database, loads w into it, verifies its totals when asked and serves the real
// handler on 127.0.0.1. Close undoes it.
func setUp(ctx context.Context, o options, w *World, acct account.Config, out io.Writer) (e *env, err error) {
	if e, err = prepare(ctx, o, w, out); err != nil {
		return e, err
	}
	defer func() {
		if err != nil {
			e.Close(ctx, out)
		}
	}()
	e.svc = httpapi.NewServices(e.db, e.keys, acct)
	h := httpapi.New(e.svc, httpapi.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: e.db.SQL,
		Migrations: migrations.FS, Version: "bench"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return e, err
	}
	e.addr = ln.Addr().String()
	e.srv = httpapi.HTTPServer(e.addr, h)
	go e.srv.Serve(ln)
	return e, nil
}

// prepare creates the benchmark database, loads w into it and verifies its totals when asked, without serving
// it. Close undoes it.
func prepare(ctx context.Context, o options, w *World, out io.Writer) (e *env, err error) {
	e = &env{o: o, w: w}
	if e.dbURL, err = withDatabase(o.serverURL, o.dbName); err != nil {
		return nil, err
	}
	if err := recreate(ctx, o.serverURL, o.dbName); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			e.Close(ctx, out)
		}
	}()
	if e.keys, err = dataKey(o.dataKey); err != nil {
		return e, err
	}
	if e.db, err = postgres.Open(ctx, e.dbURL); err != nil {
		return e, err
	}
	if _, err := postgres.Migrate(ctx, e.db.SQL, migrations.FS); err != nil {
		return e, fmt.Errorf("migrate: %w", err)
	}
	if _, err := e.db.SQL.ExecContext(ctx, "INSERT INTO data_key_fingerprint (id, fingerprint) VALUES (1, $1)",
		e.keys.Lookup("key_fingerprint", "tuoguan")); err != nil {
		return e, err
	}
	loadStart := time.Now()
	stats, err := Load(ctx, e.dbURL, w, e.keys, out)
	if err != nil {
		return e, fmt.Errorf("load: %w", err)
	}
	e.loadTook = time.Since(loadStart)
	for _, s := range stats {
		e.loaded += s.Rows
	}
	fmt.Fprintf(out, "  loaded %d rows in %s, indexes and vacuum included: %.0f rows/s\n\n", e.loaded, round(e.loadTook),
		float64(e.loaded)/e.loadTook.Seconds())
	if o.verify {
		conn, err := pgx.Connect(ctx, e.dbURL)
		if err != nil {
			return e, err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		if err := verifyTotals(ctx, conn, out); err != nil {
			return e, err
		}
		fmt.Fprintln(out)
	}
	return e, nil
}

// Close stops the server, closes the pool and drops the database unless it is to be kept.
func (e *env) Close(ctx context.Context, out io.Writer) error {
	ctx = context.WithoutCancel(ctx)
	if e.srv != nil {
		e.srv.Shutdown(ctx)
	}
	if e.db != nil {
		e.db.Close()
	}
	if e.o.keep {
		fmt.Fprintf(out, "\nkept database %s (its personal data is sealed with a key that was not saved, unless %s was set)\n", e.o.dbName, pii.KeyEnv)
		return nil
	}
	return dropDatabase(ctx, e.o.serverURL, e.o.dbName)
}

// header prints the machine and the date.
func (e *env) header(ctx context.Context, out io.Writer) {
	pgVersion := "?"
	_ = e.db.SQL.QueryRowContext(ctx, "SHOW server_version").Scan(&pgVersion)
	fmt.Fprintf(out, "machine:  %d CPUs, %s memory; Go %s; PostgreSQL %s\n", runtime.NumCPU(), memTotal(), runtime.Version(), pgVersion)
	fmt.Fprintf(out, "date:     %s; load average %s (the machine is shared: compare ratios within a run)\n",
		time.Now().Format(time.RFC3339), loadAverage())
}

// loadAverage is the 1, 5 and 15 minute load averages of the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// profile starts a CPU profile into path when it is set; the returned function stops it.
func profile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func lists(ctx context.Context, o options, sizes Sizes, out io.Writer) (err error) {
	w := NewWorld(o.seed, yanAn(sizes.Counties), sizes)
	fmt.Fprintf(out, "loading %s: %d regions, %d collectives, %d farms, %d parcels, %d providers (seed %d)\n",
		o.dbName, len(w.Regions), len(w.Collectives), sizes.Farms, sizes.Parcels, sizes.Providers, o.seed)
	e, err := setUp(ctx, o, w, account.Config{}, out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := e.Close(ctx, out); cerr != nil && err == nil {
			err = cerr
		}
	}()

	c := newClient("http://"+e.addr, o.concurrency)
	tokens, err := accounts(ctx, c, e.svc, w)
	if err != nil {
		return err
	}
	if err := verify(ctx, c, e.db, e.keys, w, tokens.Admin); err != nil {
		return fmt.Errorf("the loaded data does not read back as the services write it: %w", err)
	}
	cases, err := benchCases(ctx, c, w, tokens)
	if err != nil {
		return err
	}

	e.header(ctx, out)
	fmt.Fprintf(out, "data:     %d counties, %d townships, %d villages/collectives, %d farms, %d parcels, %d providers\n",
		len(w.Counties), len(w.Townships), len(w.Collectives), sizes.Farms, sizes.Parcels, sizes.Providers)
	fmt.Fprintf(out, "load:     %d requests per case after %d warm-up, %d at a time, over HTTP on %s\n\n",
		o.requests, o.warmup, o.concurrency, e.addr)

	const row = "%-36s %8v %8v %8v %8v %7v  %s\n"
	fmt.Fprintf(out, row, "case", "requests", "p50 ms", "p95 ms", "p99 ms", "req/s", "p95 ≤ 20 ms")
	var results []Result
	for _, cs := range cases {
		r := c.Measure(ctx, cs, o.warmup, o.requests, o.concurrency)
		results = append(results, r)
		verdict := "pass"
		switch {
		case r.Failed():
			verdict = fmt.Sprintf("FAILED (%d errors)", r.Errors)
		case r.P95 > target:
			verdict = "miss"
		}
		fmt.Fprintf(out, row, r.Case, r.Requests, fmt.Sprintf("%.2f", ms(r.P50)), fmt.Sprintf("%.2f", ms(r.P95)),
			fmt.Sprintf("%.2f", ms(r.P99)), fmt.Sprintf("%.0f", r.PerSecond), verdict)
		if ctx.Err() != nil {
			break
		}
	}

	failed, missed := 0, 0
	for _, r := range results {
		if r.Failed() {
			failed++
			fmt.Fprintf(out, "  %s: %s\n", r.Case, r.FirstError)
		} else if r.P95 > target {
			missed++
		}
	}
	fmt.Fprintf(out, "\ntarget: list p95 ≤ 20 ms — %d of %d cases pass, %d miss, %d failed\n",
		len(results)-failed-missed, len(results), missed, failed)
	if failed > 0 {
		return fmt.Errorf("%d cases had failed requests", failed)
	}
	return ctx.Err()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// dataKey is the key given when it is not empty, else the one TUOGUAN_DATA_KEY names when set, so that a kept
// database can be served, else a fresh one.
func dataKey(given string) (*pii.Keyring, error) {
	if given != "" {
		return pii.ParseKey(given)
	}
	if v := os.Getenv(pii.KeyEnv); v != "" {
		return pii.ParseKey(v)
	}
	return pii.ParseKey(pii.GenerateKey())
}

// withDatabase is server with its database replaced by name.
func withDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("-database-url must be a postgres:// URL")
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

// recreate drops the database name on server, when it exists, and creates it empty.
func recreate(ctx context.Context, server, name string) error {
	if err := dropDatabase(ctx, server, name); err != nil {
		return err
	}
	return adminExec(ctx, server, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
}

func dropDatabase(ctx context.Context, server, name string) error {
	return adminExec(ctx, server, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// adminExec runs one statement on the database server names, which must not be the benchmark's own.
func adminExec(ctx context.Context, server, stmt string) error {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(server), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

func redact(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return "the database server"
	}
	return u.Redacted()
}

// memTotal is the machine's memory as /proc/meminfo reports it.
func memTotal() string {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				break
			}
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

// Tokens are the sessions the cases act with.
type Tokens struct {
	Admin, Bureau, Collective string
	BureauCounty              string // the six digits of the bureau's county
	CollectiveID              int64
}

const benchPassword = "bench-password-0123"

// accounts bootstraps the admin, creates a bureau account for the first county and a collective account for
// the first collective with farms in it, through the API, and logs each in.
func accounts(ctx context.Context, c *client, svc httpapi.Services, w *World) (Tokens, error) {
	var t Tokens
	if _, err := svc.Accounts.Bootstrap(ctx, benchPassword); err != nil {
		return t, fmt.Errorf("bootstrap admin: %w", err)
	}
	var err error
	if t.Admin, err = c.login(ctx, "admin"); err != nil {
		return t, err
	}
	county := w.Counties[0]
	t.BureauCounty = county.Code[:6]
	t.CollectiveID = w.Collectives[w.farmCollective[0]].ID
	users := []map[string]any{
		{"username": "bench-bureau", "password": benchPassword, "role": "bureau", "region_code": county.Code},
		{"username": "bench-collective", "password": benchPassword, "role": "collective", "collective_id": t.CollectiveID},
	}
	for _, u := range users {
		if err := c.post(ctx, t.Admin, "/api/v1/users", u, http.StatusCreated, nil); err != nil {
			return t, err
		}
	}
	if t.Bureau, err = c.login(ctx, "bench-bureau"); err != nil {
		return t, err
	}
	t.Collective, err = c.login(ctx, "bench-collective")
	return t, err
}

func (c *client) login(ctx context.Context, username string) (string, error) {
	var s struct {
		Token string `json:"token"`
	}
	err := c.post(ctx, "", "/api/v1/auth/login", map[string]string{"username": username, "password": benchPassword}, http.StatusOK, &s)
	return s.Token, err
}

func (c *client) post(ctx context.Context, token, path string, body any, want int, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: status %d: %s", path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// benchCases are the requests measured, over the largest tables and filters that pick few, many or no rows.
func benchCases(ctx context.Context, c *client, w *World, t Tokens) ([]Case, error) {
	nf, np := w.Sizes.Farms, w.Sizes.Parcels
	pick := func(salt uint64, i, n int) int { return int(mix(w.Seed, salt, i) % uint64(n)) }
	fixed := func(p string) func(int) string { return func(int) string { return p } }
	township := func(i int) string { return w.Townships[pick(101, i, len(w.Townships))].Code }
	q := url.QueryEscape

	// Selective names: operators' full names of three characters, taken from random farms.
	var names []string
	for i := 0; len(names) < 50 && i < 10_000; i++ {
		if n := w.Farm(pick(102, i, nf)).Operator; len([]rune(n)) == 3 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		names = []string{w.Farm(0).Operator}
	}
	// Two-character names are as common in searches, and too short for a trigram.
	var short []string
	for i := 0; len(short) < 50 && i < 10_000; i++ {
		if n := w.Farm(pick(107, i, nf)).Operator; len([]rune(n)) == 2 {
			short = append(short, n)
		}
	}
	if len(short) == 0 {
		short = names
	}

	cases := []Case{
		{"farms (admin, first page)", t.Admin, fixed("/api/v1/farms?limit=50")},
		{"farms (bureau, its county)", t.Bureau, fixed("/api/v1/farms?limit=50")},
		{"farms region_code=<township>", t.Admin, func(i int) string { return "/api/v1/farms?limit=50&region_code=" + township(i) }},
		{"farms kind=family_farm", t.Admin, fixed("/api/v1/farms?limit=50&kind=family_farm")},
		{"farms kind=family_farm (bureau)", t.Bureau, fixed("/api/v1/farms?limit=50&kind=family_farm")},
		{"farms name=<common substring>", t.Admin, fixed("/api/v1/farms?limit=50&name=" + q("家庭农场"))},
		{"farms name=<full name>", t.Admin, func(i int) string { return "/api/v1/farms?limit=50&name=" + q(names[i%len(names)]) }},
		{"farms name=<2-character name>", t.Admin, func(i int) string { return "/api/v1/farms?limit=50&name=" + q(short[i%len(short)]) }},
		{"farms name=<full name> (bureau)", t.Bureau, func(i int) string { return "/api/v1/farms?limit=50&name=" + q(names[i%len(names)]) }},
		{"farms id_number=<exact>", t.Admin, func(i int) string { return "/api/v1/farms?id_number=" + w.IDNumber(pick(103, i, nf)) }},
		{"farms sort=-name", t.Admin, fixed("/api/v1/farms?limit=50&sort=-name")},
		{"farms sort=-name (bureau)", t.Bureau, fixed("/api/v1/farms?limit=50&sort=-name")},
	}
	for _, d := range []struct {
		name, token, path string
	}{
		{"farms (admin)", t.Admin, "/api/v1/farms?limit=50"},
		{"farms sort=name (bureau)", t.Bureau, "/api/v1/farms?limit=50&sort=name"},
	} {
		cursor, reached, err := c.deepCursor(ctx, d.token, d.path, 20)
		if err != nil {
			return nil, err
		}
		p := d.path
		if cursor != "" {
			p += "&cursor=" + q(cursor)
		}
		cases = append(cases, Case{fmt.Sprintf("%s, page %d", d.name, reached), d.token, fixed(p)})
	}
	cases = append(cases,
		Case{"farms (collective account)", t.Collective, fixed("/api/v1/farms?limit=50")},
		Case{"parcels farm_id=<farm>", t.Admin, func(i int) string { return "/api/v1/parcels?farm_id=" + strconv.Itoa(1+pick(104, i, nf)) }},
		Case{"parcels region_code=<township>", t.Admin, func(i int) string { return "/api/v1/parcels?limit=50&region_code=" + township(i) }},
		Case{"parcels (bureau, its county)", t.Bureau, fixed("/api/v1/parcels?limit=50")},
		Case{"parcels sort=area_mu", t.Admin, fixed("/api/v1/parcels?limit=50&sort=area_mu")},
		Case{"parcels area_mismatch=true", t.Admin, fixed("/api/v1/parcels?limit=50&area_mismatch=true")},
		Case{"parcels area_mismatch=true (bureau)", t.Bureau, fixed("/api/v1/parcels?limit=50&area_mismatch=true")},
		Case{"providers (admin)", t.Admin, fixed("/api/v1/providers?limit=50")},
		Case{"farms/{id}", t.Admin, func(i int) string { return "/api/v1/farms/" + strconv.Itoa(1+pick(105, i, nf)) }},
		Case{"parcels/{id}", t.Admin, func(i int) string { return "/api/v1/parcels/" + strconv.Itoa(1+pick(106, i, np)) }},
	)
	return cases, nil
}

// verify reads a few generated farms back through the API and the keyring: found by their ID and phone
// numbers, masked as the farm package masks, their sealed numbers opening under the farm package's bindings.
func verify(ctx context.Context, c *client, db *postgres.DB, keys *pii.Keyring, w *World, admin string) error {
	for _, k := range []int{0, w.Sizes.Farms / 2, w.Sizes.Farms - 1} {
		f := w.Farm(k)
		for _, query := range []string{"id_number=" + f.IDNumber, "phone=" + f.Phone} {
			var pg struct {
				Items []struct {
					ID       int64  `json:"id"`
					IDNumber string `json:"id_number"`
					Phone    string `json:"phone"`
				} `json:"items"`
			}
			path := "/api/v1/farms?limit=500&" + query
			if status, err := c.get(ctx, admin, path, &pg); err != nil || status != http.StatusOK {
				return fmt.Errorf("GET %s: status %d, %v", path, status, err)
			}
			found := false
			for _, it := range pg.Items {
				if it.ID == f.ID {
					found = true
					if it.IDNumber != pii.MaskIDNumber(f.IDNumber) || it.Phone != pii.MaskPhone(f.Phone) {
						return fmt.Errorf("farm %d is shown as %s, %s", f.ID, it.IDNumber, it.Phone)
					}
				}
			}
			if !found {
				return fmt.Errorf("farm %d is not found by its %s", f.ID, strings.SplitN(query, "=", 2)[0])
			}
		}
		var idEnc, phoneEnc []byte
		err := db.SQL.QueryRowContext(ctx, "SELECT id_number_enc, phone_enc FROM farms WHERE id = $1", f.ID).Scan(&idEnc, &phoneEnc)
		if err != nil {
			return err
		}
		county := f.Collective.CountyCode
		if got, err := keys.Open(idEnc, fmt.Sprintf("farms/%s/%d/id_number", county, f.ID)); err != nil || got != f.IDNumber {
			return fmt.Errorf("farm %d: its sealed ID number does not open under its binding", f.ID)
		}
		if got, err := keys.Open(phoneEnc, fmt.Sprintf("farms/%s/%d/phone", county, f.ID)); err != nil || got != f.Phone {
			return fmt.Errorf("farm %d: its sealed phone number does not open under its binding", f.ID)
		}
	}
	return nil
}
