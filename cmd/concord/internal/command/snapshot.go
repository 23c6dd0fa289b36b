package command

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/concord-dev/concord/catalog/snapshot"
)

func snapshotSpec() spec {
	return spec{
		synopsis: "Saves, restores and inspects snapshots of concord server state",
		usage: `
Usage: concord snapshot <subcommand> [options] [args]

  Saves, restores and inspects snapshots of the servers' state: the KV
  store, the catalog, sessions, prepared queries and ACLs. A snapshot is a
  gzip'd tar archive of meta.json, state.bin and SHA256SUMS, checked on
  save, inspect and restore.

  Save and restore require a management token when ACLs are enabled.
`,
	}
}

func snapshotSaveSpec() spec {
	return spec{
		synopsis: "Saves snapshot of concord server state",
		usage: `
Usage: concord snapshot save [options] FILE

  Saves an atomic, point-in-time snapshot of the servers' state to FILE,
  verifies it, and only then moves it into place. With -stale any server
  may answer from its own replica.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := serverFlags(fs)
			return func(args []string) int { return c.snapshotSave(h, args) }
		},
	}
}

func (c *cli) snapshotSave(h *httpFlags, args []string) int {
	if len(args) != 1 {
		c.errorf("This command takes one argument: <file>")
		return 1
	}
	file := args[0]
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	rc, qm, err := client.Snapshot().Save(h.query())
	if err != nil {
		c.errorf("Error saving snapshot: %s", err)
		return 1
	}
	defer rc.Close()
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		c.errorf("Error writing unverified snapshot file: %s", err)
		return 1
	}
	_, err = io.Copy(f, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		c.errorf("Error writing unverified snapshot file: %s", err)
		return 1
	}
	if _, err := inspectFile(tmp); err != nil {
		os.Remove(tmp)
		c.errorf("Error verifying snapshot file: %s", err)
		return 1
	}
	if err := os.Rename(tmp, file); err != nil {
		c.errorf("Error renaming %q to %q: %s", tmp, file, err)
		return 1
	}
	c.out(fmt.Sprintf("Saved and verified snapshot to index %d", qm.LastIndex))
	return 0
}

func snapshotRestoreSpec() spec {
	return spec{
		synopsis: "Restores snapshot of concord server state",
		usage: `
Usage: concord snapshot restore [options] FILE

  Restores the servers' state from a snapshot FILE. The file is checked
  before anything changes; a damaged one is refused. This replaces all of
  the cluster's KV, catalog, session and ACL data.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			h := clientFlags(fs)
			return func(args []string) int { return c.snapshotRestore(h, args) }
		},
	}
}

func (c *cli) snapshotRestore(h *httpFlags, args []string) int {
	if len(args) != 1 {
		c.errorf("This command takes one argument: <file>")
		return 1
	}
	client, err := h.client(c.env.Getenv)
	if err != nil {
		c.errorf("Error initializing client: %s", err)
		return 1
	}
	f, err := os.Open(args[0])
	if err != nil {
		c.errorf("Error opening snapshot file: %s", err)
		return 1
	}
	defer f.Close()
	if err := client.Snapshot().Restore(nil, f); err != nil {
		c.errorf("Error restoring snapshot: %s", err)
		return 1
	}
	c.out("Restored snapshot")
	return 0
}

func snapshotInspectSpec() spec {
	return spec{
		synopsis: "Displays information about a concord snapshot file",
		usage: `
Usage: concord snapshot inspect FILE

  Verifies a snapshot file's checksums and prints its metadata. It needs
  no agent.
`,
		build: func(c *cli, fs *flag.FlagSet) func([]string) int {
			return func(args []string) int { return c.snapshotInspect(args) }
		},
	}
}

func (c *cli) snapshotInspect(args []string) int {
	if len(args) != 1 {
		c.errorf("This command takes one argument: <file>")
		return 1
	}
	meta, err := inspectFile(args[0])
	if err != nil {
		c.errorf("Error inspecting snapshot: %s", err)
		return 1
	}
	for _, kv := range [][2]interface{}{
		{"ID", meta.ID}, {"Size", meta.Size}, {"Index", meta.Index}, {"Term", meta.Term}, {"Version", meta.Version},
	} {
		c.out(fmt.Sprintf(" %-12s %v", kv[0], kv[1]))
	}
	return 0
}

func inspectFile(path string) (*snapshotMeta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := snapshot.Inspect(f)
	if err != nil {
		return nil, err
	}
	return &snapshotMeta{ID: m.ID, Size: m.Size, Index: m.Index, Term: m.Term, Version: int(m.Version)}, nil
}

// snapshotMeta is what inspect prints.
type snapshotMeta struct {
	ID      string
	Size    int64
	Index   uint64
	Term    uint64
	Version int
}
