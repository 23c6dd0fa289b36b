package lan

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/memberlist"
)

// initialKeyring builds the keyring the pool starts with: the one saved in
// KeyringFile when there is one (it carries the rotations made since the
// agent was first given its key), else SecretKey alone, which is then
// saved. nil means gossip is not encrypted.
func (c *Config) initialKeyring() (*memberlist.Keyring, error) {
	if c.KeyringFile != "" {
		keys, err := readKeyringFile(c.KeyringFile)
		switch {
		case err == nil:
			if c.SecretKey != nil {
				c.Logger.Info("lan: keyring file exists; using its keys instead of the encrypt key", "path", c.KeyringFile)
			}
			return memberlist.NewKeyring(keys, keys[0])
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	if c.SecretKey == nil {
		return nil, nil
	}
	kr, err := memberlist.NewKeyring(nil, c.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("lan: %w", err)
	}
	if c.KeyringFile != "" {
		if err := writeKeyringFile(c.KeyringFile, [][]byte{c.SecretKey}); err != nil {
			return nil, err
		}
	}
	return kr, nil
}

// readKeyringFile reads a keyring file: a JSON list of base64 keys,
// primary first. A missing file is an error wrapping fs.ErrNotExist.
func readKeyringFile(path string) ([][]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lan: reading keyring: %w", err)
	}
	var encoded []string
	if err := json.Unmarshal(raw, &encoded); err != nil {
		return nil, fmt.Errorf("lan: keyring file %s is not a JSON list of keys: %v", path, err)
	}
	if len(encoded) == 0 {
		return nil, fmt.Errorf("lan: keyring file %s holds no keys", path)
	}
	keys := make([][]byte, 0, len(encoded))
	for i, s := range encoded {
		k, err := base64.StdEncoding.DecodeString(s)
		if err == nil {
			err = memberlist.ValidateKey(k)
		}
		if err != nil {
			return nil, fmt.Errorf("lan: keyring file %s: key %d: %v", path, i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// writeKeyringFile replaces path with keys (primary first), readable by
// the owner only. It writes a temporary file and renames it over path, so
// a crash leaves either the old keyring or the new one.
func writeKeyringFile(path string, keys [][]byte) error {
	encoded := make([]string, len(keys))
	for i, k := range keys {
		encoded[i] = base64.StdEncoding.EncodeToString(k)
	}
	raw, err := json.Marshal(encoded)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("lan: saving keyring: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("lan: saving keyring: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(raw)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("lan: saving keyring: %w", err)
	}
	return nil
}
