-- The ledger of operations is read by season and by whose it is: a county's, a township's, a provider's or a
-- collective's operations of one season, a page at a time in id order. Those are properties of the contract,
-- which cannot change once it has operations (only drafts are edited, and drafts have none), so every operation
-- carries them, written from its contract in the statement that inserts it; the indexes below then give each
-- such page from the first rows they hold, instead of every operation of the season sorted.
ALTER TABLE operations
    ADD COLUMN season_year   integer,
    ADD COLUMN region_code   text COLLATE "C",
    ADD COLUMN collective_id bigint,
    ADD COLUMN provider_id   bigint;

UPDATE operations o
SET season_year = c.season_year, region_code = c.region_code, collective_id = c.collective_id, provider_id = c.provider_id
FROM contracts c
WHERE c.county_code = o.county_code AND c.id = o.contract_id;

ALTER TABLE operations
    ALTER COLUMN season_year SET NOT NULL,
    ALTER COLUMN region_code SET NOT NULL,
    ALTER COLUMN collective_id SET NOT NULL,
    ALTER COLUMN provider_id SET NOT NULL,
    ADD CHECK (county_code = left(region_code, 6));

-- Each index orders a ledger by id behind its equality columns, and keeps the other filters as trailing key
-- columns, which the scan checks in the index itself without reading the rows it passes over:
-- a county's season, or a township's or a village's within it;
CREATE INDEX operations_season_idx ON operations (county_code, season_year, id, region_code);
-- a provider's and a collective's ledgers, of every season or of one;
CREATE INDEX operations_provider_idx ON operations (provider_id, id, season_year);
CREATE INDEX operations_collective_idx ON operations (collective_id, id, season_year);
-- the work of some days in a county, of one type or all.
CREATE INDEX operations_date_idx ON operations (county_code, op_date, op_type);

-- Contracts are listed the same ways: a county's season, or a township's, a village's or a status within it,
-- and a provider's or a collective's contracts of every season or of one.
CREATE INDEX contracts_ledger_idx ON contracts (county_code, season_year, id, region_code, status);
DROP INDEX contracts_provider_idx, contracts_collective_idx;
CREATE INDEX contracts_provider_idx ON contracts (provider_id, id, season_year);
CREATE INDEX contracts_collective_idx ON contracts (collective_id, id, season_year);
