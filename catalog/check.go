package catalog

// Check states, as Consul spells them.
const (
	HealthAny      = "any"
	HealthPassing  = "passing"
	HealthWarning  = "warning"
	HealthCritical = "critical"
	HealthMaint    = "maintenance"
)

// SerfCheckID is the check the leader keeps on every node to mirror its
// gossip membership; the name is Consul's so tools that look for it work.
const (
	SerfCheckID           = "serfHealth"
	SerfCheckName         = "Serf Health Status"
	SerfCheckAliveOutput  = "Agent alive and reachable"
	SerfCheckFailedOutput = "Agent not live or unreachable"
)

// ValidHealthStatus reports whether s is a status a check may hold.
func ValidHealthStatus(s string) bool {
	switch s {
	case HealthPassing, HealthWarning, HealthCritical, HealthMaint:
		return true
	}
	return false
}

// HealthCheck is the catalog's record of one check on a node, optionally
// bound to one of its services.
type HealthCheck struct {
	Node        string
	CheckID     string
	Name        string
	Status      string
	Notes       string
	Output      string
	ServiceID   string
	ServiceName string
	ServiceTags []string
	Type        string
	CreateIndex uint64
	ModifyIndex uint64
}

// HealthChecks is a list of checks.
type HealthChecks []*HealthCheck

// CheckServiceNode is one service instance with its node and every check
// that bears on its health: the instance's own and the node's.
type CheckServiceNode struct {
	Node    *Node
	Service *NodeService
	Checks  HealthChecks
}

// CheckServiceNodes is a list of instances with their health.
type CheckServiceNodes []*CheckServiceNode

// Passing reports whether every check of the instance is passing, which
// is what ?passing asks for: warning, critical and maintenance all fail.
func (c *CheckServiceNode) Passing() bool {
	for _, hc := range c.Checks {
		if hc.Status != HealthPassing {
			return false
		}
	}
	return true
}
