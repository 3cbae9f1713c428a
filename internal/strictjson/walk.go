package strictjson

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// walker checks one syntactically valid JSON document against a plan. It
// never allocates on the happy path except for map-key sets of large
// objects and fresh values handed to UnmarshalJSON / UnmarshalText.
//
// The walker relies on json.Valid having accepted data: it does not
// re-check the grammar, it only follows it.
type walker struct {
	data  []byte
	pos   int
	depth int
	path  []segment
	keys  [][]byte // keys of the open free-form objects, for duplicates
	errs  []Problem
	stop  bool // too many problems: unwind without looking further
}

// segment is one step of the current path: an array index, or an object
// key when index is -1.
type segment struct {
	key   []byte
	index int
}

var walkers = sync.Pool{New: func() any { return new(walker) }}

func getWalker(data []byte) *walker {
	w := walkers.Get().(*walker)
	w.data, w.pos, w.depth, w.errs, w.stop = data, 0, 0, nil, false
	return w
}

// putWalker recycles w, dropping every reference into the request body so
// the pool does not keep bodies alive.
func putWalker(w *walker) {
	clear(w.path[:cap(w.path)])
	clear(w.keys[:cap(w.keys)])
	w.data, w.path, w.keys, w.errs = nil, w.path[:0], w.keys[:0], nil
	walkers.Put(w)
}

// fail records a problem at the current path.
func (w *walker) fail(msg string) {
	if w.stop {
		return
	}
	if len(w.errs) == maxProblems {
		w.errs = append(w.errs, Problem{Message: fmt.Sprintf("too many problems; only the first %d are reported", maxProblems)})
		w.stop = true
		return
	}
	w.errs = append(w.errs, Problem{Field: clip(w.pathString(), maxPath), Message: msg})
}

// rawMessage is the one typed target that takes null as a value: it holds the JSON text as sent.
var rawMessage = reflect.TypeFor[json.RawMessage]()

// value checks the JSON value at w.pos against ti and moves past it.
func (w *walker) value(ti *typeInfo) {
	w.skipSpace()
	c := w.data[w.pos]
	if c == 'n' {
		w.pos += len("null")
		switch {
		case ti.kind == kindAny || ti.typ == rawMessage:
		case ti.kind == kindUnmarshaler:
			w.unmarshal(ti, w.data[w.pos-4:w.pos])
		default:
			w.fail("must not be null; leave the field out instead")
		}
		return
	}
	for ti.kind == kindPointer {
		ti = ti.elem
	}
	switch {
	case ti.kind == kindAny:
		w.anyValue(true)
	case ti.kind == kindUnmarshaler:
		start, problems := w.pos, len(w.errs)
		w.anyValue(false)
		if len(w.errs) == problems {
			w.unmarshal(ti, w.data[start:w.pos])
		}
	case c == '{' && ti.kind == kindStruct:
		w.structObject(ti)
	case c == '{' && ti.kind == kindMap:
		w.mapObject(ti)
	case c == '[' && (ti.kind == kindSlice || ti.kind == kindArray):
		w.array(ti)
	case c == '{' || c == '[':
		w.fail(expectation(ti))
		w.skipValue()
	default:
		if msg := checkScalar(ti, w.scalar()); msg != "" {
			w.fail(msg)
		}
	}
}

// enter opens a container, refusing it (and skipping it) when it would
// exceed MaxDepth. The caller must call w.depth-- when enter returned true.
func (w *walker) enter() bool {
	w.depth++
	if w.depth <= MaxDepth {
		return true
	}
	w.fail(fmt.Sprintf("nesting is deeper than the maximum of %d levels", MaxDepth))
	w.skipValue()
	w.depth--
	return false
}

// structObject checks an object bound for a struct: keys must name a field
// exactly, and at most once.
func (w *walker) structObject(ti *typeInfo) {
	if !w.enter() {
		return
	}
	var seen uint64
	var seenMany []bool // structs with more than 64 fields
	if len(ti.fieldList) > 64 {
		seenMany = make([]bool, len(ti.fieldList))
	}
	w.pos++ // '{'
	for !w.stop && w.nextMember('}') {
		key := w.key()
		w.path = append(w.path, segment{key: key, index: -1})
		i, ok := ti.fields[string(key)]
		switch {
		case !ok:
			w.fail(unknownField(ti, key))
			w.skipValue()
		case seenMany != nil && seenMany[i], seenMany == nil && seen&(1<<i) != 0:
			w.fail("duplicate key")
			w.skipValue()
		default:
			if seenMany != nil {
				seenMany[i] = true
			} else {
				seen |= 1 << i
			}
			if f := &ti.fieldList[i]; f.quoted {
				w.quoted(f.info)
			} else {
				w.value(f.info)
			}
		}
		w.path = w.path[:len(w.path)-1]
	}
	for i, f := range ti.fieldList {
		if f.required && !w.stop && !(seenMany != nil && seenMany[i] || seenMany == nil && seen&(1<<i) != 0) {
			w.path = append(w.path, segment{key: []byte(f.name), index: -1})
			w.fail(MessageRequired)
			w.path = w.path[:len(w.path)-1]
		}
	}
	w.depth--
}

// MessageRequired is the problem of a required field left out.
const MessageRequired = "is required"

func unknownField(ti *typeInfo, key []byte) string {
	for _, f := range ti.fieldList {
		if strings.EqualFold(f.name, string(key)) {
			return fmt.Sprintf("field names are case-sensitive; did you mean %q?", clip(f.name, maxShown))
		}
	}
	return "unknown field"
}

// mapObject checks an object bound for a map: keys must convert to the key
// type and be unique.
func (w *walker) mapObject(ti *typeInfo) {
	if !w.enter() {
		return
	}
	dup := w.newKeySet()
	w.pos++ // '{'
	for !w.stop && w.nextMember('}') {
		key := w.key()
		w.path = append(w.path, segment{key: key, index: -1})
		switch {
		case dup.seen(w, key):
			w.fail("duplicate key")
			w.skipValue()
		default:
			if msg := checkMapKey(ti.key, key); msg != "" {
				w.fail(msg)
			}
			w.value(ti.elem)
		}
		w.path = w.path[:len(w.path)-1]
	}
	w.keys = w.keys[:dup.base]
	w.depth--
}

func checkMapKey(ti *typeInfo, key []byte) string {
	switch ti.kind {
	case kindInt, kindUint:
		if msg := checkInteger(key, ti); msg != "" {
			return "invalid key: " + msg
		}
	case kindText:
		if err := newOf[encoding.TextUnmarshaler](ti).UnmarshalText(key); err != nil {
			return "invalid key: " + foreignMessage(err, key)
		}
	}
	return ""
}

// array checks an array bound for a slice or a Go array; the latter must
// not receive more elements than it can hold.
func (w *walker) array(ti *typeInfo) {
	if !w.enter() {
		return
	}
	w.pos++ // '['
	for i := 0; !w.stop && w.nextMember(']'); i++ {
		w.path = append(w.path, segment{index: i})
		if ti.kind == kindArray && i >= ti.size {
			if i == ti.size {
				w.fail(fmt.Sprintf("too many elements; at most %d allowed", ti.size))
			}
			w.skipValue()
		} else {
			w.value(ti.elem)
		}
		w.path = w.path[:len(w.path)-1]
	}
	w.depth--
}

// quoted checks a field tagged ",string": a string (or null) that holds a
// JSON literal of the field's kind.
func (w *walker) quoted(ti *typeInfo) {
	w.skipSpace()
	for ti.kind == kindPointer {
		ti = ti.elem
	}
	msg := "must be a string holding " + strings.TrimPrefix(expectation(ti), "must be ")
	switch w.data[w.pos] {
	case 'n':
		w.pos += len("null")
		return
	case '"':
	default:
		w.fail(msg)
		w.skipValue()
		return
	}
	inner := unquote(w.scalar())
	if string(inner) == "null" {
		return
	}
	if !json.Valid(inner) || isSpace(inner[0]) || isSpace(inner[len(inner)-1]) ||
		inner[0] == '{' || inner[0] == '[' || checkScalar(ti, inner) != "" {
		w.fail(msg)
	}
}

// unmarshal runs the type's own UnmarshalJSON on a fresh value so that its
// error can be reported against the field; the real assignment happens
// later in json.Unmarshal.
func (w *walker) unmarshal(ti *typeInfo, raw []byte) {
	if err := newOf[json.Unmarshaler](ti).UnmarshalJSON(raw); err != nil {
		w.fail(foreignMessage(err, raw))
	}
}

// foreignMessage turns an error from a type's own UnmarshalJSON or
// UnmarshalText into a problem message. Such errors often quote the input;
// a long quoted input is shortened in place, and the whole is clipped.
func foreignMessage(err error, input []byte) string {
	msg := err.Error()
	if len(input) > maxShown {
		var long []string
		if input[0] == '"' {
			long = append(long, string(unquote(input)))
		}
		long = append(long, string(input))
		for _, s := range long {
			if len(s) > maxShown {
				msg = strings.ReplaceAll(msg, s, clip(s, maxShown))
			}
		}
	}
	return clip(msg, maxMessage)
}

// newOf returns a pointer to a new zero value of ti's type as an I.
func newOf[I any](ti *typeInfo) I {
	return reflect.New(ti.typ).Interface().(I)
}

// pathString renders the current path in the request's own names, for
// example parcels[2].area_mu or properties["a b"].
func (w *walker) pathString() string {
	var sb strings.Builder
	for i, s := range w.path {
		switch {
		case s.index >= 0:
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(s.index))
			sb.WriteByte(']')
		case plainKey(s.key):
			if i > 0 {
				sb.WriteByte('.')
			}
			sb.Write(s.key)
		default:
			sb.WriteByte('[')
			sb.WriteString(strconv.Quote(clip(string(s.key), maxShown)))
			sb.WriteByte(']')
		}
	}
	return sb.String()
}

// plainKey reports whether key can be shown without quoting: short and
// made of ASCII letters, digits, '_' and '-'.
func plainKey(key []byte) bool {
	if len(key) == 0 || len(key) > maxShown {
		return false
	}
	for _, c := range key {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// clip shortens s to at most n bytes (on a rune boundary), marking the cut,
// so that problems never echo large parts of the input.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
