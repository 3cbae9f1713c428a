package strictjson

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"unicode"
)

// kind classifies a Go type by the JSON values it accepts.
type kind uint8

const (
	kindAny         kind = iota // empty interface: any JSON value
	kindPointer                 // null, or whatever the element accepts
	kindUnmarshaler             // implements json.Unmarshaler
	kindText                    // implements encoding.TextUnmarshaler: strings only
	kindStruct
	kindMap
	kindSlice
	kindArray
	kindString
	kindBool
	kindInt
	kindUint
	kindFloat
	kindNumber      // json.Number: a number, or a string holding one
	kindUnsupported // chan, func, complex, non-empty interface, bad map key
)

// typeInfo is the precomputed decoding plan for one Go type. Plans form a
// graph (recursive types point back at themselves) and are immutable once
// built, so they can be shared between goroutines.
type typeInfo struct {
	kind  kind
	typ   reflect.Type
	elem  *typeInfo // pointer target, slice/array element, map value
	key   *typeInfo // map key: kindString, kindInt, kindUint or kindText
	bytes bool      // slice of bytes: also accepts a base64 string
	size  int       // bit size for numbers, length for arrays

	fields    map[string]int // exact JSON name -> index into fieldList
	fieldList []field        // in declaration order (breadth-first for embedded)
}

type field struct {
	name     string
	info     *typeInfo
	quoted   bool // the ",string" tag option
	required bool // tagged without omitempty, and not a pointer or interface: see Decode
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	numberType          = reflect.TypeFor[json.Number]()
)

// plans caches a *typeInfo per reflect.Type: Decode runs on every request
// and computing field tables is far more expensive than a lookup.
var plans sync.Map

func planFor(t reflect.Type) *typeInfo {
	if ti, ok := plans.Load(t); ok {
		return ti.(*typeInfo)
	}
	b := planBuilder{done: make(map[reflect.Type]*typeInfo)}
	ti, _ := plans.LoadOrStore(t, b.build(t))
	return ti.(*typeInfo)
}

// planBuilder builds the plan graph for one root type; done breaks cycles.
type planBuilder struct {
	done map[reflect.Type]*typeInfo
}

func (b *planBuilder) build(t reflect.Type) *typeInfo {
	if ti, ok := b.done[t]; ok {
		return ti
	}
	ti := &typeInfo{typ: t}
	b.done[t] = ti

	// The order mirrors encoding/json: pointers are followed first, then
	// the unmarshaler interfaces win over the underlying kind.
	if t.Kind() == reflect.Pointer {
		ti.kind = kindPointer
		ti.elem = b.build(t.Elem())
		return ti
	}
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(unmarshalerType):
		ti.kind = kindUnmarshaler
		return ti
	case pt.Implements(textUnmarshalerType):
		ti.kind = kindText
		return ti
	case t == numberType:
		ti.kind = kindNumber
		return ti
	}

	switch t.Kind() {
	case reflect.Interface:
		ti.kind = kindAny
		if t.NumMethod() > 0 {
			ti.kind = kindUnsupported
		}
	case reflect.Struct:
		ti.kind = kindStruct
		b.buildFields(ti)
	case reflect.Map:
		ti.kind = kindMap
		ti.key = mapKeyPlan(t.Key())
		ti.elem = b.build(t.Elem())
		if ti.key == nil {
			ti.kind = kindUnsupported
		}
	case reflect.Slice:
		ti.kind = kindSlice
		ti.bytes = t.Elem().Kind() == reflect.Uint8
		ti.elem = b.build(t.Elem())
	case reflect.Array:
		ti.kind = kindArray
		ti.size = t.Len()
		ti.elem = b.build(t.Elem())
	case reflect.String:
		ti.kind = kindString
	case reflect.Bool:
		ti.kind = kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		ti.kind, ti.size = kindInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		ti.kind, ti.size = kindUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		ti.kind, ti.size = kindFloat, t.Bits()
	default:
		ti.kind = kindUnsupported
	}
	return ti
}

// mapKeyPlan returns the plan for a map key type, or nil when encoding/json
// cannot decode object keys into it.
func mapKeyPlan(t reflect.Type) *typeInfo {
	ti := &typeInfo{typ: t}
	switch {
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		ti.kind = kindText
	case t.Kind() == reflect.String:
		ti.kind = kindString
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		ti.kind, ti.size = kindInt, t.Bits()
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr:
		ti.kind, ti.size = kindUint, t.Bits()
	default:
		return nil
	}
	return ti
}

// candidate is a field that may end up visible under name.
type candidate struct {
	name   string
	tagged bool
	depth  int
	twice  bool // its struct was reached twice at this depth: ambiguous
	typ    reflect.Type
	quoted bool
	// required: named in its tag without omitempty, and of a type that cannot say "absent" (not a pointer or
	// an interface).
	required bool
}

// buildFields computes the visible JSON fields of a struct with the same
// rules as encoding/json: embedded structs are searched breadth-first, a
// shallower field hides deeper ones, at equal depth a tagged field beats
// untagged ones, and any remaining tie hides the name altogether.
func (b *planBuilder) buildFields(ti *typeInfo) {
	var cands []candidate
	visited := map[reflect.Type]bool{}
	level := []reflect.Type{ti.typ}
	count := map[reflect.Type]int{ti.typ: 1}
	for depth := 0; len(level) > 0; depth++ {
		var next []reflect.Type
		nextCount := map[reflect.Type]int{}
		for _, st := range level {
			if visited[st] {
				continue
			}
			visited[st] = true
			for i := range st.NumField() {
				sf := st.Field(i)
				c, embed, ok := fieldCandidate(sf)
				if !ok {
					continue
				}
				if embed != nil {
					nextCount[embed]++
					if nextCount[embed] == 1 {
						next = append(next, embed)
					}
					continue
				}
				c.depth, c.twice = depth, count[st] > 1
				cands = append(cands, c)
			}
		}
		level, count = next, nextCount
	}

	byName := map[string][]int{}
	var order []string
	for i, c := range cands {
		if _, ok := byName[c.name]; !ok {
			order = append(order, c.name)
		}
		byName[c.name] = append(byName[c.name], i)
	}
	ti.fields = make(map[string]int, len(order))
	for _, name := range order {
		// Candidates are in breadth-first order, so the first is shallowest.
		idx := byName[name]
		shallowest := cands[idx[0]].depth
		var tagged, untagged []int
		for _, i := range idx {
			switch {
			case cands[i].depth != shallowest:
			case cands[i].tagged:
				tagged = append(tagged, i)
			default:
				untagged = append(untagged, i)
			}
		}
		group := tagged
		if len(group) == 0 {
			group = untagged
		}
		if len(group) != 1 || cands[group[0]].twice {
			continue // ambiguous: encoding/json ignores the name
		}
		c := cands[group[0]]
		ti.fields[name] = len(ti.fieldList)
		ti.fieldList = append(ti.fieldList, field{name: name, info: b.build(c.typ), quoted: c.quoted, required: c.required})
	}
}

// fieldCandidate interprets one struct field. It returns either a named
// candidate, or (in embed) an embedded struct type whose fields must be
// searched at the next depth; ok is false for fields JSON ignores.
func fieldCandidate(sf reflect.StructField) (c candidate, embed reflect.Type, ok bool) {
	if sf.Anonymous {
		t := sf.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if !sf.IsExported() && t.Kind() != reflect.Struct {
			return c, nil, false
		}
	} else if !sf.IsExported() {
		return c, nil, false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return c, nil, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if !validName(name) {
		name = ""
	}
	ft := sf.Type
	if ft.Name() == "" && ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
		return c, ft, true
	}
	c = candidate{name: name, tagged: name != "", typ: sf.Type}
	c.required = c.tagged && !hasOption(opts, "omitempty") && sf.Type.Kind() != reflect.Pointer && sf.Type.Kind() != reflect.Interface
	if name == "" {
		c.name = sf.Name
	}
	if hasOption(opts, "string") {
		switch ft.Kind() {
		case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			c.quoted = true
		}
	}
	return c, nil, true
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validName reports whether a tag name is usable; encoding/json falls back
// to the Go field name otherwise, and so must we.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
