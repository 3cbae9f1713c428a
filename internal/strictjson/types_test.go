package strictjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// decimal mimics the API's exact decimal type: it accepts a JSON string or
// number of digits with at most one '.', and fails with its own error type.
type decimal string

type decimalError struct{ input string }

func (e *decimalError) Error() string { return fmt.Sprintf("invalid decimal %q", e.input) }

func (d *decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	if s == "" || strings.Trim(s, "0123456789.") != "" || strings.Count(s, ".") > 1 {
		return &decimalError{input: s}
	}
	*d = decimal(s)
	return nil
}

// required fails on null, to show non-pointer Unmarshalers receive it.
type required string

func (r *required) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return errors.New("must not be null")
	}
	return json.Unmarshal(b, (*string)(r))
}

// nullSeen records what its UnmarshalJSON received, to show that
// Unmarshalers are handed null.
type nullSeen struct {
	Called bool
	Null   bool
}

func (n *nullSeen) UnmarshalJSON(b []byte) error {
	*n = nullSeen{Called: true, Null: string(b) == "null"}
	return nil
}

// once fails when asked to decode into a value it already decoded; the
// checks use fresh values, so only json.Unmarshal on the target sees it.
type once struct{ set bool }

func (o *once) UnmarshalJSON([]byte) error {
	if o.set {
		return errors.New("already set")
	}
	o.set = true
	return nil
}

type Geometry struct {
	Type        string      `json:"type,omitempty"`
	Coordinates interface{} `json:"coordinates,omitempty"`
}

type Owner struct {
	Name  string  `json:"name,omitempty"`
	Phone *string `json:"phone,omitempty"`
}

type Audit struct {
	CreatedBy string  `json:"created_by,omitempty"`
	Note      *string `json:"note,omitempty"`
}

type Parcel struct {
	Audit
	ID       int64                  `json:"id,omitempty"`
	Name     string                 `json:"name,omitempty"`
	AreaMu   decimal                `json:"area_mu,omitempty"`
	Price    *decimal               `json:"price,omitempty"`
	Tags     []string               `json:"tags,omitempty"`
	Owner    *Owner                 `json:"owner,omitempty"`
	Boundary *Geometry              `json:"boundary,omitempty"`
	Props    map[string]interface{} `json:"props,omitempty"`
	Counts   map[string]int         `json:"counts,omitempty"`
	Active   bool                   `json:"active,omitempty"`
	Ratio    float32                `json:"ratio,omitempty"`
	Level    uint8                  `json:"level,omitempty"`
	Secret   string                 `json:"-"`
	internal int
}

type Batch struct {
	Parcels []Parcel    `json:"parcels,omitempty"`
	Meta    interface{} `json:"meta,omitempty"`
}

// Odd covers the less common shapes encoding/json supports.
type Odd struct {
	Quoted  int64           `json:"quoted,string,omitempty"`
	QPtr    *bool           `json:"qptr,string,omitempty"`
	Pair    [2]int          `json:"pair,omitempty"`
	Blob    []byte          `json:"blob,omitempty"`
	Num     json.Number     `json:"num,omitempty"`
	Addr    netip.Addr      `json:"addr,omitempty"`
	ByID    map[int]string  `json:"by_id,omitempty"`
	Raw     json.RawMessage `json:"raw,omitempty"`
	Must    required        `json:"must,omitempty"`
	Any     any             `json:"any,omitempty"`
	Stringy fmt.Stringer    `json:"stringy,omitempty"`
	NoTag   string
	BadTag  string `json:"a\"b,omitempty"`
	Dashed  string `json:"-,omitempty"`
}

type left struct {
	W int
	V int `json:"V,omitempty"`
}

type right struct {
	W int
	V int
}

// Ambiguous embeds two structs that both provide "W" untagged at the same
// depth, so encoding/json ignores that key; "V" is won by the tagged field.
type Ambiguous struct {
	left
	right
	Z int `json:"z,omitempty"`
}

// Shadow's own field hides the embedded one of the same name.
type Shadow struct {
	*Owner
	Name int `json:"name,omitempty"`
}

// Tree is recursive.
type Tree struct {
	Value    int     `json:"value,omitempty"`
	Children []*Tree `json:"children,omitempty"`
}

type Wide struct {
	F00, F01, F02, F03, F04, F05, F06, F07, F08, F09 int
	F10, F11, F12, F13, F14, F15, F16, F17, F18, F19 int
	F20, F21, F22, F23, F24, F25, F26, F27, F28, F29 int
	F30, F31, F32, F33, F34, F35, F36, F37, F38, F39 int
	F40, F41, F42, F43, F44, F45, F46, F47, F48, F49 int
	F50, F51, F52, F53, F54, F55, F56, F57, F58, F59 int
	F60, F61, F62, F63, F64, F65, F66, F67, F68, F69 int
}

// Nullable holds the targets that take null (free-form values and
// Unmarshalers) at several depths, and pointers to them, which do not.
type Nullable struct {
	Raw     json.RawMessage            `json:"raw,omitempty"`
	Raws    []json.RawMessage          `json:"raws,omitempty"`
	RawMap  map[string]json.RawMessage `json:"raw_map,omitempty"`
	RawPtr  *json.RawMessage           `json:"raw_ptr,omitempty"`
	Any     any                        `json:"any,omitempty"`
	Anys    []any                      `json:"anys,omitempty"`
	Seen    nullSeen                   `json:"seen,omitempty"`
	Seens   []nullSeen                 `json:"seens,omitempty"`
	SeenMap map[string]nullSeen        `json:"seen_map,omitempty"`
	SeenPtr *nullSeen                  `json:"seen_ptr,omitempty"`
	Musts   map[string]required        `json:"musts,omitempty"`
}

type Stateful struct {
	O once `json:"o,omitempty"`
}

// Small has fields of every integer and float size.
type Small struct {
	I8  int8    `json:"i8,omitempty"`
	I16 int16   `json:"i16,omitempty"`
	I64 int64   `json:"i64,omitempty"`
	U16 uint16  `json:"u16,omitempty"`
	U64 uint64  `json:"u64,omitempty"`
	F32 float32 `json:"f32,omitempty"`
	F64 float64 `json:"f64,omitempty"`
}
