package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/demo"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// TestResponsesAreGzipped reads large and small answers over a real connection with and without
// Accept-Encoding: gzip. Large JSON and CSV are compressed, to the same bytes; problems and workbooks are not;
// every JSON and CSV answer names Accept-Encoding in Vary.
func TestResponsesAreGzipped(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	if _, err := demo.Load(context.Background(), env.Services, demo.Options{Seed: 7, Scale: decimal.RequireFromString("0.025")}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}} // see the encoding as sent

	get := func(t *testing.T, path, acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+env.Admin)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return resp, body
	}
	gunzip := func(t *testing.T, b []byte) []byte {
		t.Helper()
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	varies := func(r *http.Response) bool {
		return strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Encoding")
	}

	for _, path := range []string{
		"/api/v1/operations?season_year=2026&limit=500",
		"/api/v1/operations?season_year=2026&format=csv",
		"/api/v1/stats/regions/610631000000?season_year=2026&group_by=collective",
	} {
		t.Run(path, func(t *testing.T) {
			plain, want := get(t, path, "")
			if plain.StatusCode != http.StatusOK || plain.Header.Get("Content-Encoding") != "" || !varies(plain) {
				t.Fatalf("without Accept-Encoding: %d, Content-Encoding %q, Vary %q", plain.StatusCode, plain.Header.Get("Content-Encoding"), plain.Header.Values("Vary"))
			}
			zipped, raw := get(t, path, "br;q=1.0, gzip;q=0.8, *;q=0.1")
			if zipped.Header.Get("Content-Encoding") != "gzip" || !varies(zipped) {
				t.Fatalf("with Accept-Encoding gzip: Content-Encoding %q, Vary %q", zipped.Header.Get("Content-Encoding"), zipped.Header.Values("Vary"))
			}
			if n := zipped.Header.Get("Content-Length"); n != "" && n != strconv.Itoa(len(raw)) {
				t.Fatalf("Content-Length %s for %d compressed bytes", n, len(raw))
			}
			if got := gunzip(t, raw); !bytes.Equal(got, want) {
				t.Fatalf("gunzipped body (%d bytes) differs from the plain one (%d bytes)", len(got), len(want))
			}
			if len(raw)*3 > len(want) {
				t.Errorf("%d bytes compressed to %d", len(want), len(raw))
			}
			if refused, _ := get(t, path, "gzip;q=0"); refused.Header.Get("Content-Encoding") != "" {
				t.Errorf("gzip;q=0 answered with Content-Encoding %q", refused.Header.Get("Content-Encoding"))
			}
		})
	}

	t.Run("small and zipped answers stay as they are", func(t *testing.T) {
		nf, body := get(t, "/api/v1/contracts/999999999", "gzip")
		var p map[string]any
		if nf.StatusCode != http.StatusNotFound || nf.Header.Get("Content-Encoding") != "" || json.Unmarshal(body, &p) != nil {
			t.Errorf("a problem: %d, Content-Encoding %q: %s", nf.StatusCode, nf.Header.Get("Content-Encoding"), body)
		}
		xl, body := get(t, "/api/v1/operations?season_year=2026&format=xlsx", "gzip")
		if xl.StatusCode != http.StatusOK || xl.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(body, []byte("PK")) {
			t.Errorf("a workbook: %d, Content-Encoding %q", xl.StatusCode, xl.Header.Get("Content-Encoding"))
		}
	})
}
