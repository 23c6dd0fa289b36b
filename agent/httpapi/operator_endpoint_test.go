package httpapi

import (
	"testing"

	"github.com/hashicorp/consul/api"
)

func TestOperatorRaftConfiguration(t *testing.T) {
	_, _, client := newTestServer(t, nil)
	cfg, err := client.Operator().RaftGetConfiguration(nil)
	if err != nil {
		t.Fatalf("RaftGetConfiguration: %v", err)
	}
	want := api.RaftServer{ID: "id1", Node: "node1", Address: "10.0.0.1:8300", Leader: true, ProtocolVersion: "3", Voter: true, LastIndex: 42}
	if cfg.Index != 42 || len(cfg.Servers) != 1 || *cfg.Servers[0] != want {
		t.Errorf("configuration %+v", cfg)
	}
}
