package scope

import (
	"errors"
	"strings"

	"github.com/tuoguan/tuoguan/internal/fault"
)

// Region levels, from the 12-digit statistical division code (统计用区划代码).
const (
	Province = "province"
	City     = "city"
	County   = "county"
	Township = "township"
	Village  = "village"
)

// significant is the number of leading digits that identify a region at each level.
var significant = map[string]int{Province: 2, City: 4, County: 6, Township: 9, Village: 12}

// ErrCode is returned for a string that is not a 12-digit division code of a known level.
var ErrCode = errors.New("must be a 12-digit statistical division code")

// Level returns the level that a 12-digit code names: the fewest significant digits followed only by zeros.
func Level(code string) (string, error) {
	if len(code) != 12 || strings.Trim(code, "0123456789") != "" || code[:2] == "00" {
		return "", ErrCode
	}
	switch {
	case code[2:] == "0000000000":
		return Province, nil
	case code[4:] == "00000000":
		return City, nil
	case code[6:] == "000000":
		return County, nil
	case code[9:] == "000":
		return Township, nil
	}
	return Village, nil
}

// Prefix returns the significant digits of a valid code: every code inside the region starts with them.
// For an invalid code it returns the code itself, which matches nothing else.
func Prefix(code string) string {
	level, err := Level(code)
	if err != nil {
		return code
	}
	return code[:significant[level]]
}

// Parent returns the code of the region directly above code, and false for a province or an invalid code.
// A county directly under a province (a province-administered county) is not inferred: its parent is the
// city its code names.
func Parent(code string) (string, bool) {
	level, err := Level(code)
	if err != nil || level == Province {
		return "", false
	}
	up := map[string]string{City: Province, County: City, Township: County, Village: Township}[level]
	n := significant[up]
	return code[:n] + strings.Repeat("0", 12-n), true
}

// CountyCode returns the six digits of the county a code lies in, the key that tenant tables are
// distributed by. For a province or a city it is that region's own six leading digits.
func CountyCode(code string) string {
	if len(code) < 6 {
		return code
	}
	return code[:6]
}

// Inside returns the SQL condition "column lies inside region code" and its argument, for list filters named
// field: a code that is not a 12-digit division code is Malformed on field, never a pattern.
func Inside(field, column, code string) (string, string, error) {
	if err := checkFilter(field, code); err != nil {
		return "", "", err
	}
	return column + " LIKE ?", Prefix(code) + "%", nil
}

// InsideTenant is Inside for a tenant table's list filter: Within's condition over table, which narrows on
// county_code as well as the region, the columns the tables' ledger indexes lead with.
func InsideTenant(field, table, code string) (string, []any, error) {
	if err := checkFilter(field, code); err != nil {
		return "", nil, err
	}
	cond, args := Within(table, Prefix(code))
	return cond, args, nil
}

// InsideByTownship is InsideTenant for the tables that carry township_code (farms, parcels and contracts,
// migration 0012): WithinByTownship's condition over table.
func InsideByTownship(field, table, code string) (string, []any, error) {
	if err := checkFilter(field, code); err != nil {
		return "", nil, err
	}
	cond, args := WithinByTownship(table, Prefix(code))
	return cond, args, nil
}

// checkFilter refuses, as Malformed on field, a code that is not a 12-digit division code.
func checkFilter(field, code string) error {
	if _, err := Level(code); err != nil {
		return fault.Malformedf(field, "%s", err.Error())
	}
	return nil
}

// Within is the SQL condition and arguments "the row of a tenant table lies inside the region with this
// prefix" (table qualifies the columns; "" leaves them bare). It narrows on county_code, the distribution
// column, by equality when the region is a county or smaller — the planner estimates an equality well, where
// two correlated LIKEs make it guess a handful of rows — and by prefix above that.
func Within(table, prefix string) (string, []any) {
	col := func(c string) string {
		if table == "" {
			return c
		}
		return table + "." + c
	}
	switch {
	case len(prefix) == 6:
		return col("county_code") + " = ?", []any{prefix}
	case len(prefix) > 6:
		return col("county_code") + " = ? AND " + col("region_code") + " LIKE ?", []any{prefix[:6], prefix + "%"}
	}
	return col("county_code") + " LIKE ? AND " + col("region_code") + " LIKE ?", []any{prefix + "%", prefix + "%"}
}

// OfCollective is the SQL condition and arguments "the row of a tenant table belongs to the collective of p",
// a collective's account: its county, the key tenant tables are distributed by, and its id in column (table
// qualifies both; "" leaves them bare), so that on Citus the row is looked for on the county's shard only.
func OfCollective(table, column string, p Principal) (string, []any) {
	if table != "" {
		table += "."
	}
	return table + "county_code = ? AND " + table + column + " = ?", []any{CountyCode(p.RegionCode), p.CollectiveID}
}

// WithinByTownship is Within for the tables that carry township_code, the code of the township a row lies in
// (its region's first nine digits and "000"): a township is an equality on that column besides the county, which
// the planner estimates from the column's statistics and the tables' township indexes serve in id order, where
// "region_code LIKE" left it guessing a handful of rows. Every other level is Within's condition.
func WithinByTownship(table, prefix string) (string, []any) {
	if len(prefix) != 9 {
		return Within(table, prefix)
	}
	col := func(c string) string {
		if table == "" {
			return c
		}
		return table + "." + c
	}
	return col("county_code") + " = ? AND " + col("township_code") + " = ?", []any{prefix[:6], prefix + "000"}
}
