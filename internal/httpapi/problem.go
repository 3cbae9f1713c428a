package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/postgres"
)

// problemStatus maps each fault kind to its HTTP status; Internal is 500.
var problemStatus = map[fault.Kind]int{
	fault.Malformed:       http.StatusBadRequest,
	fault.Invalid:         http.StatusUnprocessableEntity,
	fault.Unauthenticated: http.StatusUnauthorized,
	fault.Forbidden:       http.StatusForbidden,
	fault.NotFound:        http.StatusNotFound,
	fault.Conflict:        http.StatusConflict,
	fault.TooMany:         http.StatusTooManyRequests,
	fault.Unavailable:     http.StatusServiceUnavailable,
}

// problemCodes name each status's problem: the problem's `code`, and its type as urn:tuoguan:problem:<code>
// (RFC 9457 §3.1.1), one scheme for every problem.
var problemCodes = map[int]string{
	http.StatusBadRequest:            "malformed",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "invalid",
	http.StatusTooManyRequests:       "too_many_requests",
	499:                              "client_closed",
	http.StatusServiceUnavailable:    "unavailable",
}

func problemCode(status int) string {
	if c, ok := problemCodes[status]; ok {
		return c
	}
	if status >= 500 {
		return "internal"
	}
	return "malformed"
}

// UnavailableRetryAfter is the Retry-After of a 503 that names no time of its own, such as a database
// outage: long enough for PostgreSQL to restart and recover, short enough for a phone to try again soon.
const UnavailableRetryAfter = 3 * time.Second

// handleError is the one place that writes errors: an application/problem+json response built by problem.
// An error after the response's first byte (an export whose database went away) can no longer change the
// status: it is logged and the response is marked cut, for cutShort to end the connection unfinished.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		s.cut(c, err)
		return
	}
	if s.web.serves(err, c) {
		return
	}
	p := s.problem(c.Request().Context(), err)
	retry := time.Duration(0)
	if f := fault.As(err); f != nil {
		retry = f.RetryAfter
	}
	if retry <= 0 && p.Status == http.StatusServiceUnavailable {
		retry = UnavailableRetryAfter
	}
	if retry > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds()+0.999)))
	}
	p.Instance = ptr(c.Request().URL.Path)
	if p.RequestId == nil || *p.RequestId == "" {
		p.RequestId = ptr(requestID(c))
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	_ = c.JSON(p.Status, p)
}

// problem turns an error into a problem: faults by kind, echo's own errors (unknown route, wrong method, body
// too large) by status, a database that cannot be reached or went away, or that cancelled the request for a
// concurrent one, as a 503 (the request may succeed when run again), anything else as a 500 whose cause is logged and not sent.
func (s *Server) problem(ctx context.Context, err error) api.Problem {
	p := api.Problem{Status: http.StatusInternalServerError, Detail: ptr("The server failed; the failure is logged.")}
	var he *echo.HTTPError
	switch f := fault.As(err); {
	case f != nil && f.Kind != fault.Internal:
		p.Status = problemStatus[f.Kind]
		p.Detail = ptr(f.Message)
		if len(f.Fields) > 0 {
			errs := make([]api.FieldError, len(f.Fields))
			for i, fe := range f.Fields {
				errs[i] = fieldError(fe.Field, fe.Message)
			}
			p.Errors = &errs
		}
	case errors.As(err, &he) && he.Code < 500:
		p.Status = he.Code
		p.Detail, p.Errors = echoDetail(he)
	case postgres.Unreachable(err):
		p.Status = http.StatusServiceUnavailable
		p.Detail = ptr("The database is unavailable; try again shortly.")
		s.log.WarnContext(ctx, "database unavailable", slog.String("request_id", audit.RequestID(ctx)), slog.Any("error", err))
	case postgres.Cancelled(err):
		p.Status = http.StatusServiceUnavailable
		p.Detail = ptr("The database cancelled the request to settle a conflict with a concurrent one; try again.")
	case errors.Is(err, context.DeadlineExceeded):
		p.Status = http.StatusServiceUnavailable
		p.Detail = ptr("The request took too long and was abandoned; try again.")
	case errors.Is(err, context.Canceled):
		p.Status = 499 // the client went away; nobody reads this answer
	}
	if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
		s.log.ErrorContext(ctx, "request failed", slog.String("request_id", audit.RequestID(ctx)), slog.Any("error", err))
	}
	p.Code = api.ProblemCode(problemCode(p.Status))
	p.Type = "urn:tuoguan:problem:" + string(p.Code)
	p.Title = http.StatusText(p.Status)
	if p.Title == "" {
		p.Title = "Client Closed Request"
	}
	if id := audit.RequestID(ctx); id != "" {
		p.RequestId = ptr(id)
	}
	return p
}

// echoDetail turns echo's messages into a sentence for clients, naming the parameter of a parameter error
// ("Invalid format for parameter limit: …") as the field at fault.
func echoDetail(he *echo.HTTPError) (*string, *[]api.FieldError) {
	msg, ok := he.Message.(string)
	if !ok || msg == "" {
		return ptr(http.StatusText(he.Code)), nil
	}
	if rest, ok := strings.CutPrefix(msg, "Invalid format for parameter "); ok {
		name, _, _ := strings.Cut(rest, ":")
		return ptr("The request is malformed."), &[]api.FieldError{fieldError(name, "is malformed")}
	}
	return ptr(msg), nil
}

// fieldError names a field at fault with the code of the rule its message states.
func fieldError(field, message string) api.FieldError {
	return api.FieldError{Field: field, Code: api.FieldErrorCode(fault.CodeOf(message)), Message: message}
}

func ptr[T any](v T) *T { return &v }
