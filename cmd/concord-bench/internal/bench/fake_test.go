package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeConsul is a tiny in-memory Consul HTTP API: KV, catalog register
// and deregister, service and health reads, with blocking ?index/?wait
// semantics on one global index (every write closes the changed channel).
type fakeConsul struct {
	mu       sync.Mutex
	index    uint64
	changed  chan struct{}
	kv       map[string][]byte
	services map[string]catalogRegistration // by service ID

	down      atomic.Bool // every request answers 500 "No cluster leader"
	rejectPut atomic.Bool // KV PUTs answer `false`
	queries   sync.Map    // raw query strings seen on KV GETs
	parked    atomic.Int64
	lastToken atomic.Value // X-Consul-Token of the latest request
}

func newFake(t *testing.T) (*fakeConsul, *httptest.Server) {
	f := &fakeConsul{index: 1, changed: make(chan struct{}), kv: map[string][]byte{},
		services: map[string]catalogRegistration{}}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /v1/kv/{key...}", f.putKV)
	mux.HandleFunc("GET /v1/kv/{key...}", f.getKV)
	mux.HandleFunc("PUT /v1/catalog/register", f.register)
	mux.HandleFunc("PUT /v1/catalog/deregister", f.deregister)
	mux.HandleFunc("GET /v1/catalog/service/{name}", f.service)
	mux.HandleFunc("GET /v1/health/service/{name}", f.service)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.lastToken.Store(r.Header.Get("X-Consul-Token"))
		if f.down.Load() {
			http.Error(w, "No cluster leader", http.StatusInternalServerError)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

// bump commits a write under f.mu and wakes every blocked query.
func (f *fakeConsul) bump() {
	f.index++
	close(f.changed)
	f.changed = make(chan struct{})
}

// block implements ?index/?wait: it returns once the index passed ?index,
// the wait ran out or the client went away. read runs under f.mu.
func (f *fakeConsul) block(w http.ResponseWriter, r *http.Request, read func() any) {
	var after uint64
	if v := r.URL.Query().Get("index"); v != "" {
		after, _ = strconv.ParseUint(v, 10, 64)
	}
	wait := 5 * time.Minute
	if v := r.URL.Query().Get("wait"); v != "" {
		wait, _ = time.ParseDuration(v)
	}
	timeout := time.After(wait)
	for {
		f.mu.Lock()
		idx, ch, out := f.index, f.changed, read()
		f.mu.Unlock()
		if after == 0 || idx > after {
			w.Header().Set("X-Consul-Index", fmt.Sprint(idx))
			if out == nil {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			json.NewEncoder(w).Encode(out)
			return
		}
		f.parked.Add(1)
		select {
		case <-ch:
		case <-timeout:
			after = 0
		case <-r.Context().Done():
		}
		f.parked.Add(-1)
		if r.Context().Err() != nil {
			return
		}
	}
}

func (f *fakeConsul) putKV(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if f.rejectPut.Load() {
		io.WriteString(w, "false")
		return
	}
	f.mu.Lock()
	f.kv[r.PathValue("key")] = body
	f.bump()
	f.mu.Unlock()
	io.WriteString(w, "true")
}

func (f *fakeConsul) getKV(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	f.queries.Store(r.URL.RawQuery, true)
	_, recurse := r.URL.Query()["recurse"]
	f.block(w, r, func() any {
		var out []kvEntry
		if !recurse {
			if v, ok := f.kv[key]; ok {
				out = append(out, kvEntry{Key: key, Value: v})
			}
		} else {
			for k, v := range f.kv {
				if strings.HasPrefix(k, key) {
					out = append(out, kvEntry{Key: k, Value: v})
				}
			}
			sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		}
		if out == nil {
			return nil
		}
		return out
	})
}

func (f *fakeConsul) register(w http.ResponseWriter, r *http.Request) {
	var reg catalogRegistration
	if err := json.NewDecoder(r.Body).Decode(&reg); err != nil || reg.Node == "" || reg.Service == nil {
		http.Error(w, "bad registration", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.services[reg.Service.ID] = reg
	f.bump()
	f.mu.Unlock()
	io.WriteString(w, "true")
}

func (f *fakeConsul) deregister(w http.ResponseWriter, r *http.Request) {
	var d catalogDeregistration
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil || d.Node == "" {
		http.Error(w, "bad deregistration", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	delete(f.services, d.ServiceID)
	f.bump()
	f.mu.Unlock()
	io.WriteString(w, "true")
}

func (f *fakeConsul) service(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	f.block(w, r, func() any {
		out := []map[string]string{}
		for id, reg := range f.services {
			if reg.Service.Service == name {
				out = append(out, map[string]string{"Node": reg.Node, "ServiceID": id})
			}
		}
		return out
	})
}

func (f *fakeConsul) numKeys() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.kv)
}

func (f *fakeConsul) numServices() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.services)
}
