package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

func TestCustodyWorkedExampleEndToEnd(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	env := w.env
	body := w.providerBody(t, countyA)
	body["operation_types"] = []string{"ploughing", "sowing", "plant_protection", "harvesting"}
	var pr api.Provider
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/providers", body).JSON(t, &pr)
	env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/users", api.UserCreate{
		Username: "prov-a", Password: worldPassword, Role: api.RoleProvider, ProviderId: &pr.Id})
	prov := w.login(t, "prov-a")
	col := w.token[asCollective]
	year := time.Now().Year()
	contract := map[string]any{
		"farm_id": w.farmA.Id, "provider_id": pr.Id, "crop": "corn", "season_year": year, "mode": "full",
		"start_date": fmt.Sprintf("%d-01-01", year), "end_date": fmt.Sprintf("%d-12-31", year),
		"parcels": []map[string]any{{"parcel_id": w.parcelA.Id, "area_mu": "10.50"}},
		"services": []map[string]any{
			{"op_type": "ploughing", "passes": 1, "price_per_mu": "60.00", "subsidy_per_mu": "20.00", "baseline_cost_per_mu": "80.00"},
			{"op_type": "sowing", "passes": 1, "price_per_mu": "40.00", "subsidy_per_mu": "10.00", "baseline_cost_per_mu": "50.00"},
			{"op_type": "plant_protection", "passes": 2, "price_per_mu": "15.00", "subsidy_per_mu": "5.00", "baseline_cost_per_mu": "25.00"},
			{"op_type": "harvesting", "passes": 1, "price_per_mu": "70.00", "subsidy_per_mu": "20.00", "baseline_cost_per_mu": "100.00"},
		},
		"collective_fee_per_mu": "5.00", "baseline_yield_kg_per_mu": "500.00", "price_per_kg": "2.3000",
	}
	var c api.Contract
	env.Expect(t, http.StatusCreated, col, http.MethodPost, "/api/v1/contracts", contract).JSON(t, &c)
	if c.Number != fmt.Sprintf("%s-%d-0001", villageA1, year) || c.ContractedAreaMu.String() != "10.50" || c.Status != api.ContractStatusDraft {
		t.Fatalf("contract = %+v", c)
	}
	env.Expect(t, http.StatusOK, col, http.MethodPost, "/api/v1/contracts/"+itoa(c.Id)+"/activate", nil)
	// A second contract selling the same ploughing of the same mu cannot be activated.
	var c2 api.Contract
	env.Expect(t, http.StatusCreated, col, http.MethodPost, "/api/v1/contracts", contract).JSON(t, &c2)
	env.Expect(t, http.StatusConflict, col, http.MethodPost, "/api/v1/contracts/"+itoa(c2.Id)+"/activate", nil)

	today := time.Now().Format(time.DateOnly)
	logOp := func(key string, op map[string]any) *apitest.Response {
		op["op_date"] = today
		return env.Send(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/contracts/" + itoa(c.Id) + "/operations",
			Token: prov, Body: op, Header: map[string]string{"Idempotency-Key": key}})
	}
	var ids []int64
	for i, op := range []map[string]any{
		{"parcel_id": w.parcelA.Id, "op_type": "ploughing", "area_mu": "10.50"},
		{"parcel_id": w.parcelA.Id, "op_type": "sowing", "area_mu": "10.50"},
		{"parcel_id": w.parcelA.Id, "op_type": "plant_protection", "area_mu": "10.50"},
		{"parcel_id": w.parcelA.Id, "op_type": "plant_protection", "area_mu": "10.50"},
		{"parcel_id": w.parcelA.Id, "op_type": "harvesting", "area_mu": "10.50", "yield_kg": "5670.00"},
	} {
		res := logOp(fmt.Sprint("k", i), op)
		if res.Status != http.StatusCreated {
			t.Fatalf("operation %d: %d %s", i, res.Status, res.Body)
		}
		var o api.Operation
		res.JSON(t, &o)
		ids = append(ids, o.Id)
	}
	// A replay returns the original; the cap refuses a third plant protection.
	var replay api.Operation
	r := logOp("k4", map[string]any{"parcel_id": w.parcelA.Id, "op_type": "harvesting", "area_mu": "10.50", "yield_kg": "5670.00"})
	r.JSON(t, &replay)
	if r.Status != http.StatusCreated || replay.Id != ids[4] {
		t.Fatalf("replay: %d %+v", r.Status, replay)
	}
	if r := logOp("k4", map[string]any{"parcel_id": w.parcelA.Id, "op_type": "harvesting", "area_mu": "10.00", "yield_kg": "5670.00"}); r.Status != http.StatusConflict {
		t.Fatalf("reused key: %d %s", r.Status, r.Body)
	}
	if r := logOp("k9", map[string]any{"parcel_id": w.parcelA.Id, "op_type": "plant_protection", "area_mu": "0.01"}); r.Status != http.StatusConflict {
		t.Fatalf("over cap: %d %s", r.Status, r.Body)
	}
	for _, id := range ids {
		env.Expect(t, http.StatusOK, col, http.MethodPost, "/api/v1/operations/"+itoa(id)+"/confirm", nil)
	}
	env.Expect(t, http.StatusOK, col, http.MethodGet, "/api/v1/contracts/"+itoa(c.Id), nil).JSON(t, &c)
	for _, l := range c.Services {
		if l.PendingAreaMu.String() != "0.00" {
			t.Errorf("%s pending %s", l.OpType, l.PendingAreaMu)
		}
	}
	var batch api.OperationBatchResults
	env.Expect(t, http.StatusOK, prov, http.MethodPost, "/api/v1/operations/batch", map[string]any{"operations": []map[string]any{
		{"contract_id": c.Id, "idempotency_key": "k0", "parcel_id": w.parcelA.Id, "op_type": "ploughing", "area_mu": "10.50", "op_date": today},
		{"contract_id": c.Id, "idempotency_key": "b1", "parcel_id": w.parcelA.Id, "op_type": "ploughing", "area_mu": "1.00", "op_date": today},
		{"contract_id": c2.Id, "idempotency_key": "b2", "parcel_id": w.parcelA.Id, "op_type": "sowing", "area_mu": "1.00", "op_date": today},
	}}).JSON(t, &batch)
	want := []api.OperationBatchResultStatus{"exists", "refused", "refused"}
	for i, res := range batch.Results {
		if res.Status != want[i] {
			t.Errorf("batch item %d: %s %+v", i, res.Status, res.Error)
		}
	}
	var b api.ContractBenefit
	env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodGet, "/api/v1/contracts/"+itoa(c.Id)+"/benefit", nil).JSON(t, &b)
	for name, got := range map[string]string{"farmer_cost": b.FarmerCost.String(), "baseline_cost": b.BaselineCost.String(),
		"cost_saving": b.CostSaving.String(), "cost_saving_per_mu": b.CostSavingPerMu.String(), "income_gain": b.IncomeGain.String(),
		"income_gain_per_mu": b.IncomeGainPerMu.String(), "benefit": b.Benefit.String(), "benefit_per_mu": b.BenefitPerMu.String(),
		"yield_per_mu": b.YieldPerMu.String()} {
		want := map[string]string{"farmer_cost": "1522.50", "baseline_cost": "2940.00", "cost_saving": "1417.50", "cost_saving_per_mu": "135.00",
			"income_gain": "966.00", "income_gain_per_mu": "92.00", "benefit": "2383.50", "benefit_per_mu": "227.00", "yield_per_mu": "540.00"}[name]
		if got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	env.Expect(t, http.StatusOK, col, http.MethodPost, "/api/v1/contracts/"+itoa(c.Id)+"/complete", nil)
	var rs api.RegionStats
	env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodGet, fmt.Sprintf("/api/v1/stats/regions/%s?season_year=%d&group_by=op_type", countyA, year), nil).JSON(t, &rs)
	if rs.BenefitPerMu == nil || rs.BenefitPerMu.String() != "227.00" || rs.Contracts != 1 || len(rs.Groups) != 4 {
		t.Errorf("region stats = %+v", rs)
	}
	var sw api.StandardAreaWeights
	env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPut, "/api/v1/regions/"+townshipA+"/standard-area-weights",
		map[string]any{"weights": map[string]any{"ploughing": "1", "harvesting": 0.5}}).JSON(t, &sw)
	if sw.Source == nil || *sw.Source != townshipA || sw.Weights["ploughing"].String() != "1.0000" {
		t.Errorf("weights = %+v", sw)
	}
	env.Expect(t, http.StatusOK, w.token[asCollective], http.MethodGet, "/api/v1/regions/"+villageA1+"/standard-area-weights", nil).JSON(t, &sw)
	if sw.Source == nil || *sw.Source != townshipA {
		t.Errorf("village inherits %+v", sw)
	}
	env.Expect(t, http.StatusForbidden, w.token[asCollective], http.MethodPut, "/api/v1/regions/"+villageA1+"/standard-area-weights", map[string]any{"weights": map[string]any{}})
	env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodGet, fmt.Sprintf("/api/v1/stats/regions/%s?season_year=%d", townshipA, year), nil).JSON(t, &rs)
	if rs.StandardAreaMu.String() != "15.75" { // 10.50 × 1 + 10.50 × 0.5
		t.Errorf("standard area with the township's weights = %s", rs.StandardAreaMu)
	}
	csv := env.Send(t, apitest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/api/v1/stats/collectives?season_year=%d", year),
		Token: w.token[asBureau], Header: map[string]string{"Accept": "text/csv"}})
	if csv.Status != http.StatusOK || !strings.HasPrefix(string(csv.Body), "\ufeff") || !strings.Contains(string(csv.Body), "227.00") {
		t.Errorf("csv: %d %q", csv.Status, csv.Body)
	}
	xl := env.Send(t, apitest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/api/v1/stats/regions/%s?season_year=%d&format=xlsx", countyA, year), Token: w.token[asBureau]})
	if xl.Status != http.StatusOK || !strings.HasPrefix(string(xl.Body), "PK") {
		t.Errorf("xlsx: %d %q", xl.Status, xl.Header)
	}
	t.Log(string(csv.Body))
}
