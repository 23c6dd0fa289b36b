package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/hashicorp/raft"
)

// Outage recovery from raft/peers.json, in Consul's format: when a quorum
// is lost for good, the operator stops every surviving server, writes the
// same peers.json (the servers that are to form the new quorum) into each
// one's data_dir/raft/, and starts them. The file replaces the Raft
// configuration before Raft starts, and is then renamed so it is never
// applied twice.
const (
	peersFile         = "peers.json"
	peersConsumedFile = "peers.json.consumed"
	peersInfoFile     = "peers.info"
)

// peerEntry is one server of peers.json.
type peerEntry struct {
	ID       string `json:"id"`
	Address  string `json:"address"`
	NonVoter bool   `json:"non_voter"`
}

// readPeersJSON parses a peers.json file into a Raft configuration. Every
// entry needs an ID and an address, neither may repeat, and at least one
// server must vote.
func readPeersJSON(path string) (raft.Configuration, error) {
	var conf raft.Configuration
	buf, err := os.ReadFile(path)
	if err != nil {
		return conf, err
	}
	var entries []peerEntry
	if err := json.Unmarshal(buf, &entries); err != nil {
		return conf, fmt.Errorf("%s is not a JSON array of {\"id\", \"address\", \"non_voter\"}: %w", path, err)
	}
	ids, addrs := map[string]bool{}, map[string]bool{}
	voters := 0
	for i, e := range entries {
		if e.ID == "" || e.Address == "" {
			return conf, fmt.Errorf("%s: entry %d needs both \"id\" and \"address\"", path, i)
		}
		if ids[e.ID] || addrs[e.Address] {
			return conf, fmt.Errorf("%s: entry %d repeats id %q or address %q", path, i, e.ID, e.Address)
		}
		ids[e.ID], addrs[e.Address] = true, true
		suffrage := raft.Voter
		if e.NonVoter {
			suffrage = raft.Nonvoter
		} else {
			voters++
		}
		conf.Servers = append(conf.Servers, raft.Server{Suffrage: suffrage, ID: raft.ServerID(e.ID), Address: raft.ServerAddress(e.Address)})
	}
	if voters == 0 {
		return conf, fmt.Errorf("%s names no voting server", path)
	}
	return conf, nil
}

// recoverFromPeersJSON applies data_dir/raft/peers.json, when present, to
// the stores before Raft starts: raft.RecoverCluster replays the log into
// a scratch FSM, snapshots it and writes the new configuration. The file
// is then renamed to peers.json.consumed. It also leaves peers.info, a
// note on how to use peers.json, in the raft directory.
func (s *Server) recoverFromPeersJSON(rc *raft.Config) error {
	if s.cfg.InMemory {
		return nil
	}
	dir := filepath.Join(s.cfg.DataDir, "raft")
	if err := writePeersInfo(filepath.Join(dir, peersInfoFile)); err != nil {
		s.logger.Warn("cannot write peers.info", "error", err)
	}
	path := filepath.Join(dir, peersFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	conf, err := readPeersJSON(path)
	if err != nil {
		return fmt.Errorf("recovery from peers.json: %w", err)
	}
	s.logger.Warn("found peers.json: recovering the raft configuration from it", "path", path, "servers", len(conf.Servers))
	scratch, err := fsm.New(s.logger.Named("recovery"))
	if err != nil {
		return err
	}
	if err := raft.RecoverCluster(rc, scratch, s.stores.logs, s.stores.stable, s.stores.snaps, s.transport, conf); err != nil {
		return fmt.Errorf("recovery from peers.json failed: %w", err)
	}
	if err := os.Rename(path, filepath.Join(dir, peersConsumedFile)); err != nil {
		return fmt.Errorf("recovered from peers.json but cannot rename it (remove it by hand before the next start): %w", err)
	}
	s.logger.Info("recovered the raft configuration from peers.json; renamed it to peers.json.consumed")
	return nil
}

const peersInfoText = `As of concord, peers.json is used only for outage recovery.

When a quorum of servers is lost for good, stop every surviving server,
write the same peers.json here on each of them, and start them again.
peers.json is a JSON array, one object per server that will form the new
quorum:

[
  {"id": "<node-id of the server>", "address": "<ip>:8300", "non_voter": false}
]

The id is the server's node ID (data_dir/node-id, or "concord operator
raft list-peers" from before the outage); the address is its server port.
On start the server replaces its Raft configuration with the file and
renames it to peers.json.consumed. See docs/operations.md.
`

func writePeersInfo(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return os.WriteFile(path, []byte(peersInfoText), 0o644)
}
