package httpapi

import (
	"net/http"

	"github.com/concord-dev/concord/catalog"
)

// statusLeader answers GET /v1/status/leader: the leader's Raft address as
// a JSON string, "" while there is none.
func (s *Server) statusLeader(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return err
	}
	var leader string
	if err := s.agent.RPC(r.Context(), catalog.MethodStatusLeader, &catalog.DCRequest{QueryOptions: opts}, &leader); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, leader)
}

// statusPeers answers GET /v1/status/peers: the Raft voters' addresses.
func (s *Server) statusPeers(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return err
	}
	var peers []string
	if err := s.agent.RPC(r.Context(), catalog.MethodStatusPeers, &catalog.DCRequest{QueryOptions: opts}, &peers); err != nil {
		return err
	}
	if peers == nil {
		peers = []string{}
	}
	return writeJSON(w, r, http.StatusOK, peers)
}
