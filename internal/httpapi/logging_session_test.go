package httpapi_test

import (
	"crypto/sha256"
	"net/http"
	"testing"
)

// The routes that log operations confirm the caller's session inside their own transaction once the server
// has seen the token live. A session revoked since is answered 401 whatever else is wrong with the request —
// a malformed body, a batch whose every item is refused before the database is asked, an empty batch — and
// nothing is written.
func TestLoggingRoutesConfirmTheSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.activeA
	single, batch := "/api/v1/contracts/"+itoa(c.Id)+"/operations", "/api/v1/operations/batch"
	item := func(key string) map[string]any {
		b := opBody(c)
		b["contract_id"], b["idempotency_key"] = c.Id, key
		return b
	}
	for _, tc := range []struct {
		name, path string
		body       any
	}{
		{"one operation", single, opBody(c)},
		{"one malformed operation", single, map[string]any{"parcel_id": "not a number"}},
		{"a batch", batch, map[string]any{"operations": []any{item("confirmed-1")}}},
		{"a batch of items refused before the database", batch, map[string]any{"operations": []any{map[string]any{"contract_id": c.Id, "idempotency_key": "confirmed-2"}}}},
		{"an empty batch", batch, map[string]any{"operations": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := w.login(t, "provider-a")
			for range 2 { // the first request authenticates the token, the second confirms it in its transaction
				w.env.ExpectKeyed(t, http.StatusCreated, token, http.MethodPost, single, opBody(c))
			}
			hash := sha256.Sum256([]byte(token))
			if _, err := w.env.DB.SQL.Exec("UPDATE sessions SET revoked_at = now() WHERE token_hash = $1", hash[:]); err != nil {
				t.Fatal(err)
			}
			ops := countRows(t, w.env, "operations")
			res := w.env.DoKeyed(t, token, http.MethodPost, tc.path, tc.body)
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("a revoked session answers %d, want 401: %s", res.Status, res.Body)
			}
			res.Problem(t)
			if res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("the 401 carries no WWW-Authenticate")
			}
			if n := countRows(t, w.env, "operations"); n != ops {
				t.Errorf("operations: %d after the refusal, want %d", n, ops)
			}
		})
	}
}
