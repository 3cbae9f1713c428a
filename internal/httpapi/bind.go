package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/strictjson"
)

// jsonBinder decodes request bodies strictly: JSON only, no unknown, duplicate or wrong-case keys, no
// trailing data. It binds the body alone; the generated wrappers bind path and query parameters.
type jsonBinder struct{}

func (jsonBinder) Bind(v any, c echo.Context) error {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || (mt != echo.MIMEApplicationJSON && mt != "application/merge-patch+json") {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the body as application/json.")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he // the body limit
		}
		return fault.Malformedf("", "The request body could not be read.")
	}
	if trimmed := bytes.TrimSpace(body); bytes.Equal(trimmed, []byte("null")) {
		return fault.Malformedf("", "The request body must be a JSON object.")
	}
	err = strictjson.Decode(body, v)
	var se *strictjson.Error
	if errors.As(err, &se) {
		return bodyFault(se)
	}
	return err
}

// bodyFault explains a refused body: 422 when all it lacks is required fields (a readable request that
// breaks the contract's rule), 400 otherwise.
func bodyFault(se *strictjson.Error) *fault.Error {
	f := &fault.Error{Kind: fault.Invalid, Message: "The request lacks a required field."}
	for _, p := range se.Problems {
		if p.Message != strictjson.MessageRequired {
			f.Kind, f.Message = fault.Malformed, "The request body is not acceptable JSON for this operation."
		}
		if p.Field == "" && len(se.Problems) == 1 {
			f.Message = "The request body is malformed: " + p.Message + "."
			continue
		}
		f.Fields = append(f.Fields, fault.FieldError{Field: p.Field, Message: p.Message})
	}
	return f
}

type clientAddrKey struct{}

func withClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

func clientAddr(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey{}).(string)
	return a
}
