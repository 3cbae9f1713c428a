package pii

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadOrCreateKeyFile returns the keyring stored in the key file at path,
// creating the file with a fresh key if it does not exist. It is meant for
// a developer's first run without [KeyEnv]: restarts reuse the file, so data
// sealed earlier stays readable. Production deployments should set
// [KeyEnv] instead.
//
// Contract:
//
//   - An existing file must hold a key in the format of [GenerateKey]
//     (surrounding whitespace allowed). A malformed file is refused with an
//     error wrapping [ErrInvalidKey] and is never modified or replaced,
//     because replacing it would orphan everything sealed with the old key.
//   - A new file is created with mode 0600. Missing parent directories are
//     created with mode 0700; existing ones are left as they are.
//   - Creation is atomic and exclusive: the key is written and synced to a
//     temporary file in the same directory, which is then hard-linked to
//     path. Linking fails if path already exists, and a reader never sees a
//     partly written file. When several processes race, exactly one creates
//     the file and the others read and use its key.
//
// created reports whether this call created the file.
func LoadOrCreateKeyFile(path string) (kr *Keyring, created bool, err error) {
	if path == "" {
		return nil, false, errors.New("pii: empty key file path")
	}
	kr, err = readKeyFile(path)
	if err == nil {
		return kr, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}

	encoded := GenerateKey()
	err = publishKeyFile(path, encoded)
	switch {
	case err == nil:
		kr, err = ParseKey(encoded)
		if err != nil {
			return nil, false, err
		}
		return kr, true, nil
	case errors.Is(err, errKeyFileExists):
		// Another process won the race; its key is the one to use.
		kr, err = readKeyFile(path)
		if err != nil {
			return nil, false, err
		}
		return kr, false, nil
	default:
		return nil, false, fmt.Errorf("pii: creating key file %s: %w", path, err)
	}
}

// errKeyFileExists reports that another process created the key file first.
var errKeyFileExists = errors.New("pii: key file already exists")

// readKeyFile reads and parses the key file at path. A missing file yields
// an error matching fs.ErrNotExist.
func readKeyFile(path string) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pii: reading key file: %w", err)
	}
	defer clear(data)
	kr, err := ParseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s (left unchanged; fix or remove it): %w", path, err)
	}
	return kr, nil
}

// publishKeyFile makes a file holding encoded appear at path, complete, or
// fails with errKeyFileExists if path already exists.
func publishKeyFile(path, encoded string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// os.CreateTemp opens with O_EXCL and mode 0600.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	// Once linked, the key lives on under path; the temporary name is
	// removed in every case.
	defer os.Remove(tmpName)

	if _, err := tmp.WriteString(encoded + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errKeyFileExists
		}
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir asks the operating system to persist dir's entries, so that the
// new key file survives a crash right after creation. It is best effort:
// some platforms cannot sync a directory, and the key file's contents are
// already synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
