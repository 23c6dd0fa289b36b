package server

import (
	"time"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/hashicorp/go-uuid"
)

// globalManagementRules is the global-management policy's text, for
// operators who read it; a token that links the policy is granted
// everything whatever the text says.
const globalManagementRules = `acl = "write"
agent_prefix "" { policy = "write" }
event_prefix "" { policy = "write" }
key_prefix "" { policy = "write" }
keyring = "write"
node_prefix "" { policy = "write" }
operator = "write"
mesh = "write"
query_prefix "" { policy = "write" }
service_prefix "" { policy = "write" }
session_prefix "" { policy = "write" }`

// initACLs runs on a new leader of the primary datacenter with ACLs on:
// it makes sure the global-management policy, the anonymous token and
// the configured initial management token exist. Each step writes only
// when something is missing.
func (s *Server) initACLs() error {
	if !s.cfg.ACLsEnabled || (s.cfg.PrimaryDatacenter != "" && s.cfg.PrimaryDatacenter != s.cfg.Datacenter) {
		return nil
	}
	st := s.fsm.State()
	if _, p, err := st.ACLPolicyGet(nil, acl.GlobalManagementPolicyID, ""); err != nil {
		return err
	} else if p == nil {
		pol := &catalog.ACLPolicy{
			ID:          acl.GlobalManagementPolicyID,
			Name:        acl.GlobalManagementPolicyName,
			Description: "Builtin Policy that grants unlimited access",
			Rules:       globalManagementRules,
		}
		if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLPolicySet, Policy: pol}); err != nil {
			return err
		}
		s.logger.Info("created the global-management policy")
	}
	if _, t, err := st.ACLTokenGet(nil, acl.AnonymousTokenID, false); err != nil {
		return err
	} else if t == nil {
		tok := &catalog.ACLToken{
			AccessorID:  acl.AnonymousTokenID,
			SecretID:    anonymousSecret,
			Description: "Anonymous Token",
			CreateTime:  time.Now(),
		}
		if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLTokenSet, Token: tok}); err != nil {
			return err
		}
		s.logger.Info("created the anonymous token")
	}
	if secret := s.cfg.InitialManagementToken; secret != "" {
		if _, t, err := st.ACLTokenGet(nil, secret, true); err != nil {
			return err
		} else if t == nil {
			accessor, err := uuid.GenerateUUID()
			if err != nil {
				return err
			}
			tok := &catalog.ACLToken{
				AccessorID:  accessor,
				SecretID:    secret,
				Description: "Initial Management Token",
				Policies:    []catalog.ACLLink{{ID: acl.GlobalManagementPolicyID}},
				CreateTime:  time.Now(),
			}
			if _, err := s.raftApply(fsm.ACLRequestType, &catalog.ACLRequest{Op: catalog.ACLTokenSet, Token: tok}); err != nil {
				return err
			}
			// The secret is the operator's; the log names the accessor only.
			s.logger.Info("created the initial management token", "accessor", accessor)
		}
	}
	return nil
}
