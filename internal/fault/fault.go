// Package fault is Tuoguan's error model: domain code returns a *fault.Error of a Kind, and the HTTP layer
// maps each Kind to one status. Any other error is an internal failure whose cause is logged, never sent —
// except one that means the database could not be reached or went away (postgres.Unreachable), which the HTTP
// layer answers as Unavailable by itself, so no domain package has to translate outages.
package fault

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	// Internal is anything unexpected; the cause is logged and the client learns nothing of it.
	Internal Kind = iota
	// Malformed is a request that cannot be read: bad JSON, a bad parameter.
	Malformed
	// Invalid is a readable request that breaks a rule; Fields says which.
	Invalid
	// Unauthenticated is a missing, bad or expired credential.
	Unauthenticated
	// Forbidden is an action the caller's role may never take.
	Forbidden
	// NotFound is an object that does not exist or lies outside the caller's scope; the two are
	// deliberately indistinguishable.
	NotFound
	// Conflict is a change that clashes with the current state: a duplicate, a state that does not allow it.
	Conflict
	// TooMany is a request refused by rate limiting; RetryAfter says when to try again.
	TooMany
	// Unavailable is a dependency that did not answer in time (a lock wait, a slow database) or could not be
	// reached; RetryAfter, when set, says when to try again.
	Unavailable
)

// FieldError names one request field at fault, as a path in the request's own names (`parcels[0].area_mu`).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a failure the client is told about.
type Error struct {
	Kind       Kind
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// KindOf returns the Kind of err, Internal when err is not a *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Invalidf is a rule broken by one field.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Message: "The request breaks a rule.", Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// Malformedf is a request that cannot be read, with the field at fault when there is one.
func Malformedf(field, format string, args ...any) *Error {
	e := &Error{Kind: Malformed, Message: "The request is malformed."}
	msg := fmt.Sprintf(format, args...)
	if field == "" {
		e.Message = msg
	} else {
		e.Fields = []FieldError{{Field: field, Message: msg}}
	}
	return e
}

// NotFoundf says that the named object does not exist in the caller's scope.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Kind: NotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflictf is a change refused by the current state.
func Conflictf(format string, args ...any) *Error {
	return &Error{Kind: Conflict, Message: fmt.Sprintf(format, args...)}
}

// Forbiddenf is an action the caller's role may never take.
func Forbiddenf(format string, args ...any) *Error {
	return &Error{Kind: Forbidden, Message: fmt.Sprintf(format, args...)}
}

// Unauthenticatedf is a missing or bad credential.
func Unauthenticatedf(format string, args ...any) *Error {
	return &Error{Kind: Unauthenticated, Message: fmt.Sprintf(format, args...)}
}

// Fields collects the field errors of one validation pass.
type Fields []FieldError

// Add records that field breaks a rule.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Has reports whether field already has an error, so later checks that depend on it can be skipped.
func (f Fields) Has(field string) bool {
	for _, e := range f {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns an Invalid *Error holding every field error, or nil when there is none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "The request breaks a rule.", Fields: f}
}

// Require records field as missing unless present.
func (f *Fields) Require(field string, present bool) {
	if !present {
		f.Add(field, "is required")
	}
}

// Text trims v and records an error unless it is 1 to max characters long; it returns the trimmed text.
func (f *Fields) Text(field, v string, max int) string {
	v = strings.TrimSpace(v)
	if n := utf8.RuneCountInString(v); n < 1 || n > max {
		f.Add(field, "must be 1 to %d characters", max)
	}
	return v
}
