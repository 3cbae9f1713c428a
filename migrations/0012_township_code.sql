-- A township's farms, parcels and contracts were listed by "county_code = <county> AND region_code LIKE
-- '<township's nine digits>%'": two correlated conditions whose selectivities the planner multiplies, so it
-- expected a few dozen rows where a township holds thousands, and read and sorted them all rather than walk an
-- index in the list's order for the first page.
--
-- township_code is the township a row lies in: its region's first nine digits and '000' (a row whose region
-- is a county gets the county's code, which no township filter names). PostgreSQL keeps it from region_code on
-- every insert and update, so a township filter is an equality on it, estimated from its own statistics and
-- served by the indexes below a page at a time in id order. The tables stay distributable by county_code.
ALTER TABLE farms ADD COLUMN township_code text COLLATE "C" GENERATED ALWAYS AS (left(region_code, 9) || '000') STORED;
ALTER TABLE parcels ADD COLUMN township_code text COLLATE "C" GENERATED ALWAYS AS (left(region_code, 9) || '000') STORED;
ALTER TABLE contracts ADD COLUMN township_code text COLLATE "C" GENERATED ALWAYS AS (left(region_code, 9) || '000') STORED;

-- A township's farms and parcels in id order; a township's contracts in id order, of every season or of one,
-- with the season and the status as trailing key columns that the scan checks in the index itself, as
-- contracts_ledger_idx does for a county.
CREATE INDEX farms_township_idx ON farms (county_code, township_code, id);
CREATE INDEX parcels_township_idx ON parcels (county_code, township_code, id);
CREATE INDEX contracts_township_idx ON contracts (county_code, township_code, id, season_year, status);

-- The township determines the county: without these the planner would multiply the two equalities'
-- selectivities as if they were independent, and underestimate a township's rows as it did before.
CREATE STATISTICS farms_township_stats (dependencies) ON county_code, township_code FROM farms;
CREATE STATISTICS parcels_township_stats (dependencies) ON county_code, township_code FROM parcels;
CREATE STATISTICS contracts_township_stats (dependencies) ON county_code, township_code FROM contracts;

-- A table rewritten by ADD COLUMN keeps no statistics of the new column, and a rewrite does not count towards
-- autovacuum's analyze: gather them now, or township filters would be planned on guesses until enough rows change.
ANALYZE farms, parcels, contracts;
