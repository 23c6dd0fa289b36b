package httpapi

import (
	"net/http"

	"github.com/concord-dev/concord/catalog"
)

// raftServerJSON is one server of /v1/operator/raft/configuration, as
// consul/api's RaftServer decodes it.
type raftServerJSON struct {
	ID              string
	Node            string
	Address         string
	Leader          bool
	ProtocolVersion string
	Voter           bool
	LastIndex       uint64
}

type raftConfigurationJSON struct {
	Servers []raftServerJSON
	Index   uint64
}

// operatorRaftConfiguration answers GET /v1/operator/raft/configuration.
func (s *Server) operatorRaftConfiguration(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return err
	}
	var out catalog.RaftConfigurationResponse
	if err := s.agent.RPC(r.Context(), catalog.MethodOperatorRaftConfig, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
		return err
	}
	resp := raftConfigurationJSON{Servers: make([]raftServerJSON, 0, len(out.Servers)), Index: out.Index}
	for _, srv := range out.Servers {
		if srv == nil {
			continue
		}
		resp.Servers = append(resp.Servers, raftServerJSON(*srv))
	}
	return writeJSON(w, r, http.StatusOK, resp)
}
