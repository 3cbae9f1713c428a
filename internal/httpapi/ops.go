package httpapi

import (
	"context"
	"embed"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tuoguan/tuoguan"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/postgres"
)

//go:embed docs
var docsFS embed.FS

const docsPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tuoguan API reference</title>
<style>body { margin: 0; }</style>
</head>
<body>
<redoc spec-url="/openapi.yaml" hide-download-button="false"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
`

// routesOps registers the operational routes: health, readiness, metrics, the specification and its
// rendered reference (whose assets are embedded, so it works without internet).
func (s *Server) routesOps(e *echo.Echo, reg *prometheus.Registry) {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
	})
	e.GET("/readyz", s.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", tuoguan.OpenAPI)
	})
	e.GET("/docs", func(c echo.Context) error { return c.HTML(http.StatusOK, docsPage) })
	e.GET("/docs/redoc.standalone.js", echo.WrapHandler(http.FileServer(http.FS(docsFS))))
}

// ready answers 200 when the database answers and every migration is applied, 503 otherwise.
func (s *Server) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	n, err := postgres.Pending(ctx, s.cfg.DB, s.cfg.Migrations)
	switch {
	case err != nil:
		return &fault.Error{Kind: fault.Unavailable, Message: "The database does not answer."}
	case n > 0:
		return &fault.Error{Kind: fault.Unavailable, Message: "The database schema is behind: migrations are pending."}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
