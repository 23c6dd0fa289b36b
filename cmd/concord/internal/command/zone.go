package command

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/concord-dev/concord/dnsfront/zone"
)

func zoneSpec() spec {
	return spec{
		synopsis: "Export service records as a DNS zone",
		usage: `
Usage: concord zone <subcommand> [options]

  Builds a DNS zone of the catalog's healthy service instances for other
  DNS servers.
`,
	}
}

type zoneExportFlags struct {
	zone, dc, out, nsAddr string
	onlyPassing           bool
	ttl                   time.Duration
}

func zoneExportSpec() spec {
	return spec{
		synopsis: "Write an RFC 1035 zone of the healthy service instances",
		usage: `
Usage: concord zone export -zone ZONE [options]

  Writes an RFC 1035 zone file: SOA, NS, an A/AAAA record per healthy
  instance at SERVICE.ZONE and an SRV record at _SERVICE._tcp.ZONE. The
  serial grows only when the records change: it is kept with a hash of the
  records in the KV store at concord/zone/ZONE.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			f := &zoneExportFlags{}
			fs.StringVar(&f.zone, "zone", "", "The zone's name, e.g. geant.services. Required.")
			fs.StringVar(&f.dc, "dc", "", "The datacenter exported (default: the agent's).")
			fs.BoolVar(&f.onlyPassing, "only-passing", false, "Leave out instances with a warning check too.")
			fs.StringVar(&f.out, "out", "", "Write the zone to this file (atomically) instead of stdout.")
			fs.StringVar(&f.nsAddr, "ns-addr", "", "The address of the zone's name server ns.ZONE "+
				"(default: the queried agent's node address).")
			fs.DurationVar(&f.ttl, "ttl", 30*time.Second, "The records' TTL.")
			h := clientFlags(fs)
			return func(args []string) int { return c.zoneExport(h, f, args) }
		},
	}
}

// zoneSerial is the serial's state in the KV store.
type zoneSerial struct {
	Serial uint32 `json:"serial"`
	Hash   string `json:"hash"`
}

func (c *cli) zoneExport(h *httpFlags, f *zoneExportFlags, args []string) int {
	if len(args) > 0 {
		c.errorf("Too many arguments (expected 0, got %d)", len(args))
		return 1
	}
	if f.zone == "" {
		c.errorf("Missing -zone")
		return 1
	}
	client, ok := c.connect(h)
	if !ok {
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nsAddr := f.nsAddr
	if nsAddr == "" {
		name, err := client.Agent().NodeName()
		if err != nil {
			c.errorf("Error querying the agent: %s", err)
			return 1
		}
		node, _, err := client.Catalog().Node(name, &api.QueryOptions{Datacenter: f.dc})
		if err == nil && node != nil && node.Node != nil {
			nsAddr = node.Node.Address
		}
	}
	src := &zone.APISource{Client: client, Datacenter: f.dc, OnlyPassing: f.onlyPassing}
	insts, _, err := src.Instances(ctx, 0, 0)
	if err != nil {
		c.errorf("Error reading the catalog: %s", err)
		return 1
	}
	params := zone.Params{Origin: f.zone, NS: []string{"ns"}, NSAddrs: map[string]string{"ns": nsAddr},
		TTL: uint32(f.ttl / time.Second), Refresh: 3600, Retry: 600, Expire: 86400}
	records, hash := zone.Build(params, insts)
	serial, err := c.zoneSerial(client, f.zone, hash)
	if err != nil {
		c.errorf("Error keeping the zone's serial: %s", err)
		return 1
	}
	text := zone.New(params, records, hash, serial).Text()
	if f.out == "" {
		fmt.Fprint(c.env.Stdout, text)
		return 0
	}
	if err := writeFileAtomic(f.out, []byte(text)); err != nil {
		c.errorf("Error writing %s: %s", f.out, err)
		return 1
	}
	return 0
}

// zoneSerial returns the serial for content hash, storing a new one with
// a check-and-set so two exports at once cannot both take the same step.
func (c *cli) zoneSerial(client *api.Client, name, hash string) (uint32, error) {
	key := "concord/zone/" + zone.StateFileName(name)
	for attempt := 0; attempt < 5; attempt++ {
		pair, _, err := client.KV().Get(key, nil)
		if err != nil {
			return 0, err
		}
		var prev zoneSerial
		var index uint64
		if pair != nil {
			index = pair.ModifyIndex
			if err := json.Unmarshal(pair.Value, &prev); err != nil {
				return 0, fmt.Errorf("%s holds no serial: %v", key, err)
			}
		}
		serial := zone.NextSerial(prev.Serial, prev.Hash, hash, time.Now().Unix())
		if serial == prev.Serial {
			return serial, nil
		}
		b, _ := json.Marshal(zoneSerial{Serial: serial, Hash: hash})
		ok, _, err := client.KV().CAS(&api.KVPair{Key: key, Value: b, ModifyIndex: index}, nil)
		if err != nil {
			return 0, err
		}
		if ok {
			return serial, nil
		}
	}
	return 0, fmt.Errorf("%s keeps changing under us", key)
}

// writeFileAtomic writes through a temporary file in the same directory.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
