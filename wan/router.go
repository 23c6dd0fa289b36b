package wan

import (
	"fmt"
	"strings"

	"github.com/concord-dev/concord/catalog"
)

// Router knows which datacenters exist and how to reach their servers.
type Router struct {
	local string
}

// NewRouter returns a router for a node in datacenter local.
func NewRouter(local string) *Router {
	return &Router{local: strings.ToLower(local)}
}

// Local is the datacenter this node belongs to.
func (r *Router) Local() string { return r.local }

// Datacenters lists the known datacenters, the local one first.
func (r *Router) Datacenters() []string { return []string{r.local} }

// IsLocal reports whether dc names the local datacenter; "" means local.
func (r *Router) IsLocal(dc string) bool {
	return dc == "" || strings.EqualFold(dc, r.local)
}

// Check returns nil when requests for dc can be served, and an error that
// wraps catalog.ErrUnknownDC otherwise.
func (r *Router) Check(dc string) error {
	if r.IsLocal(dc) {
		return nil
	}
	return fmt.Errorf("%w %q: this server knows only datacenter %q (cross-datacenter requests need WAN federation)", catalog.ErrUnknownDC, dc, r.local)
}
