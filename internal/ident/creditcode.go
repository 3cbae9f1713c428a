// Package ident validates Chinese identifiers: the unified social credit code
// of organisations (GB 32100-2015) and the resident identity number of
// natural persons (GB 11643-1999).
//
// Validators are strict about form and leave normalisation to the caller:
// NormalizeCreditCode and NormalizeIDNumber trim surrounding white space and
// upper-case their input. Errors never contain the identifier itself, because
// identity numbers are personal data and errors end up in logs.
package ident

import (
	"fmt"
	"strings"
)

// Subjects used in Error.Subject.
const (
	SubjectCreditCode = "unified social credit code"
	SubjectIDNumber   = "resident identity number"
)

// Error reports why an identifier was refused.
type Error struct {
	// Subject names the kind of identifier, SubjectCreditCode or
	// SubjectIDNumber.
	Subject string
	// Reason is a human-readable explanation such as
	// "check character does not match". Callers may prefix it with a field
	// name.
	Reason string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Subject + ": " + e.Reason }

func creditError(format string, args ...any) *Error {
	return &Error{Subject: SubjectCreditCode, Reason: fmt.Sprintf(format, args...)}
}

// creditAlphabet lists the 31 characters a credit code may contain, in the
// order of their numeric values 0..30. The letters I, O, S, V and Z are left
// out to avoid confusion with digits and with each other.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are 3^(i) mod 31 for positions 1..17.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

const (
	creditLen = 18
	// The administrative division code occupies positions 3 to 8.
	creditDivisionStart = 2
	creditDivisionEnd   = 8
)

// creditValue returns the numeric value of c in the credit code alphabet, or
// -1 if c does not belong to it.
func creditValue(c byte) int {
	return strings.IndexByte(creditAlphabet, c)
}

// checkCreditChars verifies that every byte of s belongs to the alphabet and
// that positions 3 to 8 are digits. It returns the weighted sum of the
// characters (at most 17 are weighted).
func checkCreditChars(s string) (int, *Error) {
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		v := creditValue(c)
		if v < 0 {
			if 'a' <= c && c <= 'z' {
				return 0, creditError("character %d must be an upper-case letter", i+1)
			}
			if 'A' <= c && c <= 'Z' {
				return 0, creditError("character %d is not allowed (the letters I, O, S, V and Z are never used)", i+1)
			}
			return 0, creditError("character %d must be a digit or an upper-case letter", i+1)
		}
		if i >= creditDivisionStart && i < creditDivisionEnd && v > 9 {
			return 0, creditError("characters 3 to 8 (administrative division code) must be digits")
		}
		if i < len(creditWeights) {
			sum += v * creditWeights[i]
		}
	}
	return sum, nil
}

func creditCheck(sum int) byte {
	return creditAlphabet[(31-sum%31)%31]
}

// ValidCreditCode reports whether s is a well-formed unified social credit
// code: 18 characters from the alphabet 0-9 and A-Y without I, O, S, V and Z,
// upper-case only, with digits in positions 3 to 8 (administrative division
// code) and a matching check character in position 18. The registration
// authority code (position 1), the type code (position 2) and the
// organisation code (positions 9 to 17) are checked against the alphabet
// only, since their tables are amended from time to time. It returns nil or an
// *Error.
func ValidCreditCode(s string) error {
	if len(s) != creditLen {
		return creditError("must be exactly %d characters long", creditLen)
	}
	sum, err := checkCreditChars(s)
	if err != nil {
		return err
	}
	if s[creditLen-1] != creditCheck(sum) {
		return creditError("check character does not match")
	}
	return nil
}

// CreditCodeCheckChar returns the check character for the first 17
// characters of a credit code. first17 must consist of characters from the
// credit code alphabet with digits in positions 3 to 8.
func CreditCodeCheckChar(first17 string) (byte, error) {
	if len(first17) != creditLen-1 {
		return 0, creditError("must have exactly %d characters before the check character", creditLen-1)
	}
	sum, err := checkCreditChars(first17)
	if err != nil {
		return 0, err
	}
	return creditCheck(sum), nil
}

// NormalizeCreditCode trims surrounding white space and upper-cases s, so
// that codes typed in lower case can be validated with ValidCreditCode.
func NormalizeCreditCode(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}
