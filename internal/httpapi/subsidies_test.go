package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/api"
)

func policyBody(share, perMu, enforcement string) map[string]any {
	return map[string]any{"max_share_pct": share, "max_per_mu": perMu, "key_op_types": custodyOps,
		"max_per_provider": "100000.00", "min_household_share_pct": "60.00", "sample_pct": "5.00", "enforcement": enforcement}
}

func policyPath(county string) string {
	return fmt.Sprintf("/api/v1/subsidy-policies/%s/%d", county, worldSeason())
}

// The county's bureau keeps its policy; every account in scope reads it; others are refused as the roles table
// says, and a bad policy names its fields.
func TestSubsidyPolicyIsKeptByTheCountysBureau(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.env.Expect(t, http.StatusNotFound, w.token[asBureau], http.MethodGet, policyPath(countyA), nil)
	var put api.SubsidyPolicy
	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPut, policyPath(countyA), policyBody("40.00", "130.00", "refuse")).JSON(t, &put)
	if put.MaxSharePct.String() != "40.00" || put.MaxPerMu.String() != "130.00" || put.CountyCode != countyA || len(put.KeyOpTypes) != 4 {
		t.Errorf("put %+v", put)
	}
	for _, tok := range []string{w.env.Admin, w.token[asBureau], w.token[asCollective], w.token[asProvider]} {
		var got api.SubsidyPolicy
		w.env.Expect(t, http.StatusOK, tok, http.MethodGet, policyPath(countyA), nil).JSON(t, &got)
		if got.Enforcement != api.SubsidyPolicyEnforcementRefuse {
			t.Errorf("read %+v", got)
		}
	}
	w.env.Expect(t, http.StatusNotFound, w.bureauBToken, http.MethodGet, policyPath(countyA), nil)
	w.env.Expect(t, http.StatusNotFound, w.collBUserToken, http.MethodGet, policyPath(countyA), nil)
	w.env.Expect(t, http.StatusNotFound, w.bureauBToken, http.MethodPut, policyPath(countyA), policyBody("30.00", "100.00", "flag"))
	w.env.Expect(t, http.StatusForbidden, w.token[asCollective], http.MethodPut, policyPath(countyA), policyBody("30.00", "100.00", "flag"))
	w.env.Expect(t, http.StatusForbidden, w.token[asProvider], http.MethodPut, policyPath(countyA), policyBody("30.00", "100.00", "flag"))
	w.env.Expect(t, http.StatusNotFound, w.env.Admin, http.MethodPut, fmt.Sprintf("/api/v1/subsidy-policies/%s/%d", townshipA, worldSeason()), policyBody("30.00", "100.00", "flag"))

	bad := policyBody("100.01", "-1.00", "flag")
	bad["sample_pct"], bad["key_op_types"] = "0.00", []string{"ploughing", "dancing"}
	res := w.env.Do(t, w.token[asBureau], http.MethodPut, policyPath(countyA), bad)
	if res.Status/100 != 4 {
		t.Fatalf("bad policy: %d", res.Status)
	}
	bad["key_op_types"] = custodyOps
	res = w.env.Do(t, w.token[asBureau], http.MethodPut, policyPath(countyA), bad)
	if res.Status != http.StatusUnprocessableEntity || !slices.Equal(res.Fields(t), []string{"max_share_pct", "sample_pct", "max_per_mu"}) {
		t.Errorf("bad policy: %d %v", res.Status, res.Body)
	}
	// Replaced while nothing is approved; refused once a settlement of the county and season is.
	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPut, policyPath(countyA), policyBody("30.00", "100.00", "flag"))
	if _, err := w.env.DB.SQL.Exec(`INSERT INTO settlements (county_code, provider_id, season_year, status) VALUES ($1, $2, $3, 'approved')`,
		countyA[:6], w.provA.Id, worldSeason()); err != nil {
		t.Fatal(err)
	}
	w.env.Expect(t, http.StatusConflict, w.token[asBureau], http.MethodPut, policyPath(countyA), policyBody("40.00", "130.00", "refuse"))
	var kept api.SubsidyPolicy
	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodGet, policyPath(countyA), nil).JSON(t, &kept)
	if kept.MaxSharePct.String() != "30.00" {
		t.Errorf("the refused replacement changed the policy: %+v", kept)
	}
}

// Under a policy that refuses, an activation breaking it answers 422 naming each line over its share and the
// key operations over their sum, and changes nothing; under one that flags, the contract activates and
// carries the flags.
func TestActivationKeepsTheSubsidyPolicy(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The world's lines: ploughing 60.00 subsidised 20.00, sowing 40.00/10.00, plant protection 15.00/5.00 twice,
	// harvesting 70.00/20.00: at 30 % ploughing and plant protection are over, and the key lines sum 60.00.
	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPut, policyPath(countyA), policyBody("30.00", "50.00", "refuse"))
	draft := w.newDraft(t, true)
	res := w.env.Do(t, w.token[asCollective], http.MethodPost, "/api/v1/contracts/"+itoa(draft.Id)+"/activate", nil)
	// Lines are named by their place in the contract as it is stored and read back.
	line := func(op string) string {
		i := slices.IndexFunc(draft.Services, func(l api.ServiceLine) bool { return l.OpType == op })
		return fmt.Sprintf("services[%d].subsidy_per_mu", i)
	}
	want := []string{line("plant_protection"), line("ploughing"), "services"}
	slices.Sort(want[:2])
	if res.Status != http.StatusUnprocessableEntity || !slices.Equal(res.Fields(t), want) {
		t.Fatalf("activation under a refusing policy: %d %s, want 422 naming %v", res.Status, res.Body, want)
	}
	var still api.Contract
	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, "/api/v1/contracts/"+itoa(draft.Id), nil).JSON(t, &still)
	if still.Status != api.ContractStatusDraft || len(still.PolicyFlags) != 0 {
		t.Errorf("the refused activation changed the contract: %+v", still)
	}

	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPut, policyPath(countyA), policyBody("30.00", "50.00", "flag"))
	var active api.Contract
	w.env.Expect(t, http.StatusOK, w.token[asCollective], http.MethodPost, "/api/v1/contracts/"+itoa(draft.Id)+"/activate", nil).JSON(t, &active)
	var rules []string
	for _, f := range active.PolicyFlags {
		rules = append(rules, string(f.Rule)+" "+f.Field)
	}
	if active.Status != api.ContractStatusActive || !slices.Equal(rules, []string{"max_share " + want[0], "max_share " + want[1], "max_per_mu services"}) {
		t.Errorf("activation under a flagging policy: %s with flags %v", active.Status, rules)
	}
	// A contract that keeps the policy carries no flags; one of another county is not held to it.
	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPut, policyPath(countyA), policyBody("40.00", "130.00", "refuse"))
	ok := w.activate(t, w.newDraft(t, true))
	other := w.activate(t, w.newDraft(t, false))
	if len(ok.PolicyFlags) != 0 || len(other.PolicyFlags) != 0 {
		t.Errorf("flags on compliant contracts: %+v %+v", ok.PolicyFlags, other.PolicyFlags)
	}
}

// settlementCursor is the cursor of a list of settlements that starts at id.
func settlementCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id-1, 10)))
}

// A settlement answers its statement as JSON and as a CSV ledger with the total first and each village's line
// named in Chinese.
func TestSettlementStatementOverHTTP(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPut, policyPath(countyA), policyBody("30.00", "130.00", "flag"))
	c := w.newActive(t, true, day(-90), day(90))
	op := w.newOperation(t, c) // 0.10 mu of ploughing, priced 60.00 and subsidised 20.00: capped at 18.00
	w.env.Expect(t, http.StatusOK, w.token[asCollective], http.MethodPost, "/api/v1/operations/"+itoa(op.Id)+"/confirm", nil)
	var st api.Settlement
	w.env.Expect(t, http.StatusCreated, w.token[asBureau], http.MethodPost, "/api/v1/settlements", map[string]any{
		"provider_id": w.provA.Id, "county_code": countyA, "season_year": worldSeason()}).JSON(t, &st)
	// The world's own operation on activeA was never confirmed; this one is the provider's only confirmed work.
	if st.Operations != 1 || st.Claimed.String() != "2.00" || st.Eligible.String() != "1.80" || st.Payable.String() != "1.80" ||
		len(st.Lines) != 1 || st.Lines[0].OpType != "ploughing" || st.MinHouseholdSharePct == nil {
		t.Fatalf("statement %+v", st)
	}
	res := w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodGet, "/api/v1/settlements/"+itoa(st.Id)+"?format=csv", nil)
	body := string(res.Body)
	for _, want := range []string{"村集体", "合计", "耕整地", "2.00", "1.80"} {
		if !strings.Contains(body, want) {
			t.Errorf("the CSV statement lacks %q:\n%s", want, body)
		}
	}
	w.env.Expect(t, http.StatusOK, w.token[asProvider], http.MethodGet, "/api/v1/settlements/"+itoa(st.Id), nil)
	w.env.Expect(t, http.StatusForbidden, w.token[asCollective], http.MethodGet, "/api/v1/settlements/"+itoa(st.Id), nil)
}

// A field sample prints as the inspectors' check sheet: each operation drawn with its village, the farm masked,
// the operation type in Chinese, empty columns to fill in, and a signature line.
func TestFieldCheckSheet(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.newActive(t, true, day(-90), day(90))
	op := w.newOperation(t, c)
	w.env.Expect(t, http.StatusOK, w.token[asCollective], http.MethodPost, "/api/v1/operations/"+itoa(op.Id)+"/confirm", nil)
	var sm api.VerificationSample
	w.env.Expect(t, http.StatusCreated, w.token[asBureau], http.MethodPost, "/api/v1/verification-samples", map[string]any{
		"county_code": countyA, "season_year": worldSeason(), "sample_pct": "100.00", "seed": 3}).JSON(t, &sm)
	if len(sm.Items) != 1 || sm.Items[0].OperationId != op.Id || sm.Items[0].Result != nil || len(sm.Providers) != 1 {
		t.Fatalf("sample %+v", sm)
	}
	body := string(w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodGet, "/api/v1/verification-samples/"+itoa(sm.Id)+"?format=csv", nil).Body)
	farm := []rune(w.farmA.Name)
	for _, want := range []string{"实测面积(亩)", "耕整地", c.Number, string(farm[0]) + "**", "检查人签字", "0.10"} {
		if !strings.Contains(body, want) {
			t.Errorf("the check sheet lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, w.farmA.Name) && len(farm) > 1 {
		t.Errorf("the check sheet names the farm in full:\n%s", body)
	}
	res := w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodGet, "/api/v1/verification-samples/"+itoa(sm.Id)+"?format=xlsx", nil)
	if len(res.Body) < 100 || string(res.Body[:2]) != "PK" {
		t.Errorf("the check sheet as Excel: %d bytes", len(res.Body))
	}
}
