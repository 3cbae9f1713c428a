package httpapi_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
)

// cutOff makes env's database unreachable as an outage does, without touching the server others use: its
// connections are terminated (admin_shutdown) and new ones refused. It returns the function that lets them
// in again.
func cutOff(t *testing.T, env *apitest.Env) (restore func()) {
	t.Helper()
	ctx := context.Background()
	var name string
	if err := env.DB.SQL.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := admin.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " ALLOW_CONNECTIONS false")
	exec("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
	done := false
	restore = func() {
		if done {
			return
		}
		done = true
		exec("ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " ALLOW_CONNECTIONS true")
		admin.Close(ctx)
	}
	t.Cleanup(restore)
	return restore
}

// outageProblem fails t unless res is a 503 problem with a Retry-After of whole seconds, at least one.
func outageProblem(t *testing.T, what string, res *apitest.Response) {
	t.Helper()
	if res.Status != http.StatusServiceUnavailable {
		t.Errorf("%s during an outage: status %d, want 503: %s", what, res.Status, res.Body)
		return
	}
	if p := res.Problem(t); p.Status != http.StatusServiceUnavailable || p.Code != "unavailable" {
		t.Errorf("%s during an outage: problem %+v", what, p)
	}
	if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("%s during an outage: Retry-After %q, want whole seconds", what, res.Header.Get("Retry-After"))
	}
}

// TestDatabaseOutageAnswers503WithRetryAfterAndRecovers cuts the database off under a running server: reads,
// single and batch logging, login and readiness answer 503 problems with Retry-After (never 500); once the
// database is back, the same server answers again and a retried operation is created once.
func TestDatabaseOutageAnswers503WithRetryAfterAndRecovers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	env, prov := w.env, w.token[asProvider]
	opPath := "/api/v1/contracts/" + itoa(w.activeA.Id) + "/operations"
	logOp := func() *apitest.Response {
		return env.Send(t, apitest.Request{Method: http.MethodPost, Path: opPath, Token: prov, Body: opBody(w.activeA),
			Header: map[string]string{"Idempotency-Key": "outage-1"}})
	}
	item := opBody(w.activeA)
	item["contract_id"], item["idempotency_key"] = w.activeA.Id, "outage-batch-1"
	batch := map[string]any{"operations": []any{item}}

	restore := cutOff(t, env)
	outageProblem(t, "GET /regions", env.Do(t, env.Admin, http.MethodGet, "/api/v1/regions", nil))
	outageProblem(t, "POST operation", logOp())
	outageProblem(t, "POST /operations/batch", env.Do(t, prov, http.MethodPost, "/api/v1/operations/batch", batch))
	outageProblem(t, "GET /contracts/{id}", env.Do(t, env.Admin, http.MethodGet, "/api/v1/contracts/"+itoa(w.activeA.Id), nil))
	outageProblem(t, "POST /auth/login", env.Do(t, "", http.MethodPost, "/api/v1/auth/login",
		api.LoginRequest{Username: "admin", Password: apitest.AdminPassword}))
	outageProblem(t, "GET /readyz", env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/readyz"}))
	restore()

	// A pooled connection that died in the outage and was not used since fails once more, answering 503 like
	// the outage; clients retry. The server must be back within a few of those, without a restart.
	back := false
	for i := 0; i < 20 && !back; i++ {
		res := env.Send(t, apitest.Request{Method: http.MethodGet, Path: "/readyz"})
		if back = res.Status == http.StatusOK; !back {
			outageProblem(t, "GET /readyz as the database comes back", res)
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !back {
		t.Fatal("/readyz does not say ready after the outage")
	}
	for i := 0; ; i++ {
		res := env.Do(t, env.Admin, http.MethodGet, "/api/v1/regions", nil)
		if res.Status == http.StatusOK {
			break
		}
		outageProblem(t, "GET /regions as the database comes back", res)
		if i == 20 {
			t.Fatal("GET /regions does not answer after the outage")
		}
	}
	var first, again api.Operation
	if res := logOp(); res.Status != http.StatusCreated {
		t.Fatalf("operation after the outage: %d %s", res.Status, res.Body)
	} else {
		res.JSON(t, &first)
	}
	logOp().JSON(t, &again)
	if again.Id != first.Id {
		t.Errorf("the retried operation is %d, the original %d", again.Id, first.Id)
	}
	var results api.OperationBatchResults
	env.Expect(t, http.StatusOK, prov, http.MethodPost, "/api/v1/operations/batch", batch).JSON(t, &results)
	if len(results.Results) != 1 || results.Results[0].Status != api.Created {
		t.Errorf("batch after the outage: %+v", results.Results)
	}
}
