package httpapi_test

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tuoguan/tuoguan/internal/httpapi"
	"github.com/tuoguan/tuoguan/internal/services"
)

func webAppHandler(app fstest.MapFS) http.Handler {
	cfg := httpapi.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	if app != nil {
		cfg.WebApp = app
	}
	return httpapi.New(services.Services{}, cfg)
}

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Result()
}

func TestWebAppIsServedAtTheRoot(t *testing.T) {
	t.Parallel()
	index := "<!doctype html><title>app</title>"
	h := webAppHandler(fstest.MapFS{
		"index.html":             {Data: []byte(index)},
		"assets/index-abc123.js": {Data: []byte("console.log(1)")},
		"robots.txt":             {Data: []byte("User-agent: *")},
	})
	cases := []struct {
		path, cache, body string
		status            int
	}{
		{"/", "no-cache", index, 200},
		{"/bureau/townships/610631100000", "no-cache", index, 200}, // the app's own route, after a reload
		{"/assets/index-abc123.js", "immutable", "console.log(1)", 200},
		{"/robots.txt", "no-cache", "User-agent: *", 200},
		{"/assets/index-gone.js", "", "", 404}, // a stale asset is not answered with the page
	}
	for _, c := range cases {
		res := get(t, h, c.path)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, res.StatusCode, c.status)
			continue
		}
		if c.status != 200 {
			continue
		}
		if string(body) != c.body {
			t.Errorf("GET %s: body %q, want %q", c.path, body, c.body)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, c.cache) {
			t.Errorf("GET %s: Cache-Control %q, want %q", c.path, cc, c.cache)
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", c.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Errorf("GET %s: Content-Security-Policy %q allows inline or evaluated script", c.path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("GET %s: headers %v", c.path, res.Header)
		}
	}

	// The API keeps answering problems, never the page.
	for _, p := range []string{"/api/v1/no-such-thing", "/api/v2/x"} {
		res := get(t, h, p)
		if res.StatusCode != 404 && res.StatusCode != 401 || !strings.Contains(res.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("GET %s: %d %s, want a problem", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	// Text files go out gzipped to clients that take gzip.
	big := strings.Repeat("export const x = 1;\n", 200)
	gz := webAppHandler(fstest.MapFS{"index.html": {Data: []byte(index)}, "assets/big-1.js": {Data: []byte(big)}})
	req := httptest.NewRequest(http.MethodGet, "/assets/big-1.js", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	rec := httptest.NewRecorder()
	gz.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("GET a script with gzip accepted: %v", rec.Header())
	} else if zr, err := gzip.NewReader(rec.Body); err != nil {
		t.Error(err)
	} else if b, _ := io.ReadAll(zr); string(b) != big {
		t.Errorf("the gzipped script reads %d bytes, want %d", len(b), len(big))
	}
	if res := get(t, gz, "/assets/big-1.js"); res.Header.Get("Content-Encoding") != "" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("GET a script without gzip: %v", res.Header)
	}

	// Only GET and HEAD reach the app; a wrong method on a known path is still 405.
	for _, c := range []struct {
		method, path string
		status       int
	}{{http.MethodPost, "/bureau", 404}, {http.MethodPut, "/healthz", 405}, {http.MethodHead, "/bureau", 200}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.status)
		}
	}
	if res := get(t, h, "/healthz"); res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "json") {
		t.Errorf("GET /healthz: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestWebAppNotBuilt(t *testing.T) {
	t.Parallel()
	h := webAppHandler(fstest.MapFS{})
	res := get(t, h, "/")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), "not built") {
		t.Errorf("GET / without the app: %d %s", res.StatusCode, body)
	}
	if res := get(t, h, "/bureau"); res.StatusCode != 404 {
		t.Errorf("GET /bureau without the app: %d, want 404", res.StatusCode)
	}
}
