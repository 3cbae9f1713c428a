// Package apitest drives the real HTTP handler over a real database of its own, for tests: every response to
// an /api/v1 request is checked against openapi.yaml (status declared, body and headers matching the schema)
// before the test sees it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/httpapi"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/migrations"
)

// AdminPassword is the password of the admin account every Env starts with.
const AdminPassword = "admin-password"

// CheapHash keeps password hashing fast in tests; production uses account.DefaultHashParams.
var CheapHash = account.HashParams{MemoryKiB: 64, Time: 1, Threads: 1}

// Env is a running API over a database of its own.
type Env struct {
	DB       *postgres.DB
	Keys     *pii.Keyring
	Services httpapi.Services
	Handler  *echo.Echo
	// Admin is a token of the account "admin".
	Admin string
}

// Option adjusts an Env's account configuration before it starts.
type Option func(*account.Config)

// New starts an Env with a fresh database and logs in the admin.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return On(t, pgtest.New(t), opts...)
}

// On starts an Env over db, which must hold the current schema and no admin account, and logs in the admin.
func On(t testing.TB, db *postgres.DB, opts ...Option) *Env {
	t.Helper()
	keys, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	cfg := account.Config{Hash: CheapHash}
	for _, o := range opts {
		o(&cfg)
	}
	svc := httpapi.NewServices(db, keys, cfg)
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	env := &Env{DB: db, Keys: keys, Services: svc,
		Handler: httpapi.New(svc, httpapi.Config{Log: log, DB: db.SQL, Migrations: migrations.FS, Version: "test"})}
	if _, err := svc.Accounts.Bootstrap(context.Background(), AdminPassword); err != nil {
		t.Fatal(err)
	}
	env.Admin = env.Login(t, "admin", AdminPassword)
	return env
}

// Response is what the handler answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing t when it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes a problem+json body.
func (r *Response) Problem(t testing.TB) api.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, want application/problem+json: %s", r.Status, ct, r.Body)
	}
	var p api.Problem
	r.JSON(t, &p)
	return p
}

// Fields returns the fields a problem names, in order.
func (r *Response) Fields(t testing.TB) []string {
	t.Helper()
	p := r.Problem(t)
	var fields []string
	if p.Errors != nil {
		for _, e := range *p.Errors {
			fields = append(fields, e.Field)
		}
	}
	return fields
}

// Request is a request to send; Body is a value to marshal as JSON, or raw []byte / string sent as is.
type Request struct {
	Method, Path string
	Token        string
	Body         any
	Header       map[string]string
}

// Send serves req and checks the response against the specification.
func (e *Env) Send(t testing.TB, req Request) *Response {
	t.Helper()
	var body io.Reader
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	r := httptest.NewRequest(req.Method, "http://tuoguan.test"+req.Path, body)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		r.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	resp := &Response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
	if strings.HasPrefix(req.Path, "/api/v1/") {
		checkSpec(t, req, resp)
	}
	return resp
}

// Do sends a JSON request with a token.
func (e *Env) Do(t testing.TB, token, method, path string, body any) *Response {
	t.Helper()
	return e.Send(t, Request{Method: method, Path: path, Token: token, Body: body})
}

// Expect sends a request and fails t unless the status is want; it returns the response.
func (e *Env) Expect(t testing.TB, want int, token, method, path string, body any) *Response {
	t.Helper()
	r := e.Do(t, token, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// keys numbers the idempotency keys DoKeyed makes, unique within a test process.
var keys atomic.Int64

// DoKeyed sends a JSON request with a token and a fresh Idempotency-Key, as every client that logs work must.
func (e *Env) DoKeyed(t testing.TB, token, method, path string, body any) *Response {
	t.Helper()
	key := fmt.Sprintf("apitest-%d-%d", os.Getpid(), keys.Add(1))
	return e.Send(t, Request{Method: method, Path: path, Token: token, Body: body, Header: map[string]string{"Idempotency-Key": key}})
}

// ExpectKeyed is DoKeyed that fails t unless the status is want.
func (e *Env) ExpectKeyed(t testing.TB, want int, token, method, path string, body any) *Response {
	t.Helper()
	r := e.DoKeyed(t, token, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// Login returns a token for username.
func (e *Env) Login(t testing.TB, username, password string) string {
	t.Helper()
	var s api.Session
	e.Expect(t, http.StatusOK, "", http.MethodPost, "/api/v1/auth/login", api.LoginRequest{Username: username, Password: password}).JSON(t, &s)
	return s.Token
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func router() (routers.Router, error) {
	specOnce.Do(func() {
		var doc *openapi3.T
		if doc, specErr = api.GetSpec(); specErr != nil {
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://tuoguan.test/api/v1"}}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	return specRouter, specErr
}

// checkSpec fails t when resp is not what openapi.yaml declares for req: an undeclared route or status, or a
// body or header that does not match the schema.
func checkSpec(t testing.TB, req Request, resp *Response) {
	t.Helper()
	rt, err := router()
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	hr := httptest.NewRequest(req.Method, "http://tuoguan.test"+req.Path, nil)
	route, params, err := rt.FindRoute(hr)
	if err != nil {
		if resp.Status == http.StatusNotFound || resp.Status == http.StatusMethodNotAllowed || resp.Status == http.StatusUnauthorized {
			return // no such route: the problem is all there is to check, and the handler's one place writes it
		}
		t.Fatalf("%s %s answered %d but is not in openapi.yaml: %v", req.Method, req.Path, resp.Status, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route},
		Status:                 resp.Status,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("%s %s: response %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.Path, resp.Status, err, resp.Body)
	}
}

// testLog writes the server's warnings and errors into the test's log, next to the failure they explain.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
