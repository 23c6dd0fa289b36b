package state

import "github.com/concord-dev/concord/catalog"

// Usage counts what the store holds, for the agent's metrics.
type Usage struct {
	Nodes int
	// Services counts distinct service names; ServiceInstances counts
	// registrations (one service on three nodes is 1 and 3).
	Services, ServiceInstances int
	// Checks counts health checks by status (passing, warning, critical).
	Checks      map[string]int
	KVEntries   int
	Sessions    int
	ACLTokens   int
	ACLPolicies int
}

// Usage counts the rows of the catalog's tables in one read transaction.
// It walks every service and check, so it costs what a full listing costs.
func (s *Store) Usage() (Usage, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	u := Usage{Checks: map[string]int{}}
	count := func(table string, each func(raw interface{})) (int, error) {
		iter, err := txn.Get(table, indexID)
		if err != nil {
			return 0, err
		}
		n := 0
		for raw := iter.Next(); raw != nil; raw = iter.Next() {
			n++
			if each != nil {
				each(raw)
			}
		}
		return n, nil
	}
	var err error
	if u.Nodes, err = count(TableNodes, nil); err != nil {
		return u, err
	}
	names := map[string]struct{}{}
	if u.ServiceInstances, err = count(TableServices, func(raw interface{}) {
		names[raw.(*catalog.ServiceNode).ServiceName] = struct{}{}
	}); err != nil {
		return u, err
	}
	u.Services = len(names)
	if _, err = count(TableChecks, func(raw interface{}) {
		u.Checks[raw.(*catalog.HealthCheck).Status]++
	}); err != nil {
		return u, err
	}
	if u.KVEntries, err = count(TableKVs, nil); err != nil {
		return u, err
	}
	if u.Sessions, err = count(TableSessions, nil); err != nil {
		return u, err
	}
	if u.ACLTokens, err = count(TableACLTokens, nil); err != nil {
		return u, err
	}
	if u.ACLPolicies, err = count(TableACLPolicies, nil); err != nil {
		return u, err
	}
	return u, nil
}
