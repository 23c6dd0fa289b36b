package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestACLReplicationKeys: the keys a secondary datacenter's servers set
// load without warnings, and down_policy accepts async-cache.
func TestACLReplicationKeys(t *testing.T) {
	dir := writeFiles(t, map[string]string{"acl.json": `{"server": true, "data_dir": "/d", "datacenter": "dc2",
		"primary_datacenter": "dc1", "acl": {"enabled": true, "default_policy": "deny", "down_policy": "async-cache",
		"token_ttl": "10s", "enable_token_replication": true, "tokens": {"replication": "r-secret"}}}`})
	c, warnings := mustLoad(t, "-config-file", filepath.Join(dir, "acl.json"))
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
	if c.PrimaryDatacenter != "dc1" || !c.ACL.EnableTokenReplication || c.ACL.Tokens.Replication != "r-secret" ||
		c.ACL.DownPolicy != "async-cache" || c.ACL.TokenTTL != 10*time.Second {
		t.Errorf("acl: %+v, primary %q", c.ACL, c.PrimaryDatacenter)
	}

	dir = writeFiles(t, map[string]string{"bad.json": `{"acl": {"down_policy": "sometimes"}}`})
	if msg := loadErr(t, "-data-dir", "/d", "-config-file", filepath.Join(dir, "bad.json")); !strings.Contains(msg, "allow, deny, extend-cache or async-cache") {
		t.Errorf("bad down_policy: %q", msg)
	}
}
