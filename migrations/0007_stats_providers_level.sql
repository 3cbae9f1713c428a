-- Statistics count the distinct providers of a county's collectives from the rows of one level: all crops or
-- one crop, the contracts' rows (op_type '') or the lines'. The primary key orders those levels inside each
-- collective, so a county's reads walked every crop and type of every collective; this index puts each level's
-- rows together and covers what the counts read.
CREATE INDEX stats_providers_collectives_level_idx ON stats_providers_collectives
    (county_code, season_year, op_type, crop, collective_id, provider_id) INCLUDE (region_code);
