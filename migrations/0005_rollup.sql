-- Statistics rollups: the running totals of every collective × season × crop, and of every county × season ×
-- crop, kept in the transaction of each change they follow (a contract's activation, an operation logged,
-- confirmed or voided), so that statistics of a county sum a few hundred rows and those of a province a few
-- thousand, instead of every contract and service line.
--
-- A row with op_type '' holds the contracts themselves; a row with an operation type holds the contracts that
-- have a service line of that type and the running totals of those lines. A row with collective_id 0 is its
-- county's: the sum of the county's collectives' rows, with the county's region code. A row with crop '' is
-- the sum over the crops, its farms counted once across them. A contract enters its
-- rows once, on activation, and never leaves them (a contract that is not a draft can neither be edited nor
-- deleted).
CREATE TABLE stats_rollup (
    county_code        text COLLATE "C" NOT NULL,
    season_year        integer NOT NULL,
    collective_id      bigint NOT NULL,
    crop               text COLLATE "C" NOT NULL,
    op_type            text COLLATE "C" NOT NULL,
    region_code        text COLLATE "C" NOT NULL, -- the collective's village, or the county
    contracts          integer NOT NULL DEFAULT 0,
    -- Distinct farms (and of them households) with such a contract of this crop; first_farms counts each farm
    -- once across crops, under the crop of its first such contract of the season, so that the sum over crops
    -- is the number of distinct farms. A farm contracts in its own collective only, so farm counts add up
    -- across collectives.
    farms              integer NOT NULL DEFAULT 0,
    households         integer NOT NULL DEFAULT 0,
    first_farms        integer NOT NULL DEFAULT 0,
    first_households   integer NOT NULL DEFAULT 0,
    contracted_area_mu numeric NOT NULL DEFAULT 0,
    collective_income  numeric NOT NULL DEFAULT 0,
    active_area_mu     numeric NOT NULL DEFAULT 0,
    confirmed_area_mu  numeric NOT NULL DEFAULT 0,
    net_cost           numeric NOT NULL DEFAULT 0, -- Σ D_t × (price_t − subsidy_t)
    baseline_cost      numeric NOT NULL DEFAULT 0,
    subsidy            numeric NOT NULL DEFAULT 0,
    provider_revenue   numeric NOT NULL DEFAULT 0,
    confirmed_yield_kg numeric NOT NULL DEFAULT 0,
    income_gain        numeric NOT NULL DEFAULT 0, -- Σ (Y − baseline yield × H) × price per kg, harvesting only
    PRIMARY KEY (county_code, season_year, collective_id, crop, op_type)
) PARTITION BY RANGE (collective_id);
-- The counties' rows apart from the collectives', so that a province's statistics read a few pages, and
-- room in every page for the updates that operations make to stay on it (heap-only tuples).
CREATE TABLE stats_rollup_counties PARTITION OF stats_rollup FOR VALUES FROM (0) TO (1) WITH (fillfactor = 50);
CREATE TABLE stats_rollup_collectives PARTITION OF stats_rollup FOR VALUES FROM (1) TO (MAXVALUE) WITH (fillfactor = 70);
CREATE INDEX stats_rollup_counties_idx ON stats_rollup_counties (season_year, crop, county_code);

-- Providers work across collectives and counties, so their distinct count is taken when asked, from the
-- providers present in each rollup row (the key covers what the statistics read, for index-only scans).
CREATE TABLE stats_providers (
    county_code   text COLLATE "C" NOT NULL,
    season_year   integer NOT NULL,
    collective_id bigint NOT NULL,
    crop          text COLLATE "C" NOT NULL,
    op_type       text COLLATE "C" NOT NULL,
    provider_id   bigint NOT NULL,
    region_code   text COLLATE "C" NOT NULL,
    PRIMARY KEY (county_code, season_year, collective_id, crop, op_type, provider_id) INCLUDE (region_code)
) PARTITION BY RANGE (collective_id);
CREATE TABLE stats_providers_counties PARTITION OF stats_providers FOR VALUES FROM (0) TO (1);
CREATE TABLE stats_providers_collectives PARTITION OF stats_providers FOR VALUES FROM (1) TO (MAXVALUE);
CREATE INDEX stats_providers_counties_idx ON stats_providers_counties (season_year, op_type, crop, county_code)
    INCLUDE (region_code, provider_id);

-- stats_rebuild() recomputes both tables from the contracts and their service lines: after a bulk load that
-- bypassed the services, and as the reference the maintained rows are checked against.
CREATE FUNCTION stats_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM stats_providers;
    DELETE FROM stats_rollup;
    WITH entry AS (
        SELECT c.county_code, c.season_year, c.collective_id, c.crop, '' AS op_type, c.region_code, c.id,
               c.farm_id, c.provider_id, c.activated_at, c.contracted_area_mu,
               c.contracted_area_mu * c.collective_fee_per_mu AS collective_income,
               0 AS active_area_mu, 0 AS confirmed_area_mu, 0 AS net_cost, 0 AS baseline_cost, 0 AS subsidy,
               0 AS provider_revenue, 0 AS confirmed_yield_kg, 0 AS income_gain
        FROM contracts c WHERE c.status <> 'draft'
        UNION ALL
        SELECT c.county_code, c.season_year, c.collective_id, c.crop, s.op_type, c.region_code, c.id,
               c.farm_id, c.provider_id, c.activated_at, c.contracted_area_mu, 0,
               s.active_area_mu, s.confirmed_area_mu, s.confirmed_area_mu * (s.price_per_mu - s.subsidy_per_mu),
               s.confirmed_area_mu * s.baseline_cost_per_mu, s.confirmed_area_mu * s.subsidy_per_mu,
               s.confirmed_area_mu * s.price_per_mu, s.confirmed_yield_kg,
               CASE WHEN s.op_type = 'harvesting'
                    THEN (s.confirmed_yield_kg - c.baseline_yield_kg_per_mu * s.confirmed_area_mu) * c.price_per_kg
                    ELSE 0 END
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
    )
    INSERT INTO stats_rollup (county_code, season_year, collective_id, crop, op_type, region_code, contracts, farms,
        households, first_farms, first_households, contracted_area_mu, collective_income, active_area_mu,
        confirmed_area_mu, net_cost, baseline_cost, subsidy, provider_revenue, confirmed_yield_kg, income_gain)
    SELECT county_code, season_year, coalesce(collective_id, 0), coalesce(crop, ''), op_type,
           CASE WHEN GROUPING(collective_id) = 1 THEN county_code || '000000' ELSE min(region_code) END, count(*),
           CASE WHEN GROUPING(crop) = 1 THEN count(*) FILTER (WHERE first_of_season)
                ELSE count(*) FILTER (WHERE first_of_crop) END,
           CASE WHEN GROUPING(crop) = 1 THEN count(*) FILTER (WHERE first_of_season AND household)
                ELSE count(*) FILTER (WHERE first_of_crop AND household) END,
           count(*) FILTER (WHERE first_of_season), count(*) FILTER (WHERE first_of_season AND household),
           sum(contracted_area_mu), sum(collective_income), sum(active_area_mu), sum(confirmed_area_mu),
           sum(net_cost), sum(baseline_cost), sum(subsidy), sum(provider_revenue), sum(confirmed_yield_kg),
           sum(income_gain)
    FROM ranked
    GROUP BY GROUPING SETS ((county_code, season_year, collective_id, crop, op_type), (county_code, season_year, crop, op_type),
                            (county_code, season_year, collective_id, op_type), (county_code, season_year, op_type));
$$;

SELECT stats_rebuild();
