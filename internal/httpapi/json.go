package httpapi

import (
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan/internal/num"
)

// jsonBody is a 200 response whose JSON is written by hand, in the bytes encoding/json writes of the generated
// response type: the figures of a contract and the statistics (stats.Figures.AppendJSON), whose rows
// reflection took a seventh of the request's server time to encode, and pages of contracts.
type jsonBody []byte

func (b jsonBody) write(w http.ResponseWriter) error {
	w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// appendList appends items as a JSON array of what each appends, or null for a nil slice.
func appendList[T any](b []byte, items []T, each func([]byte, *T) []byte) []byte {
	if items == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, &items[i])
	}
	return append(b, ']')
}

// appendString appends s as encoding/json writes a string: as it is when it holds only printable ASCII that
// needs no escape (codes, numbers), else through encoding/json itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// appendNullString appends *s as a JSON string, or null.
func appendNullString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendTime appends t as time.Time's MarshalJSON writes it.
func appendTime(b []byte, t time.Time) []byte {
	return append(t.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
}

// appendDate appends a date as openapi_types.Date writes it.
func appendDate(b []byte, t time.Time) []byte {
	return append(t.AppendFormat(append(b, '"'), "2006-01-02"), '"')
}

// appendDec2 appends v as a JSON string.
func appendDec2(b []byte, v num.Dec2) []byte {
	b, _ = v.AppendText(append(b, '"'))
	return append(b, '"')
}

// appendDec4 appends v as a JSON string.
func appendDec4(b []byte, v num.Dec4) []byte {
	b, _ = v.AppendText(append(b, '"'))
	return append(b, '"')
}
