package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// totalChecks recompute every running total from the operations (and the contracted areas from the
// contract's parcels) and count the rows that disagree with what is stored.
var totalChecks = []struct{ name, sql string }{
	{"delivery_caps.active_area_mu = Σ operations not voided", `
		SELECT count(*) FROM delivery_caps d
		LEFT JOIN (SELECT county_code, contract_id, parcel_id, op_type, sum(area_mu) FILTER (WHERE status <> 'voided') AS active
		           FROM operations GROUP BY 1, 2, 3, 4) o USING (county_code, contract_id, parcel_id, op_type)
		WHERE d.active_area_mu <> coalesce(o.active, 0)`},
	{"delivery_caps.cap_area_mu = parcel area × passes", `
		SELECT count(*) FROM delivery_caps d
		LEFT JOIN contract_parcels p USING (county_code, contract_id, parcel_id)
		LEFT JOIN contract_services s USING (county_code, contract_id, op_type)
		WHERE d.cap_area_mu IS DISTINCT FROM p.area_mu * s.passes`},
	{"a cap for each parcel × line of every contract not a draft", `
		SELECT count(*) FROM contracts c
		JOIN contract_parcels p ON p.county_code = c.county_code AND p.contract_id = c.id
		JOIN contract_services s ON s.county_code = c.county_code AND s.contract_id = c.id
		LEFT JOIN delivery_caps d ON d.county_code = c.county_code AND d.contract_id = c.id AND d.parcel_id = p.parcel_id AND d.op_type = s.op_type
		WHERE (d.contract_id IS NULL) <> (c.status = 'draft')`},
	{"contract_services totals = Σ operations (not voided, confirmed, voided; confirmed yield)", `
		SELECT count(*) FROM contract_services s
		LEFT JOIN (SELECT county_code, contract_id, op_type,
		                  sum(area_mu) FILTER (WHERE status <> 'voided') AS active,
		                  sum(area_mu) FILTER (WHERE status = 'confirmed') AS confirmed,
		                  sum(area_mu) FILTER (WHERE status = 'voided') AS voided,
		                  sum(yield_kg) FILTER (WHERE status = 'confirmed') AS yield
		           FROM operations GROUP BY 1, 2, 3) o USING (county_code, contract_id, op_type)
		WHERE (s.active_area_mu, s.confirmed_area_mu, s.voided_area_mu, s.confirmed_yield_kg)
		      IS DISTINCT FROM (coalesce(o.active, 0), coalesce(o.confirmed, 0), coalesce(o.voided, 0), coalesce(o.yield, 0))`},
	{"contracts.contracted_area_mu = Σ contract_parcels", `
		SELECT count(*) FROM contracts c
		LEFT JOIN (SELECT county_code, contract_id, sum(area_mu) AS area FROM contract_parcels GROUP BY 1, 2) p
		       ON p.county_code = c.county_code AND p.contract_id = c.id
		WHERE c.contracted_area_mu IS DISTINCT FROM p.area`},
	{"operations within their contract's dates and of its season, village, collective and provider, none on a draft", `
		SELECT count(*) FROM operations o JOIN contracts c ON c.county_code = o.county_code AND c.id = o.contract_id
		WHERE o.op_date NOT BETWEEN c.start_date AND c.end_date OR c.status = 'draft'
		   OR (o.season_year, o.region_code, o.collective_id, o.provider_id)
		      IS DISTINCT FROM (c.season_year, c.region_code, c.collective_id, c.provider_id)`},
	{"contract_numbers.last = contracts numbered <village>-<year>-<sequence>", `
		SELECT count(*) FROM (
			SELECT county_code, region_code, season_year, count(*) AS n,
			       count(*) FILTER (WHERE number ~ ('^' || region_code || '-' || season_year || '-[0-9]{4,}$')) AS well_formed,
			       max(split_part(number, '-', 3)::int) AS top
			FROM contracts GROUP BY 1, 2, 3) c
		FULL JOIN contract_numbers k USING (county_code, region_code, season_year)
		WHERE k.last IS DISTINCT FROM c.n OR c.top IS DISTINCT FROM c.n OR c.well_formed IS DISTINCT FROM c.n`},
}

// verifyTotals runs totalChecks on conn, printing each, and fails when any row disagrees.
func verifyTotals(ctx context.Context, conn *pgx.Conn, out io.Writer) error {
	fmt.Fprintln(out, "verify: running totals recomputed in SQL from the operations")
	bad := 0
	for _, c := range totalChecks {
		start := time.Now()
		var n int64
		if err := conn.QueryRow(ctx, c.sql).Scan(&n); err != nil {
			return fmt.Errorf("verify %s: %w", c.name, err)
		}
		verdict := "ok"
		if n > 0 {
			verdict = fmt.Sprintf("%d rows DISAGREE", n)
			bad++
		}
		fmt.Fprintf(out, "  %-72s %s (%s)\n", c.name, verdict, round(time.Since(start)))
	}
	n, err := rollupDrift(ctx, conn)
	if err != nil {
		return err
	}
	verdict := "ok"
	if n > 0 {
		verdict = fmt.Sprintf("%d rows DISAGREE", n)
		bad++
	}
	fmt.Fprintf(out, "  %-72s %s\n", "stats_rollup and stats_providers = their rebuild from the running totals", verdict)
	if bad > 0 {
		return fmt.Errorf("verify: %d of %d checks found rows whose totals disagree with their operations", bad, len(totalChecks)+1)
	}
	var ops, caps int64
	if err := conn.QueryRow(ctx, "SELECT (SELECT count(*) FROM operations), (SELECT count(*) FROM delivery_caps)").Scan(&ops, &caps); err != nil {
		return err
	}
	fmt.Fprintf(out, "  all %d checks agree over %d operations and %d delivery caps\n", len(totalChecks), ops, caps)
	return nil
}

// rollupDrift counts the rows of the statistics rollups that differ from stats_rebuild()'s recomputation,
// inside a transaction that is rolled back.
func rollupDrift(ctx context.Context, conn *pgx.Conn) (n int64, err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, q := range []string{
		"CREATE TEMP TABLE kept_rollup ON COMMIT DROP AS SELECT * FROM stats_rollup",
		"CREATE TEMP TABLE kept_providers ON COMMIT DROP AS SELECT * FROM stats_providers",
		"SELECT stats_rebuild()",
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("verify the rollups: %w", err)
		}
	}
	err = tx.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM ((TABLE kept_rollup EXCEPT TABLE stats_rollup) UNION ALL (TABLE stats_rollup EXCEPT TABLE kept_rollup)) d) +
		(SELECT count(*) FROM ((TABLE kept_providers EXCEPT TABLE stats_providers) UNION ALL (TABLE stats_providers EXCEPT TABLE kept_providers)) d)`).Scan(&n)
	return n, err
}
