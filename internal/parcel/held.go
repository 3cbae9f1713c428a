package parcel

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
)

// Hold is the area of a parcel that active contracts sell for one operation type.
type Hold struct {
	ParcelID int64
	OpType   string
	AreaMu   decimal.Decimal
}

// Held returns, for each of parcels and each operation type, the area held by active contracts whose dates
// overlap [start, end]; tx is the caller's transaction, which should hold the parcels' row locks (LockForHold)
// so the answer stays true until it commits.
func Held(ctx context.Context, tx *gorm.DB, county string, parcels []int64, start, end time.Time) ([]Hold, error) {
	var rows []struct {
		ParcelID int64
		OpType   string
		AreaMu   string
	}
	err := tx.WithContext(ctx).Raw(`
		SELECT cp.parcel_id, cs.op_type, sum(cp.area_mu)::text AS area_mu
		FROM contract_parcels cp
		JOIN contracts c ON c.county_code = cp.county_code AND c.id = cp.contract_id
		JOIN contract_services cs ON cs.county_code = c.county_code AND cs.contract_id = c.id
		WHERE cp.county_code = ? AND cp.parcel_id IN ? AND c.status = 'active'
		  AND c.start_date <= ? AND ? <= c.end_date
		GROUP BY cp.parcel_id, cs.op_type`, county, parcels, end, start).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	holds := make([]Hold, len(rows))
	for i, r := range rows {
		a, err := decimal.NewFromString(r.AreaMu)
		if err != nil {
			return nil, err
		}
		holds[i] = Hold{ParcelID: r.ParcelID, OpType: r.OpType, AreaMu: a}
	}
	return holds, nil
}

// LockForHold locks parcels against changes of their area and against concurrent activations, always in id
// order so that two lockers never deadlock, and returns them by id.
func LockForHold(ctx context.Context, tx *gorm.DB, county string, ids []int64) (map[int64]Parcel, error) {
	var ps []Parcel
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
		Where("county_code = ? AND id IN ?", county, ids).Order("id").Find(&ps).Error
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Parcel, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	return byID, nil
}

// checkHeld refuses an area below what active contracts hold on the parcel at any time: for each active
// contract's dates, the area held by the contracts overlapping them.
func checkHeld(ctx context.Context, tx *gorm.DB, pc Parcel, area num.Dec2) error {
	var ranges []struct{ StartDate, EndDate time.Time }
	err := tx.WithContext(ctx).Raw(`
		SELECT c.start_date, c.end_date FROM contract_parcels cp
		JOIN contracts c ON c.county_code = cp.county_code AND c.id = cp.contract_id
		WHERE cp.county_code = ? AND cp.parcel_id = ? AND c.status = 'active'`, pc.CountyCode, pc.ID).Scan(&ranges).Error
	if err != nil {
		return err
	}
	for _, r := range ranges {
		holds, err := Held(ctx, tx, pc.CountyCode, []int64{pc.ID}, r.StartDate, r.EndDate)
		if err != nil {
			return err
		}
		for _, h := range holds {
			if area.Decimal().LessThan(h.AreaMu) {
				return fault.Invalidf("area_mu", "active contracts hold %s mu of this parcel for %s; the area cannot be smaller",
					h.AreaMu.StringFixed(2), h.OpType)
			}
		}
	}
	return nil
}
