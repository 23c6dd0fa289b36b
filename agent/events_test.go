package agent_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/hashicorp/consul/api"
)

// TestUserEventsReachMatchingAgents fires events on a server of a
// 1-server, 2-client cluster where only c1 runs web: the ?service=web
// event is listed on c1 alone; an unfiltered one, even at the payload
// limit, everywhere.
func TestUserEventsReachMatchingAgents(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	srvs, clis := agenttest.StartCluster(t, 1, 2)
	s1, c1, c2 := agenttest.Client(t, srvs[0]), agenttest.Client(t, clis[0]), agenttest.Client(t, clis[1])
	if err := c1.Agent().ServiceRegister(&api.AgentServiceRegistration{Name: "web", Tags: []string{"blue"}, Port: 80}); err != nil {
		t.Fatal(err)
	}

	webID, _, err := s1.Event().Fire(&api.UserEvent{Name: "deploy", Payload: []byte("v2"), ServiceFilter: "web", TagFilter: "bl.e"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("p"), 100<<10)
	allID, _, err := s1.Event().Fire(&api.UserEvent{Name: "everyone", Payload: big}, nil)
	if err != nil {
		t.Fatal(err)
	}

	has := func(c *api.Client, id string) (bool, error) {
		list, _, err := c.Event().List("", nil)
		if err != nil {
			return false, err
		}
		for _, ev := range list {
			if ev.ID == id {
				return true, nil
			}
		}
		return false, nil
	}
	agenttest.WaitFor(t, 10*time.Second, "c1 to list the web event", func() error {
		if ok, err := has(c1, webID); !ok {
			return fmt.Errorf("not listed (%v)", err)
		}
		return nil
	})
	for name, c := range map[string]*api.Client{"s1": s1, "c1": c1, "c2": c2} {
		agenttest.WaitFor(t, 10*time.Second, name+" to list the unfiltered event", func() error {
			if ok, err := has(c, allID); !ok {
				return fmt.Errorf("not listed (%v)", err)
			}
			return nil
		})
	}
	for name, c := range map[string]*api.Client{"s1": s1, "c2": c2} {
		if ok, err := has(c, webID); ok || err != nil {
			t.Errorf("%s lists the web event (err %v)", name, err)
		}
	}

	list, meta, err := c1.Event().List("deploy", nil)
	if err != nil || len(list) != 1 {
		t.Fatalf("c1 deploy events: %+v, %v", list, err)
	}
	if ev := list[0]; string(ev.Payload) != "v2" || ev.ServiceFilter != "web" || ev.TagFilter != "bl.e" || ev.LTime == 0 {
		t.Errorf("c1 lists %+v", ev)
	}
	if meta.LastIndex != c1.Event().IDToIndex(webID) {
		t.Errorf("index %d, want %d", meta.LastIndex, c1.Event().IDToIndex(webID))
	}
	everyone, _, err := c2.Event().List("everyone", nil)
	if err != nil || len(everyone) != 1 || !bytes.Equal(everyone[0].Payload, big) {
		t.Errorf("c2's copy of the large event: %d events, %v", len(everyone), err)
	}

	// A node filter that matches no agent is listed nowhere, the firing
	// agent included.
	noneID, _, err := c2.Event().Fire(&api.UserEvent{Name: "nobody", NodeFilter: "^zz$"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := has(c2, noneID); ok {
		t.Error("c2 lists an event whose node filter excludes it")
	}
}
