package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

func TestAnswerCacheKeepsTheNewestIndex(t *testing.T) {
	c := newAnswerCache()
	if c.get("k") != nil {
		t.Fatal("empty cache answered")
	}
	c.put("k", 5, []byte("five"))
	c.put("k", 7, []byte("seven"))
	// A slower reader finishing an older answer must not put it back.
	c.put("k", 6, []byte("six"))
	if got := c.get("k"); got == nil || got.index != 7 || string(got.body) != "seven" {
		t.Fatalf("got %+v", got)
	}
	if c.bytes != len("k")+len("seven") {
		t.Fatalf("accounted %d bytes", c.bytes)
	}
}

func TestAnswerCacheBounds(t *testing.T) {
	c := newAnswerCache()
	c.put("huge", 1, make([]byte, answerCacheMaxBody+1))
	if c.get("huge") != nil {
		t.Fatal("a body past answerCacheMaxBody was kept")
	}

	for i := 0; i < answerCacheEntries+10; i++ {
		c.put(strings.Repeat("k", i+1), 1, []byte("x"))
	}
	if len(c.keys) != answerCacheEntries || c.lru.Len() != answerCacheEntries {
		t.Fatalf("%d keys held, bound %d", len(c.keys), answerCacheEntries)
	}
	if c.get("k") != nil || c.get(strings.Repeat("k", answerCacheEntries+10)) == nil {
		t.Fatal("evicted the newest instead of the least recently used")
	}

	c = newAnswerCache()
	body := make([]byte, answerCacheMaxBody)
	c.put("a", 1, body)
	c.put("b", 1, body)
	c.get("a")               // b is now the least recently used
	for i := 0; i < 6; i++ { // the eighth body goes past answerCacheBytes
		c.put(string(rune('c'+i)), 1, body)
	}
	if c.bytes > answerCacheBytes {
		t.Fatalf("%d bytes held, bound %d", c.bytes, answerCacheBytes)
	}
	if c.get("b") != nil || c.get("a") == nil {
		t.Fatal("evicted a recently used entry first")
	}
}

// The handler tells the servers which index it holds a rendered answer
// for, and answers from it; ?pretty is rendered every time.
func TestHealthServiceSendsHeldIndex(t *testing.T) {
	fa, ts, _ := newTestServer(t, nil)
	held := func() uint64 {
		t.Helper()
		return fa.lastCall(catalog.MethodHealthServiceNodes).(*catalog.ServiceRequest).NotModifiedIndex
	}
	_, first := do(t, ts, "GET", "/v1/health/service/web?passing", nil)
	if held() != 0 {
		t.Fatalf("first read sent NotModifiedIndex %d", held())
	}
	resp, second := do(t, ts, "GET", "/v1/health/service/web?passing", nil)
	if held() != 10 || second != first {
		t.Fatalf("second read: NotModifiedIndex %d, body %q, want 10 and %q", held(), second, first)
	}
	if resp.Header.Get("X-Consul-Index") != "10" || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", resp.Header)
	}
	// Another question has its own entry.
	do(t, ts, "GET", "/v1/health/service/web", nil)
	if held() != 0 {
		t.Fatalf("read without ?passing sent NotModifiedIndex %d", held())
	}
	_, pretty := do(t, ts, "GET", "/v1/health/service/web?passing&pretty", nil)
	if held() != 0 || !strings.Contains(pretty, "\n    ") {
		t.Fatalf("?pretty: NotModifiedIndex %d, body %q", held(), pretty)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(pretty)); err != nil || compact.String() != first {
		t.Fatalf("pretty and compact bodies differ: %q vs %q (%v)", compact.String(), first, err)
	}
}

func TestHealthServiceKeyTellsArgumentsApart(t *testing.T) {
	base := catalog.ServiceRequest{ServiceName: "web"}
	seen := map[string]string{}
	for name, mod := range map[string]func(r *catalog.ServiceRequest){
		"base":     func(r *catalog.ServiceRequest) {},
		"dc":       func(r *catalog.ServiceRequest) { r.Datacenter = "dc2" },
		"token":    func(r *catalog.ServiceRequest) { r.Token = "t" },
		"passing":  func(r *catalog.ServiceRequest) { r.PassingOnly = true },
		"filter":   func(r *catalog.ServiceRequest) { r.Filter = "Service.Port == 80" },
		"tag":      func(r *catalog.ServiceRequest) { r.Tags = []string{"a"} },
		"two tags": func(r *catalog.ServiceRequest) { r.Tags = []string{"a", "b"} },
		"tag ab":   func(r *catalog.ServiceRequest) { r.Tags = []string{"ab"} },
		"meta":     func(r *catalog.ServiceRequest) { r.NodeMetaFilters = map[string]string{"a": "b"} },
		"meta ab":  func(r *catalog.ServiceRequest) { r.NodeMetaFilters = map[string]string{"ab": ""} },
		"service":  func(r *catalog.ServiceRequest) { r.ServiceName = "web2" },
	} {
		r := base
		mod(&r)
		k := healthServiceKey(&r)
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s share the key %q", name, other, k)
		}
		seen[k] = name
	}
	// Blocking and consistency options do not change the answer at an
	// index, so they share it.
	r := base
	r.MinQueryIndex, r.AllowStale, r.NotModifiedIndex = 5, true, 4
	if healthServiceKey(&r) != healthServiceKey(&base) {
		t.Error("blocking options changed the key")
	}
}
