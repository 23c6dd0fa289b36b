package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-uuid"
)

// nodeID returns the configured ID, else the one persisted in the data
// directory, else a new one (persisted when there is a data directory).
// A stable ID is what lets a restarted server keep its Raft seat.
func nodeID(configured, dataDir string) (string, error) {
	if configured != "" {
		return strings.ToLower(configured), nil
	}
	if dataDir != "" {
		path := filepath.Join(dataDir, "node-id")
		if b, err := os.ReadFile(path); err == nil {
			id := strings.ToLower(strings.TrimSpace(string(b)))
			if _, err := uuid.ParseUUID(id); err != nil {
				return "", fmt.Errorf("%s holds %q, which is not a UUID: fix or delete the file", path, id)
			}
			return id, nil
		} else if !os.IsNotExist(err) {
			return "", fmt.Errorf("read node ID: %w", err)
		}
	}
	id, err := uuid.GenerateUUID()
	if err != nil {
		return "", err
	}
	if dataDir != "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return "", fmt.Errorf("create data directory: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dataDir, "node-id"), []byte(id), 0o600); err != nil {
			return "", fmt.Errorf("persist node ID: %w", err)
		}
	}
	return id, nil
}
