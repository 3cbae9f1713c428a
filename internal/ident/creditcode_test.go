package ident

import (
	"errors"
	"strings"
	"testing"
)

// wantIdentError asserts that err is an *Error and, if reason is not empty,
// that it carries that reason.
func wantIdentError(t *testing.T, err error, subject, reason string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *ident.Error", err, err)
	}
	if e.Subject != subject {
		t.Fatalf("subject = %q, want %q", e.Subject, subject)
	}
	if reason != "" && e.Reason != reason {
		t.Fatalf("reason = %q, want %q", e.Reason, reason)
	}
}

// creditCodeHolds verifies a complete code by the defining property of the
// check character, independently of the package's weight table: with weights
// 3^i mod 31 for positions 1..17 and weight 1 for position 18, the weighted
// sum is a multiple of 31.
func creditCodeHolds(s string) bool {
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditAlphabet, s[i]) * w
		w = w * 3 % 31
	}
	sum += strings.IndexByte(creditAlphabet, s[17])
	return sum%31 == 0
}

// validCreditCodes are the GB 32100-2015 example and codes published by
// registered enterprises, each checked with creditCodeHolds below.
var validCreditCodes = []string{
	"91350100M000100Y43",
	"914403001922038216",
	"91330100716105852F",
	"9144030071526726XG",
	"91440300708461136T",
	"91110000802100433B",
	"91110108551385082Q",
}

// buildCreditCode completes first17 with its check character.
func buildCreditCode(t *testing.T, first17 string) string {
	t.Helper()
	c, err := CreditCodeCheckChar(first17)
	if err != nil {
		t.Fatalf("CreditCodeCheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

func allValidCreditCodes(t *testing.T) []string {
	codes := append([]string(nil), validCreditCodes...)
	for _, first17 := range []string{
		"12100000MB0123456",
		"5133010012345678Y",
		"Y1000000ABCDEFGHJ",
		"92440300KLMNPQRTU",
		"A1110000WXY000000",
	} {
		codes = append(codes, buildCreditCode(t, first17))
	}
	// Find a code whose check value is 31 mod 31, i.e. check character '0'.
	for n := 0; ; n++ {
		if n == 31*31*31*31 {
			t.Fatal("no code with check character 0 found")
		}
		first17 := "9111000000000" + string([]byte{
			creditAlphabet[n/31/31/31%31], creditAlphabet[n/31/31%31],
			creditAlphabet[n/31%31], creditAlphabet[n%31]})
		if c, _ := CreditCodeCheckChar(first17); c == '0' {
			codes = append(codes, first17+"0")
			break
		}
	}
	return codes
}

func TestValidCreditCode(t *testing.T) {
	for _, s := range allValidCreditCodes(t) {
		if !creditCodeHolds(s) {
			t.Errorf("%s does not satisfy the check character property", s)
		}
		if err := ValidCreditCode(s); err != nil {
			t.Errorf("ValidCreditCode(%s): %v", s, err)
		}
		c, err := CreditCodeCheckChar(s[:17])
		if err != nil || c != s[17] {
			t.Errorf("CreditCodeCheckChar(%s) = %q, %v", s[:17], c, err)
		}
	}
}

func TestCreditCodeEverySubstitutionRefused(t *testing.T) {
	for _, s := range allValidCreditCodes(t) {
		for pos := 0; pos < len(s); pos++ {
			for b := 0; b < 256; b++ {
				if byte(b) == s[pos] {
					continue
				}
				mutated := s[:pos] + string([]byte{byte(b)}) + s[pos+1:]
				err := ValidCreditCode(mutated)
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

func TestCreditCodeAdjacentTranspositionsRefused(t *testing.T) {
	for _, s := range allValidCreditCodes(t) {
		for pos := 0; pos+1 < len(s); pos++ {
			if s[pos] == s[pos+1] {
				continue
			}
			b := []byte(s)
			b[pos], b[pos+1] = b[pos+1], b[pos]
			if err := ValidCreditCode(string(b)); err == nil {
				t.Errorf("%s (positions %d and %d of %s swapped) was accepted", b, pos+1, pos+2, s)
			}
		}
	}
}

func TestCreditCodeRefusals(t *testing.T) {
	const sample = "91350100M000100Y43"
	cases := []struct{ in, reason string }{
		{"", "must be exactly 18 characters long"},
		{sample[:17], "must be exactly 18 characters long"},
		{sample + "3", "must be exactly 18 characters long"},
		{" " + sample[:17], "character 1 must be a digit or an upper-case letter"},
		{"91350100m000100y43", "character 9 must be an upper-case letter"},
		{"91350100I000100Y43", "character 9 is not allowed (the letters I, O, S, V and Z are never used)"},
		{"91350100O000100Y43", "character 9 is not allowed (the letters I, O, S, V and Z are never used)"},
		{"91350100S000100Y43", "character 9 is not allowed (the letters I, O, S, V and Z are never used)"},
		{"91350100V000100Y43", "character 9 is not allowed (the letters I, O, S, V and Z are never used)"},
		{"91350100Z000100Y43", "character 9 is not allowed (the letters I, O, S, V and Z are never used)"},
		{"91350100M000100Y4-", "character 18 must be a digit or an upper-case letter"},
		{"91A50100M000100Y43", "characters 3 to 8 (administrative division code) must be digits"},
		{"9135010AM000100Y43", "characters 3 to 8 (administrative division code) must be digits"},
		{"91350100M000100Y44", "check character does not match"},
		{"91350100M000100Y4\u00e9"[:18], "character 18 must be a digit or an upper-case letter"},
	}
	for _, tc := range cases {
		wantIdentError(t, ValidCreditCode(tc.in), SubjectCreditCode, tc.reason)
	}

	err := ValidCreditCode("91350100M000100Y44")
	if got, want := err.Error(), "unified social credit code: check character does not match"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestNormalizeCreditCode(t *testing.T) {
	got := NormalizeCreditCode("  91350100m000100y43\n")
	if got != "91350100M000100Y43" {
		t.Fatalf("NormalizeCreditCode = %q", got)
	}
	if err := ValidCreditCode(got); err != nil {
		t.Fatal(err)
	}
}

func TestCreditCodeCheckCharRefusals(t *testing.T) {
	cases := []struct{ in, reason string }{
		{"", "must have exactly 17 characters before the check character"},
		{"91350100M000100Y43", "must have exactly 17 characters before the check character"},
		{"91350100M000100I4", "character 16 is not allowed (the letters I, O, S, V and Z are never used)"},
		{"91X50100M000100Y4", "characters 3 to 8 (administrative division code) must be digits"},
		{"91350100m000100Y4", "character 9 must be an upper-case letter"},
	}
	for _, tc := range cases {
		_, err := CreditCodeCheckChar(tc.in)
		wantIdentError(t, err, SubjectCreditCode, tc.reason)
	}
}

func TestValidPhone(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"13812345678", "19912345678", "0911-1234567", "09111234567", "010-12345678"} {
		if err := ValidPhone(ok); err != nil {
			t.Errorf("ValidPhone(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "12812345678", "1381234567", "138123456789", "911-1234567", "0911-123456", "+8613812345678", "138 1234 5678"} {
		if err := ValidPhone(bad); err == nil {
			t.Errorf("ValidPhone(%q) accepted", bad)
		}
	}
}
