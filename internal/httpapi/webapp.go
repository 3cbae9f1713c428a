package httpapi

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan/web"
)

// pageSecurity is the Content-Security-Policy of the web app (PRODUCT §7): everything from the server's own
// origin, no inline or evaluated script, never framed. Style attributes are allowed because the charts position
// their tooltips with them; style elements still must come from the origin.
const pageSecurity = "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// routesWebApp serves the browser app at /: its files, and index.html for every other path that is not the
// API's, so that the app's own routes (/bureau/townships/…) survive a reload. Hashed assets are cached for a
// year; index.html is revalidated on every load, so a new binary's app is picked up at once. app nil serves the
// app embedded in the binary, or a page saying it was not built.
func (s *Server) routesWebApp(e *echo.Echo, app fs.FS) {
	if app == nil {
		app, _ = web.Dist()
	}
	var index []byte
	if app != nil {
		index, _ = fs.ReadFile(app, "index.html")
	}
	h := func(c echo.Context) error {
		p := c.Request().URL.Path
		if strings.HasPrefix(p, "/api/") {
			return echo.ErrNotFound
		}
		setPageSecurity(c.Response().Header())
		if index == nil {
			c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
			return c.HTMLBlob(http.StatusOK, web.NotBuilt)
		}
		name := strings.TrimPrefix(path.Clean(p), "/")
		if name != "" && name != "index.html" {
			if st, err := fs.Stat(app, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
				} else {
					c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
				}
				http.ServeFileFS(c.Response(), c.Request(), app, name)
				return nil
			}
			// A missing file is a 404, not the app: a stale asset must not be answered with HTML.
			if path.Ext(name) != "" {
				return echo.ErrNotFound
			}
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
		return c.HTMLBlob(http.StatusOK, index)
	}
	e.GET("/", h)
	e.GET("/*", h)
	e.HEAD("/", h)
	e.HEAD("/*", h)
}

func setPageSecurity(h http.Header) {
	h.Set("Content-Security-Policy", pageSecurity)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}
