// Command tuoguan-bench measures the API against generated data sets, each loaded with COPY into a fresh
// database and served by the real handler over HTTP on 127.0.0.1.
//
//	tuoguan-bench province [-scale 1] [-rounds 3] [-verify] [-server bin/tuoguan] [-database name] [-seed n] [-keep]
//	tuoguan-bench lists [-farms 100000] [-parcels 300000] [-requests 300] [-concurrency 4] [-database-url …] [-keep]
//	tuoguan-bench ops [-contracts 4700] [-clients 16,64] [-duration 15s] [-batches 20] [-rounds 3] [-verify] [-show-sql] [-cpuprofile f]
//	tuoguan-bench stats [-scale 1,100] [-requests 200] [-concurrency 4] [-verify] [-cpuprofile f]
//	tuoguan-bench exports [-contracts 316000] [-clients 64] [-load-time 20s] [-rounds 3] [-server bin/tuoguan] [-database name] [-keep]
//	tuoguan-bench generate [-counties 1] [-contracts 3000] [-parts 0] [-verify] [-keep]
//
// Every command creates its database on the server -database-url names, else $BENCH_DATABASE_URL's, else
// $DATABASE_URL's, else the local PostgreSQL.
//
// province generates one province-size data set (at -scale 1: 100 counties, 5,000 villages, 1,000,000
// contracts and about 10,000,000 operations), starts the real server as a process of its own on it and runs
// every measurement below against it in one run, reading the server's peak resident memory in each phase,
// then prints a summary table of every figure with its target. lists reports the latency of list endpoints
// against the target of 20 ms at the 95th percentile. ops compares single-operation logging with pgbench
// running the same transaction (target 0.7× at 16 clients) and batch sync with a COPY of every row it writes
// — the operations, their audit events and their idempotency keys (target 0.5×) — with the write-ahead log
// each side wrote. stats reports the latency
// of county and province statistics (target 10 ms at the 95th percentile) on a county like the demo's and on
// one 100 times larger, and the size and time of the exports; province also measures each call of the web
// app's county dashboard (50 ms). exports runs the real server as a process of its own, measures the
// operations ledger as CSV and Excel over a season of more than a million operations against the database's
// own COPY of the export's query (target 0.3× for CSV) and reports the server's peak resident memory while
// exporting and under a load of 64 clients (target 150 MB). generate loads a data set with contracts and
// operations and reports rows/s per table; -verify recomputes the running totals from the operations in SQL
// and compares. Every comparison of the API with the database alternates the two, -rounds times each (A B A B
// A B), each round of logging and batch sync after a CHECKPOINT, and reports the ratio's min / median / max;
// targets are met or missed at the median. Each command fails only when requests fail or totals disagree,
// never on a missed target.
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
	"github.com/tuoguan/tuoguan/internal/services"
	"github.com/tuoguan/tuoguan/migrations"
)

// defaultServer is the PostgreSQL server used when DATABASE_URL is not set; the benchmark database is created
// next to the database it names.
const defaultServer = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tuoguan-bench:", err)
		os.Exit(1)
	}
}

const usage = `usage: tuoguan-bench <command> [flags]   (tuoguan-bench <command> -h for the flags)

  province  every measurement in one run on one province-size data set, against the real server, with a summary
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
		"province": runProvince, "lists": runLists, "ops": runOps, "stats": runStats, "exports": runExports, "generate": runGenerate,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return errors.New(usage)
	}
	return cmd(ctx, args[1:], stdout)
}

// commonFlags registers the flags every command takes.
func commonFlags(fs *flag.FlagSet, o *options, database string) {
	fs.StringVar(&o.serverURL, "database-url", "", "PostgreSQL server to create the benchmark database on (default $BENCH_DATABASE_URL, else $DATABASE_URL, else "+defaultServer+")")
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
		o.serverURL = cmp.Or(os.Getenv("BENCH_DATABASE_URL"), os.Getenv("DATABASE_URL"), defaultServer)
	}
	if !strings.Contains(o.dbName, "bench") {
		return true, fmt.Errorf("-database %q: the benchmark drops its database, so its name must contain \"bench\"", o.dbName)
	}
	return false, nil
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
	svc      services.Services
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
	if err := e.serve(acct); err != nil {
		e.Close(ctx, out)
		return e, err
	}
	return e, nil
}

// serve serves the real handler, with its services configured by acct, on a free port of 127.0.0.1. The
// process keeps the runtime's garbage collection: it holds the generated data set besides, far more than the
// server's own heap, which httpapi.CollectLess's memory limit would have it collect without end.
func (e *env) serve(acct account.Config) error {
	e.svc = services.New(e.db, e.keys, acct)
	h := httpapi.New(e.svc, httpapi.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: e.db.SQL,
		Migrations: migrations.FS, Version: "bench"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	e.addr = ln.Addr().String()
	e.srv = httpapi.HTTPServer(e.addr, h)
	go e.srv.Serve(ln)
	return nil
}

// stopServing stops the handler that serve started.
func (e *env) stopServing(ctx context.Context) {
	if e.srv != nil {
		e.srv.Shutdown(context.WithoutCancel(ctx))
		e.srv = nil
	}
}

// prepare creates the benchmark database, loads w into it and verifies its totals when asked, without serving
// it. Close undoes it.
func prepare(ctx context.Context, o options, w *World, out io.Writer) (e *env, err error) {
	e = &env{o: o, w: w}
	if e.dbURL, err = postgres.WithDatabase(o.serverURL, o.dbName); err != nil {
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
	if _, err := migrations.Apply(ctx, e.db.SQL); err != nil {
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
	e.stopServing(ctx)
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

// recreate drops the database name on server, when it exists, and creates it empty: on a Citus coordinator,
// on every node, as one cluster with Citus's default shard count.
func recreate(ctx context.Context, server, name string) error {
	ns, err := postgres.NodesOf(ctx, server)
	if err != nil {
		return err
	}
	if err := ns.Drop(ctx, name); err != nil {
		return err
	}
	return ns.Create(ctx, name, 0)
}

// dropDatabase drops the database name on server, on every node of a Citus cluster.
func dropDatabase(ctx context.Context, server, name string) error {
	ns, err := postgres.NodesOf(ctx, server)
	if err != nil {
		return err
	}
	return ns.Drop(ctx, name)
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
func accounts(ctx context.Context, c *client, svc services.Services, w *World) (Tokens, error) {
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
		if err := c.createUser(ctx, t.Admin, u); err != nil {
			return t, err
		}
	}
	if t.Bureau, err = c.login(ctx, "bench-bureau"); err != nil {
		return t, err
	}
	t.Collective, err = c.login(ctx, "bench-collective")
	return t, err
}

// createUser creates the account u as admin, or finds it there from an earlier run on a kept database.
func (c *client) createUser(ctx context.Context, admin string, u map[string]any) error {
	err := c.post(ctx, admin, "/api/v1/users", u, http.StatusCreated, nil)
	var taken *statusError
	if errors.As(err, &taken) && taken.status == http.StatusConflict {
		return nil
	}
	return err
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
		return &statusError{"POST " + path, resp.StatusCode, b}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// statusError is a response with an unexpected status.
type statusError struct {
	request string
	status  int
	body    []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: status %d: %s", e.request, e.status, e.body)
}
