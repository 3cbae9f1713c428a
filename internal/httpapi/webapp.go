package httpapi

import (
	"errors"
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

// webApp is the browser app served at /.
type webApp struct {
	files fs.FS  // the built app; nil when the binary was built without it
	index []byte // its index.html
}

// newWebApp returns the app in files, or, when files is nil, the one embedded in the binary, if any.
func newWebApp(files fs.FS) *webApp {
	if files == nil {
		files, _ = web.Dist()
	}
	w := &webApp{files: files}
	if files != nil {
		w.index, _ = fs.ReadFile(files, "index.html")
	}
	return w
}

// serves answers a GET or HEAD that no route matched (err is the router's 404) outside /api/: with a file of
// the app, or index.html for the app's own routes (/bureau/townships/…) so that they survive a reload. Hashed
// assets are cached for a year; everything else is revalidated on every load, so a new binary's app is picked
// up at once. A binary without the app answers / with a page saying it was not built. It returns false for the
// caller to answer the 404 problem: other methods, /api/ paths, a missing asset.
func (w *webApp) serves(err error, c echo.Context) bool {
	r := c.Request()
	if !errors.Is(err, echo.ErrNotFound) || c.Path() != "" && c.Path() != "/*" ||
		r.Method != http.MethodGet && r.Method != http.MethodHead || strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	h := c.Response().Header()
	if w.index == nil {
		if r.URL.Path != "/" {
			return false
		}
		setPageSecurity(h)
		h.Set(echo.HeaderCacheControl, "no-cache")
		_ = c.HTMLBlob(http.StatusOK, web.NotBuilt)
		return true
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name != "" && name != "index.html" {
		if st, err := fs.Stat(w.files, name); err == nil && !st.IsDir() {
			setPageSecurity(h)
			if strings.HasPrefix(name, "assets/") {
				h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
			} else {
				h.Set(echo.HeaderCacheControl, "no-cache")
			}
			http.ServeFileFS(c.Response(), r, w.files, name)
			return true
		}
		// A missing file is a 404, not the app: a stale asset must not be answered with HTML.
		if path.Ext(name) != "" {
			return false
		}
	}
	setPageSecurity(h)
	h.Set(echo.HeaderCacheControl, "no-cache")
	_ = c.HTMLBlob(http.StatusOK, w.index)
	return true
}

func setPageSecurity(h http.Header) {
	h.Set("Content-Security-Policy", pageSecurity)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}
