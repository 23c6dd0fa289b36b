package template

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// writeIfChanged writes data to path unless the file already holds it,
// and reports whether it wrote. The write is atomic: a temporary file in
// the same directory, synced, given the old file's mode and owner (or
// perms for a new file), then renamed over path, so a reader sees the old
// file or the new one, never a part.
func writeIfChanged(path string, data []byte, perms os.FileMode) (bool, error) {
	old, err := os.ReadFile(path)
	if err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	mode := perms
	var owner *fileOwner
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
		owner = ownerOf(fi)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return false, err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return false, err
	}
	if err := tmp.Sync(); err != nil {
		return false, err
	}
	if err := tmp.Chmod(mode); err != nil {
		return false, err
	}
	if owner != nil {
		if err := owner.apply(tmp); err != nil {
			return false, fmt.Errorf("keeping the owner of %s: %w", path, err)
		}
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Rename(name, path); err != nil {
		return false, err
	}
	ok = true
	return true, nil
}
