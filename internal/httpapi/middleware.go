package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

const headerRequestID = "X-Request-Id"

// A client's request id is kept when it is short and plain, so it can be followed across systems.
var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestIDs gives every request an id, echoed in X-Request-Id, carried in the context for the audit log and
// the logs, and named in every problem; the context also carries the client's address.
func (s *Server) requestIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(headerRequestID)
		if !clientRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(headerRequestID, id)
		c.Response().Header().Set(headerRequestID, id)
		ctx := withClientAddr(audit.WithRequestID(c.Request().Context(), id), c.RealIP())
		ctx = withAccept(ctx, c.Request().Header.Get(echo.HeaderAccept))
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func requestID(c echo.Context) string {
	id, _ := c.Get(headerRequestID).(string)
	return id
}

// keyCut marks a response that failed after its first byte.
const keyCut = "tuoguan.cut"

// cut logs err, which came after the response's first byte, and marks the response cut.
func (s *Server) cut(c echo.Context, err error) {
	ctx := c.Request().Context()
	level := slog.LevelError
	if errors.Is(err, context.Canceled) {
		level = slog.LevelWarn // the client went away first
	}
	s.log.LogAttrs(ctx, level, "response cut short", slog.String("request_id", requestID(c)),
		slog.Int("status", c.Response().Status), slog.Int64("bytes", c.Response().Size), slog.Any("error", err))
	c.Set(keyCut, true)
}

func isCut(c echo.Context) bool {
	cut, _ := c.Get(keyCut).(bool)
	return cut
}

// cutShort ends the connection of a response that failed after its first byte without finishing it: no
// last chunk in HTTP/1.1, a stream reset in HTTP/2. The status line has gone out as 200, so an unfinished
// transfer is the one signal every client sees: curl exits with an error, a browser marks the download
// failed, and no parser reads the bytes that came as a whole file. It is the outermost middleware, so the
// access log and the metrics have recorded the request first.
func cutShort(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if isCut(c) {
			panic(http.ErrAbortHandler)
		}
		return err
	}
}

// accessLog writes one line per request: never a body, a query string or a token, so that no personal data
// (an ID number in a lookup) reaches the logs.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		attrs := []slog.Attr{
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.String("path", c.Request().URL.Path),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size),
			slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("client", c.RealIP()),
		}
		if isCut(c) {
			attrs = append(attrs, slog.Bool("cut", true))
		}
		if p, ok := scope.FromContext(c.Request().Context()); ok {
			attrs = append(attrs, slog.Int64("user_id", p.UserID))
		}
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request", attrs...)
		return nil
	}
}

// recoverPanics turns a panic into a 500 problem and logs its stack; http.ErrAbortHandler, the deliberate
// end of a connection, goes on to the server.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", slog.String("request_id", requestID(c)), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// measure records request counts and durations by route, never by raw path, so that ids do not blow up
// the number of series.
func measure(reg *prometheus.Registry) echo.MiddlewareFunc {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tuoguan_http_requests_total", Help: "HTTP requests by method, route and status.",
	}, []string{"method", "route", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tuoguan_http_request_duration_seconds", Help: "HTTP request duration by method and route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	reg.MustRegister(requests, duration)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err) // render now, so that the status is known here and in the access log
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(c.Response().Status)).Inc()
			duration.WithLabelValues(c.Request().Method, route).Observe(time.Since(start).Seconds())
			return nil
		}
	}
}

// challenge is the WWW-Authenticate header of a request refused for its token.
const challenge = `Bearer realm="tuoguan"`

// authenticate puts the principal of the bearer token into the request context; a missing, malformed,
// expired or revoked token answers 401.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		c.Response().Header().Set("WWW-Authenticate", challenge)
		token, ok := bearer(c.Request().Header.Get(echo.HeaderAuthorization))
		if !ok {
			return fault.Unauthenticatedf("Send Authorization: Bearer <token>; get a token from POST /api/v1/auth/login.")
		}
		p, err := s.Accounts.Authenticate(ctx, token)
		if err != nil {
			return err
		}
		c.Response().Header().Del("WWW-Authenticate")
		c.SetRequest(c.Request().WithContext(withToken(scope.WithPrincipal(ctx, p), token)))
		return next(c)
	}
}

// authenticateLate authenticates the routes that log operations, whose transactions confirm the caller's
// session in their first round trip (operation.Service.Log): a token this server has authenticated before
// takes its remembered principal with the check that confirms it (account.Service.Recall), which saves the
// lookup's round trip; any other token is authenticated first. An error the request meets before its
// transaction confirmed the session is answered only once the session is confirmed, and as 401 when it is
// gone, so that a token no longer valid learns nothing a 401 would not tell it.
func (s *Server) authenticateLate(next echo.HandlerFunc) echo.HandlerFunc {
	first := s.authenticate(next)
	return func(c echo.Context) error {
		token, ok := bearer(c.Request().Header.Get(echo.HeaderAuthorization))
		if !ok {
			return first(c)
		}
		p, check, ok := s.Accounts.Recall(token)
		if !ok {
			return first(c)
		}
		ctx := postgres.WithCheck(withToken(scope.WithPrincipal(c.Request().Context(), p), token), check)
		c.SetRequest(c.Request().WithContext(ctx))
		err := next(c)
		if err == nil {
			return nil
		}
		if serr := s.Accounts.Settle(ctx); serr != nil {
			c.Response().Header().Set("WWW-Authenticate", challenge)
			return serr
		}
		return err
	}
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 200 {
		return "", false
	}
	return token, true
}

// checkRequest refuses what no handler should see: a query string that does not decode, NUL characters in
// the path or a parameter (PostgreSQL cannot store them in text), and path parameters spanning segments.
func checkRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		for _, pair := range strings.Split(r.URL.RawQuery, "&") {
			rawName, rawValue, _ := strings.Cut(pair, "=")
			name, err := url.QueryUnescape(rawName)
			if err != nil {
				return fault.Malformedf("", "The query string is malformed: a parameter name is not URL-encoded properly.")
			}
			value, err := url.QueryUnescape(rawValue)
			switch {
			case err != nil:
				return fault.Malformedf(name, "is not URL-encoded properly")
			case strings.ContainsRune(name, 0) || strings.ContainsRune(value, 0):
				return fault.Malformedf(name, "must not hold a NUL character")
			}
		}
		if strings.ContainsRune(r.URL.Path, 0) {
			return fault.Malformedf("", "The path holds a NUL character.")
		}
		for _, v := range c.ParamValues() {
			if strings.Contains(v, "/") {
				return echo.ErrNotFound // a path parameter is one segment; more is another, unknown path
			}
		}
		return next(c)
	}
}

// decompress inflates gzip request bodies before the body limit measures them, so the limit applies to what
// the handler reads; a body that is not the gzip it claims to be answers 400, another encoding 415.
func decompress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get(echo.HeaderContentEncoding))); enc {
		case "", "identity":
			return next(c)
		case "gzip":
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				return fault.Malformedf("", "The body is not valid gzip.")
			}
			defer zr.Close()
			r.Header.Del(echo.HeaderContentEncoding)
			r.Header.Del(echo.HeaderContentLength)
			r.ContentLength = -1
			r.Body = zr
			return next(c)
		default:
			return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Content-Encoding "+enc+" is not supported; send gzip or nothing.")
		}
	}
}
