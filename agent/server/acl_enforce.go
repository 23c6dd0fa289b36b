package server

import (
	"maps"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/state"
)

// keep returns the items allowed and whether any was dropped, reusing
// items' array.
func keep[T any](items []T, allowed func(T) bool) ([]T, bool) {
	out := items[:0]
	for _, it := range items {
		if allowed(it) {
			out = append(out, it)
		}
	}
	return out, len(out) != len(items)
}

// checkAllowed decides a health check: a service check by its service,
// a node check by its node.
func checkAllowed(authz acl.Authorizer, hc *catalog.HealthCheck) bool {
	if hc.ServiceName != "" {
		return authz.ServiceRead(hc.ServiceName) && authz.NodeRead(hc.Node)
	}
	return authz.NodeRead(hc.Node)
}

// vetRegister decides a catalog registration: changing the node record
// needs node:write; a service needs service:write on its name; a check
// needs service:write on its service, or node:write for a node check.
// An agent syncing a service with the service's own token therefore
// needs no node rights as long as the node record is unchanged.
func vetRegister(authz acl.Authorizer, st *state.Store, r *catalog.RegisterRequest) error {
	_, existing, err := st.GetNode(nil, r.Node)
	if err != nil {
		return err
	}
	nodeChanges := existing == nil || !r.SkipNodeUpdate && (existing.Address != r.Address ||
		(r.ID != "" && existing.ID != r.ID) || !maps.Equal(existing.TaggedAddresses, r.TaggedAddresses) ||
		!maps.Equal(existing.Meta, r.NodeMeta))
	if nodeChanges && !authz.NodeWrite(r.Node) {
		return catalog.ErrPermissionDenied
	}
	if r.Service != nil && !authz.ServiceWrite(r.Service.Service) {
		return catalog.ErrPermissionDenied
	}
	checks := r.Checks
	if r.Check != nil {
		checks = append(checks[:len(checks):len(checks)], r.Check)
	}
	for _, hc := range checks {
		if err := vetCheckWrite(authz, st, r.Node, hc.ServiceID, r.Service); err != nil {
			return err
		}
	}
	return nil
}

func vetCheckWrite(authz acl.Authorizer, st *state.Store, node, serviceID string, regSvc *catalog.NodeService) error {
	if serviceID == "" {
		if !authz.NodeWrite(node) {
			return catalog.ErrPermissionDenied
		}
		return nil
	}
	name := ""
	if regSvc != nil && regSvc.ID == serviceID {
		name = regSvc.Service
	} else {
		_, ns, err := st.NodeServices(nil, node)
		if err != nil {
			return err
		}
		if ns != nil {
			if svc := ns.Services[serviceID]; svc != nil {
				name = svc.Service
			}
		}
	}
	if name == "" || !authz.ServiceWrite(name) {
		if !authz.NodeWrite(node) {
			return catalog.ErrPermissionDenied
		}
	}
	return nil
}

// vetDeregister: a node needs node:write; a service service:write on it
// (or node:write); a check as in vetCheckWrite.
func vetDeregister(authz acl.Authorizer, st *state.Store, r *catalog.DeregisterRequest) error {
	switch {
	case r.ServiceID != "":
		return vetCheckWrite(authz, st, r.Node, r.ServiceID, nil)
	case r.CheckID != "":
		_, checks, err := st.NodeChecks(nil, r.Node)
		if err != nil {
			return err
		}
		for _, hc := range checks {
			if hc.CheckID == r.CheckID {
				return vetCheckWrite(authz, st, r.Node, hc.ServiceID, nil)
			}
		}
		return vetCheckWrite(authz, st, r.Node, "", nil)
	}
	if !authz.NodeWrite(r.Node) {
		return catalog.ErrPermissionDenied
	}
	return nil
}

// vetKVOp decides one KV write.
func vetKVOp(authz acl.Authorizer, op catalog.KVOp, key string) error {
	var ok bool
	switch op {
	case catalog.KVDeleteTree:
		ok = authz.KeyWritePrefix(key)
	case catalog.KVGet, catalog.KVGetTree, catalog.KVCheckIndex, catalog.KVCheckNotExists, catalog.KVCheckSession:
		ok = authz.KeyRead(key)
	default:
		ok = authz.KeyWrite(key)
	}
	if !ok {
		return catalog.ErrPermissionDenied
	}
	return nil
}
