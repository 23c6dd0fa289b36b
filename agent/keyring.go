package agent

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/concord-dev/concord/agent/httpapi"
	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

// keyringFile is where the LAN keyring is kept, under the data directory
// (Consul's name).
const keyringFile = "serf/local.keyring"

// Keyring applies a keyring operation across the LAN pool (every member,
// clients included) and reports it as the LAN pool's answer. On a server
// it applies it to the WAN pool first (every server of every
// datacenter), as Consul changes both rings in lock-step, and reports
// that pool's answer first, marked WAN. A client agent is in no WAN pool,
// so an operation run through one leaves the WAN keyring as it was.
func (a *Agent) Keyring(ctx context.Context, op lan.KeyringOp, key string) ([]httpapi.KeyringResponse, error) {
	var raw []byte
	if op != lan.KeyringList {
		var err error
		raw, err = base64.StdEncoding.DecodeString(key)
		if err != nil {
			return nil, catalog.BadRequestf(fmt.Sprintf("Invalid key: not valid base64: %v", err))
		}
		if n := len(raw); n != 16 && n != 24 && n != 32 {
			return nil, catalog.BadRequestf(fmt.Sprintf("Invalid key: it decodes to %d bytes; a key is 16, 24 or 32 bytes", n))
		}
	}
	var out []httpapi.KeyringResponse
	if a.wan != nil {
		rep, err := a.wan.KeyringOperation(ctx, op, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, a.keyringResponse(rep, true))
	}
	rep, err := a.lan.KeyringOperation(ctx, op, raw)
	if err != nil {
		return nil, err
	}
	return append(out, a.keyringResponse(rep, false)), nil
}

func (a *Agent) keyringResponse(rep *lan.KeyringReport, wan bool) httpapi.KeyringResponse {
	resp := httpapi.KeyringResponse{
		WAN:         wan,
		Datacenter:  a.cfg.Datacenter,
		Messages:    rep.Messages,
		Keys:        rep.Keys,
		PrimaryKeys: rep.PrimaryKeys,
		NumNodes:    rep.NumNodes,
	}
	if err := rep.Err(); err != nil {
		resp.Error = err.Error()
	}
	return resp
}
