// Package pii protects the personal data Tuoguan stores about farmers,
// such as resident ID numbers (身份证号) and phone numbers.
//
// Each such value is stored in two columns:
//
//   - an encrypted copy made by [Keyring.Seal], readable only with the data
//     key, so a database dump alone does not disclose it;
//   - a keyed hash made by [Keyring.Lookup], which supports exact-match
//     queries ("is this ID already registered?") through an ordinary index
//     without disclosing the value.
//
// Full values must never be returned by the API or written to logs; use
// [MaskIDNumber] and [MaskPhone] for display.
//
// Every key is derived from one 32-byte master key ([KeyEnv]). Losing it
// makes every sealed value unreadable and every lookup hash unmatchable, so
// it must be backed up, but never stored next to the database backups.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// KeyEnv is the environment variable that holds the master data key, as
// produced by [GenerateKey].
const KeyEnv = "TUOGUAN_DATA_KEY"

// KeySize is the length in bytes of the master data key.
const KeySize = 32

// HKDF info labels. Each derived key has its own label so that the
// encryption key and the lookup key are independent; a new algorithm or
// format must use a new label rather than reuse one of these.
const (
	infoSeal   = "tuoguan/pii/seal/aes-256-gcm/v1"
	infoLookup = "tuoguan/pii/lookup/hmac-sha256/v1"
)

// redacted is what every formatting method prints instead of key material.
const redacted = "pii.Keyring(redacted)"

// ErrInvalidKey is wrapped by every error that reports a malformed master
// key. Such errors never contain the key or any part of it.
var ErrInvalidKey = errors.New("pii: invalid data key")

// Keyring holds the keys derived from the master data key. The master key
// itself is not retained.
//
// A Keyring is immutable and safe for concurrent use. Only a Keyring
// returned by [ParseKey] or [LoadOrCreateKeyFile] is usable; the zero value
// is not.
//
// Formatting a Keyring with any fmt verb, logging it with log/slog or
// encoding it as JSON never reveals key material.
type Keyring struct {
	aead      cipher.AEAD
	lookupKey []byte
}

// ParseKey parses a master key given as standard, padded base64 of exactly
// [KeySize] bytes (the format of [GenerateKey]); surrounding whitespace is
// ignored. Any other input is refused with an error wrapping
// [ErrInvalidKey], and the server must not start with such a key.
func ParseKey(b64 string) (*Keyring, error) {
	s := strings.TrimSpace(b64)
	if s == "" {
		return nil, fmt.Errorf("%w: empty (generate one with pii.GenerateKey)", ErrInvalidKey)
	}
	master, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		// CorruptInputError only reports an offset, never input bytes.
		return nil, fmt.Errorf("%w: not valid standard base64: %v", ErrInvalidKey, err)
	}
	defer clear(master)
	if len(master) != KeySize {
		return nil, fmt.Errorf("%w: decodes to %d bytes, want %d", ErrInvalidKey, len(master), KeySize)
	}
	return newKeyring(master)
}

// GenerateKey returns a fresh random master key in the format accepted by
// [ParseKey]. It never fails: crypto/rand aborts the program if the
// operating system cannot supply randomness.
func GenerateKey() string {
	b := make([]byte, KeySize)
	rand.Read(b)
	defer clear(b)
	return base64.StdEncoding.EncodeToString(b)
}

// newKeyring derives the encryption and lookup keys from master.
func newKeyring(master []byte) (*Keyring, error) {
	sealKey, err := hkdf.Key(sha256.New, master, nil, infoSeal, 32)
	if err != nil {
		return nil, fmt.Errorf("pii: deriving encryption key: %w", err)
	}
	defer clear(sealKey)
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("pii: creating cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pii: creating GCM: %w", err)
	}
	lookupKey, err := hkdf.Key(sha256.New, master, nil, infoLookup, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("pii: deriving lookup key: %w", err)
	}
	return &Keyring{aead: aead, lookupKey: lookupKey}, nil
}

// The formatting methods below use value receivers so that a Keyring value
// (not only a pointer) is redacted too; otherwise fmt would print its
// fields.

// String implements fmt.Stringer without revealing key material.
func (Keyring) String() string { return redacted }

// GoString implements fmt.GoStringer without revealing key material.
func (Keyring) GoString() string { return redacted }

// Format implements fmt.Formatter so that every verb, including %x and %d
// which would otherwise print the fields, yields the redacted form.
func (Keyring) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer without revealing key material.
func (Keyring) LogValue() slog.Value { return slog.StringValue(redacted) }
