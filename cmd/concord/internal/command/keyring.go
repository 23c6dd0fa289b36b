package command

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/consul/api"
)

func keyringSpec() spec {
	return spec{
		synopsis: "Manages gossip layer encryption keys",
		usage: `
Usage: concord keyring [options]

  Manages the encryption keys of the gossip layer. With gossip encryption
  enabled, this command lists the keys every member of the pool holds,
  installs new keys, makes one of them the primary key (the one that
  encrypts) and removes old ones: together, a key rotation across the
  whole cluster that keeps every member connected.

  Every operation reaches every member of the LAN pool, clients included.

  The command exits with 0 when every member answered without error, and
  with 1 when a member failed or did not answer.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			var k keyringArgs
			fs.StringVar(&k.install, "install", "", "Install a new encryption key. This will broadcast "+
				"the new key to all members in the cluster.")
			fs.StringVar(&k.use, "use", "", "Change the primary encryption key, which is used to "+
				"encrypt messages. The key must already be installed before this operation can succeed.")
			fs.StringVar(&k.remove, "remove", "", "Remove the given key from the cluster. This "+
				"operation may only be performed on keys which are not currently the primary key.")
			fs.BoolVar(&k.list, "list", false, "List all keys currently in use within the cluster.")
			fs.BoolVar(&k.listPrimary, "list-primary", false, "List all primary keys currently in "+
				"use within the cluster.")
			fs.IntVar(&k.relay, "relay-factor", 0, "Accepted for compatibility: members answer "+
				"directly, never through relays. The maximum allowed value is 5.")
			fs.BoolVar(&k.localOnly, "local-only", false, "Accepted for compatibility: the keyring "+
				"is only the LAN pool's. This flag can only be set for list queries.")
			h := clientFlags(fs)
			return func([]string) int { return c.keyring(h, k) }
		},
	}
}

type keyringArgs struct {
	install, use, remove string
	list, listPrimary    bool
	relay                int
	localOnly            bool
}

func (c *cli) keyring(h *httpFlags, k keyringArgs) int {
	actions := 0
	for _, set := range []bool{k.list, k.listPrimary, k.install != "", k.use != "", k.remove != ""} {
		if set {
			actions++
		}
	}
	if actions > 1 {
		c.errorf("Only a single action is allowed")
		return 1
	}
	if actions == 0 {
		c.errorf("%s", c.verbHelp("keyring"))
		return 1
	}
	if k.relay < 0 || k.relay > 5 {
		c.errorf("Error parsing relay factor: Relay factor must be in range: [0, 5]")
		return 1
	}
	if k.localOnly && !k.list && !k.listPrimary {
		c.errorf("Local-only can only be set for list queries")
		return 1
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	op := client.Operator()

	if k.list || k.listPrimary {
		what := "installed encryption keys"
		if k.listPrimary {
			what = "installed primary encryption keys"
		}
		c.out("==> Gathering " + what + "...")
		responses, err := op.KeyringList(&api.QueryOptions{RelayFactor: uint8(k.relay), LocalOnly: k.localOnly})
		if err != nil {
			c.errorf("error: %s", err)
			return 1
		}
		for _, r := range responses {
			keys := r.Keys
			if k.listPrimary {
				keys = r.PrimaryKeys
			}
			c.out(formatKeyring(r, keys))
		}
		return 0
	}

	opts := &api.WriteOptions{RelayFactor: uint8(k.relay)}
	var err error
	switch {
	case k.install != "":
		c.out("==> Installing new gossip encryption key...")
		err = op.KeyringInstall(k.install, opts)
	case k.use != "":
		c.out("==> Changing primary gossip encryption key...")
		err = op.KeyringUse(k.use, opts)
	default:
		c.out("==> Removing gossip encryption key...")
		err = op.KeyringRemove(k.remove, opts)
	}
	if err != nil {
		c.errorf("error: %s", err)
		return 1
	}
	return 0
}

// formatKeyring renders one pool's answer: a blank line, the pool's name,
// each member's message and each key with how many of the pool's members
// hold it.
func formatKeyring(r *api.KeyringResponse, keys map[string]int) string {
	var b strings.Builder
	pool := r.Datacenter + " (LAN)"
	if r.WAN {
		pool = "WAN"
	}
	if r.Segment != "" {
		pool += " [" + r.Segment + "]"
	}
	fmt.Fprintf(&b, "\n%s:\n", pool)
	for _, node := range mapKeys(r.Messages) {
		fmt.Fprintf(&b, "  ===> %s: %s\n", node, r.Messages[node])
	}
	for _, key := range mapKeys(keys) {
		fmt.Fprintf(&b, "  %s [%d/%d]\n", key, keys[key], r.NumNodes)
	}
	return strings.TrimRight(b.String(), "\n")
}

// mapKeys returns m's keys, sorted.
func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
