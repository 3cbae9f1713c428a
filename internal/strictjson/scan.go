package strictjson

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// This file holds the low-level movement over valid JSON and the checks of
// scalar values against their target kinds.

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func isNumberStart(c byte) bool {
	return c == '-' || '0' <= c && c <= '9'
}

func (w *walker) skipSpace() {
	for w.pos < len(w.data) && isSpace(w.data[w.pos]) {
		w.pos++
	}
}

// nextMember moves to the next member of the open object or array and
// reports whether there is one; it consumes the closing byte otherwise.
func (w *walker) nextMember(closing byte) bool {
	w.skipSpace()
	switch w.data[w.pos] {
	case closing:
		w.pos++
		return false
	case ',':
		w.pos++
		w.skipSpace()
	}
	return true
}

// key reads an object key and the colon after it, returning the key's
// decoded text.
func (w *walker) key() []byte {
	w.skipSpace()
	k := unquote(w.scalar())
	w.skipSpace()
	w.pos++ // ':'
	return k
}

// scalar returns the string, number or literal at w.pos and moves past it.
func (w *walker) scalar() []byte {
	start := w.pos
	switch w.data[start] {
	case '"':
		w.pos = stringEnd(w.data, start)
	case 't', 'n':
		w.pos += 4
	case 'f':
		w.pos += 5
	default:
		i := start + 1
		for i < len(w.data) && (isNumberStart(w.data[i]) || w.data[i] == '.' || w.data[i] == 'e' || w.data[i] == 'E' || w.data[i] == '+') {
			i++
		}
		w.pos = i
	}
	return w.data[start:w.pos]
}

// stringEnd returns the offset just past the string starting at start.
func stringEnd(data []byte, start int) int {
	i := start + 1
	for {
		end := i + bytes.IndexByte(data[i:], '"')
		escapes := 0
		for k := end - 1; data[k] == '\\'; k-- {
			escapes++
		}
		if escapes%2 == 0 {
			return end + 1
		}
		i = end + 1
	}
}

// skipValue moves past the value at w.pos without looking into it. It is
// iterative so that skipping never recurses, whatever the nesting.
func (w *walker) skipValue() {
	w.skipSpace()
	if c := w.data[w.pos]; c != '{' && c != '[' {
		w.scalar()
		return
	}
	depth := 0
	for {
		switch w.data[w.pos] {
		case '"':
			w.pos = stringEnd(w.data, w.pos)
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				w.pos++
				return
			}
		}
		w.pos++
	}
}

// unquote returns the decoded text of a string literal, without copying
// when the literal has no escapes and is valid UTF-8.
func unquote(lit []byte) []byte {
	s := lit[1 : len(lit)-1]
	plain, ascii := true, true
	for _, c := range s {
		plain = plain && c != '\\'
		ascii = ascii && c < utf8.RuneSelf
	}
	if plain && (ascii || utf8.Valid(s)) {
		return s
	}
	// Escapes, or invalid UTF-8 that encoding/json replaces byte by byte.
	var str string
	if json.Unmarshal(lit, &str) != nil {
		return s
	}
	return []byte(str)
}

// wellFormed reports whether the body of a string literal is valid UTF-8 whose \u escapes pair every
// surrogate: encoding/json would store U+FFFD in place of either, silently changing what the client sent.
func wellFormed(s []byte) bool {
	if !utf8.Valid(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		i++
		if s[i] != 'u' {
			continue
		}
		r, _ := strconv.ParseUint(string(s[i+1:i+5]), 16, 32)
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // a low surrogate without its high one
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(s) || s[i+1] != '\\' || s[i+2] != 'u' {
				return false
			}
			lo, _ := strconv.ParseUint(string(s[i+3:i+7]), 16, 32)
			if lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

// anyValue checks a value bound for a free-form target (interface{} or a
// json.Unmarshaler): only duplicate keys, nesting depth and, when numbers is
// set, float64 range are enforced.
func (w *walker) anyValue(numbers bool) {
	w.skipSpace()
	switch w.data[w.pos] {
	case '{':
		if !w.enter() {
			return
		}
		dup := w.newKeySet()
		w.pos++
		for !w.stop && w.nextMember('}') {
			key := w.key()
			w.path = append(w.path, segment{key: key, index: -1})
			if dup.seen(w, key) {
				w.fail("duplicate key")
				w.skipValue()
			} else {
				w.anyValue(numbers)
			}
			w.path = w.path[:len(w.path)-1]
		}
		w.keys = w.keys[:dup.base]
		w.depth--
	case '[':
		if !w.enter() {
			return
		}
		w.pos++
		for i := 0; !w.stop && w.nextMember(']'); i++ {
			w.path = append(w.path, segment{index: i})
			w.anyValue(numbers)
			w.path = w.path[:len(w.path)-1]
		}
		w.depth--
	default:
		lit := w.scalar()
		if numbers && isNumberStart(lit[0]) {
			if msg := checkFloat(lit, 64); msg != "" {
				w.fail(msg)
			}
		}
	}
}

// keySet finds duplicate keys in one object. Keys live on the walker's
// shared stack (nested objects push above and pop back to their own base);
// large objects switch to a map to stay linear.
type keySet struct {
	base int
	big  map[string]struct{}
}

const keySetLinear = 16

func (w *walker) newKeySet() keySet {
	return keySet{base: len(w.keys)}
}

func (s *keySet) seen(w *walker, key []byte) bool {
	if s.big != nil {
		if _, ok := s.big[string(key)]; ok {
			return true
		}
		s.big[string(key)] = struct{}{}
		return false
	}
	open := w.keys[s.base:]
	for _, k := range open {
		if bytes.Equal(k, key) {
			return true
		}
	}
	if len(open) < keySetLinear {
		w.keys = append(w.keys, key)
		return false
	}
	s.big = make(map[string]struct{}, 2*keySetLinear)
	for _, k := range open {
		s.big[string(k)] = struct{}{}
	}
	s.big[string(key)] = struct{}{}
	w.keys = w.keys[:s.base]
	return false
}

// checkScalar checks a non-null string, number or boolean literal against a
// target kind and returns a problem message, or "" when it fits.
func checkScalar(ti *typeInfo, lit []byte) string {
	c := lit[0]
	ok := true
	switch ti.kind {
	case kindAny:
	case kindString:
		if c == '"' && !wellFormed(lit[1:len(lit)-1]) {
			return "must be valid UTF-8 text, without lone surrogates"
		}
		if c == '"' && bytes.IndexByte(unquote(lit), 0) >= 0 {
			return "must not contain a NUL character"
		}
		ok = c == '"'
	case kindBool:
		ok = c == 't' || c == 'f'
	case kindInt, kindUint:
		if !isNumberStart(c) {
			return expectation(ti)
		}
		return checkInteger(lit, ti)
	case kindFloat:
		if !isNumberStart(c) {
			return expectation(ti)
		}
		return checkFloat(lit, ti.size)
	case kindNumber:
		if c == '"' {
			s := unquote(lit)
			ok = len(s) > 0 && isNumberStart(s[0]) && !isSpace(s[len(s)-1]) && json.Valid(s)
		} else {
			ok = isNumberStart(c)
		}
	case kindText:
		if c != '"' {
			return expectation(ti)
		}
		if err := newOf[encoding.TextUnmarshaler](ti).UnmarshalText(unquote(lit)); err != nil {
			return foreignMessage(err, lit)
		}
	case kindSlice:
		if !ti.bytes || c != '"' {
			return expectation(ti)
		}
		s := unquote(lit)
		if _, err := base64.StdEncoding.Decode(make([]byte, base64.StdEncoding.DecodedLen(len(s))), s); err != nil {
			return "must be a base64-encoded string"
		}
	default:
		ok = false
	}
	if !ok {
		return expectation(ti)
	}
	return ""
}

// checkInteger checks a number literal (or a map key) for an integer kind:
// digits only, optionally negative, within the kind's range.
func checkInteger(lit []byte, ti *typeInfo) string {
	neg := len(lit) > 0 && lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	if len(digits) == 0 {
		return "must be an integer"
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "must be an integer"
		}
	}
	unsigned := ti.kind == kindUint
	if len(digits) <= 18 { // fits in int64 without overflow
		var n int64
		for _, c := range digits {
			n = n*10 + int64(c-'0')
		}
		switch {
		case unsigned && !neg && uint64(n) <= uint64(math.MaxUint64)>>(64-ti.size):
			return ""
		case !unsigned && uint64(n) <= uint64(math.MaxInt64)>>(64-ti.size)+uint64(b2i(neg)):
			return ""
		}
	} else {
		var err error
		if unsigned {
			_, err = strconv.ParseUint(string(lit), 10, ti.size)
		} else {
			_, err = strconv.ParseInt(string(lit), 10, ti.size)
		}
		if err == nil {
			return ""
		}
	}
	if unsigned {
		return "must be an integer between 0 and " + strconv.FormatUint(math.MaxUint64>>(64-ti.size), 10)
	}
	hi := int64(math.MaxInt64) >> (64 - ti.size)
	return "must be an integer between " + strconv.FormatInt(-hi-1, 10) + " and " + strconv.FormatInt(hi, 10)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkFloat checks that a number literal fits a float of the given size,
// as encoding/json refuses numbers that overflow it.
func checkFloat(lit []byte, bits int) string {
	if len(lit) <= 38 && !bytes.ContainsAny(lit, "eE") {
		return "" // below 1e38: fits even a float32
	}
	if _, err := strconv.ParseFloat(string(lit), bits); err != nil {
		return "number is out of range"
	}
	return ""
}

// expectation is the message for a value of the wrong JSON type.
func expectation(ti *typeInfo) string {
	switch ti.kind {
	case kindPointer:
		return expectation(ti.elem)
	case kindStruct, kindMap:
		return "must be an object"
	case kindSlice:
		if ti.bytes {
			return "must be an array or a base64-encoded string"
		}
		return "must be an array"
	case kindArray:
		return "must be an array"
	case kindString, kindText:
		return "must be a string"
	case kindBool:
		return "must be a boolean"
	case kindInt, kindUint:
		return "must be an integer"
	case kindFloat, kindNumber:
		return "must be a number"
	case kindUnsupported:
		return "cannot be set from JSON"
	}
	return "has an invalid value"
}
