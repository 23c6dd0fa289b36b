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

// operatorRaftRemovePeer answers DELETE /v1/operator/raft/peer?id=|address=.
func (s *Server) operatorRaftRemovePeer(w http.ResponseWriter, r *http.Request) error {
	q := params(r)
	args := catalog.RaftRemovePeerRequest{WriteRequest: s.writeRequest(r), ID: q.Get("id"), Address: q.Get("address")}
	if (args.ID == "") == (args.Address == "") {
		return catalog.BadRequestf("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove")
	}
	var out struct{}
	if err := s.agent.RPC(r.Context(), catalog.MethodOperatorRaftRemove, &args, &out); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
