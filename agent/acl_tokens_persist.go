package agent

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
)

// aclTokensFile, in the data directory, keeps the tokens set through
// /v1/agent/token when acl.enable_token_persistence is on, as Consul's
// acl-tokens.json does. It holds secrets: mode 0600, replaced by rename.
const aclTokensFile = "acl-tokens.json"

// persistTokensLocked writes the tokens set at run time. tokens.mu held.
func (a *Agent) persistTokensLocked() error {
	if !a.cfg.ACL.EnableTokenPersistence || a.cfg.DataDir == "" {
		return nil
	}
	buf, err := json.Marshal(a.tokens.set)
	if err != nil {
		return err
	}
	path := filepath.Join(a.cfg.DataDir, aclTokensFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadPersistedTokens restores the tokens an earlier run set through the
// API; they win over the configuration's, as in Consul. A missing file is
// not an error.
func (a *Agent) loadPersistedTokens() error {
	if !a.cfg.ACL.EnableTokenPersistence || a.cfg.DataDir == "" {
		return nil
	}
	buf, err := os.ReadFile(filepath.Join(a.cfg.DataDir, aclTokensFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	set := map[string]string{}
	if err := json.Unmarshal(buf, &set); err != nil {
		return errors.New("reading " + aclTokensFile + ": " + err.Error() + "; fix or remove the file")
	}
	a.tokens.mu.Lock()
	defer a.tokens.mu.Unlock()
	a.tokens.set = map[string]string{}
	for kind, token := range set {
		if canonical, ok := tokenKinds[kind]; ok {
			a.tokens.set[canonical] = token
		}
	}
	return nil
}
