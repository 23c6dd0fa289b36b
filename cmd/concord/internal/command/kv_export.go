package command

import (
	"encoding/base64"
	"encoding/json"
	"flag"

	"github.com/hashicorp/consul/api"
)

// kvEntry is one pair as kv export writes it and kv import reads it; the
// field names are Consul's.
type kvEntry struct {
	Key       string `json:"key"`
	Flags     uint64 `json:"flags"`
	Value     string `json:"value"`
	Namespace string `json:"namespace,omitempty"`
	Partition string `json:"partition,omitempty"`
}

func toEntry(pair *api.KVPair) *kvEntry {
	return &kvEntry{
		Key:       pair.Key,
		Flags:     pair.Flags,
		Value:     base64.StdEncoding.EncodeToString(pair.Value),
		Namespace: pair.Namespace,
		Partition: pair.Partition,
	}
}

func kvExportSpec() spec {
	return spec{
		synopsis: "Exports a tree from the KV store as JSON",
		usage: `
Usage: concord kv export [KEY_OR_PREFIX]

  Retrieves key-value pairs for the given prefix from concord's key-value store,
  and writes a JSON representation to stdout. This can be used with the command
  "concord kv import" to move entire trees between clusters.

      $ concord kv export vault

  For a full list of options and examples, please see the documentation.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := serverFlags(fs)
			return func(args []string) int {
				key, ok := c.keyArg(args)
				if !ok {
					return 1
				}
				client, ok := c.connect(h)
				if !ok {
					return 1
				}
				pairs, _, err := client.KV().List(key, h.query())
				if err != nil {
					c.errorf("Error querying concord agent: %s", err)
					return 1
				}
				entries := make([]*kvEntry, len(pairs))
				for i, pair := range pairs {
					entries[i] = toEntry(pair)
				}
				out, err := json.MarshalIndent(entries, "", "\t")
				if err != nil {
					c.errorf("Error exporting KV data: %s", err)
					return 1
				}
				c.out(string(out))
				return 0
			}
		},
	}
}
