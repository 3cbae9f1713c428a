package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalisation makes the forms in which people type the same ID number or
// phone number hash to the same [Keyring.Lookup] value. Values should be
// normalised before they are sealed, too, so that what is stored is what
// was looked up.

// foldWidth maps the full-width forms of ASCII characters (U+FF01–U+FF5E),
// which Chinese input methods often produce, and the ideographic space
// (U+3000) to their ASCII equivalents.
func foldWidth(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == 0x3000:
		return ' '
	}
	return r
}

// NormalizeIDNumber returns the canonical form of a resident ID number:
// full-width characters folded to ASCII, surrounding whitespace removed and
// letters upper-cased (the check character x becomes X). It does not
// validate the number.
func NormalizeIDNumber(s string) string {
	return strings.ToUpper(strings.TrimSpace(strings.Map(foldWidth, s)))
}

// NormalizePhone returns the canonical form of a phone number: full-width
// characters folded to ASCII, all whitespace and dashes removed, and a
// leading +86 or 0086 removed when what follows is a mainland mobile number
// (11 digits starting with 1). Other numbers keep their prefix, so
// "+86 911 1234567" becomes "+869111234567". It does not validate the
// number.
func NormalizePhone(s string) string {
	p := strings.Map(func(r rune) rune {
		r = foldWidth(r)
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	for _, prefix := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && isMainlandMobile(rest) {
			return rest
		}
	}
	return p
}

// isMainlandMobile reports whether s is 11 ASCII digits starting with 1.
func isMainlandMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskIDNumber returns a form of a resident ID number that is safe to show
// and log. The input is normalised with [NormalizeIDNumber] first; lengths
// are counted in characters (runes). Then:
//
//   - 18 characters: the first 6 (region), 8 asterisks and the last 4, so
//     "610631199001011234" becomes "610631********1234";
//   - any other length: the generic rule of [MaskPhone].
//
// The result never equals non-empty input: if masking would leave the input
// unchanged (it already consists of asterisks where characters would be
// hidden), the result is one more asterisk than the input has characters.
// The empty string is returned unchanged.
func MaskIDNumber(s string) string {
	r := []rune(NormalizeIDNumber(s))
	var out string
	if len(r) == 18 {
		out = string(r[:6]) + "********" + string(r[14:])
	} else {
		out = maskGeneric(r)
	}
	return mustDiffer(out, s)
}

// MaskPhone returns a form of a phone number that is safe to show and log.
// The input is normalised with [NormalizePhone] first; lengths are counted
// in characters (runes). Then:
//
//   - a mainland mobile number (11 digits starting with 1): the first 3,
//     4 asterisks and the last 4, so "+86 138-1234-5678" becomes
//     "138****5678";
//   - anything else (generic rule): at least half of the characters,
//     rounded up, are replaced by asterisks; of the at most n/2 that stay
//     visible, up to 4 are taken from the end and any remainder, up to 3,
//     from the start. So the landline "0911-1234567" (normalised to 11
//     characters "09111234567") becomes "0******4567", "12345678" becomes
//     "****5678", "1234" becomes "**34" and "7" becomes "*".
//
// The result never equals non-empty input, as for [MaskIDNumber]. The empty
// string is returned unchanged.
func MaskPhone(s string) string {
	p := NormalizePhone(s)
	var out string
	if isMainlandMobile(p) {
		out = p[:3] + "****" + p[7:]
	} else {
		out = maskGeneric([]rune(p))
	}
	return mustDiffer(out, s)
}

// maskGeneric implements the generic rule documented on [MaskPhone].
func maskGeneric(r []rune) string {
	n := len(r)
	visible := n / 2
	suffix := min(4, visible)
	prefix := min(3, visible-suffix)
	return string(r[:prefix]) + strings.Repeat("*", n-prefix-suffix) + string(r[n-suffix:])
}

// mustDiffer returns masked unless it equals the non-empty input, in which
// case it returns asterisks one longer than input, so that a mask can never
// hand back the value it was given.
func mustDiffer(masked, input string) string {
	if input == "" || masked != input {
		return masked
	}
	return strings.Repeat("*", utf8.RuneCountInString(input)+1)
}
