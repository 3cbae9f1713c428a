package postgres

import (
	"database/sql/driver"
	"fmt"
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

// Value implements driver.Valuer: every element quoted and escaped.
func (a TextArray) Value() (driver.Value, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}
