package local

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
)

// API registrations survive a restart as one file each under
// data_dir/services and data_dir/checks, named by a hash of the ID (IDs
// may hold any character). Files hold ACL tokens, so they are 0600.

type persistedService struct {
	Service *catalog.NodeService
	Token   string `json:",omitempty"`
}

type persistedCheck struct {
	Spec  checks.Spec
	Check *catalog.HealthCheck
	Token string `json:",omitempty"`
}

func (s *State) persistPath(kind, id string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(s.cfg.DataDir, kind, hex.EncodeToString(sum[:])+".json")
}

func (s *State) persistServiceLocked(id string) {
	e := s.services[id]
	if s.cfg.DataDir == "" || e == nil || e.source != SourceAPI {
		return
	}
	s.writeFile(s.persistPath("services", id), persistedService{Service: e.svc, Token: e.token})
}

func (s *State) persistCheckLocked(id string) {
	c := s.checks[id]
	if s.cfg.DataDir == "" || c == nil || c.source != SourceAPI {
		return
	}
	s.writeFile(s.persistPath("checks", id), persistedCheck{Spec: c.spec, Check: c.hc, Token: c.token})
}

func (s *State) unpersistService(id string) { s.removeFile(s.persistPath("services", id)) }
func (s *State) unpersistCheck(id string)   { s.removeFile(s.persistPath("checks", id)) }

// writeFile replaces path atomically. A failure is logged, not returned:
// the registration stands for this run, and the operator is told that it
// will not survive a restart.
func (s *State) writeFile(path string, v interface{}) {
	if err := writeAtomic(path, v); err != nil {
		s.logger.Error("cannot persist registration; it will not survive a restart", "path", path, "error", err)
	}
}

func writeAtomic(path string, v interface{}) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (s *State) removeFile(path string) {
	if s.cfg.DataDir == "" {
		return
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		s.logger.Warn("cannot remove persisted registration", "path", path, "error", err)
	}
}

// loadPersisted restores API registrations. A service or check that the
// config files define under the same ID wins; an unreadable file is
// skipped with an error naming it.
func (s *State) loadPersisted() {
	if s.cfg.DataDir == "" {
		return
	}
	for _, path := range s.listDir("services") {
		var p persistedService
		if err := readJSONFile(path, &p); err != nil || p.Service == nil {
			s.logger.Error("skipping unreadable persisted service", "path", path, "error", err)
			continue
		}
		if src, ok := s.ServiceSource(p.Service.ID); ok && src == SourceConfig {
			continue
		}
		if err := s.AddService(p.Service, nil, SourceAPI, p.Token, false); err != nil {
			s.logger.Error("cannot restore persisted service", "service", p.Service.ID, "error", err)
		}
	}
	for _, path := range s.listDir("checks") {
		var p persistedCheck
		if err := readJSONFile(path, &p); err != nil || p.Check == nil {
			s.logger.Error("skipping unreadable persisted check", "path", path, "error", err)
			continue
		}
		id := p.Check.CheckID
		if src, ok := s.CheckSource(id); ok && src == SourceConfig {
			continue
		}
		var err error
		switch {
		case id == NodeMaintCheckID:
			s.NodeMaintenance(true, p.Check.Notes)
		case isMaintenance(id):
			err = s.ServiceMaintenance(p.Check.ServiceID, true, p.Check.Notes)
		default:
			err = s.AddCheck(p.Spec, SourceAPI, p.Token)
		}
		if err != nil {
			s.logger.Error("cannot restore persisted check", "check", id, "error", err)
		}
	}
}

func (s *State) listDir(kind string) []string {
	paths, err := filepath.Glob(filepath.Join(s.cfg.DataDir, kind, "*.json"))
	if err != nil {
		s.logger.Error("cannot list persisted registrations", "kind", kind, "error", err)
	}
	return paths
}

func readJSONFile(path string, v interface{}) error {
	buf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(buf, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
