package ident

import (
	"fmt"
	"strings"
	"time"
)

func idError(format string, args ...any) *Error {
	return &Error{Subject: SubjectIDNumber, Reason: fmt.Sprintf(format, args...)}
}

const idLen = 18

// idWeights are 2^(17-i) mod 11 for positions 1..17 (ISO 7064 MOD 11-2).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// earliestBirth is the earliest accepted birth date; anything before it is
// treated as a typing error rather than a living person.
var earliestBirth = civilDate{1900, 1, 1}

// civilDate is a calendar date without time of day or time zone, so that
// comparisons with "today" do not depend on the hour or the location.
type civilDate struct {
	year, month, day int
}

func (d civilDate) before(o civilDate) bool {
	if d.year != o.year {
		return d.year < o.year
	}
	if d.month != o.month {
		return d.month < o.month
	}
	return d.day < o.day
}

func isLeap(y int) bool {
	return y%4 == 0 && (y%100 != 0 || y%400 == 0)
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// digitsValue converts a string of ASCII digits (already checked) to an int.
func digitsValue(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// idSum checks that s consists of 17 digits and returns their weighted sum.
func idSum(s string) (int, *Error) {
	sum := 0
	for i := 0; i < len(idWeights); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, idError("character %d must be a digit", i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	return sum, nil
}

// ValidIDNumber reports whether s is a well-formed 18-character resident
// identity number: 17 digits followed by a check character (a digit or an
// upper-case X), a region code (positions 1 to 6) starting with a digit from
// 1 to 8, a birth date (positions 7 to 14, YYYYMMDD) that is a real calendar
// date between 1900-01-01 and today inclusive, and a check character that
// matches ISO 7064 MOD 11-2. A lower-case x is refused; pass the input
// through NormalizeIDNumber first to accept it. The 15-digit numbers issued
// before 1999 are refused. today is compared by its calendar date in its own
// location. It returns nil or an *Error.
func ValidIDNumber(s string, today time.Time) error {
	if len(s) != idLen {
		return idError("must be exactly %d characters long", idLen)
	}
	sum, err := idSum(s)
	if err != nil {
		return err
	}
	switch check := s[idLen-1]; {
	case check == 'x':
		return idError("check character must be an upper-case X")
	case check != 'X' && (check < '0' || check > '9'):
		return idError("check character must be a digit or X")
	}
	if s[0] < '1' || s[0] > '8' {
		return idError("region code (characters 1 to 6) must start with a digit from 1 to 8")
	}

	birth := civilDate{digitsValue(s[6:10]), digitsValue(s[10:12]), digitsValue(s[12:14])}
	if birth.month < 1 || birth.month > 12 || birth.day < 1 || birth.day > daysIn(birth.year, birth.month) {
		return idError("birth date is not a valid date")
	}
	if birth.before(earliestBirth) {
		return idError("birth date is before 1900-01-01")
	}
	ty, tm, td := today.Date()
	if (civilDate{ty, int(tm), td}).before(birth) {
		return idError("birth date is in the future")
	}

	if s[idLen-1] != idCheckChars[sum%11] {
		return idError("check character does not match")
	}
	return nil
}

// IDCheckChar returns the ISO 7064 MOD 11-2 check character ('0'-'9' or 'X')
// for the first 17 characters of an identity number. first17 must be 17
// digits; the region code and birth date are not examined.
func IDCheckChar(first17 string) (byte, error) {
	if len(first17) != idLen-1 {
		return 0, idError("must have exactly %d digits before the check character", idLen-1)
	}
	sum, err := idSum(first17)
	if err != nil {
		return 0, err
	}
	return idCheckChars[sum%11], nil
}

// NormalizeIDNumber trims surrounding white space and upper-cases s, so that
// a check character typed as a lower-case x is accepted by ValidIDNumber.
// Digits are unaffected.
func NormalizeIDNumber(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}
