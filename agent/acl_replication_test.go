package agent_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/wan"
	"github.com/hashicorp/consul/api"
)

// tokenClient is an API client for a's HTTP API that sends token.
func tokenClient(t *testing.T, a *agent.Agent, token string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = a.HTTPAddrs()[0].String()
	cfg.Token = token
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestACLReplication federates a primary (dc1) and three secondaries with
// ACLs on and a default of deny: dc2 replicates tokens too, dc3 and dc4
// only policies and roles and ask dc1 for tokens (dc3 with down_policy
// extend-cache, dc4 with deny, both with a 1 s token TTL).
func TestACLReplication(t *testing.T) {
	const root = "8f2f0b34-6a7e-4f5e-9d55-0c0b7c1c0a01"
	faults := wan.NewFaults()
	dcs := agenttest.StartFederation(t, []string{"dc1", "dc2", "dc3", "dc4"}, 1, 1, faults, func(cfg *config.Config) {
		cfg.ACL.Enabled = true
		cfg.ACL.DefaultPolicy = "deny"
		cfg.PrimaryDatacenter = "dc1"
		cfg.ACL.Tokens.Agent = root
		switch cfg.Datacenter {
		case "dc1":
			cfg.ACL.Tokens.InitialManagement = root
		case "dc2":
			cfg.ACL.EnableTokenReplication = true
			cfg.ACL.Tokens.Replication = root
		case "dc3":
			cfg.ACL.Tokens.Replication = root
			cfg.ACL.DownPolicy = "extend-cache"
			cfg.ACL.TokenTTL = time.Second
		case "dc4":
			cfg.ACL.Tokens.Replication = root
			cfg.ACL.DownPolicy = "deny"
			cfg.ACL.TokenTTL = time.Second
		}
	})
	dc1, dc2, dc3, dc4 := dcs[0], dcs[1], dcs[2], dcs[3]
	if got := dc3.Servers[0].Self().PrimaryDatacenter; got != "dc1" {
		t.Fatalf("dc3's agent self names primary %q", got)
	}
	root1 := tokenClient(t, dc1.Servers[0], root)
	root2 := tokenClient(t, dc2.Servers[0], root)

	// A policy and a token made in dc1.
	pol, _, err := root1.ACL().PolicyCreate(&api.ACLPolicy{Name: "app-read", Rules: `key_prefix "app/" { policy = "read" }`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	role, _, err := root1.ACL().RoleCreate(&api.ACLRole{Name: "app-role", Policies: []*api.ACLRolePolicyLink{{ID: pol.ID}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := root1.ACL().TokenCreate(&api.ACLToken{Description: "app", Roles: []*api.ACLTokenRoleLink{{ID: role.ID}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, dc := range dcs[1:] {
		if _, err := tokenClient(t, dc.Servers[0], root).KV().Put(&api.KVPair{Key: "app/x", Value: []byte(dc.Name)}, nil); err != nil {
			t.Fatalf("root write in %s: %v", dc.Name, err)
		}
	}

	// dc2 holds the policy and the token, with the same IDs and secret.
	agenttest.WaitFor(t, 45*time.Second, "dc2 has the policy, the role and the token from dc1", func() error {
		if p, _, err := root2.ACL().PolicyRead(pol.ID, nil); err != nil || p == nil || p.Rules != pol.Rules {
			return fmt.Errorf("policy in dc2: %+v, %v", p, err)
		}
		if r, _, err := root2.ACL().RoleRead(role.ID, nil); err != nil || r == nil || len(r.Policies) != 1 {
			return fmt.Errorf("role in dc2: %+v, %v", r, err)
		}
		got, _, err := root2.ACL().TokenRead(tok.AccessorID, nil)
		if err != nil {
			return err
		}
		if got.SecretID != tok.SecretID || got.Local {
			return fmt.Errorf("token in dc2: %+v", got)
		}
		return nil
	})

	// The token reads KV in every secondary per its policy, and no more.
	for _, dc := range dcs[1:] {
		app := tokenClient(t, dc.Servers[0], tok.SecretID)
		if p, _, err := app.KV().Get("app/x", nil); err != nil || p == nil || string(p.Value) != dc.Name {
			t.Fatalf("%s: read with the dc1 token = %+v, %v", dc.Name, p, err)
		}
		if _, err := app.KV().Put(&api.KVPair{Key: "app/x", Value: []byte("no")}, nil); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("%s: write with a read-only token = %v, want 403", dc.Name, err)
		}
	}

	// Through a client agent, which asks its server: dc2's holds the
	// token, dc3's asks dc1.
	for _, dc := range []agenttest.DC{dc2, dc3} {
		app := tokenClient(t, dc.Clients[0], tok.SecretID)
		if p, _, err := app.KV().Get("app/x", nil); err != nil || p == nil {
			t.Fatalf("%s client: read with the dc1 token = %+v, %v", dc.Name, p, err)
		}
		if _, _, err := app.KV().Get("other", nil); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("%s client: read outside the policy = %v, want 403", dc.Name, err)
		}
	}
	// dc3 keeps no tokens: reads of them are the primary's, and local
	// tokens are refused.
	root3 := tokenClient(t, dc3.Servers[0], root)
	if got, _, err := root3.ACL().TokenRead(tok.AccessorID, nil); err != nil || got.SecretID != tok.SecretID {
		t.Fatalf("dc3 token read = %+v, %v", got, err)
	}
	if _, _, err := root3.ACL().TokenCreate(&api.ACLToken{Local: true}, nil); err == nil || !strings.Contains(err.Error(), "Local tokens are disabled") {
		t.Fatalf("local token in dc3 = %v", err)
	}

	// A local token made in dc2 stays in dc2.
	local, _, err := root2.ACL().TokenCreate(&api.ACLToken{Description: "dc2 only", Local: true, Policies: []*api.ACLTokenPolicyLink{{ID: pol.ID}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := root2.ACL().TokenRead(local.AccessorID, nil); err != nil || !got.Local {
		t.Fatalf("local token in dc2 = %+v, %v", got, err)
	}
	if got, _, err := root1.ACL().TokenRead(local.AccessorID, nil); err == nil {
		t.Fatalf("dc2's local token is in dc1: %+v", got)
	}
	// A policy written through dc2 is written in dc1, and comes back.
	viaDC2, _, err := root2.ACL().PolicyCreate(&api.ACLPolicy{Name: "via-dc2", Rules: `key_prefix "" { policy = "read" }`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, _, err := root1.ACL().PolicyRead(viaDC2.ID, nil); err != nil || p == nil || p.Name != "via-dc2" {
		t.Fatalf("policy written through dc2, read in dc1 = %+v, %v", p, err)
	}
	// A global token updated through dc2 is updated in dc1.
	upd := *tok
	upd.Description = "app, updated through dc2"
	if _, _, err := root2.ACL().TokenUpdate(&upd, nil); err != nil {
		t.Fatalf("token update through dc2: %v", err)
	}
	if got, _, err := root1.ACL().TokenRead(tok.AccessorID, nil); err != nil || got.Description != upd.Description {
		t.Fatalf("token updated through dc2, read in dc1 = %+v, %v", got, err)
	}
	// A delete in dc1 reaches dc2 too.
	if _, err := root1.ACL().PolicyDelete(viaDC2.ID, nil); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 45*time.Second, "the policy deleted in dc1 leaves dc2", func() error {
		// A missing policy is Consul's 403 "ACL not found".
		if p, _, err := root2.ACL().PolicyRead(viaDC2.ID, nil); err == nil || !strings.Contains(err.Error(), "ACL not found") {
			return fmt.Errorf("policy in dc2: %+v, %v", p, err)
		}
		return nil
	})
	// Bootstrapping is the primary's, as in Consul.
	if _, _, err := root2.ACL().Bootstrap(); err == nil || !strings.Contains(err.Error(), "ACL support disabled") {
		t.Fatalf("bootstrap in dc2 = %v", err)
	}

	// The replication status, from dc2's server and from dc1 with ?dc.
	var st *api.ACLReplicationStatus
	agenttest.WaitFor(t, 45*time.Second, "dc2 reports replication running with indexes", func() error {
		st, _, err = root1.ACL().Replication(&api.QueryOptions{Datacenter: "dc2"})
		if err != nil {
			return err
		}
		if !st.Enabled || !st.Running || st.SourceDatacenter != "dc1" || st.ReplicationType != "tokens" ||
			st.ReplicatedIndex == 0 || st.ReplicatedTokenIndex == 0 || st.LastSuccess.IsZero() {
			return fmt.Errorf("status %+v", st)
		}
		return nil
	})
	// Replication running: how long a new token takes to reach dc2
	// (docs/perf.md records this figure).
	created := time.Now()
	probe, _, err := root1.ACL().TokenCreate(&api.ACLToken{Description: "probe"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 45*time.Second, "a new token reaches dc2", func() error {
		_, _, err := root2.ACL().TokenRead(probe.AccessorID, nil)
		return err
	})
	t.Logf("a token created in dc1 was readable in dc2 after %v (create included, 20 ms polling)", time.Since(created))
	if st3, _, err := tokenClient(t, dc3.Servers[0], "").ACL().Replication(nil); err != nil || st3.ReplicationType != "policies" || !st3.Running {
		t.Fatalf("dc3 status (anonymous) = %+v, %v", st3, err)
	}
	if st1, _, err := root1.ACL().Replication(nil); err != nil || st1.Enabled || st1.Running {
		t.Fatalf("dc1 status = %+v, %v", st1, err)
	}

	// Cut dc1 off from every secondary.
	var others []string
	for _, dc := range dcs[1:] {
		others = append(others, dc.Addrs()...)
	}
	faults.Partition(dc1.Addrs(), others)
	time.Sleep(1500 * time.Millisecond) // past dc3's and dc4's token TTL, so their caches are stale

	// dc2 authorizes from its own copy; dc3 extends its cached answer;
	// dc4 denies.
	for _, dc := range []agenttest.DC{dc2, dc3} {
		app := tokenClient(t, dc.Servers[0], tok.SecretID)
		if p, _, err := app.KV().Get("app/x", nil); err != nil || p == nil {
			t.Fatalf("%s: read with the dc1 token while the WAN is cut = %+v, %v", dc.Name, p, err)
		}
	}
	if _, _, err := tokenClient(t, dc4.Servers[0], tok.SecretID).KV().Get("app/x", nil); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("dc4 (down_policy deny) read while the WAN is cut = %v, want 403", err)
	}
	agenttest.WaitFor(t, 45*time.Second, "dc2 reports the replication error", func() error {
		st, _, err := root2.ACL().Replication(nil)
		if err != nil {
			return err
		}
		if st.LastErrorMessage == "" || !st.LastError.After(st.LastSuccess) {
			return errors.New("no error yet")
		}
		return nil
	})

	// Healed, a change in dc1 reaches dc2 again.
	faults.Heal()
	after, _, err := root1.ACL().PolicyCreate(&api.ACLPolicy{Name: "after-heal", Rules: `key_prefix "later/" { policy = "read" }`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 90*time.Second, "a policy made in dc1 after the heal reaches dc2", func() error {
		p, _, err := root2.ACL().PolicyRead(after.ID, nil)
		if err != nil {
			return err
		}
		if p == nil {
			return errors.New("not yet")
		}
		return nil
	})
}

// TestACLReplicationStatusOnThePrimary: a datacenter that replicates
// nothing answers with zero values to anyone (Consul requires no token
// here), and the endpoint is GET only.
func TestACLReplicationStatusOnThePrimary(t *testing.T) {
	_, client := startACLDev(t)
	anon := client("")
	st, _, err := anon.ACL().Replication(nil)
	if err != nil {
		t.Fatalf("anonymous status under default deny: %v", err)
	}
	if st.Enabled || st.Running || st.SourceDatacenter != "" || st.ReplicationType != "" || st.ReplicatedIndex != 0 {
		t.Fatalf("status in a lone datacenter = %+v", st)
	}
	_, err = anon.Raw().Write("/v1/acl/replication", nil, nil, nil)
	var se api.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusMethodNotAllowed {
		t.Fatalf("PUT /v1/acl/replication = %v, want 405", err)
	}
}
