package postgres

import "strings"

// Statements splits a script of SQL into its statements, without the semicolons that end them and without
// those that hold nothing but space and comments. A semicolon ends a statement only outside a string ('…', a
// quote inside it doubled), a quoted identifier ("…"), a dollar-quoted body ($$…$$, $tag$…$tag$) and a
// comment (-- to the end of the line, /* … */, nested). It is for the project's own migrations, which use no
// E'…' strings.
func Statements(script string) []string {
	var out []string
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(script[start:end]); hasCode(s) {
			out = append(out, s)
		}
		start = end + 1
	}
	for i := 0; i < len(script); i++ {
		switch c := script[i]; {
		case c == ';':
			emit(i)
		case c == '\'' || c == '"':
			i = closing(script, i+1, string(c))
		case c == '-' && strings.HasPrefix(script[i:], "--"):
			i = closing(script, i, "\n")
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			i = blockEnd(script, i)
		case c == '$':
			if tag, ok := dollarTag(script[i:]); ok {
				i = closing(script, i+len(tag), tag)
			}
		}
	}
	emit(len(script))
	return out
}

// closing returns the index of the last byte of the first end at or after i, or the end of s.
func closing(s string, i int, end string) int {
	if j := strings.Index(s[i:], end); j >= 0 {
		return i + j + len(end) - 1
	}
	return len(s) - 1
}

// blockEnd returns the index of the '/' that closes the comment opening at i, comments nesting as in
// PostgreSQL, or the end of s.
func blockEnd(s string, i int) int {
	depth := 0
	for ; i < len(s)-1; i++ {
		switch s[i : i+2] {
		case "/*":
			depth, i = depth+1, i+1
		case "*/":
			if depth--; depth == 0 {
				return i + 1
			}
			i++
		}
	}
	return len(s) - 1
}

// dollarTag returns the tag ($$ or $name$) that s starts with, if it starts with one.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1], true
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || j > 1 && '0' <= c && c <= '9':
		default:
			return "", false
		}
	}
	return "", false
}

// hasCode reports whether s holds anything besides space and comments.
func hasCode(s string) bool {
	for s != "" {
		switch {
		case strings.HasPrefix(s, "--"):
			s = s[closing(s, 0, "\n")+1:]
		case strings.HasPrefix(s, "/*"):
			s = s[blockEnd(s, 0)+1:]
		default:
			return true
		}
		s = strings.TrimSpace(s)
	}
	return false
}
