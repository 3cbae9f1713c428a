package rollup

import (
	"slices"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/postgres"
)

// Enter brings activated contract c into the totals, in tx: one delivery cap per parcel and service line (the
// contracted area times the passes), and the statistics rollups of its collective and its county, of its crop
// and of all crops — a row for the contract and one per service line, each counting the contract, its area
// and, where they are new there, its farm (once per crop and once per season), and the provider present in
// each. The farm's row is locked first, so that two activations of one farm's contracts cannot both count it
// as new. A contract enters once and never leaves: one that is not a draft can be neither edited nor deleted.
func Enter(tx *gorm.DB, c Contract) error {
	if err := createCaps(tx, c); err != nil {
		return err
	}
	var kind string
	if err := tx.Raw("SELECT kind FROM farms WHERE county_code = ? AND id = ? FOR NO KEY UPDATE", c.CountyCode, c.FarmID).
		Row().Scan(&kind); err != nil {
		return err
	}
	var seen []struct{ Crop, OpType string }
	if err := tx.Raw(`SELECT c.crop, coalesce(s.op_type, '') AS op_type
		FROM contracts c LEFT JOIN contract_services s ON s.county_code = c.county_code AND s.contract_id = c.id
		WHERE c.county_code = ? AND c.farm_id = ? AND c.season_year = ? AND c.status <> 'draft' AND c.id <> ?
		UNION SELECT c.crop, '' FROM contracts c
		WHERE c.county_code = ? AND c.farm_id = ? AND c.season_year = ? AND c.status <> 'draft' AND c.id <> ?`,
		c.CountyCode, c.FarmID, c.SeasonYear, c.ID, c.CountyCode, c.FarmID, c.SeasonYear, c.ID).Scan(&seen).Error; err != nil {
		return err
	}
	inCrop, inSeason := map[string]bool{}, map[string]bool{}
	for _, s := range seen {
		inSeason[s.OpType] = true
		if s.Crop == c.Crop {
			inCrop[s.OpType] = true
		}
	}
	ops := postgres.TextArray{""}
	for _, l := range c.Lines {
		ops = append(ops, l.OpType)
	}
	slices.Sort(ops)
	household, county := kind == "household", c.CountyCode+"000000"
	n := len(ops)
	farms, households, firstFarms, firstHouseholds := make(postgres.Int64Array, n), make(postgres.Int64Array, n), make(postgres.Int64Array, n), make(postgres.Int64Array, n)
	income := make(postgres.TextArray, n)
	fee := c.AreaMu.Decimal().Mul(c.FeePerMu.Decimal())
	for i, op := range ops {
		farms[i], firstFarms[i] = one(!inCrop[op]), one(!inSeason[op])
		households[i], firstHouseholds[i] = one(!inCrop[op] && household), one(!inSeason[op] && household)
		income[i] = "0"
		if op == "" {
			income[i] = fee.String()
		}
	}
	if err := tx.Exec(`INSERT INTO stats_rollup AS r (county_code, season_year, collective_id, crop, op_type, region_code,
			contracts, farms, households, first_farms, first_households, contracted_area_mu, collective_income)
		SELECT ?, ?, l.collective_id, k.crop, v.op_type, l.region_code, 1,
		       CASE WHEN k.crop = '' THEN v.first_farms ELSE v.farms END,
		       CASE WHEN k.crop = '' THEN v.first_households ELSE v.households END,
		       v.first_farms, v.first_households, ?::numeric, v.income
		FROM unnest(?::text[], ?::int[], ?::int[], ?::int[], ?::int[], ?::numeric[])
		  AS v (op_type, farms, households, first_farms, first_households, income),
		  (VALUES (0::bigint, ?::text), (?::bigint, ?::text)) AS l (collective_id, region_code),
		  (VALUES (''), (?::text)) AS k (crop)
		ORDER BY l.collective_id, k.crop, v.op_type
		ON CONFLICT (county_code, season_year, collective_id, crop, op_type) DO UPDATE SET
			contracts = r.contracts + 1, farms = r.farms + excluded.farms, households = r.households + excluded.households,
			first_farms = r.first_farms + excluded.first_farms, first_households = r.first_households + excluded.first_households,
			contracted_area_mu = r.contracted_area_mu + excluded.contracted_area_mu,
			collective_income = r.collective_income + excluded.collective_income`,
		c.CountyCode, c.SeasonYear, c.AreaMu.String(), ops, farms, households, firstFarms, firstHouseholds, income,
		county, c.CollectiveID, c.RegionCode, c.Crop).Error; err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO stats_providers (county_code, season_year, collective_id, crop, op_type, provider_id, region_code)
		SELECT ?, ?, l.collective_id, k.crop, v.op_type, ?, l.region_code
		FROM unnest(?::text[]) AS v (op_type), (VALUES (0::bigint, ?::text), (?::bigint, ?::text)) AS l (collective_id, region_code),
		  (VALUES (''), (?::text)) AS k (crop)
		ORDER BY l.collective_id, k.crop, v.op_type ON CONFLICT DO NOTHING`,
		c.CountyCode, c.SeasonYear, c.ProviderID, ops, county, c.CollectiveID, c.RegionCode, c.Crop).Error
}

// createCaps creates one delivery cap per parcel and service line: the contracted area times the passes.
func createCaps(tx *gorm.DB, c Contract) error {
	type capRow struct {
		CountyCode string
		ContractID int64
		ParcelID   int64
		OpType     string
		CapAreaMu  string
	}
	var rows []capRow
	for _, pc := range c.Parcels {
		for _, l := range c.Lines {
			rows = append(rows, capRow{c.CountyCode, c.ID, pc.ID, l.OpType,
				pc.AreaMu.Decimal().Mul(decimal.NewFromInt(int64(l.Passes))).StringFixed(2)})
		}
	}
	return tx.Table("delivery_caps").Create(&rows).Error
}

func one(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
