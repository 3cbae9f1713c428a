-- Searches of farms by name planned on estimates a bucket wide. A name of one or two characters (a surname, or
-- a surname and a given name) was searched as "name LIKE 'xx%' OR operator_name LIKE 'xx%'", whose selectivity
-- the planner takes from the columns' histograms, no finer than one of their hundred buckets: some 6,000 of
-- 600,000 farms where a full two-character name starts about a hundred. A longer name, searched as "LIKE
-- '%xyz%'", is estimated by the share of histogram entries it matches: one entry of a hundred, 6,000 farms, for
-- a full name a hundred farms bear. Either way the planner walked the id index for a first page in id order,
-- through most of the table, where the matches were few: 70 to 140 ms for one search in forty.
--
-- A name's first one and first two characters as expressions: a short search is an equality on them,
-- estimated from their own statistics (their most common values and the count of distinct ones), and served by
-- these indexes. They replace the prefix indexes, which served the LIKE alone.
CREATE INDEX farms_name_first1_idx ON farms (left(name, 1));
CREATE INDEX farms_name_first2_idx ON farms (left(name, 2));
CREATE INDEX farms_operator_first1_idx ON farms (left(operator_name, 1));
CREATE INDEX farms_operator_first2_idx ON farms (left(operator_name, 2));
DROP INDEX farms_name_prefix_idx;
DROP INDEX farms_operator_prefix_idx;

-- Histograms of 3,000 entries for the names searched by substring: an entry stands for 200 farms of 600,000
-- rather than 6,000, so a full name that a hundred farms bear is estimated within a few times its count, and
-- the planner reads its matches through the trigram indexes. ANALYZE of the table samples up to 900,000 rows
-- for them. Citus copies a table's targets to its shards when it places the table, but does not propagate
-- SET STATISTICS to a table already placed: there the shards keep theirs.
DO $$
DECLARE
    placed boolean := false;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE $q$SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = 'farms'::regclass)$q$ INTO placed;
    END IF;
    IF NOT placed THEN
        ALTER TABLE farms ALTER COLUMN name SET STATISTICS 3000, ALTER COLUMN operator_name SET STATISTICS 3000;
    END IF;
END $$;

-- ANALYZE alone gathers the expressions' statistics and the larger histograms: now, or the searches would be
-- planned on guesses until enough farms change.
ANALYZE farms;
