package rollup

import (
	"context"
	"database/sql"
	"fmt"
	"io"
)

// Check is one recomputation and what disagrees with it: the number of rows, and a few of them named.
type Check struct {
	Name     string
	Disagree int64
	Examples []string
}

// checks recompute every running total from the operations (and the contracted areas from the contracts'
// parcels) and count the rows that disagree with what is stored.
var checks = []struct{ name, sql string }{
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

// Verify recomputes every running total and rollup from the operations and contracts and returns each check
// with what disagrees: what an operator runs after a restore or an upgrade, and what the tests and the
// benchmark hold the totals to. The rollups are compared with RebuildSQL's recomputation inside a transaction
// that is rolled back, so Verify changes nothing; it reads a snapshot, so run it where nothing writes, or
// expect the writes in flight to show.
func Verify(ctx context.Context, db *sql.DB) ([]Check, error) {
	var out []Check
	for _, c := range checks {
		var n int64
		if err := db.QueryRowContext(ctx, c.sql).Scan(&n); err != nil {
			return nil, fmt.Errorf("verify %s: %w", c.name, err)
		}
		out = append(out, Check{Name: c.name, Disagree: n})
	}
	drift, err := rollupDrift(ctx, db)
	if err != nil {
		return nil, err
	}
	return append(out, drift), nil
}

// rollupDrift compares the rollups with their rebuild, in a transaction that is rolled back.
func rollupDrift(ctx context.Context, db *sql.DB) (Check, error) {
	c := Check{Name: "stats_rollup and stats_providers = their rebuild from the contracts and their lines"}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return c, err
	}
	defer func() { _ = tx.Rollback() }()
	for _, q := range []string{
		"CREATE TEMP TABLE kept_rollup ON COMMIT DROP AS SELECT * FROM stats_rollup",
		"CREATE TEMP TABLE kept_providers ON COMMIT DROP AS SELECT * FROM stats_providers",
		RebuildSQL,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return c, fmt.Errorf("verify the rollups: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT format('%s: county %s, season %s, collective %s, crop %s, op_type %s', t, county_code, season_year, collective_id, crop, op_type)
		FROM (SELECT DISTINCT 'stats_rollup' AS t, county_code, season_year, collective_id, crop, op_type
		        FROM ((TABLE kept_rollup EXCEPT TABLE stats_rollup) UNION (TABLE stats_rollup EXCEPT TABLE kept_rollup)) d
		      UNION ALL
		      SELECT DISTINCT 'stats_providers', county_code, season_year, collective_id, crop, op_type FROM
		        ((TABLE kept_providers EXCEPT TABLE stats_providers) UNION (TABLE stats_providers EXCEPT TABLE kept_providers)) p) x
		ORDER BY 1`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return c, err
		}
		c.Disagree++
		if len(c.Examples) < 10 {
			c.Examples = append(c.Examples, s)
		}
	}
	return c, rows.Err()
}

// Report prints checks, one line each with what disagrees, and returns an error naming how many disagree.
func Report(out io.Writer, checks []Check) error {
	bad := 0
	for _, c := range checks {
		verdict := "ok"
		if c.Disagree > 0 {
			verdict = fmt.Sprintf("%d rows DISAGREE", c.Disagree)
			bad++
		}
		fmt.Fprintf(out, "  %-100s %s\n", c.Name, verdict)
		for _, e := range c.Examples {
			fmt.Fprintf(out, "      %s\n", e)
		}
	}
	if bad > 0 {
		return fmt.Errorf("verify: %d of %d checks found totals that disagree with the operations and contracts", bad, len(checks))
	}
	fmt.Fprintf(out, "  all %d checks agree\n", len(checks))
	return nil
}
