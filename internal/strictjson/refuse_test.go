package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

type refusal struct {
	name string
	body string
	into func() any
	want []Problem // a Message ending in "*" matches as a prefix
}

func parcel() any { return new(Parcel) }
func batch() any  { return new(Batch) }
func odd() any    { return new(Odd) }

func one(field, msg string) []Problem { return []Problem{{field, msg}} }

const (
	noNull = "must not be null; leave the field out instead"
	noNUL  = "must not contain a NUL character"
)

var refusals = []refusal{
	// Body level.
	{"empty", ``, parcel, one("", "request body is empty")},
	{"blank", " \n\t ", parcel, one("", "request body is empty")},
	{"syntax", `{"name":}`, parcel, one("", "malformed JSON at byte 9: invalid character '}'*")},
	{"truncated", `{"name":"a"`, parcel, one("", "malformed JSON at byte 11: unexpected end*")},
	{"trailing junk", `{"name":"a"} x`, parcel, one("", "unexpected data after the JSON value at byte 14")},
	{"second value", `{"name":"a"}{"name":"b"}`, parcel, one("", "unexpected data after the JSON value at byte 13")},
	{"trailing number", `1 2`, func() any { return new(int) }, one("", "unexpected data after the JSON value at byte 3")},

	// Keys.
	{"unknown", `{"name":"a","colour":"red"}`, parcel, one("colour", "unknown field")},
	{"case", `{"Name":"a"}`, parcel, one("Name", `field names are case-sensitive; did you mean "name"?`)},
	{"duplicate", `{"name":"a","name":"b"}`, parcel, one("name", "duplicate key")},
	{"duplicate escaped", `{"name":"a","\u006eame":"b"}`, parcel, one("name", "duplicate key")},
	{"ignored field", `{"Secret":"x"}`, parcel, one("Secret", "unknown field")},
	{"unexported field", `{"internal":1}`, parcel, one("internal", "unknown field")},
	{"embedded case", `{"Created_By":"x"}`, parcel, one("Created_By", `field names are case-sensitive; did you mean "created_by"?`)},
	{"no fuzzy match", `{"CreatedBy":"x"}`, parcel, one("CreatedBy", "unknown field")},
	{"embedded type name", `{"Audit":{}}`, parcel, one("Audit", "unknown field")},
	{"nested unknown", `{"owner":{"name":"a","age":3}}`, parcel, one("owner.age", "unknown field")},
	{"nested case", `{"parcels":[{},{"owner":{"NAME":"a"}}]}`, batch, one("parcels[1].owner.NAME", `field names are case-sensitive; did you mean "name"?`)},
	{"map duplicate", `{"props":{"a":1,"b":2,"a":3}}`, parcel, one("props.a", "duplicate key")},
	{"map of ints duplicate", `{"counts":{"a":1,"a":1}}`, parcel, one("counts.a", "duplicate key")},
	{"interface duplicate", `{"boundary":{"type":"P","coordinates":[[1,2],{"x":1,"x":2}]}}`, parcel, one("boundary.coordinates[1].x", "duplicate key")},
	{"top interface duplicate", `{"meta":{"k":{"a b":{"c":1,"c":2}}}}`, batch, one(`meta.k["a b"].c`, "duplicate key")},
	{"raw duplicate", `{"raw":{"a":1,"a":1}}`, odd, one("raw.a", "duplicate key")},
	{"ambiguous embedded", `{"W":1}`, func() any { return new(Ambiguous) }, one("W", "unknown field")},
	{"dash field", `{"Dashed":"x"}`, odd, one("Dashed", "unknown field")},
	{"bad tag uses Go name", `{"a\"b":"x"}`, odd, one(`["a\"b"]`, "unknown field")},
	{"wide duplicate", `{"F65":1,"F03":2,"F65":3}`, func() any { return new(Wide) }, one("F65", "duplicate key")},

	// Types.
	{"string", `{"name":5}`, parcel, one("name", "must be a string")},
	{"integer from string", `{"id":"5"}`, parcel, one("id", "must be an integer")},
	{"integer from fraction", `{"id":1.5}`, parcel, one("id", "must be an integer")},
	{"integer from exponent", `{"id":1e3}`, parcel, one("id", "must be an integer")},
	{"boolean", `{"active":"true"}`, parcel, one("active", "must be a boolean")},
	{"array", `{"tags":{"a":"b"}}`, parcel, one("tags", "must be an array")},
	{"array element", `{"tags":["a",2]}`, parcel, one("tags[1]", "must be a string")},
	{"object", `{"owner":["a"]}`, parcel, one("owner", "must be an object")},
	{"object for slice of structs", `{"parcels":{}}`, batch, one("parcels", "must be an array")},
	{"struct element", `{"parcels":[{},3]}`, batch, one("parcels[1]", "must be an object")},
	{"uint8 range", `{"level":300}`, parcel, one("level", "must be an integer between 0 and 255")},
	{"uint negative", `{"level":-1}`, parcel, one("level", "must be an integer between 0 and 255")},
	{"float32 range", `{"ratio":1e39}`, parcel, one("ratio", "number is out of range")},
	{"map value", `{"counts":{"a":"x"}}`, parcel, one("counts.a", "must be an integer")},
	{"interface number range", `{"meta":[1e400]}`, batch, one("meta[0]", "number is out of range")},
	{"top-level", `[]`, parcel, one("", "must be an object")},
	{"int8", `{"i8":-129}`, small, one("i8", "must be an integer between -128 and 127")},
	{"int16", `{"i16":32768}`, small, one("i16", "must be an integer between -32768 and 32767")},
	{"int64", `{"i64":9223372036854775808}`, small, one("i64", "must be an integer between -9223372036854775808 and 9223372036854775807")},
	{"uint16", `{"u16":65536}`, small, one("u16", "must be an integer between 0 and 65535")},
	{"uint64", `{"u64":18446744073709551616}`, small, one("u64", "must be an integer between 0 and 18446744073709551615")},
	{"float64", `{"f64":-1e309}`, small, one("f64", "number is out of range")},
	{"float32 from string", `{"f32":"1"}`, small, one("f32", "must be a number")},

	// Unmarshalers and other special types.
	{"unmarshaler", `{"area_mu":"12a"}`, parcel, one("area_mu", `invalid decimal "12a"`)},
	{"unmarshaler pointer", `{"price":true}`, parcel, one("price", `invalid decimal "true"`)},
	{"unmarshaler in batch", `{"parcels":[{"area_mu":1},{"area_mu":"1.2.3"}]}`, batch, one("parcels[1].area_mu", `invalid decimal "1.2.3"`)},
	{"unmarshaler echo is clipped", `{"area_mu":"` + strings.Repeat("x", 500) + `"}`, parcel,
		one("area_mu", `invalid decimal "`+strings.Repeat("x", 40)+`…"`)},
	{"unmarshaler gets null", `{"must":null}`, odd, one("must", "must not be null")},
	{"text unmarshaler", `{"addr":"1.2.3"}`, odd, one("addr", "ParseAddr(*")},
	{"text unmarshaler number", `{"addr":4}`, odd, one("addr", "must be a string")},
	{"quoted", `{"quoted":12}`, odd, one("quoted", "must be a string holding an integer")},
	{"quoted content", `{"quoted":"1x"}`, odd, one("quoted", "must be a string holding an integer")},
	{"quoted space", `{"quoted":" 1"}`, odd, one("quoted", "must be a string holding an integer")},
	{"quoted pointer", `{"qptr":"yes"}`, odd, one("qptr", "must be a string holding a boolean")},
	{"fixed array", `{"pair":[1,2,3,4]}`, odd, one("pair[2]", "too many elements; at most 2 allowed")},
	{"bytes", `{"blob":"not base64!"}`, odd, one("blob", "must be a base64-encoded string")},
	{"bytes type", `{"blob":{}}`, odd, one("blob", "must be an array or a base64-encoded string")},
	{"number", `{"num":"12x"}`, odd, one("num", "must be a number")},
	{"number bool", `{"num":true}`, odd, one("num", "must be a number")},
	{"int map key", `{"by_id":{"1":"a","x":"b"}}`, odd, one("by_id.x", "invalid key: must be an integer")},
	{"non-empty interface", `{"stringy":{}}`, odd, one("stringy", "cannot be set from JSON")},
	{"empty key", `{"":1}`, parcel, one(`[""]`, "unknown field")},
	{"long key is clipped", `{"` + strings.Repeat("k", 100) + `":1}`, parcel, one(`["`+strings.Repeat("k", 40)+`…"]`, "unknown field")},
	{"recursive type", `{"value":1,"children":[{"value":2,"children":[{"valu":3}]}]}`, func() any { return new(Tree) }, one("children[0].children[0].valu", "unknown field")},

	// Null, refused for every typed target.
	{"top-level null", `null`, parcel, one("", noNull)},
	{"top-level null in spaces", " \n null\t", parcel, one("", noNull)},
	{"top-level null into pointer", `null`, func() any { return new(*Parcel) }, one("", noNull)},
	{"top-level null into slice", `null`, func() any { return new([]string) }, one("", noNull)},
	{"top-level null into map", `null`, func() any { return new(map[string]any) }, one("", noNull)},
	{"top-level null into integer", `null`, func() any { return new(int) }, one("", noNull)},
	{"top-level null into raw message pointer", `null`, func() any { return new(*json.RawMessage) }, one("", noNull)},
	{"top-level null into unmarshaler", `null`, func() any { return new(required) }, one("", "must not be null")},
	{"null string", `{"name":null}`, parcel, one("name", noNull)},
	{"null integer", `{"id":null}`, parcel, one("id", noNull)},
	{"null boolean", `{"active":null}`, parcel, one("active", noNull)},
	{"null float", `{"ratio":null}`, parcel, one("ratio", noNull)},
	{"null slice", `{"tags":null}`, parcel, one("tags", noNull)},
	{"null map", `{"counts":null}`, parcel, one("counts", noNull)},
	{"null map of interfaces", `{"props":null}`, parcel, one("props", noNull)},
	{"null embedded field", `{"created_by":null}`, parcel, one("created_by", noNull)},
	{"null pointer to struct", `{"owner":null}`, parcel, one("owner", noNull)},
	{"null pointer to string", `{"owner":{"name":"a","phone":null}}`, parcel, one("owner.phone", noNull)},
	{"null embedded pointer", `{"note":null}`, parcel, one("note", noNull)},
	{"null pointer to unmarshaler", `{"price":null}`, parcel, one("price", noNull)},
	{"null pointer to raw message", `{"raw_ptr":null}`, nullable, one("raw_ptr", noNull)},
	{"null in nested struct", `{"owner":{"name":null}}`, parcel, one("owner.name", noNull)},
	{"null beside free-form null", `{"boundary":{"type":null,"coordinates":null}}`, parcel, one("boundary.type", noNull)},
	{"null slice of structs", `{"parcels":null}`, batch, one("parcels", noNull)},
	{"null struct in slice", `{"parcels":[{"id":1},null]}`, batch, one("parcels[1]", noNull)},
	{"null field in slice of structs", `{"parcels":[{},{"name":null}]}`, batch, one("parcels[1].name", noNull)},
	{"null deep in slice of structs", `{"parcels":[{},{},{"owner":{"phone":null}}]}`, batch, one("parcels[2].owner.phone", noNull)},
	{"null in slice of pointers", `{"children":[{"value":1},null]}`, func() any { return new(Tree) }, one("children[1]", noNull)},
	{"null children", `{"children":[{"children":null}]}`, func() any { return new(Tree) }, one("children[0].children", noNull)},
	{"null slice element", `{"tags":["a",null]}`, parcel, one("tags[1]", noNull)},
	{"null map value", `{"counts":{"a":1,"b":null}}`, parcel, one("counts.b", noNull)},
	{"null map value quoted key", `{"counts":{"a b":null}}`, parcel, one(`counts["a b"]`, noNull)},
	{"null int-keyed map value", `{"by_id":{"7":null}}`, odd, one("by_id.7", noNull)},
	{"null array element", `{"pair":[null,1]}`, odd, one("pair[0]", noNull)},
	{"null bytes", `{"blob":null}`, odd, one("blob", noNull)},
	{"null number", `{"num":null}`, odd, one("num", noNull)},
	{"null text unmarshaler", `{"addr":null}`, odd, one("addr", noNull)},
	{"null non-empty interface", `{"stringy":null}`, odd, one("stringy", noNull)},
	{"null unmarshaler in map", `{"musts":{"a":"x","b":null}}`, nullable, one("musts.b", "must not be null")},
	{"null for unknown field", `{"colour":null}`, parcel, one("colour", "unknown field")},
	{"null as duplicate", `{"name":"a","name":null}`, parcel, one("name", "duplicate key")},
	{"nulls", `{"name":null,"id":null,"active":null,"area_mu":null,"price":null,"tags":null,
		"owner":null,"boundary":null,"props":null,"counts":null,"created_by":null,"note":null}`, prefilled, []Problem{
		{"name", noNull}, {"id", noNull}, {"active", noNull}, {"price", noNull}, {"tags", noNull},
		{"owner", noNull}, {"boundary", noNull}, {"props", noNull}, {"counts", noNull}, {"created_by", noNull}, {"note", noNull},
	}},

	// NUL characters, refused in strings bound for string fields.
	{"NUL", `{"name":"\u0000"}`, parcel, one("name", noNUL)},
	{"NUL inside", `{"name":"北\u0000田"}`, parcel, one("name", noNUL)},
	{"NUL after escaped backslash", `{"name":"a\\\u0000"}`, parcel, one("name", noNUL)},
	{"NUL embedded field", `{"created_by":"x\u0000"}`, parcel, one("created_by", noNUL)},
	{"NUL pointer to string", `{"note":"\u0000"}`, parcel, one("note", noNUL)},
	{"NUL nested", `{"owner":{"name":"a","phone":"1\u00002"}}`, parcel, one("owner.phone", noNUL)},
	{"NUL in geometry type", `{"boundary":{"type":"\u0000","coordinates":["\u0000"]}}`, parcel, one("boundary.type", noNUL)},
	{"NUL slice element", `{"tags":["a","\u0000"]}`, parcel, one("tags[1]", noNUL)},
	{"NUL map value", `{"by_id":{"1":"\u0000"}}`, odd, one("by_id.1", noNUL)},
	{"NUL untagged field", `{"NoTag":"\u0000"}`, odd, one("NoTag", noNUL)},
	{"NUL in slice of structs", `{"parcels":[{},{},{"owner":{"name":"\u0000"}}]}`, batch, one("parcels[2].owner.name", noNUL)},
	{"NUL in unmarshaler", `{"area_mu":"\u0000"}`, parcel, one("area_mu", `invalid decimal "\x00"`)},
	{"NULs", `{"name":"\u0000","tags":["\u0000","ok","\u0000"],"owner":{"name":"\u0000"},"props":{"k":"\u0000"}}`, parcel, []Problem{
		{"name", noNUL}, {"tags[0]", noNUL}, {"tags[2]", noNUL}, {"owner.name", noNUL},
	}},

	// Several problems at once, in document order.
	{"all at once", `{"Name":"a","id":"x","parcels":1,"tags":[1,"b",{}],"id":2}`, parcel, []Problem{
		{"Name", `field names are case-sensitive; did you mean "name"?`},
		{"id", "must be an integer"},
		{"parcels", "unknown field"},
		{"tags[0]", "must be a string"},
		{"tags[2]", "must be a string"},
		{"id", "duplicate key"},
	}},
}

func small() any { return new(Small) }

func TestRefusals(t *testing.T) {
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.into()
			err := Decode([]byte(tc.body), v)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode(%s) = %v, want *Error", tc.body, err)
			}
			if !matchProblems(e.Problems, tc.want) {
				t.Errorf("Decode(%.80s)\n got %q\nwant %q", tc.body, e.Problems, tc.want)
			}
			if e.Error() == "" {
				t.Error("empty Error()")
			}
		})
	}
}

func matchProblems(got, want []Problem) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		w := want[i].Message
		ok := got[i].Message == w
		if p, found := strings.CutSuffix(w, "*"); found {
			ok = strings.HasPrefix(got[i].Message, p)
		}
		if !ok || got[i].Field != want[i].Field {
			return false
		}
	}
	return true
}

func TestTooManyProblems(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"parcels":[`)
	for i := range 80 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"nme":"p%d"}`, i)
	}
	sb.WriteString(`]}`)
	var e *Error
	if !errors.As(Decode([]byte(sb.String()), new(Batch)), &e) {
		t.Fatal("want *Error")
	}
	if len(e.Problems) != maxProblems+1 {
		t.Fatalf("got %d problems, want %d", len(e.Problems), maxProblems+1)
	}
	if p := e.Problems[maxProblems-1]; p.Field != "parcels[49].nme" {
		t.Errorf("last field = %q", p.Field)
	}
	if p := e.Problems[maxProblems]; p.Field != "" || !strings.HasPrefix(p.Message, "too many problems") {
		t.Errorf("trailer = %+v", p)
	}
	if s := e.Error(); !strings.HasSuffix(s, "(and 46 more)") {
		t.Errorf("Error() = %q", s)
	}
}
