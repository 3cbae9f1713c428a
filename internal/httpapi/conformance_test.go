package httpapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tuoguan/tuoguan"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// TestConformance derives requests from openapi.yaml alone, for every operation and every role: the
// operation's example, then each required field removed, each enum (body or query) set to an unknown value,
// each string over its maxLength, each integer beyond its bounds and beyond int32 and int64, each decimal
// with too many places, NaN or an overflowing exponent, and each value of the wrong JSON type. Whatever the
// answer, it is never a 5xx; a 400 or 422 is problem+json naming the field or parameter at fault; nothing is
// written behind a 4xx; and every answer matches openapi.yaml (apitest checks each one). An operation
// added to the contract is covered without touching this test, and one without an example fails it.
func TestConformance(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(tuoguan.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	w.settlementA, w.sampleA = w.newSettlement(t, true, worldSeason()), w.newSample(t, true)
	fp := newFingerprint(t, w.env)
	type op struct {
		method, path string
		op           *openapi3.Operation
		item         *openapi3.PathItem
	}
	var ops []op
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			ops = append(ops, op{method, path, o, item})
		}
	}
	// Reads before writes, deletions last, so that an operation's example meets the world as built.
	rank := map[string]int{http.MethodGet: 0, http.MethodPost: 1, http.MethodPut: 1, http.MethodPatch: 1, http.MethodDelete: 2}
	sort.Slice(ops, func(i, j int) bool {
		if rank[ops[i].method] != rank[ops[j].method] {
			return rank[ops[i].method] < rank[ops[j].method]
		}
		return ops[i].method+ops[i].path < ops[j].method+ops[j].path
	})
	requests, failures, accepted := 0, 0, 0
	for _, o := range ops {
		name := o.method + " " + o.path
		base, err := exampleRequest(w, o.method, o.path, o.op, o.item)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cases := mutations(base, o.op, o.item)
		for _, r := range worldRoles {
			for _, c := range cases {
				requests++
				if !checkCase(t, w, fp, r, name, c) {
					failures++
				}
			}
		}
		for _, r := range worldRoles {
			requests++
			res := w.env.Send(t, base.request(w.token[r]))
			if res.Status < 300 {
				accepted++
			}
			if res.Status >= 500 {
				failures++
				t.Errorf("%s as %s, the example: %d: %s", name, r, res.Status, res.Body)
			}
		}
	}
	t.Logf("conformance: %d operations × %d roles, %d requests (%d examples accepted), %d failed", len(ops), len(worldRoles),
		requests, accepted, failures)
}

// confCase is one request derived from the contract: field names what was broken ("" for nothing), in the
// request's own names (services[0].price_per_mu, or a parameter's name).
type confCase struct {
	field  string
	method string
	path   string
	query  url.Values
	header map[string]string
	body   any
	csv    string // a text/csv body, sent as it is
}

func (c confCase) request(token string) apitest.Request {
	p := c.path
	if len(c.query) > 0 {
		p += "?" + c.query.Encode()
	}
	req := apitest.Request{Method: c.method, Path: p, Token: token, Header: c.header}
	if c.csv != "" {
		req.Body = c.csv
		req.Header = maps.Clone(c.header)
		req.Header["Content-Type"] = "text/csv"
	}
	if c.body != nil {
		raw, _ := json.Marshal(c.body)
		req.Body = fixNumbers(string(raw))
	}
	return req
}

// Numbers JSON cannot carry as Go values are sent as these strings and written into the body bare.
const (
	overflowExponent = "\"__1e400__\""
	beyondInt64      = "\"__99999999999999999999__\""
)

func fixNumbers(raw string) string {
	raw = strings.ReplaceAll(raw, overflowExponent, "1e400")
	return strings.ReplaceAll(raw, beyondInt64, "99999999999999999999")
}

// checkCase sends c as r and reports whether the answer kept the contract.
func checkCase(t *testing.T, w *world, fp *fingerprint, r role, name string, c confCase) bool {
	t.Helper()
	before := fp.take(t)
	res := w.env.Send(t, c.request(w.token[r]))
	what := fmt.Sprintf("%s as %s, %s", name, r, c.field)
	switch {
	case res.Status >= 500:
		t.Errorf("%s: %d: %s", what, res.Status, res.Body)
		return false
	case res.Status < 400:
		return true
	}
	if after := fp.take(t); after != before {
		t.Errorf("%s: %d, yet rows changed:\n%s\n%s", what, res.Status, before, after)
		return false
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: %d as %q", what, res.Status, ct)
		return false
	}
	if res.Status != http.StatusBadRequest && res.Status != http.StatusUnprocessableEntity {
		return true // a role, scope or state answer: no field is at fault
	}
	fields := res.Fields(t)
	if !slices.ContainsFunc(fields, func(f string) bool {
		return f == c.field || strings.HasPrefix(f, c.field+".") || strings.HasPrefix(f, c.field+"[")
	}) {
		t.Errorf("%s: %d names %v, not %s: %s", what, res.Status, fields, c.field, res.Body)
		return false
	}
	return true
}

// exampleRequest builds the valid request of an operation from its example, with the world's objects in place
// of the example's ids.
func exampleRequest(w *world, method, path string, o *openapi3.Operation, item *openapi3.PathItem) (confCase, error) {
	c := confCase{method: method, query: url.Values{}, header: map[string]string{}}
	c.path = "/api/v1" + pathParam.ReplaceAllStringFunc(path, func(p string) string { return w.pathValue(path, p) })
	for _, ref := range append(slices.Clone(o.Parameters), item.Parameters...) {
		p := ref.Value
		if !p.Required || p.In == "path" {
			continue
		}
		v := exampleOf(p.Example, p.Schema.Value)
		if v == nil {
			return c, fmt.Errorf("required parameter %s has no example", p.Name)
		}
		switch p.In {
		case "query":
			c.query.Set(p.Name, fmt.Sprint(v))
		case "header":
			c.header[p.Name] = fmt.Sprint(v)
		}
	}
	if o.RequestBody == nil {
		return c, nil
	}
	if mt := o.RequestBody.Value.Content.Get("text/csv"); mt != nil {
		example, ok := mt.Example.(string)
		if !ok || example == "" {
			return c, fmt.Errorf("the text/csv request body has no example")
		}
		c.csv = w.withWorldCSV(example)
		return c, nil
	}
	mt := o.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Example == nil {
		return c, fmt.Errorf("the request body has no example")
	}
	body := w.withWorldIDs(deepCopy(mt.Example))
	c.body = body
	return c, nil
}

var pathParam = regexp.MustCompile(`\{\w+\}`)

// pathValue names the world's object for a path parameter: county A's region codes, and for an id the object
// of the path's resource that county A's accounts may act on.
func (w *world) pathValue(path, param string) string {
	switch param {
	case "{county_code}":
		return countyA
	case "{season_year}":
		return fmt.Sprint(worldSeason())
	}
	switch {
	case strings.HasPrefix(path, "/stats/regions"):
		return countyA
	case strings.HasPrefix(path, "/regions"):
		return villageA1
	case strings.HasPrefix(path, "/users"):
		return itoa(w.collAUser.Id)
	case strings.HasPrefix(path, "/collectives"):
		return itoa(w.collA.Id)
	case strings.HasPrefix(path, "/farms"):
		return itoa(w.farmA.Id)
	case strings.HasPrefix(path, "/parcels"):
		return itoa(w.parcelA.Id)
	case strings.HasPrefix(path, "/providers"):
		return itoa(w.provA.Id)
	case strings.HasPrefix(path, "/verification-samples"):
		return itoa(w.sampleA)
	case strings.HasPrefix(path, "/settlements"):
		return itoa(w.settlementA)
	case strings.HasPrefix(path, "/operations"):
		return itoa(w.opA.Id)
	case path == "/contracts/{id}" || strings.HasSuffix(path, "/activate"):
		return itoa(w.draftA.Id)
	case strings.HasPrefix(path, "/contracts"):
		return itoa(w.activeA.Id)
	}
	panic("no world object for " + path + " " + param)
}

// withWorldIDs puts the world's objects in place of the ids an example names.
func (w *world) withWorldIDs(v any) any {
	ids := map[string]int64{"farm_id": w.farmA.Id, "parcel_id": w.activeA.Parcels[0].ParcelId, "collective_id": w.collA.Id,
		"provider_id": w.provA.Id, "contract_id": w.activeA.Id}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if id, ok := ids[k]; ok {
				v[k] = id
			} else {
				v[k] = w.withWorldIDs(x)
			}
		}
	case []any:
		for i, x := range v {
			v[i] = w.withWorldIDs(x)
		}
	}
	return v
}

// withWorldCSV puts the world's farm in place of the farm_id a CSV example's rows start with.
func (w *world) withWorldCSV(example string) string {
	if !strings.HasPrefix(example, "farm_id,") {
		return example
	}
	lines := strings.Split(example, "\n")
	for i := 1; i < len(lines); i++ {
		if _, rest, ok := strings.Cut(lines[i], ","); ok {
			lines[i] = itoa(w.farmA.Id) + "," + rest
		}
	}
	return strings.Join(lines, "\n")
}

// exampleOf is a parameter's example, or a value its schema implies.
func exampleOf(example any, s *openapi3.Schema) any {
	switch {
	case example != nil:
		return example
	case s.Example != nil:
		return s.Example
	case len(s.Enum) > 0:
		return s.Enum[0]
	case s.Min != nil:
		return int64(*s.Min)
	}
	return nil
}

// mutations derives the broken variants of base from the operation's parameters and body schema.
func mutations(base confCase, o *openapi3.Operation, item *openapi3.PathItem) []confCase {
	var out []confCase
	for _, ref := range append(slices.Clone(o.Parameters), item.Parameters...) {
		p := ref.Value
		if p.In != "query" && p.In != "header" {
			continue
		}
		for _, v := range badValues(p.Schema.Value) {
			c := base.clone()
			c.field = p.Name
			if p.In == "query" {
				c.query.Set(p.Name, fmt.Sprint(v))
			} else {
				c.header[p.Name] = fmt.Sprint(v)
			}
			out = append(out, c)
		}
		if p.Required {
			c := base.clone()
			c.field = p.Name
			c.query.Del(p.Name)
			delete(c.header, p.Name)
			out = append(out, c)
		}
	}
	if o.RequestBody != nil {
		mt := o.RequestBody.Value.Content.Get("application/json")
		if mt != nil && base.body != nil {
			walkBody(base, mt.Schema, base.body, "", func(c confCase) { out = append(out, c) })
		}
	}
	return out
}

func (c confCase) clone() confCase {
	d := c
	d.query = url.Values{}
	for k, v := range c.query {
		d.query[k] = slices.Clone(v)
	}
	d.header = map[string]string{}
	for k, v := range c.header {
		d.header[k] = v
	}
	if c.body != nil {
		d.body = deepCopy(c.body)
	}
	return d
}

// walkBody emits the variants of the value at path in base's body, as schema describes it, and recurses
// into objects and the first element of arrays.
func walkBody(base confCase, ref *openapi3.SchemaRef, value any, path string, emit func(confCase)) {
	s := ref.Value
	set := func(field string, v any, remove bool) {
		c := base.clone()
		c.field = field
		setAt(c.body, field, v, remove)
		emit(c)
	}
	if path != "" {
		for _, v := range badValues(s) {
			set(path, v, false)
		}
		if strings.HasSuffix(ref.Ref, "/Dec2Input") || strings.HasSuffix(ref.Ref, "/Dec4Input") {
			for _, v := range []any{"1.123456", "NaN", overflowExponent, "1e3", "１２"} {
				set(path, v, false)
			}
		}
	}
	props := map[string]*openapi3.SchemaRef{}
	var required []string
	for _, part := range append([]*openapi3.SchemaRef{ref}, s.AllOf...) {
		for k, v := range part.Value.Properties {
			props[k] = v
		}
		required = append(required, part.Value.Required...)
	}
	switch v := value.(type) {
	case map[string]any:
		for _, k := range required {
			if _, ok := v[k]; ok {
				set(join(path, k), nil, true)
			}
		}
		for k, x := range v {
			if ps, ok := props[k]; ok {
				walkBody(base, ps, x, join(path, k), emit)
			}
		}
	case []any:
		if len(v) > 0 && s.Items != nil {
			if s.Items.Value.Type.Is(openapi3.TypeObject) || len(s.Items.Value.AllOf) > 0 || len(s.Items.Value.Properties) > 0 {
				walkBody(base, s.Items, v[0], path+"[0]", emit)
			}
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// badValues are the values that break s: an unknown enum value, a string over its maxLength, an integer
// beyond its bounds and beyond int32 and int64, and a value of the wrong JSON type.
func badValues(s *openapi3.Schema) []any {
	var out []any
	if len(s.Enum) > 0 {
		out = append(out, "not-a-known-value")
	}
	switch {
	case s.Type.Is(openapi3.TypeString):
		if s.MaxLength != nil {
			out = append(out, strings.Repeat("长", int(*s.MaxLength)+1))
		}
		if s.Format == "date" {
			out = append(out, "2026-02-30")
		}
		out = append(out, 12345)
	case s.Type.Is(openapi3.TypeInteger):
		if s.Max != nil {
			out = append(out, int64(*s.Max)+1)
		}
		if s.Min != nil {
			out = append(out, int64(*s.Min)-1)
		}
		out = append(out, int64(1)<<31, beyondInt64, "x")
	case s.Type.Is(openapi3.TypeBoolean):
		out = append(out, "maybe")
	case s.Type.Is(openapi3.TypeArray):
		out = append(out, map[string]any{})
	case s.Type.Is(openapi3.TypeObject):
		out = append(out, []any{})
	}
	return out
}

// setAt sets (or removes) the value at a path such as services[0].price_per_mu in body.
func setAt(body any, path string, v any, remove bool) {
	parts := strings.Split(strings.ReplaceAll(path, "[0]", ".[0]"), ".")
	cur := body
	for i, p := range parts {
		last := i == len(parts)-1
		switch node := cur.(type) {
		case map[string]any:
			if last {
				if remove {
					delete(node, p)
				} else {
					node[p] = v
				}
				return
			}
			cur = node[p]
		case []any:
			if last {
				node[0] = v
				return
			}
			cur = node[0]
		}
	}
}

func deepCopy(v any) any {
	raw, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}

// fingerprint counts the rows of every table, to tell that a refused request wrote nothing.
type fingerprint struct {
	env   *apitest.Env
	query string
}

func newFingerprint(t *testing.T, env *apitest.Env) *fingerprint {
	rows, err := env.DB.SQL.Query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'sessions' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, fmt.Sprintf("'%s=' || (SELECT count(*) FROM %q)", name, name))
	}
	return &fingerprint{env: env, query: "SELECT " + strings.Join(parts, " || ' ' || ")}
}

func (f *fingerprint) take(t *testing.T) string {
	var s string
	if err := f.env.DB.SQL.QueryRow(f.query).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
