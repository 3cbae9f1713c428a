package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// biKV is one member of a JSON object: a key and its raw JSON value.
type biKV struct{ k, v string }

// biJSON writes the members as a JSON object, in order and as given (duplicates included).
func biJSON(kvs ...biKV) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, kv := range kvs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", kv.k, kv.v)
	}
	b.WriteByte('}')
	return b.String()
}

// biSet returns kvs with key's value replaced by raw (appended when absent); an empty raw removes the key.
func biSet(kvs []biKV, key, raw string) []biKV {
	out := make([]biKV, 0, len(kvs)+1)
	found := false
	for _, kv := range kvs {
		if kv.k == key {
			found = true
			if raw == "" {
				continue
			}
			kv.v = raw
		}
		out = append(out, kv)
	}
	if !found && raw != "" {
		out = append(out, biKV{key, raw})
	}
	return out
}

func biRename(kvs []biKV, from, to string) []biKV {
	out := slices.Clone(kvs)
	for i := range out {
		if out[i].k == from {
			out[i].k = to
		}
	}
	return out
}

// biQ quotes s as a JSON string.
func biQ(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// biName shortens a value for a subtest name.
func biName(s string) string {
	if r := []rune(s); len(r) > 24 {
		return fmt.Sprintf("%s…(%d characters)", string(r[:12]), len(r))
	}
	return biQ(s)
}

// biHuge returns a JSON object of exactly n bytes: a region with a bad code and one long "name".
func biHuge(n int) string {
	return `{"code":"1","name":"` + strings.Repeat("x", n-len(`{"code":"1","name":""}`)) + `"}`
}

func biGzip(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

var (
	biGzipHeader  = map[string]string{"Content-Encoding": "gzip"}
	biContentType = func(ct string) map[string]string { return map[string]string{"Content-Type": ct} }
)

// biCase is one bad request and what it must answer.
type biCase struct {
	name    string
	path    string // when the endpoint's path is not the one to use
	body    any    // a string or []byte sent as is
	header  map[string]string
	chunked bool // send the body with no known length
	raw     bool // bypass the harness (for 415, which openapi.yaml does not declare)
	status  int
	alt     int      // another acceptable status
	fields  []string // fields the problem must name
	bug     string
}

// biSnapshot describes everything a request could have written.
func biSnapshot(t *testing.T, env *apitest.Env) string {
	t.Helper()
	var s string
	err := env.DB.SQL.QueryRow(`SELECT concat_ws(E'\n',
		(SELECT count(*) FROM audit_events), (SELECT count(*) FROM sessions),
		(SELECT string_agg(r::text, ';' ORDER BY code) FROM regions r),
		(SELECT string_agg(c::text, ';' ORDER BY id) FROM collectives c),
		(SELECT string_agg(u::text, ';' ORDER BY id) FROM users u))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// biSend sends c; a raw or chunked body bypasses the harness, which always knows the length and fails any
// status openapi.yaml does not declare.
func biSend(t *testing.T, env *apitest.Env, token, method, path string, c biCase) *apitest.Response {
	t.Helper()
	if !c.chunked && !c.raw {
		return env.Send(t, apitest.Request{Method: method, Path: path, Token: token, Body: c.body, Header: c.header})
	}
	var body []byte
	switch b := c.body.(type) {
	case string:
		body = []byte(b)
	case []byte:
		body = b
	}
	return biRawSend(t, env, method, path, token, body, c.chunked, c.header)
}

// biRawSend serves a request straight through the handler, with no check against openapi.yaml; chunked sends the
// body with no known length.
func biRawSend(t *testing.T, env *apitest.Env, method, path, token string, body []byte, chunked bool, header map[string]string) *apitest.Response {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd)
	}
	r := httptest.NewRequest(method, "http://tuoguan.test"+path, rd)
	if chunked && r.ContentLength != -1 {
		t.Fatalf("ContentLength %d, want unknown", r.ContentLength)
	}
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	env.Handler.ServeHTTP(w, r)
	return &apitest.Response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// biCheck checks that res is the problem c wants.
func biCheck(t *testing.T, res *apitest.Response, c biCase) {
	t.Helper()
	if res.Status >= 500 {
		t.Fatalf("client input answered %d: %s", res.Status, res.Body)
	}
	if res.Status != c.status && (c.alt == 0 || res.Status != c.alt) {
		t.Fatalf("status %d, want %d: %s", res.Status, c.status, res.Body)
	}
	p := res.Problem(t)
	if p.Status != res.Status || p.Title == "" || p.Type == "" {
		t.Errorf("problem %+v", p)
	}
	if p.RequestId == nil || *p.RequestId != res.Header.Get("X-Request-Id") {
		t.Errorf("problem request_id %v, X-Request-Id %q", p.RequestId, res.Header.Get("X-Request-Id"))
	}
	if res.Status == http.StatusUnprocessableEntity && (p.Errors == nil || len(*p.Errors) == 0) {
		t.Errorf("a 422 names no field: %s", res.Body)
	}
	named := res.Fields(t)
	for _, f := range c.fields {
		if !slices.Contains(named, f) {
			t.Errorf("problem names %v, want %s: %s", named, f, res.Body)
		}
	}
}

// biRun sends every case to method path as token, checking each answer and that nothing was written.
func biRun(t *testing.T, env *apitest.Env, token, method, path string, cases []biCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := path
			if c.path != "" {
				p = c.path
			}
			before := biSnapshot(t, env)
			res := biSend(t, env, token, method, p, c)
			biCheck(t, res, c)
			if after := biSnapshot(t, env); after != before {
				t.Errorf("%s %s answered %d and wrote something:\nbefore: %s\nafter:  %s", method, p, res.Status, before, after)
			}
		})
	}
}

const biNotGzipBug = "server.go uses echo's middleware.Decompress, which returns gzip.Reader.Reset's error (gzip: invalid header, unexpected EOF) as a plain error; handleError turns it into 500. A body that is declared gzip but is not should answer 400"

// biSyntax are the cases every JSON body endpoint refuses alike; valid is a body the endpoint accepts and caseKey
// a key whose wrong-case spelling must be refused.
func biSyntax(valid []biKV, caseKey string) []biCase {
	v := biJSON(valid...)
	gz := biGzip(v)
	corrupt := slices.Clone(gz)
	corrupt[len(corrupt)/2] ^= 0x5a
	title := strings.ToUpper(caseKey[:1]) + caseKey[1:]
	escaped := fmt.Sprintf(`{"\u%04x%s":%s,%s`, valid[0].k[0], valid[0].k[1:], valid[0].v, v[1:])
	return []biCase{
		{name: "malformed JSON", body: strings.TrimSuffix(v, "}") + ",}", status: 400},
		{name: "single quotes", body: strings.ReplaceAll(v, `"`, `'`), status: 400},
		{name: "form encoded", body: valid[0].k + "=1", status: 400},
		{name: "truncated", body: v[:len(v)-3], status: 400},
		{name: "empty body", body: "", status: 400},
		{name: "blank body", body: " \r\n\t ", status: 400},
		{name: "trailing object", body: v + "{}", status: 400},
		{name: "trailing garbage", body: v + " x", status: 400},
		{name: "trailing comma", body: v + ",", status: 400},
		{name: "array", body: "[" + v + "]", status: 400},
		{name: "string", body: biQ(v), status: 400},
		{name: "number", body: "42", status: 400},
		{name: "invalid UTF-8 outside strings", body: v + "\xff", status: 400},
		{name: "unknown field", body: biJSON(append(slices.Clone(valid), biKV{"colour", `"red"`})...), status: 400, fields: []string{"colour"}},
		{name: "unknown field id", body: biJSON(append(slices.Clone(valid), biKV{"id", `1`})...), status: 400, fields: []string{"id"}},
		{name: "duplicate key", body: biJSON(append(slices.Clone(valid), valid[0])...), status: 400, fields: []string{valid[0].k}},
		{name: "duplicate key escaped", body: escaped, status: 400, fields: []string{valid[0].k}},
		{name: "wrong-case key", body: biJSON(biRename(valid, caseKey, title)...), status: 400, fields: []string{title}},
		{name: "upper-case key", body: biJSON(biRename(valid, caseKey, strings.ToUpper(caseKey))...), status: 400, fields: []string{strings.ToUpper(caseKey)}},
		{name: "text/plain", body: v, header: biContentType("text/plain"), status: 415, raw: true},
		{name: "form content type", body: v, header: biContentType("application/x-www-form-urlencoded"), status: 415, raw: true},
		{name: "xml content type", body: v, header: biContentType("application/xml"), status: 415, raw: true},
		{name: "no content type", body: v, header: biContentType(""), status: 415, raw: true},
		{name: "broken content type", body: v, header: biContentType("application/json; charset"), status: 415, raw: true},
		{name: "over 4 MiB with Content-Length", body: []byte(biHuge(4<<20 + 1)), status: 413},
		{name: "over 4 MiB with Content-Length and text/plain", body: []byte(biHuge(4<<20 + 1)), header: biContentType("text/plain"), status: 413, alt: 415},
		{name: "over 4 MiB with unknown length", body: biHuge(4<<20 + 1), chunked: true, status: 413},
		{name: "far over 4 MiB with unknown length", body: biHuge(16 << 20), chunked: true, status: 413},
		{name: "gzip over 4 MiB once decompressed", body: biGzip(biHuge(4<<20 + 1)), header: biGzipHeader, status: 413},
		{name: "gzip bomb with unknown length", body: biGzip(biHuge(16 << 20)), header: biGzipHeader, chunked: true, status: 413},
		{name: "gzip with a corrupt stream", body: corrupt, header: biGzipHeader, status: 400},
		{name: "gzip cut short", body: gz[:len(gz)-6], header: biGzipHeader, status: 400},
		{name: "gzip of malformed JSON", body: biGzip(v[:len(v)-1]), header: biGzipHeader, status: 400},
		{name: "gzip declared, body plain", body: v, header: biGzipHeader, status: 400, bug: biNotGzipBug},
		{name: "gzip header cut short", body: gz[:5], header: biGzipHeader, status: 400, bug: biNotGzipBug},
	}
}

// biTypes refuses wrong JSON types for each string field and each integer field.
func biTypes(valid []biKV, strs, ints []string) []biCase {
	var cases []biCase
	for _, f := range strs {
		for _, bad := range []string{`5`, `{}`, `{"text":"x"}`, `["x"]`, `true`} {
			cases = append(cases, biCase{name: f + " is " + bad, body: biJSON(biSet(valid, f, bad)...), status: 400, fields: []string{f}})
		}
	}
	for _, f := range ints {
		for _, bad := range []string{`"1"`, `1.5`, `1e2`, `true`, `{}`, `99999999999999999999`} {
			cases = append(cases, biCase{name: f + " is " + bad, body: biJSON(biSet(valid, f, bad)...), status: 400, fields: []string{f}})
		}
	}
	return cases
}

// biRequired refuses each required field when null (400: null is never a value of a typed field) or missing
// (with status, or alt).
func biRequired(valid []biKV, required []string, status, alt int) []biCase {
	var cases []biCase
	for _, f := range required {
		cases = append(cases,
			biCase{name: f + " null", body: biJSON(biSet(valid, f, "null")...), status: 400, fields: []string{f}},
			biCase{name: f + " missing", body: biJSON(biSet(valid, f, "")...), status: status, alt: alt, fields: []string{f}})
	}
	return cases
}

// biRules are well-formed bodies breaking a rule: 422 naming the field (400 for a NUL character, which the
// JSON decoding refuses before any rule is checked).
func biRules(valid []biKV, field string, values ...string) []biCase {
	var cases []biCase
	for _, v := range values {
		status := 422
		if strings.ContainsRune(v, 0) {
			status = 400
		}
		cases = append(cases, biCase{name: field + " " + biName(v), body: biJSON(biSet(valid, field, biQ(v))...), status: status, fields: []string{field}})
	}
	return cases
}

func biSetup(t *testing.T) (*apitest.Env, api.Collective) {
	t.Helper()
	env := apitest.New(t)
	rgBuild(t, env)
	c := colCreate(t, env, env.Admin, colIn("610631100201", 1, "13812345678"))
	return env, c
}

func TestBadInputCreateRegion(t *testing.T) {
	t.Parallel()
	env, _ := biSetup(t)
	valid := []biKV{{"code", `"610631100203"`}, {"name", `"新村"`}}
	var cases []biCase
	cases = append(cases, biSyntax(valid, "name")...)
	cases = append(cases, biTypes(valid, []string{"code", "name"}, nil)...)
	cases = append(cases, biRequired(valid, []string{"code", "name"}, 422, 0)...)
	cases = append(cases, biRules(valid, "code", "", "61063110020", "6106311002030", "61063110020a", "６10631100203", " 610631100203",
		"610631100203 ", "000000000000", "-61063110020", "6.1063110020", "610631199203", "610639100000", "619901000000")...)
	cases = append(cases, biRules(valid, "name", "", "   ", "\u3000\t\n", strings.Repeat("村", 101), strings.Repeat("a", 101))...)
	cases = append(cases,
		biCase{name: "everything wrong", body: `{"code":"x","name":""}`, status: 422, fields: []string{"code", "name"}},
		biCase{name: "empty object", body: `{}`, status: 422, fields: []string{"code", "name"}},
		biCase{name: "null body", body: `null`, status: 422, alt: 400},
		biCase{name: "duplicate region", body: biJSON(biSet(valid, "code", `"610631100201"`)...), status: 409},
	)
	biRun(t, env, env.Admin, http.MethodPost, "/api/v1/regions", cases)

	if n := rgCount(t, env, "regions"); n != len(rgTree) {
		t.Errorf("%d regions after refused requests", n)
	}
	env.Expect(t, http.StatusRequestEntityTooLarge, env.Admin, http.MethodPost, "/api/v1/regions", []byte(biHuge(4<<20+1)))
}

func TestBadInputRenameRegion(t *testing.T) {
	t.Parallel()
	env, _ := biSetup(t)
	valid := []biKV{{"name", `"新名"`}}
	var cases []biCase
	cases = append(cases, biSyntax(valid, "name")...)
	cases = append(cases, biTypes(valid, []string{"name"}, nil)...)
	cases = append(cases, biRequired(valid, []string{"name"}, 422, 0)...)
	cases = append(cases, biRules(valid, "name", "", "  ", strings.Repeat("镇", 101))...)
	cases = append(cases,
		biCase{name: "code in the body", body: `{"name":"新名","code":"610631100000"}`, status: 400, fields: []string{"code"}},
		biCase{name: "level in the body", body: `{"name":"新名","level":"county"}`, status: 400, fields: []string{"level"}},
		biCase{name: "no such region", path: "/api/v1/regions/610631199000", body: biJSON(valid...), status: 404},
		biCase{name: "malformed code in the path", path: "/api/v1/regions/abc", body: biJSON(valid...), status: 404, alt: 400},
	)
	biRun(t, env, env.Admin, http.MethodPatch, "/api/v1/regions/610631100000", cases)
}

func TestBadInputCreateCollective(t *testing.T) {
	t.Parallel()
	env, existing := biSetup(t)
	good := colCredit("610631", 2)
	valid := []biKV{{"name", `"东村股份经济合作社"`}, {"credit_code", biQ(good)}, {"region_code", `"610631100202"`},
		{"contact_name", `"李秀英"`}, {"contact_phone", `"13987654321"`}}
	fields := []string{"name", "credit_code", "region_code", "contact_name", "contact_phone"}
	var cases []biCase
	cases = append(cases, biSyntax(valid, "name")...)
	cases = append(cases, biTypes(valid, fields, nil)...)
	cases = append(cases, biRequired(valid, fields, 422, 0)...)
	cases = append(cases, biRules(valid, "credit_code", "", "   ", badCheck(good), strings.ToLower(badCheck(good)), good[:17],
		good+"0", "N2610631MF000000I"+good[17:], "N2610631MF000000O"+good[17:], "N26106A1MF0000002"+good[17:], "N2610631MF0000002-")...)
	cases = append(cases, biRules(valid, "contact_phone", "", "  ", "12345", "1381234567", "138123456789", "23812345678", "12812345678",
		"1381234567a", "+1 650 555 1234", "13812345678 ext 2", "00000000000")...)
	cases = append(cases, biRules(valid, "region_code", "", "610000000000", "610600000000", "610631000000", "610631100000",
		"6106311002", "61063110020x", "610631100202 ", "610631100299", "610633100201")...)
	cases = append(cases, biRules(valid, "name", "", "   ", "\u3000", strings.Repeat("社", 101))...)
	cases = append(cases, biRules(valid, "contact_name", "", " \t", strings.Repeat("李", 51))...)
	cases = append(cases,
		biCase{name: "several rules at once", body: biJSON(biSet(biSet(biSet(valid, "name", `""`), "credit_code", `"x"`), "contact_phone", `"1"`)...),
			status: 422, fields: []string{"name", "credit_code", "contact_phone"}},
		biCase{name: "empty object", body: `{}`, status: 422, fields: fields},
		biCase{name: "null body", body: `null`, status: 422, alt: 400},
		biCase{name: "id in the body", body: biJSON(biSet(valid, "id", "7")...), status: 400, fields: []string{"id"}},
		biCase{name: "a second collective in a village", body: biJSON(biSet(valid, "region_code", biQ(existing.RegionCode))...), status: 409},
		biCase{name: "a credit code taken in the county", body: biJSON(biSet(valid, "credit_code", biQ(existing.CreditCode))...), status: 409},
	)
	biRun(t, env, env.Admin, http.MethodPost, "/api/v1/collectives", cases)

	bureau := rgBureau(t, env, "luochuan", "610632000000")
	biRun(t, env, bureau, http.MethodPost, "/api/v1/collectives", []biCase{
		{name: "bureau: village in another county", body: biJSON(valid...), status: 422, fields: []string{"region_code"}},
		{name: "bureau: malformed JSON", body: `{"name":`, status: 400},
	})
}

func TestBadInputChangeCollective(t *testing.T) {
	t.Parallel()
	env, c := biSetup(t)
	other := colCreate(t, env, env.Admin, colIn("610631100202", 2, "13987654321"))
	path := "/api/v1/collectives/" + itoa(c.Id)
	valid := []biKV{{"name", `"石堡村经济联合社"`}}
	fields := []string{"name", "credit_code", "contact_name", "contact_phone"}
	var cases []biCase
	cases = append(cases, biSyntax(valid, "name")...)
	cases = append(cases, biTypes(valid, fields, nil)...)
	cases = append(cases, biRules(valid, "name", "", "   ", strings.Repeat("社", 101))...)
	cases = append(cases, biRules(valid, "credit_code", "", badCheck(c.CreditCode), c.CreditCode[:17])...)
	cases = append(cases, biRules(valid, "contact_name", "", strings.Repeat("李", 51))...)
	cases = append(cases, biRules(valid, "contact_phone", "", "12345", "23812345678")...)
	const nullBug = "strictjson leaves a pointer field nil for null, so collective.Update treats {\"name\": null} (and a null body) as 'no change', answers 200 and writes a collective.update audit event; openapi.yaml declares these fields non-nullable and the body an object, so null should be refused (400/422 naming the field)"
	for _, f := range fields {
		cases = append(cases, biCase{name: f + " null", body: biJSON(biKV{f, "null"}), status: 422, alt: 400, fields: []string{f}, bug: nullBug})
	}
	cases = append(cases,
		biCase{name: "null body", body: `null`, status: 400, alt: 422, bug: nullBug},
		biCase{name: "region_code", body: `{"region_code":"610631100202"}`, status: 422, alt: 400, fields: []string{"region_code"}},
		biCase{name: "region_code unchanged", body: biJSON(biKV{"region_code", biQ(c.RegionCode)}), status: 422, alt: 400, fields: []string{"region_code"}},
		biCase{name: "region_code with a valid change", body: `{"name":"新名","region_code":"610631100202"}`, status: 422, alt: 400, fields: []string{"region_code"}},
		biCase{name: "id in the body", body: `{"id":` + itoa(other.Id) + `}`, status: 400, fields: []string{"id"}},
		biCase{name: "created_at in the body", body: `{"created_at":"2020-01-01T00:00:00Z"}`, status: 400, fields: []string{"created_at"}},
		biCase{name: "a credit code taken in the county", body: biJSON(biKV{"credit_code", biQ(other.CreditCode)}), status: 409},
		biCase{name: "no such collective", path: "/api/v1/collectives/" + itoa(other.Id+100), body: biJSON(valid...), status: 404},
		biCase{name: "id not a number", path: "/api/v1/collectives/abc", body: biJSON(valid...), status: 400, fields: []string{"id"}},
		biCase{name: "id a fraction", path: "/api/v1/collectives/1.5", body: biJSON(valid...), status: 400, fields: []string{"id"}},
		biCase{name: "id overflows", path: "/api/v1/collectives/99999999999999999999", body: biJSON(valid...), status: 400, fields: []string{"id"}},
	)
	biRun(t, env, env.Admin, http.MethodPatch, path, cases)
}

func TestBadInputCreateUser(t *testing.T) {
	t.Parallel()
	env, c := biSetup(t)
	valid := []biKV{{"username", `"clerk"`}, {"password", `"clerk-password"`}, {"role", `"bureau"`}, {"region_code", `"610631000000"`}}
	var cases []biCase
	cases = append(cases, biSyntax(valid, "username")...)
	cases = append(cases, biTypes(valid, []string{"username", "password", "role", "region_code"}, []string{"collective_id", "provider_id"})...)
	cases = append(cases, biRequired(valid, []string{"username", "password", "role"}, 422, 0)...)
	cases = append(cases, biRules(valid, "username", "", "ab", "Clerk", "-clerk", ".clerk", "clerk name", "clerk\u0000", "文员", strings.Repeat("a", 65))...)
	cases = append(cases, biRules(valid, "password", "", "short", "123456789", strings.Repeat("p", 257))...)
	cases = append(cases, biRules(valid, "role", "", "root", "Admin", "BUREAU", "bureau ")...)
	cases = append(cases, biRules(valid, "region_code", "610699000000", "abc", "")...)
	cases = append(cases,
		biCase{name: "bureau without region_code", body: biJSON(biSet(valid, "region_code", "")...), status: 422, fields: []string{"region_code"}},
		biCase{name: "bureau with region_code null", body: biJSON(biSet(valid, "region_code", "null")...), status: 400, fields: []string{"region_code"}},
		biCase{name: "bureau with a collective_id", body: biJSON(biSet(valid, "collective_id", itoa(c.Id))...), status: 422, fields: []string{"collective_id"}},
		biCase{name: "admin with a region_code", body: biJSON(biSet(valid, "role", `"admin"`)...), status: 422, fields: []string{"region_code"}},
		biCase{name: "collective without collective_id", body: biJSON(biSet(biSet(valid, "role", `"collective"`), "region_code", "")...), status: 422, fields: []string{"collective_id"}},
		biCase{name: "collective with no such collective", body: biJSON(biSet(biSet(biSet(valid, "role", `"collective"`), "region_code", ""), "collective_id", itoa(c.Id+100))...), status: 422, fields: []string{"collective_id"}},
		biCase{name: "provider with no such provider", body: biJSON(biSet(biSet(biSet(valid, "role", `"provider"`), "region_code", ""), "provider_id", "1")...), status: 422, fields: []string{"provider_id"}},
		biCase{name: "empty object", body: `{}`, status: 422, fields: []string{"username", "password", "role"}},
		biCase{name: "null body", body: `null`, status: 422, alt: 400},
		biCase{name: "id in the body", body: biJSON(biSet(valid, "id", "7")...), status: 400, fields: []string{"id"}},
		biCase{name: "disabled in the body", body: biJSON(biSet(valid, "disabled", "false")...), status: 400, fields: []string{"disabled"}},
		biCase{name: "taken username", body: biJSON(biSet(valid, "username", `"admin"`)...), status: 409},
	)
	biRun(t, env, env.Admin, http.MethodPost, "/api/v1/users", cases)
}

func TestBadInputLogin(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	valid := []biKV{{"username", `"admin"`}, {"password", biQ(apitest.AdminPassword)}}
	var cases []biCase
	cases = append(cases, biSyntax(valid, "username")...)
	cases = append(cases, biTypes(valid, []string{"username", "password"}, nil)...)
	cases = append(cases, biRequired(valid, []string{"username", "password"}, 401, 422)...)
	cases = append(cases,
		biCase{name: "token in the body", body: biJSON(biSet(valid, "token", `"x"`)...), status: 400, fields: []string{"token"}},
		biCase{name: "wrong password", body: biJSON(biSet(valid, "password", `"wrong-password"`)...), status: 401},
		biCase{name: "wrong-case username", body: biJSON(biSet(valid, "username", `"Admin"`)...), status: 401},
	)
	for i := range cases {
		if cases[i].status == http.StatusUnauthorized {
			cases[i].fields = nil
		}
	}
	biRun(t, env, "", http.MethodPost, "/api/v1/auth/login", cases)
	env.Login(t, "admin", apitest.AdminPassword)
}

func TestBadInputGzipBodiesAreAccepted(t *testing.T) {
	t.Parallel()
	env, c := biSetup(t)
	gz := func(want int, token, method, path string, body string) *apitest.Response {
		t.Helper()
		res := env.Send(t, apitest.Request{Method: method, Path: path, Token: token, Body: biGzip(body), Header: biGzipHeader})
		if res.Status != want {
			t.Fatalf("gzip %s %s: status %d, want %d: %s", method, path, res.Status, want, res.Body)
		}
		return res
	}
	gz(http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/regions", `{"code":"610631100203","name":"新村"}`)
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/regions/610631100203", nil)
	var created api.Collective
	gz(http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/collectives", biJSON(biKV{"name", `"新村合作社"`}, biKV{"credit_code", biQ(colCredit("610631", 7))},
		biKV{"region_code", `"610631100203"`}, biKV{"contact_name", `"张三"`}, biKV{"contact_phone", `"13700002222"`})).JSON(t, &created)
	var changed api.Collective
	gz(http.StatusOK, env.Admin, http.MethodPatch, "/api/v1/collectives/"+itoa(c.Id), `{"name":"压缩合作社"}`).JSON(t, &changed)
	if changed.Name != "压缩合作社" || created.ContactPhone != "137****2222" {
		t.Errorf("created %+v, changed %+v", created, changed)
	}
	gz(http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/users", `{"username":"zipped","password":"zipped-password","role":"bureau","region_code":"610631000000"}`)
	var s api.Session
	gz(http.StatusOK, "", http.MethodPost, "/api/v1/auth/login", `{"username":"zipped","password":"zipped-password"}`).JSON(t, &s)
	env.Expect(t, http.StatusOK, s.Token, http.MethodGet, "/api/v1/regions/610631100203", nil)
}

func TestBadInputBodyLimitIs4MiB(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, n := range []int{4_000_001, 4 << 20} {
		for _, zipped := range []bool{false, true} {
			body, header := []byte(biHuge(n)), map[string]string(nil)
			if zipped {
				body, header = biGzip(biHuge(n)), biGzipHeader
			}
			res := env.Send(t, apitest.Request{Method: http.MethodPost, Path: "/api/v1/regions", Token: env.Admin, Body: body, Header: header})
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("a body of %d bytes (gzip %v): status %d, want 422 for its content", n, zipped, res.Status)
				continue
			}
			if f := res.Fields(t); !slices.Equal(f, []string{"code", "name"}) {
				t.Errorf("a body of %d bytes: problem names %v", n, f)
			}
		}
	}
}

func TestBadInputQueryAndPathParameters(t *testing.T) {
	t.Parallel()
	env, c := biSetup(t)
	const rawQueryBug = "echo's QueryParams (url.ParseQuery) silently drops a pair with a bad %-escape, so ?cursor=%%% or ?limit=%zz is treated as absent and answers 200 with the first page; a malformed query should answer 400 naming the parameter"
	for _, list := range []string{"/api/v1/regions", "/api/v1/collectives", "/api/v1/users", "/api/v1/audit-events"} {
		cases := []biCase{
			{name: "limit=abc", path: list + "?limit=abc", status: 400, fields: []string{"limit"}},
			{name: "limit=0", path: list + "?limit=0", status: 400, fields: []string{"limit"}},
			{name: "limit=-1", path: list + "?limit=-1", status: 400, fields: []string{"limit"}},
			{name: "limit=501", path: list + "?limit=501", status: 400, fields: []string{"limit"}},
			{name: "limit=1.5", path: list + "?limit=1.5", status: 400, fields: []string{"limit"}},
			{name: "limit=1e2", path: list + "?limit=1e2", status: 400, fields: []string{"limit"}},
			{name: "limit overflows", path: list + "?limit=99999999999999999999", status: 400, fields: []string{"limit"}},
			{name: "limit twice", path: list + "?limit=1&limit=2", status: 400, fields: []string{"limit"}},
			{name: "cursor %%% escaped", path: list + "?cursor=%25%25%25", status: 400, fields: []string{"cursor"}},
			{name: "cursor not base64", path: list + "?cursor=" + "not%20a%20cursor!", status: 400, fields: []string{"cursor"}},
			{name: "cursor %%% raw", path: list + "?cursor=%%%", status: 400, fields: []string{"cursor"}, bug: rawQueryBug},
			{name: "limit bad escape", path: list + "?limit=%zz", status: 400, fields: []string{"limit"}, bug: rawQueryBug},
		}
		if list != "/api/v1/regions" {
			cases = append(cases, biCase{name: "cursor of no id", path: list + "?cursor=YWJj", status: 400, fields: []string{"cursor"}})
		}
		t.Run(list, func(t *testing.T) { biRun(t, env, env.Admin, http.MethodGet, list, cases) })
		for _, limit := range []string{"1", "500"} {
			env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, list+"?limit="+limit, nil)
		}
	}
	t.Run("audit filters", func(t *testing.T) {
		biRun(t, env, env.Admin, http.MethodGet, "", []biCase{
			{name: "actor_id=x", path: "/api/v1/audit-events?actor_id=x", status: 400, fields: []string{"actor_id"}},
			{name: "actor_id=1.5", path: "/api/v1/audit-events?actor_id=1.5", status: 400, fields: []string{"actor_id"}},
		})
	})
	t.Run("ids", func(t *testing.T) {
		for _, p := range []string{"/api/v1/collectives/", "/api/v1/users/"} {
			biRun(t, env, env.Admin, http.MethodGet, "", []biCase{
				{name: p + "abc", path: p + "abc", status: 400, fields: []string{"id"}},
				{name: p + "1.5", path: p + "1.5", status: 400, fields: []string{"id"}},
				{name: p + "1e3", path: p + "1e3", status: 400, fields: []string{"id"}},
				{name: p + "space", path: p + "%20", status: 400, fields: []string{"id"}},
				{name: p + "overflow", path: p + "99999999999999999999", status: 400, fields: []string{"id"}},
				{name: p + "0", path: p + "0", status: 404, alt: 400},
				{name: p + "-1", path: p + "-1", status: 404, alt: 400},
			})
		}
		biRun(t, env, env.Admin, http.MethodPatch, "", []biCase{
			{name: "PATCH users/abc", path: "/api/v1/users/abc", body: `{"disabled":true}`, status: 400, fields: []string{"id"}},
			{name: "PATCH collectives/abc", path: "/api/v1/collectives/abc", body: `{"name":"x"}`, status: 400, fields: []string{"id"}},
		})
		biRun(t, env, env.Admin, http.MethodGet, "", []biCase{
			{name: "region code not 12 digits", path: "/api/v1/regions/abc", status: 404, alt: 400},
			{name: "region code 13 digits", path: "/api/v1/regions/6106311002010", status: 404, alt: 400},
		})
	})
	env.Expect(t, http.StatusOK, env.Admin, http.MethodGet, "/api/v1/collectives/"+itoa(c.Id), nil)
}

func TestBadInputNULCharacters(t *testing.T) {
	t.Parallel()
	env, c := biSetup(t)
	const nulBug = "PostgreSQL text cannot hold U+0000; nothing refuses it before the query, so the database error surfaces as a 500 (should be 400/422 naming the field or parameter)"
	cases := []struct {
		method, path string
		body         any
		fields       []string
		bug          string
	}{
		{http.MethodPost, "/api/v1/regions", `{"code":"610631100203","name":"新\u0000村"}`, []string{"name"}, nulBug},
		{http.MethodPatch, "/api/v1/regions/610631100000", `{"name":"镇\u0000"}`, []string{"name"}, nulBug},
		{http.MethodPost, "/api/v1/collectives", biJSON(biKV{"name", `"合作社\u0000"`}, biKV{"credit_code", biQ(colCredit("610631", 5))},
			biKV{"region_code", `"610631100202"`}, biKV{"contact_name", `"李"`}, biKV{"contact_phone", `"13987654321"`}), []string{"name"}, nulBug},
		{http.MethodPost, "/api/v1/collectives", biJSON(biKV{"name", `"合作社"`}, biKV{"credit_code", biQ(colCredit("610631", 5))},
			biKV{"region_code", `"610631100202"`}, biKV{"contact_name", `"\u0000"`}, biKV{"contact_phone", `"13987654321"`}), []string{"contact_name"}, nulBug},
		{http.MethodPost, "/api/v1/collectives", biJSON(biKV{"name", `"合作社"`}, biKV{"credit_code", biQ(colCredit("610631", 5))},
			biKV{"region_code", `"6106311002\u00002"`}, biKV{"contact_name", `"李"`}, biKV{"contact_phone", `"13987654321"`}), []string{"region_code"}, ""},
		{http.MethodPatch, "/api/v1/collectives/" + itoa(c.Id), `{"contact_name":"李\u0000"}`, []string{"contact_name"}, nulBug},
		{http.MethodPatch, "/api/v1/collectives/" + itoa(c.Id), `{"contact_phone":"1398765432\u00001"}`, []string{"contact_phone"}, ""},
		{http.MethodPost, "/api/v1/users", `{"username":"clerk\u0000","password":"clerk-password","role":"bureau","region_code":"610631000000"}`, []string{"username"}, ""},
		{http.MethodPost, "/api/v1/users", `{"username":"clerk","password":"clerk-password","role":"bureau","region_code":"61063100000\u0000"}`, []string{"region_code"}, nulBug},
		{http.MethodPost, "/api/v1/auth/login", `{"username":"admin\u0000","password":"x"}`, nil, nulBug},
		{http.MethodGet, "/api/v1/regions?name=%00", nil, []string{"name"}, nulBug},
		{http.MethodGet, "/api/v1/regions?parent_code=%00", nil, []string{"parent_code"}, nulBug},
		{http.MethodGet, "/api/v1/regions?within=%00", nil, []string{"within"}, nulBug},
		{http.MethodGet, "/api/v1/regions/%00", nil, nil, nulBug},
		{http.MethodGet, "/api/v1/collectives?name=%00", nil, []string{"name"}, nulBug},
		{http.MethodGet, "/api/v1/collectives?credit_code=%00", nil, []string{"credit_code"}, nulBug},
		{http.MethodGet, "/api/v1/collectives?region_code=%00", nil, []string{"region_code"}, nulBug},
		{http.MethodGet, "/api/v1/users?region_code=%00", nil, []string{"region_code"}, nulBug},
		{http.MethodGet, "/api/v1/audit-events?object_type=%00", nil, []string{"object_type"}, nulBug},
		{http.MethodGet, "/api/v1/audit-events?cursor=AA", nil, []string{"cursor"}, ""},
		{http.MethodGet, "/api/v1/regions?cursor=AA", nil, []string{"cursor"}, nulBug},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			before := biSnapshot(t, env)
			token := env.Admin
			if strings.HasSuffix(tc.path, "/login") {
				token = ""
			}
			res := env.Send(t, apitest.Request{Method: tc.method, Path: tc.path, Token: token, Body: tc.body})
			if res.Status < 400 || res.Status >= 500 {
				t.Fatalf("status %d, want 4xx: %s", res.Status, res.Body)
			}
			biCheck(t, res, biCase{status: res.Status, fields: tc.fields})
			if biSnapshot(t, env) != before {
				t.Error("wrote something")
			}
		})
	}
}

func TestBadInputUnsupportedMediaTypeIsDeclared(t *testing.T) {
	t.Parallel()
	doc, err := api.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && op.Responses.Status(http.StatusUnsupportedMediaType) == nil {
				t.Errorf("%s %s takes a body but declares no 415", method, path)
			}
		}
	}
}
