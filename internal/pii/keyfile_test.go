package pii

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// sameKey reports whether a and b were derived from the same master key.
func sameKey(a, b *Keyring) bool {
	return bytes.Equal(a.Lookup("probe", "x"), b.Lookup("probe", "x"))
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return // Windows does not report Unix permission bits.
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

func TestLoadOrCreateKeyFileCreatesThenReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "keys")
	path := filepath.Join(dir, "data.key")

	first, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("first call: created=%v err=%v; want a new file", created, err)
	}
	checkMode(t, path, 0o600)
	checkMode(t, dir, 0o700)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseKey(string(data)); err != nil {
		t.Errorf("created file does not hold a valid key: %v", err)
	}

	second, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created {
		t.Fatalf("second call: created=%v err=%v; want reuse", created, err)
	}
	if !sameKey(first, second) {
		t.Error("second call returned a different key")
	}
	sealed, err := first.Seal("610631199001011234", "farms/1/id_number")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := second.Open(sealed, "farms/1/id_number"); err != nil || got != "610631199001011234" {
		t.Errorf("value sealed before restart: Open() = %q, %v", got, err)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file", len(entries))
	}
}

func TestLoadOrCreateKeyFileUsesExistingKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.key")
	key := GenerateKey()
	if err := os.WriteFile(path, []byte(key+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created {
		t.Fatalf("created=%v err=%v; want the existing key", created, err)
	}
	want, err := ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if !sameKey(got, want) {
		t.Error("existing key file was not used")
	}
}

func TestLoadOrCreateKeyFileRefusesMalformed(t *testing.T) {
	tests := map[string]string{
		"empty":      "",
		"garbage":    "not a key\n",
		"short key":  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
		"two keys":   GenerateKey() + "\n" + GenerateKey() + "\n",
		"whitespace": "\n\n",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.key")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			kr, created, err := LoadOrCreateKeyFile(path)
			if err == nil || kr != nil || created {
				t.Fatalf("got %v, created=%v, err=%v; want refusal", kr, created, err)
			}
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("error %q does not wrap ErrInvalidKey", err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(after) != content {
				t.Errorf("malformed key file was modified: %q", after)
			}
		})
	}
}

func TestLoadOrCreateKeyFileErrors(t *testing.T) {
	if _, _, err := LoadOrCreateKeyFile(""); err == nil {
		t.Error("empty path accepted")
	}
	dir := t.TempDir()
	if _, _, err := LoadOrCreateKeyFile(dir); err == nil {
		t.Error("directory accepted as key file")
	}
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKeyFile(filepath.Join(blocker, "data.key")); err == nil {
		t.Error("path under a regular file accepted")
	}
}

func TestLoadOrCreateKeyFileConcurrentCreators(t *testing.T) {
	const n = 20
	path := filepath.Join(t.TempDir(), "sub", "data.key")
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		rings   [n]*Keyring
		created [n]bool
		errs    [n]error
	)
	for i := range n {
		wg.Go(func() {
			<-start
			rings[i], created[i], errs[i] = LoadOrCreateKeyFile(path)
		})
	}
	close(start)
	wg.Wait()

	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if created[i] {
			creators++
		}
		if !sameKey(rings[0], rings[i]) {
			t.Errorf("goroutine %d ended up with a different key", i)
		}
	}
	if creators != 1 {
		t.Errorf("%d callers report creating the file, want exactly 1", creators)
	}
	final, created2, err := LoadOrCreateKeyFile(path)
	if err != nil || created2 {
		t.Fatalf("after the race: created=%v err=%v; want reuse", created2, err)
	}
	if !sameKey(final, rings[0]) {
		t.Error("after the race the file holds a different key")
	}
}
