package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/concord-dev/concord/agent"
	"github.com/concord-dev/concord/agent/agenttest"
	"github.com/concord-dev/concord/catalog"
	"github.com/hashicorp/consul/api"
)

// getHealth reads url and returns the body, the number of entries and
// X-Consul-Index.
func getHealth(t *testing.T, url string) (string, int, uint64) {
	t.Helper()
	body, n, idx, err := fetchHealth(url)
	if err != nil {
		t.Fatal(err)
	}
	return body, n, idx
}

func fetchHealth(url string) (string, int, uint64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", 0, 0, fmt.Errorf("GET %s: %d %s %v", url, resp.StatusCode, body, err)
	}
	var entries []*api.ServiceEntry
	if err := json.Unmarshal(body, &entries); err != nil {
		return "", 0, 0, fmt.Errorf("decoding %s: %v", body, err)
	}
	idx, err := strconv.ParseUint(resp.Header.Get("X-Consul-Index"), 10, 64)
	return string(body), len(entries), idx, err
}

func setCheck(t *testing.T, c *api.Client, node, checkID, serviceID, status string) {
	t.Helper()
	_, err := c.Catalog().Register(&api.CatalogRegistration{
		Node: node, SkipNodeUpdate: true,
		Check: &api.AgentCheck{Node: node, CheckID: checkID, Name: "http", ServiceID: serviceID, Status: status},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

// A held answer is used only while its index stands: a check change moves
// the index and the next read renders the new answer, blocking or not.
func TestHealthServiceCachedAnswerFollowsChanges(t *testing.T) {
	a, addr, c := agenttest.StartDev(t)
	registerInstances(t, c, "web", 3)
	url := "http://" + addr + "/v1/health/service/web?passing"

	first, n, idx := getHealth(t, url)
	if n != 3 {
		t.Fatalf("%d passing, want 3", n)
	}
	again, _, idx2 := getHealth(t, url)
	if again != first || idx2 != idx {
		t.Fatalf("unchanged service: index %d then %d, bodies equal %v", idx, idx2, again == first)
	}
	assertNotModified(t, a, "web", idx, true)
	assertNotModified(t, a, "web", idx-1, false)

	// A blocking read whose wait runs out answers the held body.
	if body, _, i := getHealth(t, url+"&index="+strconv.FormatUint(idx, 10)+"&wait=50ms"); body != first || i != idx {
		t.Fatalf("timed-out blocking read: index %d, bodies equal %v", i, body == first)
	}

	// A blocking read parked on the held index wakes with the new answer.
	type result struct {
		n   int
		idx uint64
		err error
	}
	woke := make(chan result, 1)
	go func() {
		_, n, i, err := fetchHealth(url + "&index=" + strconv.FormatUint(idx, 10) + "&wait=10s")
		woke <- result{n, i, err}
	}()
	time.Sleep(50 * time.Millisecond)
	setCheck(t, c, "web-node-0", "web-0-http", "web-0", api.HealthCritical)
	select {
	case r := <-woke:
		if r.err != nil || r.n != 2 || r.idx <= idx {
			t.Fatalf("blocking read woke with %d entries at index %d (%v), want 2 above %d", r.n, r.idx, r.err, idx)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocking read did not wake")
	}
	if _, n, i := getHealth(t, url); n != 2 || i <= idx {
		t.Fatalf("after the flip: %d entries at index %d", n, i)
	}
	setCheck(t, c, "web-node-0", "web-0-http", "web-0", api.HealthPassing)
	if body, n, _ := getHealth(t, url); n != 3 || body == first {
		t.Fatalf("after the flip back: %d entries, body equal to the first %v (indexes differ)", n, body == first)
	}
	// ?pretty is rendered afresh and carries the same entries.
	if _, n, _ := getHealth(t, url+"&pretty"); n != 3 {
		t.Fatalf("?pretty: %d entries", n)
	}
}

// assertNotModified calls Health.ServiceNodes holding the answer at known
// and checks whether the server said it is still current.
func assertNotModified(t *testing.T, a *agent.Agent, service string, known uint64, want bool) {
	t.Helper()
	var out catalog.IndexedCheckServiceNodes
	args := &catalog.ServiceRequest{ServiceName: service, PassingOnly: true, NotModifiedIndex: known}
	if err := a.RPC(context.Background(), catalog.MethodHealthServiceNodes, args, &out); err != nil {
		t.Fatal(err)
	}
	if out.NotModified != want || (want && len(out.Nodes) != 0) || (!want && len(out.Nodes) == 0) {
		t.Fatalf("holding index %d: NotModified %v with %d nodes at index %d, want NotModified %v", known, out.NotModified, len(out.Nodes), out.Index, want)
	}
}

// Through a follower the held index crosses the wire to the leader, and
// the leader's "not modified" crosses back.
func TestHealthServiceNotModifiedThroughFollower(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	srvs, _ := agenttest.StartCluster(t, 3, 0)
	var follower *agent.Agent
	for _, s := range srvs {
		if s.Self().Stats["consul"]["leader"] != "true" {
			follower = s
			break
		}
	}
	registerInstances(t, agenttest.Client(t, follower), "web", 2)
	url := "http://" + follower.HTTPAddrs()[0].String() + "/v1/health/service/web?passing"
	first, n, idx := getHealth(t, url)
	if n != 2 {
		t.Fatalf("%d passing, want 2", n)
	}
	assertNotModified(t, follower, "web", idx, true)
	if again, _, _ := getHealth(t, url); again != first {
		t.Fatal("the held answer differs from the first")
	}
}
