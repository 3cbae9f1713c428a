package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// count returns the number of rows of table.
func count(t *testing.T, env *apitest.Env, table string) int {
	t.Helper()
	var n int
	if err := env.DB.SQL.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A body without a field that openapi.yaml marks required answers 422 naming it; nothing is stored with a
// default in its place.
func TestRequiredFieldsAreNeverDefaulted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	contracts := count(t, w.env, "contracts")
	for _, field := range []string{"collective_fee_per_mu", "baseline_yield_kg_per_mu", "price_per_kg",
		"services[0].subsidy_per_mu", "services[0].baseline_cost_per_mu", "services[0].passes", "parcels[0].area_mu"} {
		body := w.contractBody(true, w.parcelA)
		if name, ok := strings.CutPrefix(field, "services[0]."); ok {
			delete(body["services"].([]map[string]any)[0], name)
		} else if name, ok := strings.CutPrefix(field, "parcels[0]."); ok {
			delete(body["parcels"].([]map[string]any)[0], name)
		} else {
			delete(body, field)
		}
		res := w.env.Do(t, w.env.Admin, http.MethodPost, "/api/v1/contracts", body)
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("contract without %s: status %d, want 422: %s", field, res.Status, res.Body)
			continue
		}
		if f := res.Fields(t); len(f) != 1 || f[0] != field {
			t.Errorf("contract without %s names %v", field, f)
		}
	}
	if n := count(t, w.env, "contracts"); n != contracts {
		t.Errorf("contracts: %d, want %d", n, contracts)
	}
	for _, c := range []struct{ method, path, token, field string }{
		{http.MethodPut, "/api/v1/regions/" + countyA + "/standard-area-weights", w.env.Admin, "weights"},
		{http.MethodPost, "/api/v1/operations/batch", w.token[asProvider], "operations"},
		{http.MethodPost, "/api/v1/auth/login", "", "username"},
	} {
		body := map[string]any{}
		if c.field == "username" {
			body["password"] = "whatever-it-is"
		}
		res := w.env.Do(t, c.token, c.method, c.path, body)
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s %s with %v: status %d, want 422: %s", c.method, c.path, body, res.Status, res.Body)
		} else if f := res.Fields(t); len(f) != 1 || f[0] != c.field {
			t.Errorf("%s %s names %v, want %s", c.method, c.path, f, c.field)
		}
	}
	res := w.env.Do(t, w.token[asProvider], http.MethodPost, "/api/v1/operations/batch", map[string]any{"operations": []any{}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("an empty batch: status %d, want 422", res.Status)
	}
}

// Work is never logged twice for want of a key: a single POST without an Idempotency-Key, or with a blank
// one, is refused, and so is a batch item without its idempotency_key; retries with keys create once.
func TestEveryLoggedOperationCarriesAKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	prov, c := w.token[asProvider], w.activeA
	ops := count(t, w.env, "operations")
	for _, key := range []*string{nil, ptr(""), ptr("   ")} {
		req := apitest.Request{Method: http.MethodPost, Path: "/api/v1/contracts/" + itoa(c.Id) + "/operations", Token: prov, Body: opBody(c)}
		if key != nil {
			req.Header = map[string]string{"Idempotency-Key": *key}
		}
		res := w.env.Send(t, req)
		if res.Status != http.StatusBadRequest {
			t.Errorf("key %v: status %d, want 400: %s", key, res.Status, res.Body)
		} else if f := res.Fields(t); len(f) != 1 || f[0] != "Idempotency-Key" {
			t.Errorf("key %v names %v", key, f)
		}
	}
	item := func(key any) map[string]any {
		b := opBody(c)
		b["contract_id"] = c.Id
		if key != nil {
			b["idempotency_key"] = key
		}
		return b
	}
	batch := map[string]any{"operations": []any{item(nil), item(""), item(" \t"), item("k-1")}}
	for range 3 {
		var out api.OperationBatchResults
		w.env.Expect(t, http.StatusOK, prov, http.MethodPost, "/api/v1/operations/batch", batch).JSON(t, &out)
		for i, r := range out.Results[:3] {
			if r.Status != api.Refused || r.Error == nil || r.Error.Errors == nil || (*r.Error.Errors)[0].Field != "idempotency_key" {
				t.Errorf("item %d: %+v, want refused naming idempotency_key", i, r)
			}
		}
		if s := out.Results[3].Status; s != api.Created && s != api.Exists {
			t.Errorf("keyed item: %s", s)
		}
	}
	if n := count(t, w.env, "operations"); n != ops+1 {
		t.Errorf("operations: %d, want %d (one keyed item, three sends)", n, ops+1)
	}
}

// A malformed batch item is refused alone, with its field; the valid items of the same batch are created.
func TestMalformedBatchItemsAreRefusedAlone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.activeA
	seq := 0
	item := func(field string, value any) map[string]any {
		seq++
		b := opBody(c)
		b["contract_id"], b["idempotency_key"] = c.Id, fmt.Sprintf("item-%d", seq)
		if field != "" {
			b[field] = value
		}
		return b
	}
	bad := []struct {
		field string
		value any
	}{
		{"area_mu", "NaN"}, {"area_mu", "1e400"}, {"area_mu", "0.123"}, {"op_date", "2026-02-30"},
		{"note", "a\u0000b"}, {"parcel_id", "1"}, {"contract_id", "x"}, {"moisture_pct", []int{1}},
	}
	items := []any{item("", nil)}
	for _, b := range bad {
		items = append(items, item(b.field, b.value))
	}
	items = append(items, item("", nil))
	raw := strings.Replace(mustJSON(t, map[string]any{"operations": items}), `"1e400"`, `1e400`, 1)
	var out api.OperationBatchResults
	w.env.Expect(t, http.StatusOK, w.token[asProvider], http.MethodPost, "/api/v1/operations/batch", raw).JSON(t, &out)
	if len(out.Results) != len(items) {
		t.Fatalf("%d results for %d items", len(out.Results), len(items))
	}
	for i, r := range out.Results {
		if i == 0 || i == len(items)-1 {
			if r.Status != api.Created {
				t.Errorf("valid item %d: %+v", i, r)
			}
			continue
		}
		want := bad[i-1].field
		if r.Status != api.Refused || r.Error == nil || r.Error.Status/100 != 4 || r.Error.Errors == nil || (*r.Error.Errors)[0].Field != want {
			t.Errorf("item %d (%s = %v): %+v, want refused naming %s", i, want, bad[i-1].value, r, want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
