package scope

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tuoguan/tuoguan/internal/fault"
)

func TestLevelParentPrefix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code, level, parent, prefix string
	}{
		{"610000000000", Province, "", "61"},
		{"610600000000", City, "610000000000", "6106"},
		{"610631000000", County, "610600000000", "610631"},
		{"610631100000", Township, "610631000000", "610631100"},
		{"610631100201", Village, "610631100000", "610631100201"},
		{"610631205001", Village, "610631205000", "610631205001"},
	}
	for _, c := range cases {
		level, err := Level(c.code)
		if err != nil || level != c.level {
			t.Errorf("Level(%s) = %q, %v; want %q", c.code, level, err, c.level)
		}
		parent, ok := Parent(c.code)
		if parent != c.parent || ok != (c.parent != "") {
			t.Errorf("Parent(%s) = %q, %v; want %q", c.code, parent, ok, c.parent)
		}
		if got := Prefix(c.code); got != c.prefix {
			t.Errorf("Prefix(%s) = %q; want %q", c.code, got, c.prefix)
		}
	}
	for _, bad := range []string{"", "61063110020", "6106311002011", "61063110020a", "000000000000", "61063110020 ", "６10631100201"} {
		if _, err := Level(bad); err == nil {
			t.Errorf("Level(%q) accepted", bad)
		}
	}
}

func TestPrincipalSees(t *testing.T) {
	t.Parallel()
	bureau := Principal{Role: Bureau, RegionCode: "610631000000"}
	if !bureau.Sees("610631100201") || !bureau.Sees("610631000000") {
		t.Error("county bureau does not see its own villages")
	}
	if bureau.Sees("610632100201") || bureau.Sees("610600000000") {
		t.Error("county bureau sees outside its county")
	}
	if !(Principal{Role: Admin}).Sees("110000000000") {
		t.Error("admin does not see everything")
	}
}

func TestWithinNarrowsOnTheCounty(t *testing.T) {
	t.Parallel()
	cases := []struct {
		table, prefix, cond string
		args                []any
	}{
		{"farms", "610631", "farms.county_code = ?", []any{"610631"}},
		{"farms", "610631100", "farms.county_code = ? AND farms.region_code LIKE ?", []any{"610631", "610631100%"}},
		{"", "6106", "county_code LIKE ? AND region_code LIKE ?", []any{"6106%", "6106%"}},
	}
	for _, c := range cases {
		cond, args := Within(c.table, c.prefix)
		if cond != c.cond || fmt.Sprint(args) != fmt.Sprint(c.args) {
			t.Errorf("Within(%q, %q) = %q %v; want %q %v", c.table, c.prefix, cond, args, c.cond, c.args)
		}
	}
}

func TestInsideTenant(t *testing.T) {
	t.Parallel()
	cond, args, err := InsideTenant("region_code", "contracts", "610631100000")
	if err != nil || cond != "contracts.county_code = ? AND contracts.region_code LIKE ?" || fmt.Sprint(args) != "[610631 610631100%]" {
		t.Errorf("InsideTenant of a township = %q %v %v", cond, args, err)
	}
	for _, code := range []string{"6106311%", "61063110000", "610631100000x"} {
		_, _, err := InsideTenant("region_code", "contracts", code)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.Malformed || len(fe.Fields) != 1 || fe.Fields[0].Field != "region_code" {
			t.Errorf("InsideTenant(%q): %v, want Malformed on region_code", code, err)
		}
	}
}

func TestWithinByTownshipIsAnEqualityForATownship(t *testing.T) {
	t.Parallel()
	cases := []struct {
		table, prefix, cond string
		args                []any
	}{
		{"farms", "610631100", "farms.county_code = ? AND farms.township_code = ?", []any{"610631", "610631100000"}},
		{"", "610631101", "county_code = ? AND township_code = ?", []any{"610631", "610631101000"}},
		// Every other level is Within's condition.
		{"parcels", "610631", "parcels.county_code = ?", []any{"610631"}},
		{"contracts", "610631100201", "contracts.county_code = ? AND contracts.region_code LIKE ?", []any{"610631", "610631100201%"}},
		{"farms", "6106", "farms.county_code LIKE ? AND farms.region_code LIKE ?", []any{"6106%", "6106%"}},
	}
	for _, c := range cases {
		cond, args := WithinByTownship(c.table, c.prefix)
		if cond != c.cond || fmt.Sprint(args) != fmt.Sprint(c.args) {
			t.Errorf("WithinByTownship(%q, %q) = %q %v; want %q %v", c.table, c.prefix, cond, args, c.cond, c.args)
		}
	}
	cond, args, err := InsideByTownship("region_code", "contracts", "610631100000")
	if err != nil || cond != "contracts.county_code = ? AND contracts.township_code = ?" || fmt.Sprint(args) != "[610631 610631100000]" {
		t.Errorf("InsideByTownship of a township = %q %v %v", cond, args, err)
	}
	for _, code := range []string{"610631100%", "610631100", "61063110000x", "610631100000 "} {
		_, _, err := InsideByTownship("region_code", "farms", code)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.Malformed || len(fe.Fields) != 1 || fe.Fields[0].Field != "region_code" {
			t.Errorf("InsideByTownship(%q): %v, want Malformed on region_code", code, err)
		}
	}
}

func TestOfCollectiveNamesItsCounty(t *testing.T) {
	t.Parallel()
	p := Principal{Role: Collective, RegionCode: "610631100201", CollectiveID: 7}
	for _, c := range []struct{ table, column, cond string }{
		{"farms", "collective_id", "farms.county_code = ? AND farms.collective_id = ?"},
		{"", "id", "county_code = ? AND id = ?"},
	} {
		cond, args := OfCollective(c.table, c.column, p)
		if cond != c.cond || fmt.Sprint(args) != "[610631 7]" {
			t.Errorf("OfCollective(%q, %q) = %q %v; want %q [610631 7]", c.table, c.column, cond, args, c.cond)
		}
	}
}
