package pii

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
)

// Sealed value format, version 1:
//
//	version (1 byte, = 1) || nonce (12 bytes) || AES-256-GCM ciphertext+tag
//
// The version byte lets a later key or algorithm coexist with values
// written under this one. GCM's additional data is the version byte
// followed by the binding, so neither can be altered without detection.
//
// Nonces are random, which is safe for up to about 2^32 seals under one
// key; far more than Tuoguan will ever write.
const (
	versionAESGCM byte = 1
	nonceSize          = 12
	tagSize            = 16

	// SealOverhead is the number of bytes [Keyring.Seal] adds to the length
	// of the plaintext (in bytes); useful for sizing columns.
	SealOverhead = 1 + nonceSize + tagSize
)

// Lookup kinds. [Keyring.Lookup] normalises values of these kinds before
// hashing them.
const (
	KindIDNumber = "id_number"
	KindPhone    = "phone"
)

// LookupSize is the length in bytes of a [Keyring.Lookup] result.
const LookupSize = sha256.Size

var (
	// ErrOpen is returned by [Keyring.Open] for every sealed value it
	// cannot open: wrong binding, wrong key, tampering, truncation or an
	// unknown version. The causes are deliberately indistinguishable.
	ErrOpen = errors.New("pii: sealed value cannot be opened")

	// ErrEmptyBinding is returned by [Keyring.Seal] and [Keyring.Open] when
	// the binding is empty, which would leave a ciphertext unbound to its
	// row and column.
	ErrEmptyBinding = errors.New("pii: empty binding")

	// ErrNoKeyring is returned when a nil or zero Keyring is used.
	ErrNoKeyring = errors.New("pii: keyring not initialised")
)

// Seal encrypts plaintext and binds the result to binding, which must
// identify the row and column the result is stored in, for example
// "farms/610631/12345/id_number". [Keyring.Open] succeeds only with the
// same binding, so a ciphertext copied to another row or column cannot be
// opened there. Seal is randomised: sealing the same value twice gives
// different results; use [Keyring.Lookup] for equality searches.
//
// The result is len(plaintext)+[SealOverhead] bytes long.
func (k *Keyring) Seal(plaintext, binding string) ([]byte, error) {
	if k == nil || k.aead == nil {
		return nil, ErrNoKeyring
	}
	if binding == "" {
		return nil, ErrEmptyBinding
	}
	out := make([]byte, 1+nonceSize, len(plaintext)+SealOverhead)
	out[0] = versionAESGCM
	nonce := out[1 : 1+nonceSize]
	rand.Read(nonce)
	return k.aead.Seal(out, nonce, []byte(plaintext), additionalData(versionAESGCM, binding)), nil
}

// Open decrypts a value produced by [Keyring.Seal] with the same key and
// binding. Any failure to authenticate or parse sealed yields [ErrOpen]
// and no partial plaintext.
func (k *Keyring) Open(sealed []byte, binding string) (string, error) {
	if k == nil || k.aead == nil {
		return "", ErrNoKeyring
	}
	if binding == "" {
		return "", ErrEmptyBinding
	}
	if len(sealed) < SealOverhead || sealed[0] != versionAESGCM {
		return "", ErrOpen
	}
	nonce := sealed[1 : 1+nonceSize]
	plaintext, err := k.aead.Open(nil, nonce, sealed[1+nonceSize:], additionalData(sealed[0], binding))
	if err != nil {
		return "", ErrOpen
	}
	return string(plaintext), nil
}

// additionalData is the GCM additional data for a version and binding.
func additionalData(version byte, binding string) []byte {
	ad := make([]byte, 0, 1+len(binding))
	ad = append(ad, version)
	return append(ad, binding...)
}

// Lookup returns a deterministic keyed hash (HMAC-SHA256 under the lookup
// key) of value, for an indexed equality-lookup column: equal inputs give
// equal results, and without the data key the result reveals nothing about
// value, not even to someone who can enumerate all possible ID numbers.
//
// kind names what value is and separates the hash domains: the same value
// under different kinds never yields the same result. For [KindIDNumber]
// and [KindPhone] the value is first normalised with [NormalizeIDNumber]
// or [NormalizePhone], so raw user input finds the stored row; other kinds
// are hashed verbatim. Callers should not store or query lookups of empty
// values, since all of them are equal.
//
// The result is [LookupSize] bytes. Lookup panics on a nil or zero Keyring,
// because hashing under an empty key would silently produce guessable
// values.
func (k *Keyring) Lookup(kind, value string) []byte {
	if k == nil || len(k.lookupKey) == 0 {
		panic(ErrNoKeyring)
	}
	switch kind {
	case KindIDNumber:
		value = NormalizeIDNumber(value)
	case KindPhone:
		value = NormalizePhone(value)
	}
	// The kind is length-prefixed so that no (kind, value) pair encodes
	// the same input as another pair.
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(kind)))
	m := hmac.New(sha256.New, k.lookupKey)
	m.Write(n[:])
	io.WriteString(m, kind)
	io.WriteString(m, value)
	return m.Sum(nil)
}
