package httpapi_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

var edgeSaneID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// edgeProblem checks that res is a problem of status whose request_id is the response's X-Request-Id.
func edgeProblem(t *testing.T, res *apitest.Response, status int) api.Problem {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
	}
	p := res.Problem(t)
	if p.Status != status || p.Title != http.StatusText(status) || p.Type == "" {
		t.Errorf("problem %+v does not match status %d", p, status)
	}
	rid := res.Header.Get("X-Request-Id")
	if rid == "" || p.RequestId == nil || *p.RequestId != rid {
		t.Errorf("problem request_id %v, X-Request-Id %q", p.RequestId, rid)
	}
	return p
}

func TestEdgeUnknownRoutesAnswer404Problems(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	cases := []struct {
		method, path string
		token        string
		bug          string
	}{
		{http.MethodGet, "/nope", "", ""},
		{http.MethodGet, "/nope", env.Admin, ""},
		{http.MethodPost, "/nope/deeper?x=1", "", ""},
		{http.MethodGet, "/api/v2/regions", "", ""},
		{http.MethodGet, "/api/v1/nope", "", ""},
		{http.MethodGet, "/api/v1/nope", "not-a-token", ""},
		{http.MethodGet, "/api/v1/nope", env.Admin, ""},
		{http.MethodPost, "/api/v1/nope", "", ""},
		{http.MethodGet, "/api/v1/", "", ""},
		{http.MethodGet, "/api/v1/regions/", "", ""},
		{http.MethodGet, "/api/v1/no-such-collection", "", ""},
		{http.MethodHead, "/api/v1/nope", "", ""},
		{http.MethodGet, "/api/v1", "", "middleware.go authenticate only short-cuts the group's \"/api/v1/*\" catch-all; echo's Group.Use also registers \"/api/v1\" itself, so GET /api/v1 without a token answers 401 (404 with one)"},
		{http.MethodGet, "/api/v1/collectives/1/x", "", "the echo router hands \"1/x\" to GetCollective's :id (route /api/v1/collectives/:id), so an unknown path answers 401 without a token and 400 \"id is malformed\" with one"},
		{http.MethodGet, "/api/v1/collectives/1/x", env.Admin, "as above: 400 naming id instead of 404"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			res := env.Send(t, apitest.Request{Method: c.method, Path: c.path, Token: c.token})
			if c.method == http.MethodHead {
				if res.Status != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("HEAD: %d %q", res.Status, res.Header.Get("Content-Type"))
				}
				return
			}
			edgeProblem(t, res, http.StatusNotFound)
			if res.Header.Get("WWW-Authenticate") != "" {
				t.Errorf("an unknown route asks for a credential")
			}
		})
	}
}

func TestEdgeWrongMethodAnswers405Problem(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	cases := []struct {
		method, path string
		allow        string
		bug          string
	}{
		{http.MethodPut, "/healthz", http.MethodGet, ""},
		{http.MethodPost, "/readyz", http.MethodGet, ""},
		{http.MethodDelete, "/metrics", http.MethodGet, ""},
		{http.MethodPost, "/openapi.yaml", http.MethodGet, ""},
		{http.MethodDelete, "/api/v1/regions", http.MethodPost, "server.go groups /api/v1 with echo's Group(prefix, middleware), which registers a RouteNotFound catch-all \"/api/v1/*\"; a known API path with a wrong method falls to it and answers 404 (no Allow header) instead of 405"},
		{http.MethodPut, "/api/v1/collectives/1", http.MethodPatch, "as above"},
		{http.MethodDelete, "/api/v1/audit-events", http.MethodGet, "as above"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			res := env.Send(t, apitest.Request{Method: c.method, Path: c.path, Token: env.Admin})
			edgeProblem(t, res, http.StatusMethodNotAllowed)
			if allow := res.Header.Get("Allow"); !strings.Contains(allow, c.allow) {
				t.Errorf("Allow = %q, want it to name %s", allow, c.allow)
			}
		})
	}
}

func TestEdgeRequestID(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	seen := map[string]bool{}
	for range 5 {
		res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/healthz"})
		id := res.Header.Get("X-Request-Id")
		if !edgeSaneID.MatchString(id) || len(id) < 16 || seen[id] {
			t.Errorf("generated request id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
	for _, sane := range []string{"abc", "client-123.retry_2", strings.Repeat("a", 64), "0"} {
		res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions", Token: env.Admin, Header: map[string]string{"X-Request-Id": sane}})
		if got := res.Header.Get("X-Request-Id"); got != sane {
			t.Errorf("sent %q, echoed %q", sane, got)
		}
		res = env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions/619900000000", Token: env.Admin, Header: map[string]string{"X-Request-Id": sane}})
		if p := edgeProblem(t, res, http.StatusNotFound); p.RequestId == nil || *p.RequestId != sane {
			t.Errorf("problem request_id %v, want %q", p.RequestId, sane)
		}
	}
	for _, hostile := range []string{
		strings.Repeat("a", 65), strings.Repeat("x", 500), "has space", "line\nbreak", "cr\rlf", "tab\there",
		"请求", "a;b", "a,b", "<script>", "../../etc", `"quoted"`, "%0d%0a", "\x00",
	} {
		res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/nope", Header: map[string]string{"X-Request-Id": hostile}})
		got := res.Header.Get("X-Request-Id")
		if got == hostile || !edgeSaneID.MatchString(got) || strings.Contains(string(res.Body), hostile) && hostile != "\x00" {
			t.Errorf("sent %q, answered X-Request-Id %q: %s", hostile, got, res.Body)
		}
		edgeProblem(t, res, http.StatusNotFound)
	}
}

func TestEdgeEveryProblemCarriesTheRequestID(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	rgBuild(t, env)
	bureau := rgBureau(t, env, "huanglong", "610631000000")
	cases := []struct {
		status int
		req    apitest.Request
	}{
		{http.StatusBadRequest, apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Token: env.Admin, Body: `{"code":`}},
		{http.StatusBadRequest, apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions?limit=0", Token: env.Admin}},
		{http.StatusUnauthorized, apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions"}},
		{http.StatusUnauthorized, apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions", Token: "tg_forged"}},
		{http.StatusUnauthorized, apitest.Request{Method: http.MethodPost, Path: "/api/v1/auth/login", Body: api.LoginRequest{Username: "admin", Password: "wrong-password"}}},
		{http.StatusForbidden, apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Token: bureau, Body: api.RegionCreate{Code: "610631100203", Name: "新村"}}},
		{http.StatusNotFound, apitest.Request{Method: http.MethodGet, Path: "/api/v1/regions/610632000000", Token: bureau}},
		{http.StatusMethodNotAllowed, apitest.Request{Method: http.MethodPost, Path: "/healthz"}},
		{http.StatusConflict, apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Token: env.Admin, Body: api.RegionCreate{Code: "610000000000", Name: "陕西省"}}},
		{http.StatusRequestEntityTooLarge, apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Token: env.Admin, Body: []byte(biHuge(4<<20 + 1))}},
		{http.StatusUnsupportedMediaType, apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Token: env.Admin, Body: `{}`, Header: map[string]string{"Content-Type": "text/plain"}}},
		{http.StatusUnprocessableEntity, apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Token: env.Admin, Body: api.RegionCreate{Code: "x", Name: "y"}}},
	}
	for _, c := range cases {
		for _, rid := range []string{"", "trace-" + itoa(int64(c.status))} {
			c.req.Header = map[string]string{"Content-Type": "application/json"}
			if c.status == http.StatusUnsupportedMediaType {
				c.req.Header["Content-Type"] = "text/plain"
			}
			if rid != "" {
				c.req.Header["X-Request-Id"] = rid
			}
			if c.req.Body == nil {
				delete(c.req.Header, "Content-Type")
			}
			var res *apitest.Response
			if c.status == http.StatusUnsupportedMediaType {
				res = biRawSend(t, env, c.req.Method, c.req.Path, c.req.Token, []byte(c.req.Body.(string)), false, c.req.Header)
			} else {
				res = env.Send(t, c.req)
			}
			p := edgeProblem(t, res, c.status)
			if rid != "" && (p.RequestId == nil || *p.RequestId != rid) {
				t.Errorf("%d: request_id %v, want %s", c.status, p.RequestId, rid)
			}
			if p.Instance == nil || !strings.HasPrefix(c.req.Path, *p.Instance) {
				t.Errorf("%d: instance %v for %s", c.status, p.Instance, c.req.Path)
			}
		}
	}
}

func TestEdgeHealthAndReadiness(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	var body map[string]string
	res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/healthz"})
	if res.Status != http.StatusOK {
		t.Fatalf("/healthz: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &body)
	if body["status"] != "ok" {
		t.Errorf("/healthz: %v", body)
	}
	res = env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/readyz"})
	if res.Status != http.StatusOK {
		t.Fatalf("/readyz on a migrated database: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &body)
	if body["status"] != "ready" {
		t.Errorf("/readyz: %v", body)
	}

	if _, err := env.DB.SQL.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	res = env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/readyz"})
	p := edgeProblem(t, res, http.StatusServiceUnavailable)
	if p.Detail == nil || !strings.Contains(*p.Detail, "migration") {
		t.Errorf("/readyz with a pending migration: %+v", p)
	}
	if res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/healthz"}); res.Status != http.StatusOK {
		t.Errorf("/healthz follows readiness: %d", res.Status)
	}
}

func TestEdgeSpecificationAndDocs(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/openapi.yaml"})
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "yaml") {
		t.Fatalf("/openapi.yaml: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(res.Body)
	if err != nil {
		t.Fatalf("kin-openapi cannot load /openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("/openapi.yaml does not validate: %v", err)
	}
	for _, p := range []string{"/regions", "/regions/{code}", "/collectives", "/collectives/{id}", "/users", "/auth/login", "/audit-events"} {
		if doc.Paths.Find(p) == nil {
			t.Errorf("/openapi.yaml has no path %s", p)
		}
	}
	if doc.Paths.Find("/regions").Post == nil {
		t.Error("/openapi.yaml: no POST /regions")
	}

	res = env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/docs"})
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{`src="/docs/redoc.standalone.js"`, `spec-url="/openapi.yaml"`, "<html"} {
		if !strings.Contains(string(res.Body), want) {
			t.Errorf("/docs lacks %s", want)
		}
	}
	if strings.Contains(string(res.Body), "https://") || strings.Contains(string(res.Body), "http://") {
		t.Errorf("/docs loads something from the internet:\n%s", res.Body)
	}
	res = env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/docs/redoc.standalone.js"})
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "javascript") || len(res.Body) < 500<<10 {
		t.Errorf("/docs/redoc.standalone.js: %d %q, %d bytes", res.Status, res.Header.Get("Content-Type"), len(res.Body))
	}
}

func TestEdgeMetricsLabelRoutesByTemplate(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	env.Expect(t, http.StatusNotFound, env.Admin, http.MethodGet, "/api/v1/collectives/424242", nil)
	env.Expect(t, http.StatusNotFound, env.Admin, http.MethodGet, "/api/v1/collectives/434343", nil)
	env.Expect(t, http.StatusNotFound, env.Admin, http.MethodGet, "/api/v1/regions/619988000000", nil)
	env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/zz-unknown-path-7781"})
	env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/api/v1/zz-unknown-path-7782"})

	res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/metrics"})
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	text := string(res.Body)
	for _, want := range []string{
		`tuoguan_http_requests_total{method="GET",route="/api/v1/collectives/:id",status="404"} 2`,
		`tuoguan_http_requests_total{method="GET",route="/api/v1/regions/:code",status="404"} 1`,
		`tuoguan_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"} 1`,
		`tuoguan_http_request_duration_seconds_bucket{method="GET",route="/api/v1/collectives/:id",le=`,
		"go_goroutines ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	routes := map[string]bool{"unmatched": true}
	for _, r := range env.Handler.Routes() {
		routes[r.Path] = true
	}
	label := regexp.MustCompile(`route="([^"]*)"`)
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "tuoguan_http_") {
			continue
		}
		for _, m := range label.FindAllStringSubmatch(line, -1) {
			n++
			if !routes[m[1]] {
				t.Errorf("route label %q is not a route template: %s", m[1], line)
			}
		}
		for _, raw := range []string{"424242", "434343", "619988000000", "7781", "7782"} {
			if strings.Contains(line, raw) {
				t.Errorf("a raw path reached a label: %s", line)
			}
		}
	}
	if n == 0 {
		t.Error("no route labels")
	}
}
