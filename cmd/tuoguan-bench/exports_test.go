package main

import (
	"bytes"
	"testing"
)

// TestTokenCounter checks that a token is counted once wherever the writes split it.
func TestTokenCounter(t *testing.T) {
	text := []byte("a\r\nb\r\n\r\n<row r=\"1\"><c/></row><row r=\"2\">\r\n")
	for _, token := range []string{"\r\n", "<row "} {
		want := int64(bytes.Count(text, []byte(token)))
		for size := 1; size <= len(text); size++ {
			c := &tokenCounter{token: []byte(token)}
			for i := 0; i < len(text); i += size {
				c.Write(text[i:min(i+size, len(text))])
			}
			if c.n != want {
				t.Errorf("%q in writes of %d bytes: counted %d, want %d", token, size, c.n, want)
			}
		}
	}
}
