package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/provider"
	"github.com/tuoguan/tuoguan/internal/rollup"
)

// pgbenchScript is the transaction operation.Service.Log runs for one operation posted by a provider with an
// idempotency key, statement for statement and in the same three pipelines — the first confirming the session
// of the provider's token, as it does for a token the server has seen — on a delivery cap picked at random from
// bench_targets. The pick is a primary-key read before the transaction, where the API's client picks in
// memory. pgbench cannot read results inside a pipeline (\gset), so the later pipelines take the operation's
// id with currval where the service reads the ids the first pipeline allocated, and the checks the service makes
// in Go between the pipelines are left to the bench, which only picks caps with room. The operation's JSON,
// which the service builds in Go for the audit snapshot, is built once per target; the request hash is a
// constant of the same size. The statements the packages export — the session's check, the provider's status
// hold, the caps' lock and the totals' updates — are taken from them, so they follow their SQL as it changes.
const pgbenchTemplate = `\set n random(1, :ntargets)
\set k random(1, 9223372036854775806)
SELECT county_code AS cc, contract_id AS cid, parcel_id AS pid, op_type AS ot, provider_id AS prov, user_id AS uid,
       username AS uname, region_code AS rc, op_date AS od, yield AS y, response AS resp, season_year AS sy,
       collective_id AS col, token_hash AS th FROM bench_targets WHERE n = :n \gset
\startpipeline
BEGIN;
SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true) WHERE NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus');
` + sessionLine + `SELECT q.key, k.request_hash, k.response FROM unnest(ARRAY[:k]::text[]) AS q (key), LATERAL (SELECT k.request_hash, k.response FROM idempotency_keys k WHERE k.user_id = :uid AND k.key = q.key LIMIT 1) AS k;
SELECT c.id, c.county_code, c.provider_id FROM contracts c WHERE c.id = ANY (ARRAY[:cid]::bigint[]) AND c.provider_id = :prov;
SELECT now(), ARRAY(SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence('operations', 'id')::regclass AS seq OFFSET 0) AS s, generate_series(1, 1::int));
\endpipeline
\startpipeline
SELECT c.id, c.county_code, c.number, c.status, c.provider_id, c.collective_id, c.season_year, c.region_code, c.start_date, c.end_date, ARRAY(SELECT cp.parcel_id FROM contract_parcels cp WHERE cp.county_code = :cc::text AND cp.contract_id = c.id), ARRAY(SELECT s.op_type FROM contract_services s WHERE s.county_code = :cc::text AND s.contract_id = c.id) FROM contracts c WHERE c.county_code = :cc::text AND c.id = ANY (ARRAY[:cid]::bigint[]) AND c.provider_id = :prov ORDER BY c.id FOR SHARE OF c;
` + lockLines + `SELECT p.id, p.status FROM providers p WHERE p.id = ANY (ARRAY[:prov]::bigint[]);
` + capLines + `\endpipeline
\startpipeline
INSERT INTO idempotency_keys (user_id, key, request_hash, operation_id, response) SELECT :uid, k.key, k.hash, k.operation_id, k.response::jsonb FROM unnest(ARRAY[:k]::text[], '{"\\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}'::bytea[], ARRAY[currval(pg_get_serial_sequence('operations', 'id'))]::bigint[], ARRAY[:resp]::text[]) AS k (key, hash, operation_id, response) ORDER BY k.key;
INSERT INTO operations (county_code, id, contract_id, parcel_id, op_type, op_date, area_mu, yield_kg, moisture_pct, machine, operator, inputs, location, note, season_year, region_code, collective_id, provider_id, status, created_by, created_at, updated_at) SELECT o.county_code, o.id, o.contract_id, o.parcel_id, o.op_type, o.op_date, o.area_mu::numeric, o.yield_kg::numeric, o.moisture_pct::numeric, o.machine, o.operator, o.inputs::jsonb, o.location::jsonb, o.note, o.season_year, o.region_code, o.collective_id, o.provider_id, 'recorded', :uid::bigint, now(), now() FROM unnest(ARRAY[:cc]::text[], ARRAY[currval(pg_get_serial_sequence('operations', 'id'))]::bigint[], ARRAY[:cid]::bigint[], ARRAY[:pid]::bigint[], ARRAY[:ot]::text[], ARRAY[:od]::date[], ARRAY['` + benchArea + `']::text[], ARRAY[NULLIF(:y, '')]::text[], ARRAY[NULL]::text[], ARRAY['拖拉机']::text[], ARRAY['王建国']::text[], ARRAY['[]']::text[], ARRAY[NULL]::text[], ARRAY[NULL]::text[], ARRAY[:sy]::int[], ARRAY[:rc]::text[], ARRAY[:col]::bigint[], ARRAY[:prov]::bigint[]) AS o (county_code, id, contract_id, parcel_id, op_type, op_date, area_mu, yield_kg, moisture_pct, machine, operator, inputs, location, note, season_year, region_code, collective_id, provider_id);
INSERT INTO audit_events (county_code, actor_id, actor_username, actor_role, request_id, action, object_type, object_id, region_code, before, after) SELECT e.county_code, :uid::bigint, :uname::text, 'provider'::text, '000000000000000000000000'::text, e.action, e.object_type, e.object_id, e.region_code, e.before::jsonb, e.after::jsonb FROM unnest(ARRAY[:cc]::text[], ARRAY['operation.create']::text[], ARRAY['operation']::text[], ARRAY[currval(pg_get_serial_sequence('operations', 'id'))::text]::text[], ARRAY[:rc]::text[], ARRAY[NULL]::text[], ARRAY[:resp]::text[]) AS e (county_code, action, object_type, object_id, region_code, before, after);
` + rollupLines + `COMMIT;
\endpipeline
`

// pgbenchScript is pgbenchTemplate with the packages' statements in place.
func pgbenchScript() (string, error) {
	hold, err := pgbenchStatement(provider.HoldStatuses, []int64{standInProvider})
	if err != nil {
		return "", err
	}
	caps, err := pgbenchStatement(rollup.LockCaps, []int64{standInContract}, []int64{standInParcel}, []string{":ot"}, ":cc")
	if err != nil {
		return "", err
	}
	totals, err := rollupStatements()
	if err != nil {
		return "", err
	}
	session := strings.NewReplacer("$1", ":th::bytea", "$2", "now()").Replace(account.LiveStatement) + ";\n"
	return strings.NewReplacer(sessionLine, session, lockLines, hold, capLines, caps, rollupLines, totals).Replace(pgbenchTemplate), nil
}

// The marks where pgbenchTemplate takes the packages' statements.
const (
	sessionLine = "-- the session's check\n"
	lockLines   = "-- the provider's status hold\n"
	capLines    = "-- the caps' lock\n"
	rollupLines = "-- the rollup's statements\n"
)

// The stand-ins of the contract, the parcel and the provider in the statements the script takes.
const standInContract, standInParcel, standInProvider = -1, -2, -3

// rollupStatements are the statements rollup.MoveActive runs, as the logging of one operation runs it (the
// caps already locked), for benchArea logged on the cap (:cc, :cid, :pid, :ot): its own SQL in pgbench's
// terms, one statement a line.
func rollupStatements() (string, error) {
	var b strings.Builder
	run := func(query string, args ...any) error {
		stmt, err := pgbenchStatement(query, args...)
		b.WriteString(stmt)
		return err
	}
	work := []rollup.Work{{CountyCode: ":cc", ContractID: standInContract, ParcelID: standInParcel, OpType: ":ot",
		AreaMu: num.MustDec2(benchArea)}}
	if err := rollup.MoveActive(run, work, +1, true); err != nil {
		return "", err
	}
	return b.String(), nil
}

// pgbenchStatement is query, whose placeholders are ?, with args written in pgbench's terms, on one line.
func pgbenchStatement(query string, args ...any) (string, error) {
	parts := strings.Split(query, "?")
	if len(parts)-1 != len(args) {
		return "", fmt.Errorf("statement with %d placeholders and %d arguments: %s", len(parts)-1, len(args), query)
	}
	var stmt strings.Builder
	stmt.WriteString(parts[0])
	for i, a := range args {
		v, err := pgbenchArray(a)
		if err != nil {
			return "", err
		}
		stmt.WriteString(v)
		stmt.WriteString(parts[i+1])
	}
	return strings.Join(strings.Fields(stmt.String()), " ") + ";\n", nil
}

// pgbenchArray writes an argument of a statement the script takes in pgbench's terms: the county a statement
// names, or an array of one element, a variable for the stand-ins and a literal for the area.
func pgbenchArray(a any) (string, error) {
	switch a := a.(type) {
	case string:
		if a == ":cc" {
			return "(:cc)::text", nil // the county a statement names, a pgbench variable of digits
		}
	case []string:
		if len(a) == 1 && strings.HasPrefix(a[0], ":") {
			return "ARRAY[" + a[0] + "]", nil
		}
		if len(a) == 1 && !strings.ContainsAny(a[0], `'\`) {
			return "ARRAY['" + a[0] + "']", nil
		}
	case []int64:
		if len(a) == 1 {
			if v, ok := map[int64]string{standInContract: ":cid", standInParcel: ":pid", standInProvider: ":prov"}[a[0]]; ok {
				return "ARRAY[" + v + "]", nil
			}
		}
	}
	return "", fmt.Errorf("statement argument %v: not one of the work's values", a)
}

// findPgbench is the pgbench binary: path when given, else pgbench on PATH, else the newest installed with
// PostgreSQL.
func findPgbench(path string) (string, error) {
	if path != "" {
		return exec.LookPath(path)
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(found) == 0 {
		return "", errors.New("pgbench is not on PATH nor in /usr/lib/postgresql/*/bin")
	}
	sort.Slice(found, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[j]))))
		return vi < vj
	})
	return found[len(found)-1], nil
}

// pgbenchResult is what one pgbench run measured.
type pgbenchResult struct {
	txns       int
	tps        float64
	p50, p99   time.Duration
	failed     int
	firstError string
}

var (
	pgbenchTPS       = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	pgbenchProcessed = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
	pgbenchFailed    = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
)

// runPgbench runs script on dbURL with clients clients for d, logging every transaction into dir, and reads
// the throughput from its report and the latency percentiles from its log.
func runPgbench(ctx context.Context, bin, dbURL, script, dir string, clients int, d time.Duration, ntargets int) (pgbenchResult, error) {
	var res pgbenchResult
	prefix := filepath.Join(dir, fmt.Sprintf("log%d", clients))
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, runtime.NumCPU())),
		"-T", strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))), "-f", script, "-D", "ntargets=" + strconv.Itoa(ntargets),
		"-l", "--log-prefix=" + prefix, dbURL}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	report := stdout.String()
	m := pgbenchTPS.FindStringSubmatch(report)
	if m == nil {
		return res, fmt.Errorf("pgbench %s: %v\n%s%s", strings.Join(args[:len(args)-1], " "), runErr, report, stderr.String())
	}
	res.tps, _ = strconv.ParseFloat(m[1], 64)
	if m := pgbenchProcessed.FindStringSubmatch(report); m != nil {
		res.txns, _ = strconv.Atoi(m[1])
	}
	if m := pgbenchFailed.FindStringSubmatch(report); m != nil {
		res.failed, _ = strconv.Atoi(m[1])
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "aborted") || strings.Contains(line, "ERROR") {
			if res.failed == 0 {
				res.failed = 1
			}
			if res.firstError == "" {
				res.firstError = line
			}
		}
	}
	if runErr != nil && res.failed == 0 {
		res.failed, res.firstError = 1, runErr.Error()
	}
	lat, err := pgbenchLatencies(prefix)
	if err != nil {
		return res, err
	}
	res.p50, res.p99 = percentile(lat, 50), percentile(lat, 99)
	return res, nil
}

// pgbenchLatencies reads the per-transaction logs starting with prefix, sorted; each line is "client
// transaction latency_us script epoch epoch_us".
func pgbenchLatencies(prefix string) ([]time.Duration, error) {
	files, err := filepath.Glob(prefix + ".*")
	if err != nil {
		return nil, err
	}
	var lat []time.Duration
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				continue
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
		f.Close()
		os.Remove(name)
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(lat)
	return lat, nil
}
