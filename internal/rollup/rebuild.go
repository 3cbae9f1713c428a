package rollup

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

// RebuildSQL recomputes stats_rollup and stats_providers from the contracts and the running totals of their
// service lines, with the same figures as the writes: after a bulk load that bypassed the services, and as
// the reference Verify holds the maintained rows to. Run it where nothing else writes the rollups (it holds
// their rows until its transaction ends). It writes the rows in the order statistics read them — a season,
// crop by crop (all crops first), county by county, collective by collective; the providers a season, level
// and crop at a time, county by county — so that a county's collectives, or the counties of a province, are
// read from a few pages rather than one page a row, as the aggregates' own output order would leave them (the
// services, for their part, create the rows a contract enters together, when it is activated).
var RebuildSQL = func() string {
	var entryZeros, entryLine, cols, sums []string
	for _, f := range Figures {
		entryZeros = append(entryZeros, "0 AS "+f.Column)
		entryLine = append(entryLine, f.Of("s.confirmed_area_mu", "s.confirmed_yield_kg"))
		cols = append(cols, f.Column)
		sums = append(sums, "sum("+f.Column+")")
	}
	return `DELETE FROM stats_providers;
DELETE FROM stats_rollup;
WITH entry AS (
    SELECT c.county_code, c.season_year, c.collective_id, c.crop, '' AS op_type, c.region_code, c.id,
           c.farm_id, c.provider_id, c.activated_at, c.contracted_area_mu,
           c.contracted_area_mu * c.collective_fee_per_mu AS collective_income,
           0 AS active_area_mu, 0 AS confirmed_area_mu, 0 AS confirmed_yield_kg, ` + strings.Join(entryZeros, ", ") + `
    FROM contracts c WHERE c.status <> 'draft'
    UNION ALL
    SELECT c.county_code, c.season_year, c.collective_id, c.crop, s.op_type, c.region_code, c.id,
           c.farm_id, c.provider_id, c.activated_at, c.contracted_area_mu, 0,
           s.active_area_mu, s.confirmed_area_mu, s.confirmed_yield_kg, ` + strings.Join(entryLine, ", ") + `
    FROM contracts c JOIN contract_services s ON s.county_code = c.county_code AND s.contract_id = c.id
    WHERE c.status <> 'draft'
), ranked AS (
    SELECT e.*, f.kind = 'household' AS household,
           row_number() OVER (PARTITION BY e.county_code, e.season_year, e.farm_id, e.op_type, e.crop
                              ORDER BY e.activated_at NULLS LAST, e.id) = 1 AS first_of_crop,
           row_number() OVER (PARTITION BY e.county_code, e.season_year, e.farm_id, e.op_type
                              ORDER BY e.activated_at NULLS LAST, e.id) = 1 AS first_of_season
    FROM entry e JOIN farms f ON f.county_code = e.county_code AND f.id = e.farm_id
), providers AS (
    INSERT INTO stats_providers (county_code, season_year, collective_id, crop, op_type, provider_id, region_code)
    SELECT DISTINCT e.county_code, e.season_year, l.collective_id, c.crop, e.op_type, e.provider_id, l.region_code
    FROM entry e,
         LATERAL (VALUES (e.collective_id, e.region_code), (0, e.county_code || '000000')) AS l (collective_id, region_code),
         LATERAL (VALUES (e.crop), ('')) AS c (crop)
    ORDER BY 2, 5, 4, 1, 3, 6
)
INSERT INTO stats_rollup (county_code, season_year, collective_id, crop, op_type, region_code, contracts, farms,
    households, first_farms, first_households, contracted_area_mu, collective_income, active_area_mu,
    confirmed_area_mu, confirmed_yield_kg, ` + strings.Join(cols, ", ") + `)
SELECT county_code, season_year, coalesce(collective_id, 0), coalesce(crop, ''), op_type,
       CASE WHEN GROUPING(collective_id) = 1 THEN county_code || '000000' ELSE min(region_code) END, count(*),
       CASE WHEN GROUPING(crop) = 1 THEN count(*) FILTER (WHERE first_of_season)
            ELSE count(*) FILTER (WHERE first_of_crop) END,
       CASE WHEN GROUPING(crop) = 1 THEN count(*) FILTER (WHERE first_of_season AND household)
            ELSE count(*) FILTER (WHERE first_of_crop AND household) END,
       count(*) FILTER (WHERE first_of_season), count(*) FILTER (WHERE first_of_season AND household),
       sum(contracted_area_mu), sum(collective_income), sum(active_area_mu), sum(confirmed_area_mu),
       sum(confirmed_yield_kg), ` + strings.Join(sums, ", ") + `
FROM ranked
GROUP BY GROUPING SETS ((county_code, season_year, collective_id, crop, op_type), (county_code, season_year, crop, op_type),
                        (county_code, season_year, collective_id, op_type), (county_code, season_year, op_type))
ORDER BY 2, 4, 1, 3, 5`
}()

// Rebuild runs RebuildSQL in tx; writers of the rollups wait until tx ends.
func Rebuild(ctx context.Context, tx *gorm.DB) error {
	return tx.WithContext(ctx).Exec(RebuildSQL).Error
}
