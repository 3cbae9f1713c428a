package fault

import "strings"

// Field error codes: a stable, machine-readable name for the rule a field breaks, so that a client can show
// the error in its user's language without parsing English. openapi.yaml lists them (FieldError.code); the
// message stays the English explanation.
const (
	CodeRequired     = "required"      // a required field or parameter is missing or empty
	CodeLength       = "length"        // text too short or too long
	CodeEnum         = "enum"          // not one of the allowed values
	CodeRange        = "range"         // a number, count or list size outside its bounds
	CodeFormat       = "format"        // not the shape asked for: a date, a decimal, an id, a code
	CodeType         = "type"          // the wrong JSON type
	CodeChecksum     = "checksum"      // an ID number or credit code whose check character does not match
	CodeFuture       = "future"        // a date in the future
	CodeDateOrder    = "date_order"    // a date before another, or outside a contract's dates
	CodeNotFound     = "not_found"     // a referenced object that does not exist in the caller's scope
	CodeImmutable    = "immutable"     // a field that cannot be changed
	CodeNotAllowed   = "not_allowed"   // a field that does not apply here
	CodeDuplicate    = "duplicate"     // the same value twice
	CodeUnknownField = "unknown_field" // a field the operation does not know
	CodeText         = "text"          // a NUL character or text that is not valid UTF-8
	CodeCapExceeded  = "cap_exceeded"  // more area than the contract leaves open
	CodeInvalid      = "invalid"       // any other rule
)

// codeRules classify messages by a fragment each holds; the first rule that matches wins, so narrower
// fragments come before broader ones.
var codeRules = []struct{ fragment, code string }{
	{"is required", CodeRequired},
	{"must not be empty", CodeRequired},
	{"check character", CodeChecksum},
	{"must be an id", CodeFormat},
	{"characters of", CodeFormat},
	{"cannot be smaller", CodeRange},
	{"check digit", CodeChecksum},
	{"unknown field", CodeUnknownField},
	{"case-sensitive", CodeUnknownField},
	{"NUL character", CodeText},
	{"UTF-8", CodeText},
	{"surrogate", CodeText},
	{"exceeds the contracted area", CodeCapExceeded},
	{"in the future", CodeFuture},
	{"before start_date", CodeDateOrder},
	{"after start_date", CodeDateOrder},
	{"within the contract's dates", CodeDateOrder},
	{"cannot be changed", CodeImmutable},
	{"characters", CodeLength},
	{"must be one of", CodeEnum},
	{"is not a crop", CodeEnum},
	{"is not an operation type", CodeEnum},
	{"unknown operation types", CodeEnum},
	{"must be full or partial", CodeEnum},
	{"must be active or suspended", CodeEnum},
	{"cannot sort by", CodeEnum},
	{"twice", CodeDuplicate},
	{"duplicate", CodeDuplicate},
	{"already", CodeDuplicate},
	{"no such", CodeNotFound},
	{"does not exist", CodeNotFound},
	{"is not on the contract", CodeNotFound},
	{"has no", CodeNotFound},
	{"is for ", CodeNotAllowed},
	{"is only for", CodeNotAllowed},
	{"must not be given", CodeNotAllowed},
	{"must not be null", CodeNotAllowed},
	{"is suspended", CodeNotAllowed},
	{"yourself", CodeNotAllowed},
	{"your own", CodeNotAllowed},
	{"must be a boolean", CodeType},
	{"must be a string", CodeType},
	{"must be an array", CodeType},
	{"must be an object", CodeType},
	{"must be a number", CodeType},
	{"must be an integer", CodeRange},
	{"must be a JSON string or number", CodeType},
	{"decimal places", CodeFormat},
	{"between", CodeRange},
	{"greater than", CodeRange},
	{"negative", CodeRange},
	{"out of range", CodeRange},
	{"at most", CodeRange},
	{"at least", CodeRange},
	{"too many", CodeRange},
	{"must be a", CodeFormat},
	{"must be an", CodeFormat},
	{"must be the", CodeFormat},
	{"must not have", CodeFormat},
	{"malformed", CodeFormat},
	{"is not a", CodeFormat},
	{"URL-encoded", CodeFormat},
	{"must be", CodeFormat},
}

// CodeOf names the rule a field error's message states; CodeInvalid when no rule is known for it.
func CodeOf(message string) string {
	for _, r := range codeRules {
		if strings.Contains(message, r.fragment) {
			return r.code
		}
	}
	return CodeInvalid
}
