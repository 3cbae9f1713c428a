package pii

import (
	"bytes"
	"errors"
	"sync"
	"testing"
)

func TestSealOpenRoundTrip(t *testing.T) {
	kr := testKeyring(t, 1)
	tests := []struct{ name, plaintext, binding string }{
		{"id number", "610631199001011234", "farms/610631/12345/id_number"},
		{"id number with X", "61063119900101123X", "farms/610631/12345/id_number"},
		{"phone", "13812345678", "farms/610631/12345/phone"},
		{"empty plaintext", "", "farms/610631/12345/phone"},
		{"chinese text", "陕西省宝鸡市", "farms/610631/12345/address"},
		{"long", string(bytes.Repeat([]byte("a"), 4096)), "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := kr.Seal(tt.plaintext, tt.binding)
			if err != nil {
				t.Fatal(err)
			}
			if len(sealed) != len(tt.plaintext)+SealOverhead {
				t.Errorf("len(sealed) = %d, want %d", len(sealed), len(tt.plaintext)+SealOverhead)
			}
			if sealed[0] != versionAESGCM {
				t.Errorf("version byte = %d, want %d", sealed[0], versionAESGCM)
			}
			if len(tt.plaintext) > 0 && bytes.Contains(sealed, []byte(tt.plaintext)) {
				t.Error("sealed value contains the plaintext")
			}
			got, err := kr.Open(sealed, tt.binding)
			if err != nil || got != tt.plaintext {
				t.Errorf("Open() = %q, %v; want %q", got, err, tt.plaintext)
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	kr := testKeyring(t, 1)
	const binding = "farms/610631/12345/id_number"
	sealed, err := kr.Seal("610631199001011234", binding)
	if err != nil {
		t.Fatal(err)
	}
	other, err := kr.Seal("13812345678", "farms/610631/12346/phone")
	if err != nil {
		t.Fatal(err)
	}
	unknownVersion := bytes.Clone(sealed)
	unknownVersion[0] = 2

	tests := []struct {
		name    string
		kr      *Keyring
		sealed  []byte
		binding string
	}{
		{"wrong row", kr, sealed, "farms/610631/12346/id_number"},
		{"wrong column", kr, sealed, "farms/610631/12345/phone"},
		{"binding prefix", kr, sealed, "farms/610631/12345/id_numbe"},
		{"binding extended", kr, sealed, binding + "/"},
		{"wrong key", testKeyring(t, 2), sealed, binding},
		{"other row's ciphertext", kr, other, binding},
		{"unknown version", kr, unknownVersion, binding},
		{"nil", kr, nil, binding},
		{"appended byte", kr, append(bytes.Clone(sealed), 0), binding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.kr.Open(tt.sealed, tt.binding)
			if !errors.Is(err, ErrOpen) || got != "" {
				t.Errorf("Open() = %q, %v; want ErrOpen", got, err)
			}
		})
	}
}

func TestSwappedRowsFailBoth(t *testing.T) {
	kr := testKeyring(t, 1)
	const bindA, bindB = "farms/610631/1/id_number", "farms/610631/2/id_number"
	a, err := kr.Seal("610631199001011234", bindA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := kr.Seal("610631198502029876", bindB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Open(b, bindA); !errors.Is(err, ErrOpen) {
		t.Errorf("row 1 holding row 2's ciphertext: err = %v, want ErrOpen", err)
	}
	if _, err := kr.Open(a, bindB); !errors.Is(err, ErrOpen) {
		t.Errorf("row 2 holding row 1's ciphertext: err = %v, want ErrOpen", err)
	}
}

func TestTamperAndTruncationFail(t *testing.T) {
	kr := testKeyring(t, 1)
	const binding = "farms/610631/12345/phone"
	sealed, err := kr.Seal("13812345678", binding)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			tampered := bytes.Clone(sealed)
			tampered[i] ^= flip
			if got, err := kr.Open(tampered, binding); !errors.Is(err, ErrOpen) || got != "" {
				t.Errorf("byte %d ^ %#x: Open() = %q, %v; want ErrOpen", i, flip, got, err)
			}
		}
	}
	for n := range len(sealed) {
		if got, err := kr.Open(sealed[:n], binding); !errors.Is(err, ErrOpen) || got != "" {
			t.Errorf("truncated to %d bytes: Open() = %q, %v; want ErrOpen", n, got, err)
		}
	}
}

func TestSealIsRandomised(t *testing.T) {
	kr := testKeyring(t, 1)
	seen := map[string]bool{}
	for range 100 {
		sealed, err := kr.Seal("610631199001011234", "farms/1/id_number")
		if err != nil {
			t.Fatal(err)
		}
		if seen[string(sealed)] {
			t.Fatal("two seals of the same value are identical")
		}
		seen[string(sealed)] = true
	}
}

func TestBadBindingAndZeroKeyring(t *testing.T) {
	kr := testKeyring(t, 1)
	if _, err := kr.Seal("x", ""); !errors.Is(err, ErrEmptyBinding) {
		t.Errorf("Seal with empty binding: err = %v, want ErrEmptyBinding", err)
	}
	sealed, err := kr.Seal("x", "b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Open(sealed, ""); !errors.Is(err, ErrEmptyBinding) {
		t.Errorf("Open with empty binding: err = %v, want ErrEmptyBinding", err)
	}
	for name, zero := range map[string]*Keyring{"nil": nil, "zero": {}} {
		if _, err := zero.Seal("x", "b"); !errors.Is(err, ErrNoKeyring) {
			t.Errorf("%s keyring Seal: err = %v, want ErrNoKeyring", name, err)
		}
		if _, err := zero.Open(sealed, "b"); !errors.Is(err, ErrNoKeyring) {
			t.Errorf("%s keyring Open: err = %v, want ErrNoKeyring", name, err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s keyring Lookup did not panic", name)
				}
			}()
			zero.Lookup(KindPhone, "13812345678")
		}()
	}
}

func TestLookup(t *testing.T) {
	kr, other := testKeyring(t, 1), testKeyring(t, 2)
	const id = "610631199001011234"
	base := kr.Lookup(KindIDNumber, id)
	if len(base) != LookupSize {
		t.Fatalf("len = %d, want %d", len(base), LookupSize)
	}
	if !bytes.Equal(base, kr.Lookup(KindIDNumber, id)) {
		t.Error("Lookup is not deterministic")
	}
	if !bytes.Equal(base, testKeyring(t, 1).Lookup(KindIDNumber, id)) {
		t.Error("Lookup differs between keyrings from the same key")
	}
	equal := []struct{ kind, a, b string }{
		{KindIDNumber, "61063119900101123x", " 61063119900101123X\t"},
		{KindIDNumber, "６１０６３１１９９００１０１１２３４", id},
		{KindPhone, "+86 138-1234-5678", "13812345678"},
		{KindPhone, "0086 13812345678", "13812345678"},
	}
	for _, tt := range equal {
		if !bytes.Equal(kr.Lookup(tt.kind, tt.a), kr.Lookup(tt.kind, tt.b)) {
			t.Errorf("Lookup(%q, %q) != Lookup(%q, %q)", tt.kind, tt.a, tt.kind, tt.b)
		}
	}
	different := []struct {
		name string
		a, b []byte
	}{
		{"kind", kr.Lookup(KindIDNumber, "13812345678"), kr.Lookup(KindPhone, "13812345678")},
		{"key", base, other.Lookup(KindIDNumber, id)},
		{"value", base, kr.Lookup(KindIDNumber, "610631199001011235")},
		{"kind/value boundary", kr.Lookup("ab", "c"), kr.Lookup("a", "bc")},
		{"empty kind", kr.Lookup("", "phone13812345678"), kr.Lookup(KindPhone, "13812345678")},
	}
	for _, tt := range different {
		if bytes.Equal(tt.a, tt.b) {
			t.Errorf("lookups that differ in %s collide", tt.name)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	kr := testKeyring(t, 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				sealed, err := kr.Seal("13812345678", "b")
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := kr.Open(sealed, "b"); err != nil || got != "13812345678" {
					t.Errorf("Open() = %q, %v", got, err)
					return
				}
				_ = kr.Lookup(KindPhone, "13812345678")
			}
		})
	}
	wg.Wait()
}
