package httpapi

import (
	"bytes"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan/web"
)

// pageSecurity is the Content-Security-Policy of the web app: everything from the server's own
// origin, no inline or evaluated script, never framed. Style attributes are allowed because the charts position
// their tooltips with them; style elements still must come from the origin.
const pageSecurity = "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// webApp is the browser app served at /, held in memory with a gzipped copy of each text file, made once at
// start: the app is a few hundred kilobytes, and a phone on a weak signal should not fetch the charts
// uncompressed.
type webApp struct {
	files   map[string]webFile // by path without the leading slash; nil when the binary was built without the app
	started time.Time
}

type webFile struct {
	body, gz    []byte // gz is nil when gzip would not make the file smaller
	contentType string
}

// newWebApp returns the app in files, or, when files is nil, the one embedded in the binary, if any.
func newWebApp(files fs.FS) *webApp {
	if files == nil {
		files, _ = web.Dist()
	}
	w := &webApp{started: time.Now()}
	if files == nil {
		return w
	}
	loaded := map[string]webFile{}
	_ = fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		f := webFile{body: body, contentType: mime.TypeByExtension(path.Ext(name))}
		if f.contentType == "" {
			f.contentType = http.DetectContentType(body)
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if b.Len() < len(body)*9/10 {
			f.gz = b.Bytes()
		}
		loaded[name] = f
		return nil
	})
	if _, ok := loaded["index.html"]; ok {
		w.files = loaded
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
	if w.files == nil {
		if r.URL.Path != "/" {
			return false
		}
		setPageSecurity(h)
		h.Set(echo.HeaderCacheControl, "no-cache")
		_ = c.HTMLBlob(http.StatusOK, web.NotBuilt)
		return true
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	f, ok := w.files[name]
	switch {
	case ok && strings.HasPrefix(name, "assets/"):
		h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	case !ok && path.Ext(name) != "":
		return false // a missing file is a 404, not the app: a stale asset must not be answered with HTML
	default:
		if !ok {
			name, f = "index.html", w.files["index.html"]
		}
		h.Set(echo.HeaderCacheControl, "no-cache")
	}
	setPageSecurity(h)
	h.Set(echo.HeaderContentType, f.contentType)
	body := f.body
	if f.gz != nil {
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		if acceptsGzip(r.Header.Get(echo.HeaderAcceptEncoding)) {
			h.Set(echo.HeaderContentEncoding, "gzip")
			body = f.gz
		}
	}
	http.ServeContent(c.Response(), r, name, w.started, bytes.NewReader(body))
	return true
}

func setPageSecurity(h http.Header) {
	h.Set("Content-Security-Policy", pageSecurity)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}
