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
)

// pgbenchScript is the transaction operation.Service.Log runs for one operation posted by a provider with an
// idempotency key, statement for statement (see -show-sql), on a delivery cap picked at random from
// bench_targets. The pick is a primary-key read before the transaction, where the API's client picks in
// memory. The operation's JSON, which the service builds in Go for the audit snapshot, is built once per
// target; the request hash is a constant of the same size; the cap check the service makes in Go is a column
// of the cap's SELECT … FOR UPDATE.
const pgbenchScript = `\set n random(1, :ntargets)
\set k random(1, 9223372036854775806)
SELECT county_code AS cc, contract_id AS cid, parcel_id AS pid, op_type AS ot, provider_id AS prov, user_id AS uid,
       username AS uname, region_code AS rc, op_date AS od, yield AS y, response AS resp FROM bench_targets WHERE n = :n \gset
BEGIN;
INSERT INTO idempotency_keys (user_id, key, request_hash) SELECT :uid, k.key, k.hash FROM unnest(ARRAY[:k]::text[], '{"\\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}'::bytea[]) AS k (key, hash) ON CONFLICT (user_id, key) DO NOTHING RETURNING key;
SELECT * FROM "contracts" WHERE contracts.provider_id = :prov AND contracts.id = ANY (ARRAY[:cid]::bigint[]) ORDER BY contracts.id FOR SHARE OF "contracts";
SELECT * FROM "contract_parcels" WHERE county_code = ANY (ARRAY[:cc]::text[]) AND contract_id = ANY (ARRAY[:cid]::bigint[]) ORDER BY parcel_id;
SELECT * FROM "contract_services" WHERE county_code = ANY (ARRAY[:cc]::text[]) AND contract_id = ANY (ARRAY[:cid]::bigint[]) ORDER BY op_type;
SELECT "id","status" FROM "providers" WHERE id = ANY (ARRAY[:prov]::bigint[]) ORDER BY id FOR SHARE;
SELECT d.county_code, d.contract_id, d.parcel_id, d.op_type, d.cap_area_mu::text, d.active_area_mu::text, (d.active_area_mu + ` + benchArea + ` <= d.cap_area_mu)::int AS room FROM delivery_caps d JOIN unnest(ARRAY[:cc]::text[], ARRAY[:cid]::bigint[], ARRAY[:pid]::bigint[], ARRAY[:ot]::text[]) AS k (county_code, contract_id, parcel_id, op_type) USING (county_code, contract_id, parcel_id, op_type) ORDER BY 1, 2, 3, 4 FOR UPDATE OF d \gset
\if :room
SELECT nextval(pg_get_serial_sequence('operations', 'id')) AS id, now() AS now FROM generate_series(1, 1) \gset
INSERT INTO "operations" ("county_code","contract_id","parcel_id","op_type","op_date","area_mu","yield_kg","moisture_pct","machine","operator","inputs","location","note","status","dispute_reason","created_by","created_at","updated_at","id") VALUES (:cc, :cid, :pid, :ot, :od, '` + benchArea + `', NULLIF(:y, '')::numeric, NULL, '拖拉机', '王建国', '[]', NULL, NULL, 'recorded', NULL, :uid, now(), now(), :id);
UPDATE delivery_caps d SET active_area_mu = d.active_area_mu + v.area FROM unnest(ARRAY[:cc]::text[], ARRAY[:cid]::bigint[], ARRAY[:pid]::bigint[], ARRAY[:ot]::text[], ARRAY['` + benchArea + `']::numeric[]) AS v (county_code, contract_id, parcel_id, op_type, area) WHERE d.county_code = v.county_code AND d.contract_id = v.contract_id AND d.parcel_id = v.parcel_id AND d.op_type = v.op_type;
WITH s AS (UPDATE contract_services s SET active_area_mu = s.active_area_mu + v.area, voided_area_mu = s.voided_area_mu FROM unnest(ARRAY[:cc]::text[], ARRAY[:cid]::bigint[], ARRAY[:ot]::text[], ARRAY['` + benchArea + `']::numeric[]) AS v (county_code, contract_id, op_type, area) WHERE s.county_code = v.county_code AND s.contract_id = v.contract_id AND s.op_type = v.op_type RETURNING s.county_code, s.contract_id, s.op_type, v.area), k AS (SELECT c.county_code, c.season_year, l.collective_id, c.crop, s.op_type, s.area AS active_area_mu FROM s JOIN contracts c ON c.county_code = s.county_code AND c.id = s.contract_id, LATERAL (VALUES (0::bigint), (c.collective_id)) AS l (collective_id)), d AS (SELECT county_code, season_year, collective_id, crop, op_type, sum(active_area_mu) AS active_area_mu FROM k GROUP BY 1, 2, 3, 4, 5), l AS MATERIALIZED (SELECT r.county_code, r.season_year, r.collective_id, r.crop, r.op_type FROM stats_rollup r JOIN d USING (county_code, season_year, collective_id, crop, op_type) ORDER BY 1, 2, 3, 4, 5 FOR UPDATE OF r) UPDATE stats_rollup r SET active_area_mu = r.active_area_mu + d.active_area_mu FROM d JOIN l USING (county_code, season_year, collective_id, crop, op_type) WHERE r.county_code = d.county_code AND r.season_year = d.season_year AND r.collective_id = d.collective_id AND r.crop = d.crop AND r.op_type = d.op_type;
INSERT INTO "audit_events" ("county_code","actor_id","actor_username","actor_role","request_id","action","object_type","object_id","region_code","before","after") VALUES (:cc, :uid, :uname, 'provider', '000000000000000000000000', 'operation.create', 'operation', :id, :rc, NULL, :resp) RETURNING "id";
UPDATE idempotency_keys k SET operation_id = v.operation_id FROM unnest(ARRAY[:k]::text[], ARRAY[:id]::bigint[]) AS v (key, operation_id) WHERE k.user_id = :uid AND k.key = v.key;
\else
DELETE FROM idempotency_keys WHERE user_id = :uid AND key = ANY (ARRAY[:k]::text[]);
\endif
COMMIT;
`

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
