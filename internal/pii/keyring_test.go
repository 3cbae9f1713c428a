package pii

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// testMaster returns a deterministic master key whose bytes start at first.
func testMaster(first byte) []byte {
	b := make([]byte, KeySize)
	for i := range b {
		b[i] = first + byte(i)
	}
	return b
}

// testKeyring returns the keyring for testMaster(first).
func testKeyring(t testing.TB, first byte) *Keyring {
	t.Helper()
	kr, err := ParseKey(base64.StdEncoding.EncodeToString(testMaster(first)))
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return kr
}

func TestParseKey(t *testing.T) {
	valid := base64.StdEncoding.EncodeToString(testMaster(1))
	tests := []struct {
		name  string
		input string
		ok    bool
	}{
		{"valid", valid, true},
		{"valid with surrounding whitespace", "  " + valid + "\n", true},
		{"generated", GenerateKey(), true},
		{"empty", "", false},
		{"only whitespace", " \t\n", false},
		{"not base64", "this is not base64 at all!!", false},
		{"unpadded", strings.TrimRight(valid, "="), false},
		{"url alphabet", base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)), false},
		{"31 bytes", base64.StdEncoding.EncodeToString(testMaster(1)[:31]), false},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(testMaster(1), 0)), false},
		{"16 bytes", base64.StdEncoding.EncodeToString(testMaster(1)[:16]), false},
		{"hex instead of base64", hex.EncodeToString(testMaster(1)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ParseKey(tt.input)
			if tt.ok {
				if err != nil || kr == nil {
					t.Fatalf("ParseKey() = %v, %v; want a keyring", kr, err)
				}
				return
			}
			if err == nil {
				t.Fatal("ParseKey() succeeded; want an error")
			}
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("error %q does not wrap ErrInvalidKey", err)
			}
			if s := strings.TrimSpace(tt.input); s != "" && strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains the key text", err)
			}
		})
	}
}

func TestGenerateKeyIsFreshAndParses(t *testing.T) {
	a, b := GenerateKey(), GenerateKey()
	if a == b {
		t.Fatal("GenerateKey returned the same key twice")
	}
	for _, k := range []string{a, b} {
		if _, err := ParseKey(k); err != nil {
			t.Errorf("ParseKey(GenerateKey()) = %v", err)
		}
	}
}

// secretForms returns encodings of b that must never appear in output.
func secretForms(b []byte) []string {
	return []string{
		string(b),
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		hex.EncodeToString(b[:8]),
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		fmt.Sprint(b),
		fmt.Sprintf("%#v", b),
		fmt.Sprintf("%q", b),
	}
}

func TestKeyringFormattingRedacts(t *testing.T) {
	master := testMaster(0x41) // printable, so a raw leak would be visible
	kr := testKeyring(t, 0x41)
	sealKey, err := hkdf.Key(sha256.New, master, nil, infoSeal, 32)
	if err != nil {
		t.Fatal(err)
	}
	var forbidden []string
	for _, secret := range [][]byte{master, sealKey, kr.lookupKey} {
		forbidden = append(forbidden, secretForms(secret)...)
	}

	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%o", "%10.3v"} {
		outputs["pointer "+verb] = fmt.Sprintf(verb, kr)
		outputs["value "+verb] = fmt.Sprintf(verb, *kr)
		if got := fmt.Sprintf(verb, kr); !strings.Contains(got, redacted) {
			t.Errorf("Sprintf(%q, kr) = %q; want the redacted form", verb, got)
		}
	}
	outputs["String"] = kr.String()
	outputs["GoString"] = kr.GoString()
	outputs["nested"] = fmt.Sprintf("%+v", struct{ K Keyring }{*kr})
	outputs["error"] = fmt.Errorf("wrapping %v", kr).Error()

	js, err := json.Marshal(kr)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)

	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		logger := slog.New(h(&buf))
		logger.Info("keys", "keyring", kr, "value", *kr, slog.Any("any", kr))
		outputs[name] = buf.String()
		if strings.Count(buf.String(), redacted) != 3 {
			t.Errorf("%s output %q lacks the redacted form", name, buf.String())
		}
	}

	for name, out := range outputs {
		for _, f := range forbidden {
			if strings.Contains(out, f) {
				t.Errorf("%s output %q reveals key material %q", name, out, f)
			}
		}
	}
}
