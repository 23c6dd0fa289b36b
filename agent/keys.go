package agent

import (
	"encoding/base64"
	"fmt"
)

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("encrypt key is not valid base64: %w", err)
	}
	switch len(key) {
	case 16, 24, 32:
		return key, nil
	}
	return nil, fmt.Errorf("encrypt key must be 16, 24 or 32 bytes, got %d", len(key))
}
