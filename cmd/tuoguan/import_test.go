package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/internal/services"
)

// importEnv is a database with a village collective, and the environment the command runs with.
type importEnv struct {
	db         *postgres.DB
	env        map[string]string
	collective int64
	dir        string
}

func newImportEnv(t *testing.T) *importEnv {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	key := pii.GenerateKey()
	keys, err := pii.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := services.New(db, keys, account.Config{})
	for _, r := range []struct{ code, name string }{
		{"610000000000", "陕西省"}, {"610600000000", "延安市"}, {"610631000000", "黄龙县"},
		{"610631100000", "石堡镇"}, {"610631100201", "西村"},
	} {
		if _, err := svc.Regions.Create(ctx, cli, r.code, r.name); err != nil {
			t.Fatalf("region %s: %v", r.code, err)
		}
	}
	c, err := svc.Collectives.Create(ctx, cli, collective.Input{
		Name: ptr("西村股份经济合作社"), CreditCode: ptr(creditCode(t, "N2610631MA0000001")),
		RegionCode: ptr("610631100201"), ContactName: ptr("王建国"), ContactPhone: ptr("13812345678"),
	})
	if err != nil {
		t.Fatalf("collective: %v", err)
	}
	return &importEnv{db: db, env: map[string]string{"DATABASE_URL": url, pii.KeyEnv: key}, collective: c.ID, dir: t.TempDir()}
}

func ptr[T any](v T) *T { return &v }

func creditCode(t *testing.T, first17 string) string {
	t.Helper()
	c, err := ident.CreditCodeCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// idNumber is a valid resident ID number of someone born in 1980 with sequence n.
func idNumber(t *testing.T, n int) string {
	t.Helper()
	first17 := fmt.Sprintf("61063119800101%03d", n)
	c, err := ident.IDCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// badCheck is id with a wrong check character.
func badCheck(id string) string {
	last := "0"
	if id[17] == '0' {
		last = "1"
	}
	return id[:17] + last
}

// file writes content to a CSV file of e's and returns its path.
func (e *importEnv) file(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(e.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs tuoguan with args against e's database and returns what it printed.
func (e *importEnv) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return e.env[k] }, strings.NewReader(""), &out)
	return out.String(), err
}

func (e *importEnv) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := e.db.SQL.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// importedIDs are the ids the output reports, by row.
func importedIDs(t *testing.T, out, noun string) map[int]int64 {
	t.Helper()
	ids := map[int]int64{}
	for _, m := range regexp.MustCompile(`(?m)^row (\d+): `+noun+` (\d+)$`).FindAllStringSubmatch(out, -1) {
		row, _ := strconv.Atoi(m[1])
		id, _ := strconv.ParseInt(m[2], 10, 64)
		ids[row] = id
	}
	return ids
}

// noPersonalData fails t when out holds any of the ID or phone numbers, as written or normalised.
func noPersonalData(t *testing.T, out string, ids, phones []string) {
	t.Helper()
	for _, id := range ids {
		for _, s := range []string{id, pii.NormalizeIDNumber(id)} {
			if strings.Contains(out, s) {
				t.Errorf("output holds the ID number %s:\n%s", pii.MaskIDNumber(id), out)
			}
		}
	}
	for _, p := range phones {
		for _, s := range []string{p, pii.NormalizePhone(p)} {
			if strings.Contains(out, s) {
				t.Errorf("output holds the phone number %s:\n%s", pii.MaskPhone(p), out)
			}
		}
	}
}

const farmHeader = "kind,name,operator_name,id_number,phone,collective_id,registered_on,credit_code,demonstration_level,business_models,operated_area_mu\n"

func TestImportFarms(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	ids := []string{idNumber(t, 11), strings.ToLower(idNumber(t, 12)), idNumber(t, 13), idNumber(t, 14)}
	phones := []string{"13912345678", "+86 138-1234-5679", "0911-1234567", "137 1234 5670"}
	coop := creditCode(t, "93610631MA0000002")
	path := e.file(t, "farms.csv", "\uFEFF"+farmHeader+
		fmt.Sprintf("household,张三户,张三,%s,%s,,,,,,\r\n", ids[0], phones[0])+
		fmt.Sprintf("family_farm,李家庄家庭农场,李明,%s,%s,%d,2020-03-01,,county,planting; machinery|planting,320.50\r\n", ids[1], phones[1], e.collective)+
		fmt.Sprintf("cooperative,石堡农机合作社,王五,%s,%s,,,%s,,,\r\n", ids[2], phones[2], coop)+
		",,,,,,,,,,\r\n"+
		fmt.Sprintf("family_farm,\"王庄家庭农场, 东\",王六,%s,%s,,2019/5/1,,,eco_cycle,88\r\n", ids[3], phones[3]))
	out, err := e.run(t, "import", "farms", "-collective", strconv.FormatInt(e.collective, 10), path)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if !strings.Contains(out, "4 created, 0 updated, 0 unchanged, 0 refused") {
		t.Errorf("summary missing:\n%s", out)
	}
	if got := importedIDs(t, out, "farm"); len(got) != 4 || got[2] == 0 || got[3] == 0 || got[4] == 0 || got[6] == 0 {
		t.Errorf("imported rows %v, want rows 2, 3, 4 and 6:\n%s", got, out)
	}
	noPersonalData(t, out, ids, phones)

	type row struct {
		kind, name, models, area, registered, credit, level, idMask, phoneMask string
		collective                                                             int64
	}
	q, err := e.db.SQL.Query(`SELECT kind, name, array_to_string(business_models, ','), coalesce(operated_area_mu::text, ''),
		coalesce(registered_on::text, ''), coalesce(credit_code, ''), demonstration_level, id_number_mask, phone_mask, collective_id
		FROM farms ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var got []row
	for q.Next() {
		var r row
		if err := q.Scan(&r.kind, &r.name, &r.models, &r.area, &r.registered, &r.credit, &r.level, &r.idMask, &r.phoneMask, &r.collective); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := q.Err(); err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"household", "张三户", "", "", "", "", "none", pii.MaskIDNumber(ids[0]), "139****5678", e.collective},
		{"family_farm", "李家庄家庭农场", "machinery,planting", "320.50", "2020-03-01", "", "county", pii.MaskIDNumber(ids[1]), "138****5679", e.collective},
		{"cooperative", "石堡农机合作社", "", "", "", coop, "none", pii.MaskIDNumber(ids[2]), pii.MaskPhone(phones[2]), e.collective},
		{"family_farm", "王庄家庭农场, 东", "eco_cycle", "88.00", "2019-05-01", "", "none", pii.MaskIDNumber(ids[3]), "137****5670", e.collective},
	}
	if len(got) != len(want) {
		t.Fatalf("farms %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("farm %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := e.count(t, "audit_events WHERE action = 'farm.create'"); n != 4 {
		t.Errorf("%d farm.create audit events, want 4", n)
	}

	again, err := e.run(t, "import", "farms", "-collective", strconv.FormatInt(e.collective, 10), path)
	if err != nil || !strings.Contains(again, "0 created, 0 updated, 4 unchanged, 0 refused") {
		t.Errorf("importing the same farms again: %v\n%s", err, again)
	}
	noPersonalData(t, again, ids, phones)

	// A changed phone number and name update the farm they belong to; the rest stay as they are.
	changed := e.file(t, "changed.csv", farmHeader+
		fmt.Sprintf("household,张三户,张三,%s,13912345000,,,,,,\n", ids[0])+
		fmt.Sprintf("cooperative,石堡农机合作社二,王五,%s,%s,,,%s,,,\n", ids[2], phones[2], coop)+
		fmt.Sprintf("cooperative,张三户,张三,%s,13912345000,,,,,,\n", ids[0]))
	out, err = e.run(t, "import", "farms", "-collective", strconv.FormatInt(e.collective, 10), changed)
	if !errors.Is(err, errRefused) || !strings.Contains(out, "0 created, 2 updated, 0 unchanged, 1 refused") ||
		!strings.Contains(out, "row 4: kind: cannot be changed") {
		t.Errorf("importing changed farms: %v\n%s", err, out)
	}
	if n := e.count(t, "farms WHERE phone_mask = '139****5000' OR name = '石堡农机合作社二'"); n != 2 {
		t.Errorf("%d farms changed, want 2", n)
	}
	if n := e.count(t, "audit_events WHERE action = 'farm.update'"); n != 2 {
		t.Errorf("%d farm.update audit events, want 2", n)
	}
	noPersonalData(t, out, ids, append(phones, "13912345000"))
}

func TestImportFarmsBadRows(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	good1, bad, good2, dec := idNumber(t, 21), badCheck(idNumber(t, 22)), idNumber(t, 23), idNumber(t, 24)
	phones := []string{"13912345601", "13912345602", "13912345603", "13912345604", "98765432109"}
	path := e.file(t, "farms.csv", farmHeader+
		fmt.Sprintf("household,一户,张一,%s,%s,,,,,,\n", good1, phones[0])+
		fmt.Sprintf("household,二户,张二,%s,%s,,,,,,\n", bad, phones[1])+
		fmt.Sprintf("household,三户,张三,%s,%s,,,,,,\n", good2, phones[2])+
		fmt.Sprintf("family_farm,四农场,张四,%s,%s,,2020-03-01,,,planting,100.125\n", dec, phones[3])+
		fmt.Sprintf("household,五户,张五,%s,%s,,,,,,\n", idNumber(t, 25), phones[4])+
		fmt.Sprintf("household,六户,张六,%s,%s,x,,,,,\n", idNumber(t, 26), phones[0]))
	out, err := e.run(t, "import", "farms", "-collective", strconv.FormatInt(e.collective, 10), path)
	if !errors.Is(err, errRefused) {
		t.Fatalf("import: %v, want errRefused\n%s", err, out)
	}
	for _, want := range []string{
		"row 3: id_number: ", "row 5: operated_area_mu: must have at most 2 decimal places",
		"row 6: phone: ", "row 7: collective_id: must be an id", "2 created, 0 updated, 0 unchanged, 4 refused",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := importedIDs(t, out, "farm"); len(got) != 2 || got[2] == 0 || got[4] == 0 {
		t.Errorf("imported rows %v, want rows 2 and 4:\n%s", got, out)
	}
	if n := e.count(t, "farms"); n != 2 {
		t.Errorf("%d farms, want 2", n)
	}
	noPersonalData(t, out, []string{good1, bad, good2, dec, idNumber(t, 25), idNumber(t, 26)}, phones)
}

func TestImportRefusesBadHeaders(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	id := idNumber(t, 31)
	for name, header := range map[string]string{
		"unknown":   "kind,name,operator_name,id_number,phone,nmae\n",
		"duplicate": "kind,name,operator_name,id_number,phone,name\n",
		"missing":   "kind,name,id_number,phone\n",
		"unnamed":   "kind,name,operator_name,id_number,phone,\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := e.file(t, name+".csv", header+fmt.Sprintf("household,一户,张一,%s,13912345678,x\n", id))
			out, err := e.run(t, "import", "farms", "-collective", strconv.FormatInt(e.collective, 10), path)
			if err == nil || errors.Is(err, errRefused) || !strings.Contains(err.Error(), "nothing was imported") {
				t.Errorf("import: %v, want the header refused\n%s", err, out)
			}
			noPersonalData(t, out+fmt.Sprint(err), []string{id}, []string{"13912345678"})
		})
	}
	if n := e.count(t, "farms"); n != 0 {
		t.Errorf("%d farms, want none", n)
	}
	path := e.file(t, "nocollective.csv", "kind,name,operator_name,id_number,phone\n")
	if _, err := e.run(t, "import", "farms", path); err == nil || !strings.Contains(err.Error(), `missing column "collective_id"`) {
		t.Errorf("farms without collective_id or -collective: %v", err)
	}
	gbk := e.file(t, "gbk.csv", "kind,name,operator_name,id_number,phone\nhousehold,\xd5\xc5\xc8\xfd,x,y,z\n")
	if _, err := e.run(t, "import", "farms", "-collective", "1", gbk); err == nil || !strings.Contains(err.Error(), "not UTF-8") {
		t.Errorf("a file that is not UTF-8: %v", err)
	}
}

func TestImportParcels(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	farms := e.file(t, "farms.csv", "\uFEFFkind,name,operator_name,id_number,phone\n"+
		fmt.Sprintf("household,一户,张一,%s,13912345601\n", idNumber(t, 41))+
		fmt.Sprintf("household,二户,张二,%s,13912345602\n", idNumber(t, 42)))
	out, err := e.run(t, "import", "farms", "-collective", strconv.FormatInt(e.collective, 10), farms)
	if err != nil {
		t.Fatalf("import farms: %v\n%s", err, out)
	}
	ids := importedIDs(t, out, "farm")
	f1, f2 := ids[2], ids[3]
	if f1 == 0 || f2 == 0 {
		t.Fatalf("farm ids %v:\n%s", ids, out)
	}
	parcels := e.file(t, "parcels.csv", "\uFEFFfarm_id,name,area_mu,land_type,code,certificate_no\n"+
		fmt.Sprintf("%d,东坡地,12.5,dry,P-001,\n", f1)+
		fmt.Sprintf("%d,河滩地,3.75,irrigated,,JY-2020-7\n", f1)+
		fmt.Sprintf("%d,北塬地,1.234,dry,,\n", f2)+
		fmt.Sprintf("%d,南沟地,1e3,dry,,\n", f2)+
		"999999,无主地,5,dry,,\n"+
		fmt.Sprintf("%d,重号地,5,dry,P-001,\n", f2)+
		fmt.Sprintf("%d,西梁地,0.01,orchard\n", f2)+
		fmt.Sprintf("%d,坡头地,20,dry,,,\n", f2))
	out, err = e.run(t, "import", "parcels", parcels)
	if !errors.Is(err, errRefused) {
		t.Fatalf("import parcels: %v, want errRefused\n%s", err, out)
	}
	for _, want := range []string{
		"row 4: area_mu: must have at most 2 decimal places", "row 5: area_mu: must be a decimal number, not in exponent notation",
		"row 6: farm_id: no such farm", "row 7: code: A parcel with this code", "row 8: code: has no cell", "3 created, 0 updated, 0 unchanged, 5 refused",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	type row struct {
		farm             int64
		name, area, land string
	}
	q, err := e.db.SQL.Query("SELECT farm_id, name, area_mu::text, land_type FROM parcels ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var got []row
	for q.Next() {
		var r row
		if err := q.Scan(&r.farm, &r.name, &r.area, &r.land); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []row{{f1, "东坡地", "12.50", "dry"}, {f1, "河滩地", "3.75", "irrigated"}, {f2, "坡头地", "20.00", "dry"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parcels %v, want %v", got, want)
	}
}

func TestImportDryRun(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	id := idNumber(t, 51)
	path := e.file(t, "farms.csv", farmHeader+
		fmt.Sprintf("household,一户,张一,%s,13912345601,,,,,,\n", id)+
		fmt.Sprintf("household,一户重复,张一,%s,13912345601,,,,,,\n", id)+
		fmt.Sprintf("household,二户,张二,%s,13912345602,,,,,,\n", badCheck(idNumber(t, 52)))+
		fmt.Sprintf("household,三户,张三,%s,13912345603,,,,,,\n", idNumber(t, 53)))
	out, err := e.run(t, "import", "farms", "-dry-run", "-collective", strconv.FormatInt(e.collective, 10), path)
	if !errors.Is(err, errRefused) {
		t.Fatalf("dry run: %v, want errRefused\n%s", err, out)
	}
	for _, want := range []string{"row 4: id_number: ", "dry run, nothing written: 2 created, 1 updated, 0 unchanged, 1 refused"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := importedIDs(t, out, "farm"); len(got) != 0 {
		t.Errorf("a dry run reports ids %v", got)
	}
	if n := e.count(t, "farms"); n != 0 {
		t.Errorf("a dry run left %d farms", n)
	}
	if n := e.count(t, "audit_events WHERE action = 'farm.create'"); n != 0 {
		t.Errorf("a dry run left %d audit events", n)
	}
	noPersonalData(t, out, []string{id, idNumber(t, 52), badCheck(idNumber(t, 52)), idNumber(t, 53)},
		[]string{"13912345601", "13912345602", "13912345603"})

	good := e.file(t, "good.csv", farmHeader+fmt.Sprintf("household,三户,张三,%s,13912345603,,,,,,\n", idNumber(t, 53)))
	if out, err := e.run(t, "import", "farms", "-dry-run", "-collective", strconv.FormatInt(e.collective, 10), good); err != nil ||
		!strings.Contains(out, "dry run, nothing written: 1 created, 0 updated, 0 unchanged, 0 refused") {
		t.Errorf("dry run of a good file: %v\n%s", err, out)
	}
	if n := e.count(t, "farms"); n != 0 {
		t.Errorf("a dry run left %d farms", n)
	}
}

func TestImportUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"import"}, {"import", "contracts", "x.csv"}, {"import", "farms"}, {"import", "parcels", "-collective", "1", "x.csv"}} {
		if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &bytes.Buffer{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
