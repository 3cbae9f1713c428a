// Package page reads list parameters: a page size and an opaque cursor. Lists are keyset-paginated, so a page
// stays stable while rows are inserted before or after it.
package page

import (
	"bytes"
	"encoding/base64"
	"strconv"

	"github.com/tuoguan/tuoguan/internal/fault"
)

// Default and Max are the page sizes of openapi.yaml.
const (
	Default = 50
	Max     = 500
)

// Request is a validated page request. After is the key of the last row of the previous page, "" for the
// first page.
type Request struct {
	Limit int
	After string
}

// Parse validates the limit and cursor query parameters; nil means absent.
func Parse(limit *int, cursor *string) (Request, error) {
	r := Request{Limit: Default}
	if limit != nil {
		if *limit < 1 || *limit > Max {
			return r, fault.Malformedf("limit", "must be between 1 and %d", Max)
		}
		r.Limit = *limit
	}
	if cursor != nil && *cursor != "" {
		key, err := base64.RawURLEncoding.DecodeString(*cursor)
		if err != nil || len(key) == 0 || bytes.IndexByte(key, 0) >= 0 {
			return r, fault.Malformedf("cursor", "is not a cursor this server issued")
		}
		r.After = string(key)
	}
	return r, nil
}

// AfterID returns After as a row id (0 on the first page).
func (r Request) AfterID() (int64, error) {
	if r.After == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(r.After, 10, 64)
	if err != nil || id < 0 {
		return 0, fault.Malformedf("cursor", "is not a cursor this server issued")
	}
	return id, nil
}

// Cursor returns the cursor that continues after key.
func Cursor(key string) *string {
	c := base64.RawURLEncoding.EncodeToString([]byte(key))
	return &c
}

// Trim cuts a result fetched with Limit+1 rows to the page and returns the cursor of the next page (nil on
// the last one); key gives a row's key.
func Trim[T any](rows []T, r Request, key func(T) string) ([]T, *string) {
	if len(rows) <= r.Limit {
		return rows, nil
	}
	rows = rows[:r.Limit]
	return rows, Cursor(key(rows[len(rows)-1]))
}
