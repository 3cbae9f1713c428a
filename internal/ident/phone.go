package ident

import (
	"errors"
	"regexp"
)

// SubjectPhone names phone numbers in errors.
const SubjectPhone = "phone number"

var (
	mobileRE   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRE = regexp.MustCompile(`^0[1-9][0-9]{1,2}-?[0-9]{7,8}$`)
)

// ValidPhone accepts a normalised mainland phone number: an 11-digit mobile (1[3-9]…) or a landline with its
// area code (0911-1234567). Callers normalise first (pii.NormalizePhone strips spaces, dashes inside mobiles and
// the country code).
func ValidPhone(s string) error {
	if mobileRE.MatchString(s) || landlineRE.MatchString(s) {
		return nil
	}
	return &Error{Subject: SubjectPhone, Reason: "must be an 11-digit mobile number or a landline with its area code"}
}

// Reason returns the reason of a validator's error without its subject ("check character does not match"),
// for errors reported against a named field; other errors are returned whole.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return err.Error()
}
