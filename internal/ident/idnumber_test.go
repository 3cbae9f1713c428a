package ident

import (
	"errors"
	"testing"
	"time"
)

// testToday is the fixed "today" used by these tests.
var testToday = time.Date(2025, time.June, 15, 12, 0, 0, 0, time.UTC)

// idNumberHolds verifies a complete number by the ISO 7064 MOD 11-2
// property, independently of the package's tables: with weights 2^(18-i)
// mod 11 for positions i = 1..18 and X standing for 10, the weighted sum is
// congruent to 1 mod 11.
func idNumberHolds(s string) bool {
	sum := 0
	for i := 0; i < 18; i++ {
		v := int(s[i] - '0')
		if s[i] == 'X' {
			v = 10
		}
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		sum += v * w
	}
	return sum%11 == 1
}

// buildID completes first17 with its check character.
func buildID(t *testing.T, first17 string) string {
	t.Helper()
	c, err := IDCheckChar(first17)
	if err != nil {
		t.Fatalf("IDCheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

// allValidIDs returns the GB 11643-1999 example and synthetic numbers that
// cover leap days, the date limits and every kind of check character.
func allValidIDs(t *testing.T) []string {
	ids := []string{"11010519491231002X"}
	for _, first17 := range []string{
		"11010520000229001", // 2000 is a leap year
		"44030019960229123",
		"31011519000101000", // earliest accepted date
		"81000020250615000", // born today
		"65010219991231999",
		"23010419800601777",
	} {
		ids = append(ids, buildID(t, first17))
	}
	// Make sure every check character, including X and 0, is exercised.
	seen := map[byte]bool{}
	for _, id := range ids {
		seen[id[17]] = true
	}
	for n := 0; len(seen) < 11; n++ {
		if n == 1000 {
			t.Fatal("not every check character was produced")
		}
		first17 := "32010219850701" + string([]byte{
			byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
		id := buildID(t, first17)
		if !seen[id[17]] {
			seen[id[17]] = true
			ids = append(ids, id)
		}
	}
	return ids
}

func TestValidIDNumber(t *testing.T) {
	for _, s := range allValidIDs(t) {
		if !idNumberHolds(s) {
			t.Errorf("%s does not satisfy ISO 7064 MOD 11-2", s)
		}
		if err := ValidIDNumber(s, testToday); err != nil {
			t.Errorf("ValidIDNumber(%s): %v", s, err)
		}
	}
}

func TestIDNumberEverySubstitutionRefused(t *testing.T) {
	for _, s := range allValidIDs(t) {
		for pos := 0; pos < len(s); pos++ {
			for b := 0; b < 256; b++ {
				if byte(b) == s[pos] {
					continue
				}
				mutated := s[:pos] + string([]byte{byte(b)}) + s[pos+1:]
				err := ValidIDNumber(mutated, testToday)
				if err == nil {
					t.Fatalf("%s (position %d of %s changed) was accepted", mutated, pos+1, s)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v is not an *ident.Error", err)
				}
			}
		}
	}
}

func TestIDNumberAdjacentTranspositionsRefused(t *testing.T) {
	for _, s := range allValidIDs(t) {
		for pos := 0; pos+1 < len(s); pos++ {
			if s[pos] == s[pos+1] {
				continue
			}
			b := []byte(s)
			b[pos], b[pos+1] = b[pos+1], b[pos]
			if err := ValidIDNumber(string(b), testToday); err == nil {
				t.Errorf("%s (positions %d and %d of %s swapped) was accepted", b, pos+1, pos+2, s)
			}
		}
	}
}

func TestIDNumberRefusals(t *testing.T) {
	const (
		badDate = "birth date is not a valid date"
		future  = "birth date is in the future"
		early   = "birth date is before 1900-01-01"
		length  = "must be exactly 18 characters long"
	)
	cases := []struct{ name, in, reason string }{
		{"empty", "", length},
		{"15-digit legacy", "110105491231002", length},
		{"17 chars", "11010519491231002", length},
		{"19 chars", "11010519491231002X0", length},
		{"letter in body", "1101051949123100AX", "character 17 must be a digit"},
		{"space", " 1010519491231002X", "character 1 must be a digit"},
		{"lower-case x", "11010519491231002x", "check character must be an upper-case X"},
		{"bad check letter", "11010519491231002A", "check character must be a digit or X"},
		{"wrong check", "110105194912310021", "check character does not match"},
		{"region 0", buildID(t, "01010519491231002"), "region code (characters 1 to 6) must start with a digit from 1 to 8"},
		{"region 9", buildID(t, "91010519491231002"), "region code (characters 1 to 6) must start with a digit from 1 to 8"},
		{"Feb 29 non-leap", buildID(t, "11010520230229002"), badDate},
		{"Feb 29 1900", buildID(t, "11010519000229002"), badDate},
		{"Feb 30 leap", buildID(t, "11010520000230002"), badDate},
		{"Apr 31", buildID(t, "11010520010431002"), badDate},
		{"month 13", buildID(t, "11010519491331002"), badDate},
		{"month 00", buildID(t, "11010519490031002"), badDate},
		{"day 00", buildID(t, "11010519491200002"), badDate},
		{"day 32", buildID(t, "11010519490132002"), badDate},
		{"tomorrow", buildID(t, "11010520250616002"), future},
		{"next year", buildID(t, "11010520260101002"), future},
		{"year 9999", buildID(t, "11010599991231002"), future},
		{"1899", buildID(t, "11010518991231002"), early},
		{"old example with valid check", "440524188001010014", early},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantIdentError(t, ValidIDNumber(tc.in, testToday), SubjectIDNumber, tc.reason)
		})
	}
}

// TestIDNumberTodayLocation checks that "today" is taken as the calendar date
// in the location of the given time, not in UTC.
func TestIDNumberTodayLocation(t *testing.T) {
	beijing := time.FixedZone("UTC+8", 8*60*60)
	id := buildID(t, "11010520250615002")
	today := time.Date(2025, time.June, 15, 0, 30, 0, 0, beijing) // still June 14 in UTC
	if err := ValidIDNumber(id, today); err != nil {
		t.Fatalf("born today in Beijing: %v", err)
	}
	if err := ValidIDNumber(id, today.UTC()); err == nil {
		t.Fatal("born tomorrow relative to UTC must be refused")
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	got := NormalizeIDNumber(" 11010519491231002x\t")
	if got != "11010519491231002X" {
		t.Fatalf("NormalizeIDNumber = %q", got)
	}
	if err := ValidIDNumber(got, testToday); err != nil {
		t.Fatal(err)
	}
	if NormalizeIDNumber("110105194912310021") != "110105194912310021" {
		t.Fatal("NormalizeIDNumber must leave digits unchanged")
	}
}

func TestIDCheckChar(t *testing.T) {
	c, err := IDCheckChar("11010519491231002")
	if err != nil || c != 'X' {
		t.Fatalf("IDCheckChar(GB 11643 example) = %q, %v", c, err)
	}
	cases := []struct{ in, reason string }{
		{"", "must have exactly 17 digits before the check character"},
		{"11010519491231002X", "must have exactly 17 digits before the check character"},
		{"1101051949123100X", "character 17 must be a digit"},
	}
	for _, tc := range cases {
		_, err := IDCheckChar(tc.in)
		wantIdentError(t, err, SubjectIDNumber, tc.reason)
	}
	err = ValidIDNumber("110105194912310021", testToday)
	if got, want := err.Error(), "resident identity number: check character does not match"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
