package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

type acceptance struct {
	name string
	body string
	into func() any
}

var acceptances = []acceptance{
	{"parcel", `{
		"created_by":"ops","note":"n","id":7,"name":"北田 \"3\"","area_mu":"12.50","price":3,
		"tags":["a","b"],"owner":{"name":"Li","phone":"138"},"active":true,"ratio":0.5,"level":255,
		"boundary":{"type":"Polygon","coordinates":[[[116.1,39.9],[116.2,39.9],[116.1,39.9]]]},
		"props":{"soil":"loam","depth":{"min":1,"max":2e1},"list":[null,true,"x"]},
		"counts":{"a":1,"b":-2}
	}`, parcel},
	{"escaped key", `{"n\u0061me":"x","\u0069d":1}`, parcel},
	{"free-form and unmarshaler nulls", `{"area_mu":null,"props":{"a":null,"b":[null,{"c":null}]},
		"boundary":{"type":"Point","coordinates":null}}`, prefilled},
	{"null targets", `{"raw":null,"raws":[null,1,null],"raw_map":{"a":null,"b":{}},"any":null,
		"anys":[null,{"x":null}],"seen":null,"seens":[null,{}],"seen_map":{"a":null},"musts":{"a":"x"}}`, nullable},
	{"top-level null into interface", `null`, func() any { return new(any) }},
	{"top-level null into raw message", ` null `, func() any { return new(json.RawMessage) }},
	{"top-level null into unmarshaler", `null`, func() any { return new(decimal) }},
	{"escaped backslash is not NUL", `{"name":"\\u0000","created_by":"\\\\u0000","tags":["x\\u0000y"],
		"owner":{"name":"\\u0000","phone":"\\u0000"}}`, parcel},
	{"NUL in free-form values", `{"props":{"k":"\u0000","l":["a\u0000"]},"boundary":{"type":"P","coordinates":["\u0000"]}}`, parcel},
	{"NUL for raw message and interface", `{"raw":"\u0000","any":{"k":"\u0000"},"must":"\u0000"}`, odd},
	{"empty object", ` {} `, parcel},
	{"batch", `{"parcels":[{"id":1},{"id":2,"boundary":{"type":"Point","coordinates":[1,2]}}],
		"meta":{"source":"import","n":2,"nested":[{"a":[]},{}]}}`, batch},
	{"odd", `{"quoted":"12","qptr":"true","pair":[1],"blob":"AQID","num":"12.5","addr":"10.0.0.1",
		"by_id":{"1":"a","-2":"b"},"raw":{"x":[1,{"y":2}]},"must":"m","any":{"k":[1.5]},
		"NoTag":"t","BadTag":"b","-":"d"}`, odd},
	{"odd variants", `{"quoted":"-7","qptr":"false","blob":[1,2],"num":3e2,"by_id":{},"raw":null,"must":"x","any":null}`, odd},
	{"ambiguous", `{"V":1,"z":3}`, func() any { return new(Ambiguous) }},
	{"shadow", `{"name":5,"phone":"123"}`, func() any { return new(Shadow) }},
	{"wide", `{"F00":1,"F33":2,"F65":3,"F69":4}`, func() any { return new(Wide) }},
	{"limits", `{"i8":-128,"i16":32767,"i64":-9223372036854775808,"u16":65535,
		"u64":18446744073709551615,"f32":3.4e38,"f64":-1.7e308}`, small},
	{"interface target", `[1,"a",{"b":[true,null]}]`, func() any { return new(any) }},
	{"map target", `{"a":{"b":1},"c":null}`, func() any { return new(map[string]any) }},
	{"tree", `{"value":1,"children":[{"value":2,"children":[{"value":3}]},{}]}`, func() any { return new(Tree) }},
	{"max depth", strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), func() any { return new(any) }},
}

// prefilled is a target whose fields are already set, to show that
// accepted bodies decode over it as json.Unmarshal does and refused ones
// leave it alone.
func prefilled() any {
	return &Parcel{Audit: Audit{CreatedBy: "c"}, ID: 1, Name: "n", AreaMu: "1", Active: true, Tags: []string{"t"},
		Props: map[string]any{"old": 1.0}, Boundary: &Geometry{Type: "Point", Coordinates: []any{1.0, 2.0}}}
}

func nullable() any { return new(Nullable) }

func TestAcceptances(t *testing.T) {
	for _, tc := range acceptances {
		t.Run(tc.name, func(t *testing.T) {
			got, want := tc.into(), tc.into()
			if err := Decode([]byte(tc.body), got); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if err := json.Unmarshal([]byte(tc.body), want); err != nil {
				t.Fatalf("json.Unmarshal: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Decode gave\n%+v\njson.Unmarshal gave\n%+v", got, want)
			}
		})
	}
}

// TestRefusalsLeaveTargetAlone checks that refused bodies are not half
// decoded into the target.
func TestRefusalsLeaveTargetAlone(t *testing.T) {
	for _, tc := range refusals {
		v, zero := tc.into(), tc.into()
		_ = Decode([]byte(tc.body), v)
		if !reflect.DeepEqual(v, zero) {
			t.Errorf("%s: target modified to %+v", tc.name, v)
		}
	}
}

func TestDepth(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	msg := fmt.Sprintf("nesting is deeper than the maximum of %d levels", MaxDepth)

	var e *Error
	if err := Decode([]byte(deep(MaxDepth+1)), new(any)); !errors.As(err, &e) ||
		len(e.Problems) != 1 || e.Problems[0].Message != msg ||
		e.Problems[0].Field != strings.Repeat("[0]", MaxDepth) {
		t.Errorf("depth %d: %v", MaxDepth+1, err)
	}

	// Through struct fields: every Tree level is an object plus an array.
	body := strings.Repeat(`{"children":[`, MaxDepth/2) + `{}` + strings.Repeat(`]}`, MaxDepth/2)
	if err := Decode([]byte(body), new(Tree)); !errors.As(err, &e) || e.Problems[0].Message != msg {
		t.Errorf("tree: %v", err)
	} else if f := e.Problems[0].Field; !strings.HasPrefix(f, "children[0].children[0]") || len(f) > maxPath+len("…") {
		t.Errorf("tree field = %q", f)
	}

	// Far beyond what a recursive walk could survive.
	for _, n := range []int{5000, 200000} {
		if err := Decode([]byte(deep(n)), new(any)); !errors.As(err, &e) || e.Problems[0].Message != msg {
			t.Errorf("depth %d: %v", n, err)
		}
	}
}

func TestBigBody(t *testing.T) {
	body := batchBody(5000)
	var got, want Batch
	if err := Decode(body, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || len(got.Parcels) != 5000 {
		t.Fatal("big body decoded differently from encoding/json")
	}

	bad := strings.Replace(string(body), `"id":4999,`, `"id":4999,"ID":1,`, 1)
	var e *Error
	if err := Decode([]byte(bad), new(Batch)); !errors.As(err, &e) || len(e.Problems) != 1 ||
		e.Problems[0].Field != "parcels[4999].ID" {
		t.Fatalf("got %v", err)
	}
}

func TestInvalidTarget(t *testing.T) {
	body := []byte(`{}`)
	for _, v := range []any{nil, Parcel{}, (*Parcel)(nil)} {
		var ie *json.InvalidUnmarshalError
		if err := Decode(body, v); !errors.As(err, &ie) {
			t.Errorf("Decode into %T: %v", v, err)
		}
	}
}

// TestUnmarshalFailsLate covers a failure only json.Unmarshal sees.
func TestUnmarshalFailsLate(t *testing.T) {
	v := &Stateful{O: once{set: true}}
	var e *Error
	if err := Decode([]byte(`{"o":1}`), v); !errors.As(err, &e) || e.Problems[0].Message != "already set" {
		t.Fatalf("got %v", err)
	}
	if err := Decode([]byte(`{"o":1}`), new(Stateful)); err != nil {
		t.Fatal(err)
	}
}

// TestNullFreeForm checks what free-form targets make of the null they
// accept: json.RawMessage keeps it as sent, interface{} becomes nil.
func TestNullFreeForm(t *testing.T) {
	v := &Nullable{Any: "old", Anys: []any{"old"}}
	body := `{"raw":null,"raws":[null,1],"raw_map":{"a":null},"any":null,"anys":[null,2]}`
	if err := Decode([]byte(body), v); err != nil {
		t.Fatal(err)
	}
	if string(v.Raw) != "null" || len(v.Raws) != 2 || string(v.Raws[0]) != "null" || string(v.Raws[1]) != "1" ||
		string(v.RawMap["a"]) != "null" {
		t.Errorf("raw messages = %q %q %q", v.Raw, v.Raws, v.RawMap)
	}
	if v.Any != nil || len(v.Anys) != 2 || v.Anys[0] != nil || v.Anys[1] != 2.0 {
		t.Errorf("interfaces = %#v %#v", v.Any, v.Anys)
	}

	var raw json.RawMessage
	if err := Decode([]byte(`null`), &raw); err != nil || string(raw) != "null" {
		t.Errorf("top-level raw message = %q, %v", raw, err)
	}
	var a any = "old"
	if err := Decode([]byte(`null`), &a); err != nil || a != nil {
		t.Errorf("top-level interface = %#v, %v", a, err)
	}
}

// TestNullUnmarshaler checks that Unmarshalers receive null at any depth
// (and decide), while pointers to them refuse it like any pointer.
func TestNullUnmarshaler(t *testing.T) {
	var v Nullable
	if err := Decode([]byte(`{"seen":null,"seens":[null,{}],"seen_map":{"k":null}}`), &v); err != nil {
		t.Fatal(err)
	}
	null := nullSeen{Called: true, Null: true}
	if v.Seen != null || len(v.Seens) != 2 || v.Seens[0] != null || v.Seens[1] != (nullSeen{Called: true}) ||
		v.SeenMap["k"] != null {
		t.Errorf("got %+v %+v %+v", v.Seen, v.Seens, v.SeenMap)
	}

	var top nullSeen
	if err := Decode([]byte(`null`), &top); err != nil || top != null {
		t.Errorf("top level: %+v, %v", top, err)
	}

	// The Unmarshaler's own error is reported against the field.
	var e *Error
	err := Decode([]byte(`{"musts":{"a":"x","b":null}}`), new(Nullable))
	if !errors.As(err, &e) || !matchProblems(e.Problems, one("musts.b", "must not be null")) {
		t.Errorf("required: %v", err)
	}
	err = Decode([]byte(`{"seen_ptr":null}`), new(Nullable))
	if !errors.As(err, &e) || !matchProblems(e.Problems, one("seen_ptr", "must not be null; leave the field out instead")) {
		t.Errorf("pointer to unmarshaler: %v", err)
	}
}

// TestNUL checks that "\\u0000" (an escaped backslash, then the text
// u0000) is told apart from the escape of a NUL character.
func TestNUL(t *testing.T) {
	var p Parcel
	if err := Decode([]byte(`{"name":"\\u0000","tags":["\\\\u0000"]}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != `\u0000` || len(p.Tags) != 1 || p.Tags[0] != `\\u0000` {
		t.Errorf("got name %q, tags %q", p.Name, p.Tags)
	}
	for _, body := range []string{`{"name":"\u0000"}`, `{"name":"\\\u0000"}`, `{"name":"\\\\\u0000"}`} {
		var e *Error
		if err := Decode([]byte(body), new(Parcel)); !errors.As(err, &e) ||
			!matchProblems(e.Problems, one("name", "must not contain a NUL character")) {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				tc := acceptances[(g+i)%len(acceptances)]
				if err := Decode([]byte(tc.body), tc.into()); err != nil {
					t.Errorf("%s: %v", tc.name, err)
				}
				rc := refusals[(g*7+i)%len(refusals)]
				if err := Decode([]byte(rc.body), rc.into()); err == nil {
					t.Errorf("%s: accepted", rc.name)
				}
			}
		})
	}
	wg.Wait()
}

// FuzzDecode checks that Decode never panics and never accepts what
// encoding/json refuses or decodes differently.
func FuzzDecode(f *testing.F) {
	for _, tc := range acceptances {
		f.Add(tc.body)
	}
	for _, tc := range refusals {
		f.Add(tc.body)
	}
	targets := []func() any{parcel, batch, odd, small, nullable, func() any { return new(any) }}
	f.Fuzz(func(t *testing.T, body string) {
		for _, into := range targets {
			got, want := into(), into()
			if Decode([]byte(body), got) != nil {
				continue
			}
			if err := json.Unmarshal([]byte(body), want); err != nil {
				t.Fatalf("Decode accepted what json.Unmarshal refuses: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoded %+v, encoding/json %+v", got, want)
			}
		}
	})
}

// batchBody builds a realistic batch request of n parcels, each with
// nested objects, a decimal, tags, free-form properties and a GeoJSON
// polygon.
func batchBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"parcels":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"created_by":"importer","id":%d,"name":"地块 %d","area_mu":"%d.%02d",`, i, i, i%97, i%100)
		fmt.Fprintf(&b, `"price":%d.5,"tags":["irrigated","lot-%d"],"owner":{"name":"Owner %d","phone":"1380000%04d"},`, i, i%13, i, i)
		fmt.Fprintf(&b, `"active":%t,"ratio":0.%d,"level":%d,"counts":{"wells":%d,"sheds":2},`, i%2 == 0, i%10, i%200, i%5)
		fmt.Fprintf(&b, `"props":{"soil":"loam","slope":%d.25,"crops":["wheat","maize"]},`, i%30)
		fmt.Fprintf(&b, `"boundary":{"type":"Polygon","coordinates":[[[116.%03d,39.1],[116.%03d,39.2],[116.%03d,39.2],[116.%03d,39.1]]]}}`, i%1000, i%1000, (i+1)%1000, (i+1)%1000)
	}
	b.WriteString(`],"meta":{"source":"bench","version":3}}`)
	return b.Bytes()
}

// BenchmarkDecode compares Decode with plain json.Unmarshal on a batch of
// 1,000 parcels (about 400 KB).
func BenchmarkDecode(b *testing.B) {
	body := batchBody(1000)
	b.Run("strictjson", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var v Batch
			if err := Decode(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var v Batch
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("checks_only", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		ti := planFor(typeOfBatch)
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal("invalid")
			}
			w := getWalker(body)
			w.value(ti)
			if len(w.errs) > 0 {
				b.Fatal(w.errs)
			}
			putWalker(w)
		}
	})
}

var typeOfBatch = reflect.TypeFor[Batch]()

// A field tagged without omitempty that cannot say "absent" (no pointer, no interface) is required, at any
// depth; one left out is named, and the others are not.
func TestRequiredFields(t *testing.T) {
	type line struct {
		OpType string  `json:"op_type"`
		Note   *string `json:"note,omitempty"`
	}
	type body struct {
		Fee   decimal `json:"fee"`
		Lines []line  `json:"lines"`
		Memo  string  `json:"memo,omitempty"`
		Extra *int    `json:"extra"`
		Any   any     `json:"any"`
	}
	var e *Error
	err := Decode([]byte(`{"lines":[{"op_type":"sowing"},{"note":"x"}]}`), new(body))
	if !errors.As(err, &e) || !matchProblems(e.Problems, []Problem{{"lines[1].op_type", MessageRequired}, {"fee", MessageRequired}}) {
		t.Errorf("got %v", err)
	}
	if err := Decode([]byte(`{"fee":"1.00","lines":[]}`), new(body)); err != nil {
		t.Errorf("complete body refused: %v", err)
	}
}

// Text is stored as sent or not at all: invalid UTF-8 and lone surrogates are refused, where encoding/json
// would store U+FFFD; paired surrogates and plain escapes pass.
func TestTextMustBeWellFormed(t *testing.T) {
	type body struct {
		Name string `json:"name"`
	}
	for _, raw := range []string{"{\"name\":\"a\xffb\"}", `{"name":"\ud800"}`, `{"name":"\udc00x"}`, `{"name":"\ud800\u0041"}`, `{"name":"x\ud83d"}`} {
		var e *Error
		if err := Decode([]byte(raw), new(body)); !errors.As(err, &e) || e.Problems[0].Field != "name" {
			t.Errorf("%q: %v, want refused naming name", raw, err)
		}
	}
	for raw, want := range map[string]string{`{"name":"\ud83c\udf3e 麦"}`: "🌾 麦", `{"name":"\\u0041\"\u00e9"}`: `\u0041"é`} {
		var b body
		if err := Decode([]byte(raw), &b); err != nil || b.Name != want {
			t.Errorf("%s: %q, %v; want %q", raw, b.Name, err, want)
		}
	}
}
