package httpapi

import (
	"net"
	"net/http"
	"regexp"
	"strconv"

	"github.com/concord-dev/concord/catalog"
)

// targetGroup is one entry of Prometheus' HTTP service discovery format
// (http_sd_configs): the addresses to scrape and the labels they get.
type targetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// invalidLabelChars are the characters a Prometheus label name may not
// hold; node metadata keys and tagged-address names are cleaned with it
// as Prometheus' own Consul discovery cleans them.
var invalidLabelChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// prometheusTargets serves GET /v1/catalog/prometheus-targets: every
// node of the catalog (every agent, servers and clients, since each
// registers its node) as a Prometheus HTTP SD target group whose target
// is the node's address and the agent HTTP port, scraped at
// /v1/agent/metrics?format=prometheus. The port is ?port, else the port
// this request arrived on (agents of a fleet share one); a request that
// came over HTTPS sets __scheme__ https. Nodes are filtered by node:read
// for the request's token (X-Consul-Token or Authorization: Bearer, the
// latter being what http_sd_configs' authorization sends), as for
// /v1/catalog/nodes; ?dc and ?node-meta work as there.
func (s *Server) prometheusTargets(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return err
	}
	port, err := targetPort(r)
	if err != nil {
		return err
	}
	nodes, qm, err := s.readNodes(r, opts)
	if err != nil {
		return err
	}
	groups := make([]targetGroup, 0, len(nodes))
	for _, n := range nodes {
		if n.Address == "" {
			continue
		}
		labels := map[string]string{
			"__metrics_path__":         "/v1/agent/metrics",
			"__param_format":           "prometheus",
			"__meta_concord_node":      n.Node,
			"__meta_concord_node_id":   n.ID,
			"__meta_concord_address":   n.Address,
			"__meta_concord_dc":        n.Datacenter,
			"__meta_concord_http_port": strconv.Itoa(port),
		}
		if r.TLS != nil {
			labels["__scheme__"] = "https"
		}
		for k, v := range n.Meta {
			labels["__meta_concord_metadata_"+invalidLabelChars.ReplaceAllString(k, "_")] = v
		}
		for k, v := range n.TaggedAddresses {
			labels["__meta_concord_tagged_address_"+invalidLabelChars.ReplaceAllString(k, "_")] = v
		}
		groups = append(groups, targetGroup{
			Targets: []string{net.JoinHostPort(n.Address, strconv.Itoa(port))},
			Labels:  labels,
		})
	}
	setMeta(w, qm, opts)
	return writeJSON(w, r, http.StatusOK, groups)
}

// targetPort is ?port when given (1-65535), else the local port the
// request arrived on.
func targetPort(r *http.Request) (int, error) {
	if v := params(r).Get("port"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return 0, catalog.BadRequestf("invalid port " + strconv.Quote(v) + ": want 1-65535")
		}
		return p, nil
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			if n, err := strconv.Atoi(p); err == nil {
				return n, nil
			}
		}
	}
	return 0, catalog.BadRequestf("the agent's HTTP port is unknown here: give ?port")
}
