-- A county bureau pages through its farms and parcels sorted by name, date or area; the province-wide sort
-- indexes made it walk every county's rows in that order to find its own. These give each county its own.
CREATE INDEX farms_county_name_idx ON farms (county_code, name, id);
CREATE INDEX farms_county_created_idx ON farms (county_code, created_at, id);
CREATE INDEX parcels_county_name_idx ON parcels (county_code, name, id);
CREATE INDEX parcels_county_area_idx ON parcels (county_code, area_mu, id);
