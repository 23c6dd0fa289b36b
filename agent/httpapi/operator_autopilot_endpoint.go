package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/concord-dev/concord/catalog"
)

// duration is a time.Duration in Consul's JSON: a string such as "200ms"
// (a bare number is read as nanoseconds, as consul/api accepts it).
type duration time.Duration

func (d duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *duration) UnmarshalJSON(raw []byte) error {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = duration(v)
		return nil
	}
	var n float64
	if err := json.Unmarshal(raw, &n); err != nil {
		return fmt.Errorf("a duration is a string such as \"10s\" or a number of nanoseconds")
	}
	*d = duration(n)
	return nil
}

// autopilotConfigJSON is consul/api's AutopilotConfiguration. The
// redundancy zone and upgrade fields are Consul Enterprise's: accepted,
// echoed empty, without effect.
type autopilotConfigJSON struct {
	CleanupDeadServers      bool
	LastContactThreshold    *duration
	MaxTrailingLogs         uint64
	MinQuorum               uint
	ServerStabilizationTime *duration
	RedundancyZoneTag       string
	DisableUpgradeMigration bool
	UpgradeVersionTag       string
	CreateIndex             uint64
	ModifyIndex             uint64
}

// operatorAutopilotConfiguration serves GET and PUT (?cas=index)
// /v1/operator/autopilot/configuration.
func (s *Server) operatorAutopilotConfiguration(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		opts, err := s.queryOptions(r, false)
		if err != nil {
			return err
		}
		var out catalog.AutopilotConfig
		if err := s.agent.RPC(r.Context(), catalog.MethodOperatorAutopilotGet, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
			return err
		}
		lc, st := duration(out.LastContactThreshold), duration(out.ServerStabilizationTime)
		return writeJSON(w, r, http.StatusOK, autopilotConfigJSON{
			CleanupDeadServers:      out.CleanupDeadServers,
			LastContactThreshold:    &lc,
			MaxTrailingLogs:         out.MaxTrailingLogs,
			MinQuorum:               out.MinQuorum,
			ServerStabilizationTime: &st,
			CreateIndex:             out.CreateIndex,
			ModifyIndex:             out.ModifyIndex,
		})
	}
	var in autopilotConfigJSON
	if err := readJSON(w, r, MaxJSONBody, &in); err != nil {
		return err
	}
	args := catalog.AutopilotSetRequest{WriteRequest: s.writeRequest(r), Config: catalog.AutopilotConfig{
		CleanupDeadServers: in.CleanupDeadServers,
		MaxTrailingLogs:    in.MaxTrailingLogs,
		MinQuorum:          in.MinQuorum,
	}}
	if in.LastContactThreshold != nil {
		args.Config.LastContactThreshold = time.Duration(*in.LastContactThreshold)
	}
	if in.ServerStabilizationTime != nil {
		args.Config.ServerStabilizationTime = time.Duration(*in.ServerStabilizationTime)
	}
	if v := params(r).Get("cas"); v != "" {
		idx, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return badRequest("Error parsing cas value: %v", err)
		}
		args.CAS, args.Config.ModifyIndex = true, idx
	}
	var ok bool
	if err := s.agent.RPC(r.Context(), catalog.MethodOperatorAutopilotSet, &args, &ok); err != nil {
		return err
	}
	// Consul answers the CAS outcome; a plain set answers true too.
	return writeJSON(w, r, http.StatusOK, ok)
}

// serverHealthJSON is consul/api's ServerHealth.
type serverHealthJSON struct {
	ID          string
	Name        string
	Address     string
	SerfStatus  string
	Version     string
	Leader      bool
	LastContact duration
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	Voter       bool
	StableSince time.Time
}

type healthReplyJSON struct {
	Healthy          bool
	FailureTolerance int
	Servers          []serverHealthJSON
}

// autopilotView asks the leader for its autopilot state.
func (s *Server) autopilotView(r *http.Request) (*catalog.AutopilotHealthReply, error) {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return nil, err
	}
	var out catalog.AutopilotHealthReply
	if err := s.agent.RPC(r.Context(), catalog.MethodOperatorAutopilotHealth, &catalog.DCRequest{QueryOptions: opts}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// operatorAutopilotHealth serves GET /v1/operator/autopilot/health: the
// leader's autopilot view, answered 429 when the cluster is unhealthy
// (the body is sent either way), as Consul does for load balancers.
func (s *Server) operatorAutopilotHealth(w http.ResponseWriter, r *http.Request) error {
	out, err := s.autopilotView(r)
	if err != nil {
		return err
	}
	resp := healthReplyJSON{Healthy: out.Healthy, FailureTolerance: out.FailureTolerance, Servers: []serverHealthJSON{}}
	for _, srv := range out.Servers {
		resp.Servers = append(resp.Servers, serverHealthJSON{
			ID: srv.ID, Name: srv.Name, Address: srv.Address, SerfStatus: srv.SerfStatus,
			Version: srv.Version, Leader: srv.Leader, LastContact: duration(srv.LastContact),
			LastTerm: srv.LastTerm, LastIndex: srv.LastIndex, Healthy: srv.Healthy,
			Voter: srv.Voter, StableSince: srv.StableSince,
		})
	}
	code := http.StatusOK
	if !resp.Healthy {
		code = http.StatusTooManyRequests
	}
	return writeJSON(w, r, code, resp)
}

// operatorRaftTransferLeader serves PUT or POST
// /v1/operator/raft/transfer-leader[?id=]: the leader hands over to the
// server with that ID, or to the most up-to-date voter.
func (s *Server) operatorRaftTransferLeader(w http.ResponseWriter, r *http.Request) error {
	args := catalog.RaftTransferLeaderRequest{WriteRequest: s.writeRequest(r), ID: params(r).Get("id")}
	var ok bool
	if err := s.agent.RPC(r.Context(), catalog.MethodOperatorRaftTransfer, &args, &ok); err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, struct{ Success bool }{ok})
}

// autopilotServerJSON is consul/api's AutopilotServer.
type autopilotServerJSON struct {
	ID          string
	Name        string
	Address     string
	NodeStatus  string
	Version     string
	LastContact duration
	LastTerm    uint64
	LastIndex   uint64
	Healthy     bool
	StableSince time.Time
	ReadReplica bool
	Status      string
	Meta        map[string]string
	NodeType    string
}

type autopilotStateJSON struct {
	Healthy                    bool
	FailureTolerance           int
	OptimisticFailureTolerance int
	Servers                    map[string]autopilotServerJSON
	Leader                     string
	Voters                     []string
}

// operatorAutopilotState serves GET /v1/operator/autopilot/state, the
// leader's whole autopilot view in consul/api's AutopilotState shape.
// Without redundancy zones the optimistic failure tolerance is the
// failure tolerance. operator:read.
func (s *Server) operatorAutopilotState(w http.ResponseWriter, r *http.Request) error {
	out, err := s.autopilotView(r)
	if err != nil {
		return err
	}
	resp := autopilotStateJSON{Healthy: out.Healthy, FailureTolerance: out.FailureTolerance,
		OptimisticFailureTolerance: out.FailureTolerance, Servers: map[string]autopilotServerJSON{},
		Leader: out.Leader, Voters: out.Voters}
	if resp.Voters == nil {
		resp.Voters = []string{}
	}
	for _, srv := range out.Servers {
		resp.Servers[srv.ID] = autopilotServerJSON{
			ID: srv.ID, Name: srv.Name, Address: srv.Address, NodeStatus: srv.SerfStatus,
			Version: srv.Version, LastContact: duration(srv.LastContact), LastTerm: srv.LastTerm,
			LastIndex: srv.LastIndex, Healthy: srv.Healthy, StableSince: srv.StableSince,
			Status: srv.Status, Meta: map[string]string{}, NodeType: "voter",
		}
	}
	return writeJSON(w, r, http.StatusOK, resp)
}
