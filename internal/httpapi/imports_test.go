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

// importCSV posts a roster file as token and returns the answer's status and result.
func importCSV(t *testing.T, env *apitest.Env, token, path, csv string) (*apitest.Response, api.ImportResult) {
	t.Helper()
	res := env.Send(t, apitest.Request{Method: http.MethodPost, Path: path, Token: token, Body: csv,
		Header: map[string]string{"Content-Type": "text/csv; charset=utf-8"}})
	var out api.ImportResult
	if res.Status == http.StatusOK {
		res.JSON(t, &out)
	}
	return res, out
}

func countRows(t *testing.T, env *apitest.Env, from string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.SQL.QueryRow("SELECT count(*) FROM "+from, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// roster is a file of n households of a village: row i (line i+2) has ID number ids[i] and phone phones[i].
type roster struct {
	ids, phones []string
	bad         map[int]string // line → the column it breaks
}

func (r roster) csv(phones []string) string {
	var b strings.Builder
	b.WriteString("\uFEFFkind,name,operator_name,id_number,phone,operated_area_mu\r\n")
	for i := range r.ids {
		line := i + 2
		kind, area, id, phone := "household", "", r.ids[i], phones[i]
		switch r.bad[line] {
		case "id_number":
			id = badCheck(id)
		case "phone":
			phone = "1234"
		case "kind":
			kind = "commune"
		case "operated_area_mu":
			area = "12.5"
		case "name":
		}
		name := fmt.Sprintf("农户%d", i)
		if r.bad[line] == "name" {
			name = strings.Repeat("长", 101)
		}
		fmt.Fprintf(&b, "%s,%s,张%d,%s,%s,%s\r\n", kind, name, i, id, phone, area)
	}
	return b.String()
}

func TestImportFarmsRoster(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	const n = 2000
	r := roster{bad: map[int]string{17: "id_number", 250: "phone", 999: "kind", 1500: "operated_area_mu", 2001: "name"}}
	for i := range n {
		r.ids = append(r.ids, fmID(t, fmt.Sprintf("19%02d0101", 60+i/1000), i%1000))
		r.phones = append(r.phones, fmt.Sprintf("139%08d", 10000000+i))
	}
	file := r.csv(r.phones)
	noClear := func(body []byte) {
		t.Helper()
		for i := range n {
			if strings.Contains(string(body), r.ids[i]) || strings.Contains(string(body), r.phones[i]) {
				t.Fatalf("the answer holds row %d's ID or phone number in clear", i+2)
			}
		}
	}
	wantRefused := func(out api.ImportResult) {
		t.Helper()
		var got []string
		for _, row := range out.Rows {
			if row.Status == api.ImportRefused {
				if len(row.Errors) == 0 || row.Id != nil {
					t.Errorf("refused row %+v", row)
				}
				for _, e := range row.Errors {
					got = append(got, fmt.Sprintf("%d:%s", row.Row, e.Field))
				}
			}
		}
		want := []string{"17:id_number", "250:phone", "999:kind", "1500:operated_area_mu", "2001:name"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("refused %v, want %v", got, want)
		}
	}

	// The dry run reports exactly the 5 bad rows and writes nothing.
	res, out := importCSV(t, env, w.tokA1, "/api/v1/imports/farms?dry_run=true", file)
	if res.Status != http.StatusOK || out.Created != n-5 || out.Refused != 5 || out.Updated != 0 || out.Unchanged != 0 || len(out.Rows) != n {
		t.Fatalf("dry run: %d %d created, %d refused, %d rows: %s", res.Status, out.Created, out.Refused, len(out.Rows), res.Body[:200])
	}
	wantRefused(out)
	noClear(res.Body)
	if got := countRows(t, env, "farms"); got != 0 {
		t.Errorf("the dry run left %d farms", got)
	}
	if got := countRows(t, env, "audit_events WHERE object_type = 'farm'"); got != 0 {
		t.Errorf("the dry run left %d audit events", got)
	}

	// The import creates 1,995, each audited.
	start := time.Now()
	res, out = importCSV(t, env, w.tokA1, "/api/v1/imports/farms", file)
	took := time.Since(start)
	if res.Status != http.StatusOK || out.Created != n-5 || out.Refused != 5 {
		t.Fatalf("import: %d %+v", res.Status, out.Created)
	}
	t.Logf("imported %d rows in %v: %.0f rows/s", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	wantRefused(out)
	noClear(res.Body)
	if got := countRows(t, env, "farms WHERE collective_id = $1", w.collA1.Id); got != n-5 {
		t.Errorf("%d farms, want %d", got, n-5)
	}
	if got := countRows(t, env, "audit_events WHERE action = 'farm.create'"); got != n-5 {
		t.Errorf("%d farm.create audit events, want %d", got, n-5)
	}
	for _, row := range out.Rows {
		if row.Status == api.ImportCreated && row.Id == nil {
			t.Fatalf("created row %d without its id", row.Row)
		}
	}

	// The same file again: 1,995 unchanged, nothing written.
	res, out = importCSV(t, env, w.tokA1, "/api/v1/imports/farms", file)
	if res.Status != http.StatusOK || out.Unchanged != n-5 || out.Created != 0 || out.Updated != 0 || out.Refused != 5 {
		t.Fatalf("again: %d created %d updated %d unchanged %d refused %d", res.Status, out.Created, out.Updated, out.Unchanged, out.Refused)
	}
	if got := countRows(t, env, "audit_events WHERE object_type = 'farm'"); got != n-5 {
		t.Errorf("%d farm audit events after an unchanged import, want %d", got, n-5)
	}

	// Ten changed phone numbers: ten updated, each audited.
	phones := append([]string(nil), r.phones...)
	var changed []int
	for i := 100; len(changed) < 10; i += 137 {
		phones[i] = fmt.Sprintf("158%08d", i)
		changed = append(changed, i+2)
	}
	res, out = importCSV(t, env, w.tokA1, "/api/v1/imports/farms", r.csv(phones))
	if res.Status != http.StatusOK || out.Updated != 10 || out.Unchanged != n-15 || out.Created != 0 || out.Refused != 5 {
		t.Fatalf("changed phones: %d created %d updated %d unchanged %d refused %d", res.Status, out.Created, out.Updated, out.Unchanged, out.Refused)
	}
	var updated []int
	for _, row := range out.Rows {
		if row.Status == api.ImportUpdated {
			updated = append(updated, row.Row)
		}
	}
	if fmt.Sprint(updated) != fmt.Sprint(changed) {
		t.Errorf("updated rows %v, want %v", updated, changed)
	}
	if got := countRows(t, env, "audit_events WHERE action = 'farm.update'"); got != 10 {
		t.Errorf("%d farm.update audit events, want 10", got)
	}
	if got := countRows(t, env, "farms WHERE phone_mask LIKE '158%'"); got != 10 {
		t.Errorf("%d farms with the new phone numbers, want 10", got)
	}
	if got := countRows(t, env, "farms"); got != n-5 {
		t.Errorf("%d farms after the updates, want %d", got, n-5)
	}
}

func TestImportFarmsScope(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	file := "kind,name,operator_name,id_number,phone,collective_id\n" +
		fmt.Sprintf("household,一户,张一,%s,13912345601,\n", fmID(t, "19700101", 1)) +
		fmt.Sprintf("household,二户,张二,%s,13912345602,%d\n", fmID(t, "19700101", 2), w.collA2.Id)

	// Only collectives and admin import.
	for _, tok := range []string{w.bureauA} {
		if res, _ := importCSV(t, env, tok, "/api/v1/imports/farms", file); res.Status != http.StatusForbidden {
			t.Errorf("a bureau imports: %d", res.Status)
		}
	}
	// A collective imports into its own village only.
	res, out := importCSV(t, env, w.tokA1, "/api/v1/imports/farms", file)
	if res.Status != http.StatusOK || out.Created != 1 || out.Refused != 1 || out.Rows[1].Errors[0].Field != "collective_id" ||
		out.Rows[1].Errors[0].Code != api.FieldErrorCodeNotFound {
		t.Errorf("a collective imports into another village: %d %s", res.Status, res.Body)
	}
	// Admin anywhere, naming the collective of rows that leave it out.
	res, out = importCSV(t, env, env.Admin, "/api/v1/imports/farms", file)
	if res.Status != http.StatusOK || out.Created != 1 || out.Rows[0].Errors[0].Field != "collective_id" {
		t.Errorf("admin without a collective: %d %s", res.Status, res.Body)
	}
	res, out = importCSV(t, env, env.Admin, fmt.Sprintf("/api/v1/imports/farms?collective_id=%d", w.collB.Id), file)
	if res.Status != http.StatusOK || out.Created != 1 || out.Unchanged != 1 {
		t.Errorf("admin into county B and A2: %d %s", res.Status, res.Body)
	}
	if got := countRows(t, env, "farms WHERE collective_id = $1", w.collB.Id); got != 1 {
		t.Errorf("%d farms in county B's collective, want 1", got)
	}
	// A roster comes as text/csv; a wrong header is refused whole.
	res = env.Send(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/imports/farms", Token: w.tokA1, Body: file})
	if res.Status != http.StatusUnsupportedMediaType {
		t.Errorf("a roster as JSON: %d", res.Status)
	}
	if res, _ := importCSV(t, env, w.tokA1, "/api/v1/imports/farms", "kind,nom\nhousehold,x\n"); res.Status != http.StatusBadRequest ||
		!strings.Contains(string(res.Body), `unknown column \"nom\"`) {
		t.Errorf("a wrong header: %d %s", res.Status, res.Body)
	}
	if res, _ := importCSV(t, env, w.tokA1, "/api/v1/imports/farms", "kind,name\n\xff\n"); res.Status != http.StatusBadRequest {
		t.Errorf("not UTF-8: %d %s", res.Status, res.Body)
	}
}

func TestImportParcelsUpsert(t *testing.T) {
	t.Parallel()
	w := fmSetup(t)
	env := w.env
	f := w.create(t, w.tokA1, w.household(w.collA1, fmID(t, "19700101", 7), "13912345607"))
	other := w.create(t, w.tokA2, w.household(w.collA2, fmID(t, "19700101", 8), "13912345608"))
	file := func(area string) string {
		return "farm_id,name,area_mu,land_type,code,certificate_no\n" +
			fmt.Sprintf("%d,东坡地,%s,dry,P-001,\n", f.Id, area) +
			fmt.Sprintf("%d,河滩地,3.75,irrigated,,JY-7\n", f.Id) +
			fmt.Sprintf("%d,别村地,5,dry,,\n", other.Id)
	}
	res, out := importCSV(t, env, w.tokA1, "/api/v1/imports/parcels", file("12.5"))
	if res.Status != http.StatusOK || out.Created != 2 || out.Refused != 1 || out.Rows[2].Errors[0].Field != "farm_id" {
		t.Fatalf("parcels: %d %s", res.Status, res.Body)
	}
	res, out = importCSV(t, env, w.tokA1, "/api/v1/imports/parcels", file("12.50"))
	if res.Status != http.StatusOK || out.Unchanged != 2 || out.Created != 0 {
		t.Errorf("parcels again: %d %s", res.Status, res.Body)
	}
	res, out = importCSV(t, env, w.tokA1, "/api/v1/imports/parcels?dry_run=true", file("13"))
	if res.Status != http.StatusOK || out.Updated != 1 || out.Unchanged != 1 || countRows(t, env, "parcels WHERE area_mu = 13") != 0 {
		t.Errorf("parcels dry run: %d %s", res.Status, res.Body)
	}
	res, out = importCSV(t, env, w.tokA1, "/api/v1/imports/parcels", file("13"))
	if res.Status != http.StatusOK || out.Updated != 1 || out.Unchanged != 1 || countRows(t, env, "parcels WHERE area_mu = 13") != 1 {
		t.Errorf("parcels changed: %d %s", res.Status, res.Body)
	}
	if got := countRows(t, env, "audit_events WHERE object_type = 'parcel'"); got != 3 {
		t.Errorf("%d parcel audit events, want 3", got)
	}
}
