package httpapi

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/concord-dev/concord/acl"
	"github.com/concord-dev/concord/lan"
)

// Keyring is the agent's gossip keyring across its pool.
type Keyring interface {
	// Keyring applies op (key, base64, is ignored by lan.KeyringList) on
	// every member of the agent's gossip pool and reports, per pool, how
	// the members answered. An invalid key is a *catalog.BadRequest.
	Keyring(ctx context.Context, op lan.KeyringOp, key string) ([]KeyringResponse, error)
}

// KeyringResponse is one gossip pool's answer to a keyring operation, in
// the shape consul/api's KeyringResponse decodes. Keys are base64.
type KeyringResponse struct {
	WAN         bool
	Datacenter  string
	Segment     string
	Messages    map[string]string // member -> its error
	Keys        map[string]int    // key -> members holding it
	PrimaryKeys map[string]int    // key -> members encrypting with it
	NumNodes    int
	// Error summarizes the members' failures; "" when every member
	// answered without one. Not sent: it becomes the request's error.
	Error string `json:"-"`
}

var methodsKeyring = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}

// operatorKeyring answers /v1/operator/keyring: GET lists the keys of
// every member, POST installs the body's Key, PUT makes it primary,
// DELETE removes it. A member's failure fails the request (500) with the
// pool's summary and each member's message, as Consul does.
func (s *Server) operatorKeyring(w http.ResponseWriter, r *http.Request) error {
	if err := s.allow(r, func(a acl.Authorizer) bool {
		if r.Method == http.MethodGet {
			return a.KeyringRead()
		}
		return a.KeyringWrite()
	}); err != nil {
		return err
	}
	op := lan.KeyringList
	var body struct{ Key string }
	if r.Method != http.MethodGet {
		if err := readJSON(w, r, MaxJSONBody, &body); err != nil {
			return err
		}
		switch r.Method {
		case http.MethodPost:
			op = lan.KeyringInstall
		case http.MethodPut:
			op = lan.KeyringUse
		case http.MethodDelete:
			op = lan.KeyringRemove
		}
	}
	responses, err := s.agent.Keyring(r.Context(), op, body.Key)
	if err != nil {
		return err
	}
	if err := keyringErrors(responses); err != nil {
		return err
	}
	if op != lan.KeyringList {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	for i := range responses {
		if responses[i].Messages == nil {
			responses[i].Messages = map[string]string{}
		}
	}
	return writeJSON(w, r, http.StatusOK, responses)
}

// keyringErrors turns the pools' failures into one error listing each
// pool's summary and its members' messages, or nil.
func keyringErrors(responses []KeyringResponse) error {
	var lines []string
	for _, resp := range responses {
		if resp.Error == "" {
			continue
		}
		pool := resp.Datacenter + " (LAN)"
		if resp.WAN {
			pool = "WAN"
		}
		lines = append(lines, pool+" error: "+resp.Error)
		nodes := make([]string, 0, len(resp.Messages))
		for n := range resp.Messages {
			nodes = append(nodes, n)
		}
		sort.Strings(nodes)
		for _, n := range nodes {
			lines = append(lines, "  "+n+": "+resp.Messages[n])
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return &httpError{code: http.StatusInternalServerError, msg: strings.Join(lines, "\n")}
}
