package parcel

import (
	"context"
	"sort"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/num"
)

// Hold is the area of a parcel that one active contract sells for one operation type over its dates.
type Hold struct {
	ParcelID  int64
	OpType    string
	StartDate time.Time
	EndDate   time.Time
	AreaMu    decimal.Decimal
}

// Holds returns the holds of active contracts on parcels whose dates overlap [start, end]; tx is the caller's
// transaction, which should hold the parcels' row locks (LockForHold) so the answer stays true until it
// commits.
func Holds(ctx context.Context, tx *gorm.DB, county string, parcels []int64, start, end time.Time) ([]Hold, error) {
	var rows []struct {
		ParcelID           int64
		OpType             string
		StartDate, EndDate time.Time
		AreaMu             decimal.Decimal
	}
	err := tx.WithContext(ctx).Raw(`
		SELECT cp.parcel_id, cs.op_type, c.start_date, c.end_date, cp.area_mu
		FROM contract_parcels cp
		JOIN contracts c ON c.county_code = cp.county_code AND c.id = cp.contract_id
		JOIN contract_services cs ON cs.county_code = c.county_code AND cs.contract_id = c.id
		WHERE cp.county_code = ? AND cp.parcel_id IN ? AND c.status = 'active'
		  AND c.start_date <= ? AND ? <= c.end_date`, county, parcels, end, start).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	holds := make([]Hold, len(rows))
	for i, r := range rows {
		holds[i] = Hold{ParcelID: r.ParcelID, OpType: r.OpType, StartDate: r.StartDate, EndDate: r.EndDate, AreaMu: r.AreaMu}
	}
	return holds, nil
}

// Peak returns the largest area that holds sell at once on any day of [start, end] (inclusive dates): two
// contracts count together only on the days both run, so a spring and an autumn contract may each sell the
// whole parcel.
func Peak(holds []Hold, start, end time.Time) decimal.Decimal {
	type event struct {
		day   time.Time
		delta decimal.Decimal
	}
	var events []event
	for _, h := range holds {
		from, to := maxTime(h.StartDate, start), minTime(h.EndDate, end)
		if from.After(to) {
			continue
		}
		events = append(events, event{from, h.AreaMu}, event{to.AddDate(0, 0, 1), h.AreaMu.Neg()})
	}
	// On one day, a contract that ended the day before leaves before another one starts.
	sort.Slice(events, func(i, j int) bool {
		if !events[i].day.Equal(events[j].day) {
			return events[i].day.Before(events[j].day)
		}
		return events[i].delta.LessThan(events[j].delta)
	})
	load, peak := decimal.Zero, decimal.Zero
	for _, e := range events {
		load = load.Add(e.delta)
		if load.GreaterThan(peak) {
			peak = load
		}
	}
	return peak
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
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

// checkHeld refuses an area below what active contracts sell of the parcel at once, on any day and for any
// operation type.
func checkHeld(ctx context.Context, tx *gorm.DB, pc Parcel, area num.Dec2) error {
	always := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	holds, err := Holds(ctx, tx, pc.CountyCode, []int64{pc.ID}, always, always.AddDate(9998, 0, 0))
	if err != nil {
		return err
	}
	byOp := map[string][]Hold{}
	for _, h := range holds {
		byOp[h.OpType] = append(byOp[h.OpType], h)
	}
	for op, hs := range byOp {
		if peak := Peak(hs, always, always.AddDate(9998, 0, 0)); area.Decimal().LessThan(peak) {
			return fault.Invalidf("area_mu", "active contracts sell %s mu of this parcel at once for %s; the area cannot be smaller",
				peak.StringFixed(2), op)
		}
	}
	return nil
}
