package num

import (
	"database/sql"
	"database/sql/driver"
	"encoding"
	"encoding/json"
	"fmt"

	"github.com/shopspring/decimal"
)

var (
	_ json.Unmarshaler         = (*Dec2)(nil)
	_ encoding.TextMarshaler   = Dec2{}
	_ encoding.TextUnmarshaler = (*Dec2)(nil)
	_ sql.Scanner              = (*Dec2)(nil)
	_ driver.Valuer            = Dec2{}

	_ json.Unmarshaler         = (*Dec4)(nil)
	_ encoding.TextMarshaler   = Dec4{}
	_ encoding.TextUnmarshaler = (*Dec4)(nil)
	_ sql.Scanner              = (*Dec4)(nil)
	_ driver.Valuer            = Dec4{}
)

// unmarshalJSON accepts a JSON string or a JSON number and parses its text
// with the package grammar, so no value ever passes through float64.
// JSON null is refused: optional fields should be declared as *Dec2 or *Dec4,
// for which encoding/json stores nil without calling UnmarshalJSON.
func unmarshalJSON(b []byte, places int32) (int64, error) {
	if len(b) == 0 {
		return 0, newError("", reasonEmpty)
	}
	switch c := b[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, newError(string(b), reasonSyntax)
		}
		return parse(s, places)
	case c == '-' || isDigit(c):
		return parse(string(b), places)
	case string(b) == "null":
		return 0, newError("", reasonNull)
	default:
		return 0, newError(string(b), reasonJSONKind)
	}
}

// scan converts what a database/sql driver hands over. pgx/v5's stdlib
// driver returns numeric columns as their text form (string); some drivers
// use []byte; integer columns arrive as int64. float64 is refused because the
// value would already have been rounded to binary before reaching us.
func scan(src any, places int32) (int64, error) {
	switch v := src.(type) {
	case string:
		return parse(v, places)
	case []byte:
		return parse(string(v), places)
	case int64:
		return fromDecimal(decimal.NewFromInt(v), places)
	case nil:
		return 0, newError("", reasonNull)
	case float64, float32:
		return 0, newError("",
			"cannot be read from a floating-point database value; use a numeric column")
	default:
		return 0, newError("", fmt.Sprintf("cannot be read from a database value of type %T", src))
	}
}

// UnmarshalJSON accepts a JSON string ("10.50") or number (10.50), parsed
// exactly from its text. On error v is left unchanged.
func (v *Dec2) UnmarshalJSON(b []byte) error {
	d, err := unmarshalJSON(b, 2)
	if err != nil {
		return err
	}
	v.c = d
	return nil
}

// MarshalText returns the same text as String. encoding/json writes it as a JSON string with exactly 2
// fractional places, e.g. "10.50", so that JavaScript clients never round it.
func (v Dec2) MarshalText() ([]byte, error) {
	return appendFixed(nil, v.c, 2), nil
}

// AppendText appends the text of MarshalText to b (encoding.TextAppender).
func (v Dec2) AppendText(b []byte) ([]byte, error) {
	return appendFixed(b, v.c, 2), nil
}

// UnmarshalText parses b with the package grammar. On error v is left
// unchanged.
func (v *Dec2) UnmarshalText(b []byte) error {
	d, err := parse(string(b), 2)
	if err != nil {
		return err
	}
	v.c = d
	return nil
}

// Scan implements sql.Scanner. It accepts string, []byte and int64 and
// refuses NULL (use *Dec2 or a nullable wrapper for nullable columns) and
// floating-point values. On error v is left unchanged.
func (v *Dec2) Scan(src any) error {
	d, err := scan(src, 2)
	if err != nil {
		return err
	}
	v.c = d
	return nil
}

// Value implements driver.Valuer and returns the fixed-place string, which
// PostgreSQL converts to numeric exactly.
func (v Dec2) Value() (driver.Value, error) {
	return v.String(), nil
}

// UnmarshalJSON accepts a JSON string or number, parsed exactly from its
// text. On error v is left unchanged.
func (v *Dec4) UnmarshalJSON(b []byte) error {
	d, err := unmarshalJSON(b, 4)
	if err != nil {
		return err
	}
	v.u = d
	return nil
}

// MarshalText returns the same text as String; in JSON, a string with exactly 4 fractional places, e.g.
// "3.2500".
func (v Dec4) MarshalText() ([]byte, error) {
	return appendFixed(nil, v.u, 4), nil
}

// AppendText appends the text of MarshalText to b (encoding.TextAppender).
func (v Dec4) AppendText(b []byte) ([]byte, error) {
	return appendFixed(b, v.u, 4), nil
}

// UnmarshalText parses b with the package grammar. On error v is left
// unchanged.
func (v *Dec4) UnmarshalText(b []byte) error {
	d, err := parse(string(b), 4)
	if err != nil {
		return err
	}
	v.u = d
	return nil
}

// Scan implements sql.Scanner with the same rules as Dec2.Scan.
func (v *Dec4) Scan(src any) error {
	d, err := scan(src, 4)
	if err != nil {
		return err
	}
	v.u = d
	return nil
}

// Value implements driver.Valuer and returns the fixed-place string.
func (v Dec4) Value() (driver.Value, error) {
	return v.String(), nil
}
