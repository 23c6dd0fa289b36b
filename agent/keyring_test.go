package agent_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/agent/config"
	"github.com/concord-dev/concord/lan"
	"github.com/hashicorp/consul/api"
	"github.com/hashicorp/go-hclog"
)

const (
	gossipKey1 = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="
	gossipKey2 = "HS8Es6Z8xDw3hX2d4M5LGTzWQf3sJgZ1T0k5dKpIvVw="
)

// wantKeys lists the keyring through c and checks every one of n members
// holds exactly keys, with primary as their primary key.
func wantKeys(t *testing.T, c *api.Client, n int, primary string, keys ...string) {
	t.Helper()
	list, err := c.Operator().KeyringList(nil)
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := map[string]int{}
	for _, k := range keys {
		wantKeys[k] = n
	}
	if len(list) != 1 || list[0].WAN || list[0].Datacenter != "dc1" || list[0].NumNodes != n ||
		!reflect.DeepEqual(list[0].Keys, wantKeys) || !reflect.DeepEqual(list[0].PrimaryKeys, map[string]int{primary: n}) ||
		len(list[0].Messages) != 0 {
		t.Fatalf("keyring list %+v, want %d members with %v, primary %s", list[0], n, keys, primary)
	}
}

// Rotation through the HTTP API of a server and of a client: every
// member, clients included, follows; nobody fails; a client restarted on
// its data directory comes back with the new key although its config
// still names the old one.
func TestKeyringRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, clis := agenttest.StartClusterWith(t, 1, 1, func(c *config.Config) { c.EncryptKey = gossipKey1 })

	// One more client on a data directory of our own, to restart it.
	ccfg := agenttest.DevConfig()
	ccfg.DevMode, ccfg.Server, ccfg.Bootstrap = false, false, false
	ccfg.NodeName = "c-restart"
	ccfg.DataDir = t.TempDir()
	ccfg.EncryptKey = gossipKey1
	ccfg.StartJoin = []string{agenttest.LANAddr(srvs[0])}
	startClient := func() *agent.Agent {
		a, err := agent.New(ccfg, hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Shutdown() })
		return a
	}
	extra := startClient()
	all := []*agent.Agent{srvs[0], clis[0], extra}
	waitAllAlive(t, all)

	sc, cc := agenttest.Client(t, srvs[0]), agenttest.Client(t, clis[0])
	wantKeys(t, cc, 3, gossipKey1, gossipKey1)
	if err := sc.Operator().KeyringInstall(gossipKey2, nil); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, sc, 3, gossipKey1, gossipKey1, gossipKey2)
	if err := cc.Operator().KeyringUse(gossipKey2, nil); err != nil {
		t.Fatal(err)
	}
	err := sc.Operator().KeyringRemove(gossipKey2, nil)
	if err == nil || !strings.Contains(err.Error(), "3/3 nodes reported failure") ||
		!strings.Contains(err.Error(), "removing the primary key is not allowed") {
		t.Fatalf("removing the primary key: %v", err)
	}
	if err := cc.Operator().KeyringRemove(gossipKey1, nil); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, cc, 3, gossipKey2, gossipKey2)
	if err := sc.Operator().KeyringInstall("not a key", nil); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("installing a malformed key: %v", err)
	}

	time.Sleep(2 * time.Second) // a couple of probe rounds on the new key
	for _, a := range all {
		for _, m := range a.Members() {
			if m.Status != lan.StatusAlive {
				t.Fatalf("%s sees %s %s after the rotation", a.Self().NodeName, m.Name, m.Status)
			}
		}
	}

	raw, err := os.ReadFile(filepath.Join(ccfg.DataDir, "serf", "local.keyring"))
	if err != nil || string(raw) != `["`+gossipKey2+`"]` {
		t.Fatalf("saved keyring %q, %v", raw, err)
	}
	if err := extra.GracefulStop(true); err != nil {
		t.Fatal(err)
	}
	extra = startClient()
	all[2] = extra
	waitAllAlive(t, all)
	wantKeys(t, agenttest.Client(t, extra), 3, gossipKey2, gossipKey2)
}

func waitAllAlive(t *testing.T, all []*agent.Agent) {
	t.Helper()
	agenttest.WaitFor(t, 15*time.Second, "every agent sees every other alive", func() error {
		for _, a := range all {
			alive := 0
			for _, m := range a.Members() {
				if m.Status == lan.StatusAlive {
					alive++
				}
			}
			if alive != len(all) {
				return fmt.Errorf("%s sees %d of %d alive", a.Self().NodeName, alive, len(all))
			}
		}
		return nil
	})
}
