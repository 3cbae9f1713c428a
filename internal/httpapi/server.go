// Package httpapi is Tuoguan's HTTP edge and the only package that knows HTTP: middleware, the route table,
// the mapping of errors to application/problem+json, and one file per resource implementing the server
// interface generated from openapi.yaml. Each handler asks who is calling, makes one service call and maps
// the result.
package httpapi

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/services"
)

// BodyLimit is the largest request body accepted, after decompression.
const BodyLimit = "4MiB"

// Config configures the edge.
type Config struct {
	Log            *slog.Logger
	RequestTimeout time.Duration // per-request context deadline; 30 s when zero
	// DB and Migrations let /readyz tell whether the database answers and the schema is current.
	DB         *sql.DB
	Migrations fs.FS
	Version    string
	// WebApp is the built browser app served at /; nil serves the one embedded in the binary, if any.
	WebApp fs.FS
}

// Server implements the generated API over Services.
type Server struct {
	services.Services
	cfg Config
	log *slog.Logger
	web *webApp
}

var _ api.StrictServerInterface = (*Server)(nil)

// New returns the HTTP handler of the whole service.
func New(svc services.Services, cfg Config) *echo.Echo {
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	s := &Server{Services: svc, cfg: cfg, log: cfg.Log, web: newWebApp(cfg.WebApp)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Binder = jsonBinder{}
	// Client addresses come from the connection only: a header is the client's to forge.
	e.IPExtractor = echo.ExtractIPDirect()

	e.Pre(headAsGet)
	reg := prometheus.NewRegistry()
	e.Use(
		cutShort,
		s.requestIDs,
		compress,
		s.accessLog,
		measure(reg),
		s.recoverPanics,
		checkRequest,
		s.deadline,
		decompress,
		middleware.BodyLimit(BodyLimit),
	)
	s.routesOps(e, reg)
	params, err := newParamCheck(apiBase, svc.Regions.Exists)
	if err != nil {
		panic(err) // openapi.yaml is embedded, and every test loads it
	}
	api.RegisterHandlersWithBaseURL(authRouter{e, s.authenticate, s.authenticateLate, params.middleware}, api.NewStrictHandler(s, nil), apiBase)
	return e
}

// apiBase is where the API lives; loginPath is its one route that takes no token.
const (
	apiBase   = "/api/v1"
	loginPath = apiBase + "/auth/login"
)

// authRouter registers the API's routes on e, each behind auth (but the public login; the routes that log
// operations behind late, see logging), then check, which holds the request to the contract's parameters.
type authRouter struct {
	e     *echo.Echo
	auth  echo.MiddlewareFunc
	late  echo.MiddlewareFunc
	check echo.MiddlewareFunc
}

// logging are the routes that log operations: their transactions confirm the caller's session themselves
// (Server.authenticateLate).
var logging = map[string]bool{
	http.MethodPost + " " + apiBase + "/contracts/:id/operations": true,
	http.MethodPost + " " + apiBase + "/operations/batch":         true,
}

// with is the middleware of the route method path, before m.
func (r authRouter) with(method, path string, m []echo.MiddlewareFunc) []echo.MiddlewareFunc {
	switch {
	case path == loginPath:
		return append([]echo.MiddlewareFunc{r.check}, m...)
	case strings.HasPrefix(path, apiBase+"/imports/"):
		return append([]echo.MiddlewareFunc{r.auth, r.check, csvOnly}, m...)
	case logging[method+" "+path]:
		return append([]echo.MiddlewareFunc{r.late, r.check}, m...)
	}
	return append([]echo.MiddlewareFunc{r.auth, r.check}, m...)
}

func (r authRouter) CONNECT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.CONNECT(p, h, r.with(http.MethodConnect, p, m)...)
}
func (r authRouter) DELETE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.DELETE(p, h, r.with(http.MethodDelete, p, m)...)
}
func (r authRouter) GET(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.GET(p, h, r.with(http.MethodGet, p, m)...)
}
func (r authRouter) HEAD(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.HEAD(p, h, r.with(http.MethodHead, p, m)...)
}
func (r authRouter) OPTIONS(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.OPTIONS(p, h, r.with(http.MethodOptions, p, m)...)
}
func (r authRouter) PATCH(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.PATCH(p, h, r.with(http.MethodPatch, p, m)...)
}
func (r authRouter) POST(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.POST(p, h, r.with(http.MethodPost, p, m)...)
}
func (r authRouter) PUT(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.PUT(p, h, r.with(http.MethodPut, p, m)...)
}
func (r authRouter) TRACE(p string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.e.TRACE(p, h, r.with(http.MethodTrace, p, m)...)
}

// headAsGet serves HEAD as the GET of the same resource, with the headers the GET would send and no body.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := c.Request(); r.Method == http.MethodHead {
			r.Method = http.MethodGet // echo routes by the request it was handed
			c.Response().Writer = headWriter{c.Response().Writer}
		}
		return next(c)
	}
}

// headWriter drops the body of a response to HEAD.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ExportTimeout bounds a CSV or Excel export, which streams as long as rows keep coming.
const ExportTimeout = 10 * time.Minute

// deadline bounds every request's context, so that a slow query cannot hold a connection forever. An export
// gets ExportTimeout instead, and the connection's write deadline moves with it.
func (s *Server) deadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit := s.cfg.RequestTimeout
		if strings.HasPrefix(c.Request().URL.Path, apiBase+"/imports/") {
			// A roster of a few thousand rows is written row by row, each audited: the time of an export.
			limit = max(limit, ExportTimeout)
			_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(limit))
		} else if format[string](c.Request().Context(), queryFormat(c)) != formatJSON {
			limit = ExportTimeout
			_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(limit))
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), limit)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func queryFormat(c echo.Context) *string {
	if f := c.QueryParam("format"); f != "" {
		return &f
	}
	return nil
}

// CollectLess sets the garbage collector for serving, each setting unless the environment's GOGC or GOMEMLIMIT
// gives it: collect once the heap has grown by four times what is live (the runtime's default is once), under a
// soft limit of 100 MiB of the runtime's memory, near which it collects as often as it must. A server's live
// heap is a few megabytes and a request's garbage — its rows, its JSON, its compressed body — dies with the
// request, so collecting a quarter as often gives the cores back to requests; the limit keeps the server within
// its memory budget under many clients and long exports.
func CollectLess(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(100 << 20)
	}
}

// HTTPServer wraps h in an http.Server with timeouts that bound slow clients.
func HTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}
