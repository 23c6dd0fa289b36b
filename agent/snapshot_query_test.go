package agent_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

// Prepared queries and coordinates travel in /v1/snapshot archives: a
// snapshot restored onto a fresh agent brings both back.
func TestSnapshotCarriesQueriesAndCoordinates(t *testing.T) {
	_, _, src := agenttest.StartDevWith(t, fastCoordinates)
	register(t, src, "ext", "10.0.0.9", "db", 5432, nil, api.HealthPassing)
	id, _, err := src.PreparedQuery().Create(&api.PreparedQueryDefinition{Name: "db-q",
		Service: api.ServiceQuery{Service: "db", Failover: api.QueryFailoverOptions{NearestN: 2}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Coordinate().Update(&api.CoordinateEntry{Node: "ext", Coord: zeroCoord()}, nil); err != nil {
		t.Fatal(err)
	}
	agenttest.WaitFor(t, 30*time.Second, "ext's coordinate", func() error {
		_, _, err := src.Coordinate().Node("ext", nil)
		return err
	})
	archive, _ := saveSnapshot(t, src, nil)

	_, _, dst := agenttest.StartDev(t)
	if err := dst.Snapshot().Restore(nil, bytes.NewReader(archive)); err != nil {
		t.Fatal(err)
	}
	got, _, err := dst.PreparedQuery().Get(id, nil)
	if err != nil || len(got) != 1 || got[0].Name != "db-q" || got[0].Service.Failover.NearestN != 2 {
		t.Fatalf("restored query: %+v, %v", got, err)
	}
	if res, _, err := dst.PreparedQuery().Execute("db-q", nil); err != nil || len(res.Nodes) != 1 {
		t.Fatalf("restored query executes: %+v, %v", res, err)
	}
	if c, _, err := dst.Coordinate().Node("ext", nil); err != nil || len(c) != 1 {
		t.Fatalf("restored coordinate: %+v, %v", c, err)
	}
}
