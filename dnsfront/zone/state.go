package zone

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// state is what survives a restart: the serial and the hash of the
// records it was given to, so an agent that restarts onto the same
// catalog keeps its serial, and the records last pushed to a primary by
// RFC 2136, so the next push removes what is gone.
type state struct {
	Serial uint32   `json:"serial"`
	Hash   string   `json:"hash"`
	Pushed []string `json:"pushed,omitempty"`
}

func loadState(path string) (state, error) {
	var s state
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

// save writes s atomically (temp file and rename).
func (s state) save(path string) error {
	if path == "" {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// StateFileName is the file, in a state directory, of origin's state.
func StateFileName(origin string) string {
	return strings.TrimSuffix(strings.ToLower(origin), ".") + ".json"
}
