-- Standard custody area weights (标准托管面积折算系数) per region and operation type. A region without weights
-- takes those of its nearest ancestor that has some, and the built-in defaults above them all.
CREATE TABLE standard_area_weights (
    region_code text COLLATE "C" NOT NULL REFERENCES regions (code),
    op_type     text COLLATE "C" NOT NULL REFERENCES operation_types (code),
    weight      numeric(6, 4) NOT NULL CHECK (weight >= 0 AND weight <= 10),
    PRIMARY KEY (region_code, op_type)
);

-- Statistics select contracts by season and region prefix within a county.
CREATE INDEX contracts_season_idx ON contracts (county_code, season_year, region_code) WHERE status <> 'draft';
