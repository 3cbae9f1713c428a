-- The rollups are rebuilt by the rollup package, from the same figure definitions as its writes; the SQL
-- function of 0005 would be a second copy of them.
DROP FUNCTION stats_rebuild();
