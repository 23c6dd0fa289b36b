package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/lan"
)

type fakeSigner struct{ calls int }

func (f *fakeSigner) SignClientCSR(csr string, ttl time.Duration) (string, []string, time.Time, error) {
	f.calls++
	if csr != "csr" {
		return "", nil, time.Time{}, errors.New("bad request")
	}
	return "cert", []string{"ca"}, time.Now().Add(ttl), nil
}

// TestAutoEncryptSignNeedsNodeWrite: the sign call is answered only with
// allow_tls, for this datacenter, and with ACLs on only for a token that
// may write the node.
func TestAutoEncryptSignNeedsNodeWrite(t *testing.T) {
	gossip := &fakeLAN{}
	signer := &fakeSigner{}
	s, self := startTestServer(t, 0, gossip, func(c *Config) {
		c.Bootstrap = true
		c.ACLsEnabled = true
		c.ACLDefaultAllow = false
		c.InitialManagementToken = "root"
		c.PrimaryDatacenter = "dc1"
		c.AutoEncryptAllowTLS = true
		c.AutoEncryptCertTTL = time.Hour
	})
	s.signer = signer
	gossip.set([]lan.Member{self}, nil)
	waitUntil(t, 10*time.Second, "leadership", s.IsLeader)
	ctx := context.Background()
	sign := func(token, node, dc, csr string) (*catalog.AutoEncryptSignReply, error) {
		var reply catalog.AutoEncryptSignReply
		args := &catalog.AutoEncryptSignRequest{WriteRequest: catalog.WriteRequest{Datacenter: dc, Token: token}, Node: node, CSR: csr}
		return &reply, s.RPC(ctx, catalog.MethodAutoEncryptSign, args, &reply)
	}
	waitUntil(t, 10*time.Second, "the management token", func() bool {
		_, err := sign("root", "c1", "dc1", "csr")
		return err == nil
	})
	reply, err := sign("root", "c1", "dc1", "csr")
	if err != nil || reply.CertPEM != "cert" || len(reply.CAPEMs) != 1 || time.Until(reply.NotAfter) < 59*time.Minute {
		t.Fatalf("signed: %+v, %v", reply, err)
	}
	if _, err := sign("", "c1", "dc1", "csr"); !errors.Is(err, catalog.ErrPermissionDenied) {
		t.Fatalf("anonymous under default deny: %v", err)
	}
	if _, err := sign("root", "c1", "dc2", "csr"); !errors.Is(err, catalog.ErrUnknownDC) {
		t.Fatalf("another datacenter: %v", err)
	}
	var bad *catalog.BadRequest
	if _, err := sign("root", "", "dc1", "csr"); !errors.As(err, &bad) {
		t.Fatalf("no node name: %v", err)
	}
	if _, err := sign("root", "c1", "dc1", "junk"); !errors.As(err, &bad) {
		t.Fatalf("a request the signer refuses: %v", err)
	}

	s.cfg.AutoEncryptAllowTLS = false
	calls := signer.calls
	if _, err := sign("root", "c1", "dc1", "csr"); !errors.Is(err, errAutoEncryptOff) || signer.calls != calls {
		t.Fatalf("without allow_tls: %v", err)
	}
}
