// Package strictjson decodes JSON request bodies strictly and explains every
// refusal per field.
//
// Decode accepts a subset of what encoding/json accepts, and decodes what it
// accepts exactly as json.Unmarshal does. On top of encoding/json's own
// checks it refuses:
//
//   - object keys that match no field of the target struct, including keys
//     that match a field only case-insensitively (encoding/json would
//     silently accept "Name" for `json:"name"`);
//   - duplicate keys in any object at any depth, free-form values included
//     (map and interface{} targets, and values handed to UnmarshalJSON);
//   - an empty body, and anything but whitespace after the JSON value;
//   - nesting deeper than MaxDepth;
//   - null for a typed field, and NUL characters in string fields;
//   - fixed-size Go arrays receiving more elements than they hold
//     (encoding/json drops the extra elements);
//   - a required field left out: one whose tag names it without omitempty
//     and whose type is not a pointer or an interface, the shape
//     oapi-codegen gives the fields a schema marks required.
//
// Refusals are returned as *Error, listing each problem with the path of
// the offending value in the request's own names (parcels[2].area_mu).
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// MaxDepth is the deepest nesting of objects and arrays Decode accepts; the
// top-level value is at depth 1. Request bodies have no use for more, and
// the limit keeps both the walk and the later json.Unmarshal cheap.
const MaxDepth = 64

const (
	maxProblems = 50  // problems reported before giving up on a body
	maxShown    = 40  // longest key shown verbatim in a path
	maxMessage  = 160 // longest message taken from an Unmarshaler's error
	maxPath     = 200 // longest path shown (deep paths lose their tail)
)

// Problem is one reason a body was refused. Field is the path of the
// offending value, like name, parcels[2].area_mu or boundary.coordinates[0]
// (keys that are not plain identifiers are shown quoted: tags["a b"]); it
// is empty for problems with the body as a whole. Message is short, meant
// for API clients, and never quotes more than a few dozen bytes of input.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error Decode returns for a body it refuses. Problems is in
// document order and lists every problem found, up to 50 (a final problem
// with an empty Field says when more were left out), so that a client can
// fix a body in one round trip. Syntax errors, empty bodies and trailing
// data stop the checks and are reported alone.
type Error struct {
	Problems []Problem
}

// Error renders the first few problems on one line, for logs.
func (e *Error) Error() string {
	const shown = 5
	var sb strings.Builder
	sb.WriteString("invalid request body: ")
	for i, p := range e.Problems {
		if i == shown {
			fmt.Fprintf(&sb, " (and %d more)", len(e.Problems)-shown)
			break
		}
		if i > 0 {
			sb.WriteString("; ")
		}
		if p.Field != "" {
			sb.WriteString(p.Field)
			sb.WriteString(": ")
		}
		sb.WriteString(p.Message)
	}
	return sb.String()
}

func bodyProblem(msg string) *Error {
	return &Error{Problems: []Problem{{Message: msg}}}
}

// Decode decodes the single JSON value in data into v, which must be a
// non-nil pointer, refusing the sloppy input described in the package
// documentation. It is safe for concurrent use.
//
// Refused bodies yield *Error and leave v untouched, except in the rare case
// where the checks pass but json.Unmarshal then fails on v (an Unmarshaler
// that fails on v's prior state but not on a fresh value). A v that is not a
// non-nil pointer is a programming error and yields
// *json.InvalidUnmarshalError instead, so callers can tell a client's
// mistake (400) from their own (500).
//
// Semantics worth knowing:
//
//   - null is refused as a value, except for free-form targets (interface{}
//     and json.RawMessage, which keep it as sent) and json.Unmarshaler types,
//     which receive it and decide. A client leaves an optional field out
//     instead.
//   - Checks follow the static type of v: an interface{} that already
//     holds a pointer is checked as free-form, although encoding/json
//     decodes into the pointed-to value.
//   - Values bound for a json.Unmarshaler (json.RawMessage, decimal types,
//     oneOf unions) are only checked for duplicate keys and depth, then
//     passed to UnmarshalJSON on a fresh zero value so that its error can be
//     reported against the field. UnmarshalJSON therefore runs twice per
//     value on success; it must not depend on the receiver's prior state.
//   - Numbers in interface{} values decode to float64, as in encoding/json.
func Decode(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	if len(bytes.TrimLeft(data, " \t\r\n")) == 0 {
		return bodyProblem("request body is empty")
	}
	if !json.Valid(data) {
		return syntaxProblem(data)
	}

	w := getWalker(data)
	w.value(planFor(rv.Type().Elem()))
	problems := w.errs
	putWalker(w)
	if len(problems) > 0 {
		return &Error{Problems: problems}
	}

	if err := json.Unmarshal(data, v); err != nil {
		return unmarshalProblem(err)
	}
	return nil
}

// syntaxProblem explains why data is not valid JSON, telling trailing data
// apart from a malformed value.
func syntaxProblem(data []byte) error {
	var se *json.SyntaxError
	if !errors.As(json.Unmarshal(data, new(json.RawMessage)), &se) {
		return bodyProblem("malformed JSON")
	}
	// se.Offset counts the bytes read, the offending one included. If what
	// precedes it is a complete value, the value was followed by junk.
	off := int(se.Offset)
	if strings.Contains(se.Error(), "max depth") {
		return bodyProblem(fmt.Sprintf("nesting is deeper than the maximum of %d levels", MaxDepth))
	}
	if off > 0 && off <= len(data) && json.Valid(data[:off-1]) {
		return bodyProblem(fmt.Sprintf("unexpected data after the JSON value at byte %d", off))
	}
	return bodyProblem(clip(fmt.Sprintf("malformed JSON at byte %d: %s", off, se.Error()), maxMessage))
}

// unmarshalProblem converts an error json.Unmarshal returned after the walk
// accepted the body. That only happens when an Unmarshaler behaves
// differently on the target than on a fresh value, so precision matters
// less than never echoing the input.
func unmarshalProblem(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Type != nil {
		return &Error{Problems: []Problem{{Field: te.Field, Message: expectation(planFor(te.Type))}}}
	}
	return bodyProblem(clip(err.Error(), maxMessage))
}
