package command

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// zoneAgent is a fake agent with a crowd service whose instances the test
// sets, and a one-key KV store that honours ?cas.
func zoneAgent(t *testing.T) (*fakeAgent, func(entries string)) {
	f := newFakeAgent(t)
	var mu sync.Mutex
	entries := "[]"
	var kv []byte
	var kvIndex uint64
	f.reply("GET /v1/agent/self", 200, `{"Config":{"NodeName":"n1","Datacenter":"dc1"},"Member":{"Addr":"127.0.0.1"}}`)
	f.reply("GET /v1/catalog/node/n1", 200, `{"Node":{"Node":"n1","Address":"192.0.2.53"},"Services":{}}`)
	f.reply("GET /v1/health/state/any", 200, `[]`)
	f.reply("GET /v1/catalog/services", 200, `{"crowd":[]}`)
	f.on("GET /v1/health/service/crowd", func(w http.ResponseWriter, _ call) {
		mu.Lock()
		defer mu.Unlock()
		w.Write([]byte(entries))
	})
	key := "/v1/kv/concord/zone/geant.services.json"
	f.on("GET "+key, func(w http.ResponseWriter, _ call) {
		mu.Lock()
		defer mu.Unlock()
		if kv == nil {
			w.WriteHeader(404)
			return
		}
		fmt.Fprintf(w, `[{"Key":"concord/zone/geant.services.json","Value":%q,"ModifyIndex":%d}]`,
			base64.StdEncoding.EncodeToString(kv), kvIndex)
	})
	f.on("PUT "+key, func(w http.ResponseWriter, c call) {
		mu.Lock()
		defer mu.Unlock()
		if c.Query != fmt.Sprintf("cas=%d", kvIndex) {
			w.Write([]byte("false"))
			return
		}
		kv, kvIndex = []byte(c.Body), kvIndex+1
		w.Write([]byte("true"))
	})
	set := func(e string) {
		mu.Lock()
		entries = e
		mu.Unlock()
	}
	return f, set
}

const crowdEntry = `{"Node":{"Node":"prod-crowd0%d","Address":"1.1.1.1%d"},"Service":{"ID":"crowd","Service":"crowd","Port":8095},"Checks":[{"Status":"%s"}]}`

var serialRe = regexp.MustCompile(`IN\tSOA\tns\.geant\.services\. hostmaster\.geant\.services\. (\d+) `)

func TestZoneExport(t *testing.T) {
	f, set := zoneAgent(t)
	set("[" + fmt.Sprintf(crowdEntry, 1, 0, "passing") + "," + fmt.Sprintf(crowdEntry, 2, 1, "passing") + "," +
		fmt.Sprintf(crowdEntry, 3, 2, "critical") + "]")
	got := runCLI(t, f.env(), "", "zone", "export", "-zone", "geant.services")
	if got.code != 0 {
		t.Fatalf("exit %d: %s", got.code, got.stderr)
	}
	for _, want := range []string{
		"geant.services.\t30\tIN\tNS\tns.geant.services.\n",
		"ns.geant.services.\t30\tIN\tA\t192.0.2.53\n",
		"crowd.geant.services.\t30\tIN\tA\t1.1.1.10\n",
		"crowd.geant.services.\t30\tIN\tA\t1.1.1.11\n",
		"_crowd._tcp.geant.services.\t30\tIN\tSRV\t1 1 8095 prod-crowd01.crowd.geant.services.\n",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("zone lacks %q:\n%s", want, got.stdout)
		}
	}
	if strings.Contains(got.stdout, "1.1.1.12") {
		t.Errorf("the critical instance is in the zone:\n%s", got.stdout)
	}
	first := serialRe.FindStringSubmatch(got.stdout)
	if first == nil {
		t.Fatalf("no SOA:\n%s", got.stdout)
	}

	// Same catalog: same serial. One instance fewer: a larger one, in the file.
	again := runCLI(t, f.env(), "", "zone", "export", "-zone", "geant.services")
	if s := serialRe.FindStringSubmatch(again.stdout); s == nil || s[1] != first[1] {
		t.Errorf("serial changed without a change: %v, was %s", s, first[1])
	}
	set("[" + fmt.Sprintf(crowdEntry, 1, 0, "passing") + "]")
	out := filepath.Join(t.TempDir(), "geant.services.zone")
	if r := runCLI(t, f.env(), "", "zone", "export", "-zone", "geant.services", "-out", out); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(out)
	s := serialRe.FindStringSubmatch(string(b))
	if s == nil || len(s[1]) < len(first[1]) || (len(s[1]) == len(first[1]) && s[1] <= first[1]) {
		t.Errorf("serial after a change %v, want above %s", s, first[1])
	}
	if strings.Contains(string(b), "1.1.1.11") {
		t.Errorf("-out file still has crowd02:\n%s", b)
	}
}

func TestZoneExportNeedsZone(t *testing.T) {
	got := runCLI(t, map[string]string{"CONSUL_HTTP_ADDR": "127.0.0.1:1"}, "", "zone", "export")
	if got.code != 1 || !strings.Contains(got.stderr, "Missing -zone") {
		t.Errorf("exit %d stderr %q", got.code, got.stderr)
	}
}
