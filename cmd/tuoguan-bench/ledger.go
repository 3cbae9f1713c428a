package main

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/tuoguan/tuoguan/internal/sheet"
)

// ledger is how the operations of the season with the most of them spread over its counties and days: what
// the ledger exports select, and how many rows each should have.
type ledger struct {
	season   int
	counties []countyOps // by code
	days     []dayOps    // in order
	total    int64
}

// countyOps is a county's operations in the ledger's season.
type countyOps struct {
	code string // six digits
	ops  int64
}

// dayOps is the operations of one day of the ledger's season.
type dayOps struct {
	day time.Time
	ops int64
}

// millionRows is the size of the large ledger export when the season holds more operations than an Excel
// sheet: its days from the first on, up to the one that brings the count closest to a million.
const millionRows = 1_000_000

// readLedger reads the operations per season, county and day in one pass, the season as the API filters on
// it (the contract's), and keeps the season with the most operations; it fails when there are none.
func readLedger(ctx context.Context, db *sql.DB) (ledger, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.season_year, o.county_code, o.op_date, count(*) FROM operations o
		JOIN contracts c ON c.county_code = o.county_code AND c.id = o.contract_id
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
	if err != nil {
		return ledger{}, err
	}
	defer rows.Close()
	seasons := map[int]*ledger{}
	byDay := map[int]map[time.Time]int64{}
	for rows.Next() {
		var season int
		var county string
		var day time.Time
		var n int64
		if err := rows.Scan(&season, &county, &day, &n); err != nil {
			return ledger{}, err
		}
		lg := seasons[season]
		if lg == nil {
			lg = &ledger{season: season}
			seasons[season], byDay[season] = lg, map[time.Time]int64{}
		}
		if k := len(lg.counties); k == 0 || lg.counties[k-1].code != county {
			lg.counties = append(lg.counties, countyOps{code: county})
		}
		lg.counties[len(lg.counties)-1].ops += n
		lg.total += n
		byDay[season][day] += n
	}
	if err := rows.Err(); err != nil {
		return ledger{}, err
	}
	var best *ledger
	for _, lg := range seasons {
		if best == nil || lg.total > best.total || (lg.total == best.total && lg.season < best.season) {
			best = lg
		}
	}
	if best == nil {
		return ledger{}, errors.New("the database holds no operations")
	}
	for day, n := range byDay[best.season] {
		best.days = append(best.days, dayOps{day, n})
	}
	slices.SortFunc(best.days, func(a, b dayOps) int { return a.day.Compare(b.day) })
	return *best, nil
}

// selections are the ledger exports to measure: the first county's season, and the whole season when it
// fits on one Excel sheet, else the season's first days that come closest to a million operations on one.
func (lg ledger) selections() []ledgerSelection {
	year := strconv.Itoa(lg.season)
	small := lg.counties[0]
	sels := []ledgerSelection{{label: "county " + small.code + ", season " + year,
		query: "season_year=" + year + "&region_code=" + small.code + "000000", want: small.ops}}
	if lg.total <= sheet.MaxRows-1 {
		return append(sels, ledgerSelection{label: "season " + year, query: "season_year=" + year, want: lg.total})
	}
	var sum, best int64
	var to time.Time
	for _, d := range lg.days {
		if sum += d.ops; sum > sheet.MaxRows-1 {
			break
		}
		if abs(sum-millionRows) < abs(best-millionRows) {
			best, to = sum, d.day
		}
	}
	day := to.Format(time.DateOnly)
	return append(sels, ledgerSelection{label: "season " + year + " to " + day[5:], query: "season_year=" + year + "&to=" + day, want: best})
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
