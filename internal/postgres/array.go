package postgres

import (
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// TextArray is a PostgreSQL text[] as a Go []string, for gorm models: it scans the array's text form and
// writes one. NULL elements are refused; NULL arrays scan as empty.
type TextArray []string

// Scan implements sql.Scanner.
func (a *TextArray) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*a = TextArray{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("text[]: cannot scan %T", src)
	}
	out, err := parseArray(s)
	if err != nil {
		return err
	}
	*a = out
	return nil
}

// parseArray reads a one-dimensional array literal: {a,"b c","d\"e"}.
func parseArray(s string) (TextArray, error) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, fmt.Errorf("text[]: not an array literal: %q", s)
	}
	body := s[1 : len(s)-1]
	out := TextArray{}
	if body == "" {
		return out, nil
	}
	var b strings.Builder
	quoted, inQuotes := false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case inQuotes && c == '\\' && i+1 < len(body):
			i++
			b.WriteByte(body[i])
		case c == '"':
			inQuotes, quoted = !inQuotes, true
		case c == ',' && !inQuotes:
			if !quoted && b.String() == "NULL" {
				return nil, fmt.Errorf("text[]: NULL element")
			}
			out = append(out, b.String())
			b.Reset()
			quoted = false
		case c == '{' && !inQuotes:
			return nil, fmt.Errorf("text[]: nested arrays are not supported")
		default:
			b.WriteByte(c)
		}
	}
	if !quoted && b.String() == "NULL" {
		return nil, fmt.Errorf("text[]: NULL element")
	}
	return append(out, b.String()), nil
}

// arrayEscaper escapes an element of an array literal inside its double quotes.
var arrayEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// Value implements driver.Valuer: every element quoted and escaped.
func (a TextArray) Value() (driver.Value, error) {
	n := 2
	for _, s := range a {
		n += len(s) + 3
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		arrayEscaper.WriteString(&b, s)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// Int64Array is a Go []int64 written as a PostgreSQL bigint[] (cast the parameter: ?::bigint[]), so that a
// list of ids travels as one parameter instead of one per id.
type Int64Array []int64

// Value implements driver.Valuer.
func (a Int64Array) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(v, 10))
	}
	b.WriteByte('}')
	return b.String(), nil
}

// ByteaArray is a Go [][]byte written as a PostgreSQL bytea[] (cast the parameter: ?::bytea[]).
type ByteaArray [][]byte

// Value implements driver.Valuer: each element in bytea's hex form.
func (a ByteaArray) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"\\x`)
		b.WriteString(hex.EncodeToString(v))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}
