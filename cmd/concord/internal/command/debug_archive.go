package command

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// debugArchive collects the files of a `concord debug` capture in memory
// (captures run concurrently) and writes them as one .tar.gz under a
// top directory named after the archive, as Consul's debug does.
type debugArchive struct {
	mu    sync.Mutex
	files map[string][]byte
}

func newDebugArchive() *debugArchive { return &debugArchive{files: map[string][]byte{}} }

func (a *debugArchive) add(name string, data []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.files[name] = data
}

// addJSON stores v indented, as an operator reads it.
func (a *debugArchive) addJSON(name string, v interface{}) error {
	buf, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", name, err)
	}
	a.add(name, append(buf, '\n'))
	return nil
}

// write creates path (mode 0600: the capture describes the agent in
// detail) through a temporary file renamed into place.
func (a *debugArchive) write(path string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	top := strings.TrimSuffix(filepath.Base(path), ".tar.gz")
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(a.files))
	for name := range a.files {
		names = append(names, name)
	}
	sort.Strings(names)
	now := time.Now()
	for _, name := range names {
		data := a.files[name]
		hdr := &tar.Header{Name: top + "/" + name, Mode: 0o600, Size: int64(len(data)), ModTime: now}
		if err := tw.WriteHeader(hdr); err != nil {
			f.Close()
			return err
		}
		if _, err := tw.Write(data); err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := gz.Close(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// secretKey reports whether a JSON field holds a secret, or a group of
// them: tokens, secret IDs, keys, the gossip encryption key, passwords.
// A TTL is not one, whatever it is the TTL of.
func secretKey(k string) bool {
	l := strings.ToLower(k)
	if strings.HasSuffix(l, "ttl") {
		return false
	}
	for _, s := range []string{"token", "secret", "encrypt", "password", "privatekey", "private_key"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	// "EncryptKey", "ca_key"; not "KeyFile" (a path).
	return strings.HasSuffix(l, "key")
}

// hideAll replaces every non-empty string in v with "hidden".
func hideAll(v interface{}) interface{} {
	switch t := v.(type) {
	case string:
		if t != "" {
			return "hidden"
		}
	case map[string]interface{}:
		for k, val := range t {
			t[k] = hideAll(val)
		}
	case []interface{}:
		for i := range t {
			t[i] = hideAll(t[i])
		}
	}
	return v
}

// redact replaces every non-empty string under a secret field with
// "hidden", however deep. The agent already removes secrets from
// /v1/agent/self; this second pass keeps a newer or older agent's
// additions out of an archive that is meant to be shared.
func redact(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, val := range t {
			if secretKey(k) {
				t[k] = hideAll(val)
				continue
			}
			t[k] = redact(val)
		}
	case []interface{}:
		for i := range t {
			t[i] = redact(t[i])
		}
	}
	return v
}
